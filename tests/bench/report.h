// The bench's results: rows added as scenarios measure them, printed as
// they come and as one table at the end, and written as JSON.
//
// Thread-safety: Add may be called from any thread; Print and WriteJson
// from one.
#ifndef TRUC_TESTS_BENCH_REPORT_H_
#define TRUC_TESTS_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "truc/bench/bench.pb.h"

namespace truc::bench {

// A goal on a ratio or a value: the direction and the bound.
struct Goal {
  enum Kind { kNone, kAtLeast, kAtMost } kind = kNone;
  double bound = 0;
  bool on_ratio = true;  // false: on the value itself
  std::string text;      // as printed, e.g. ">= 3x", "<= 100 ms"

  static Goal None() { return {}; }
  static Goal RatioAtLeast(double x);
  static Goal RatioAtMost(double x);
  static Goal ValueAtMost(double v, const std::string& unit);
  static Goal ValueAtLeast(double v, const std::string& unit);
  bool Met(double value, double ratio) const;
};

class Report {
 public:
  explicit Report(bool quick) { report_.set_quick(quick); }

  // A measured figure, with its reference (empty name: none) and goal.
  // The ratio is value / reference_value. Prints the row at once.
  void Add(const std::string& scenario, const std::string& figure, double value,
           const std::string& unit, const std::string& reference,
           double reference_value, const Goal& goal,
           const std::string& note = "");
  // A reference that could not be measured, and why.
  void Skip(const std::string& scenario, const std::string& figure,
            const std::string& why);

  truc::bench::Results& proto() { return report_; }
  // Rows whose goal was missed.
  int Missed() const;
  // The whole table, aligned, to stdout.
  void Print() const;
  // The report as JSON, durably. Fails with the file error.
  absl::Status WriteJson(const std::string& path) const;

 private:
  mutable absl::Mutex mu_;
  truc::bench::Results report_;
};

// The p-th percentile (0..100) of `v` (nearest rank); 0 if empty.
double Percentile(std::vector<double> v, double p);

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_REPORT_H_
