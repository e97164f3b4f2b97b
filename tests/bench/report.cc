#include "tests/bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "common/file_util.h"
#include "common/text_proto.h"

namespace truc::bench {
namespace {

std::string Number(double v) {
  if (v == 0) return "0";
  double a = std::fabs(v);
  if (a >= 1000) return absl::StrFormat("%.0f", v);
  if (a >= 100) return absl::StrFormat("%.1f", v);
  if (a >= 1) return absl::StrFormat("%.2f", v);
  return absl::StrFormat("%.3f", v);
}

const char* VerdictText(Row::Verdict v) {
  switch (v) {
    case Row::MET:
      return "met";
    case Row::MISSED:
      return "MISSED";
    case Row::SKIPPED:
      return "skipped";
    default:
      return "";
  }
}

std::string Line(const Row& r) {
  std::string ref = r.reference().empty()
                        ? ""
                        : absl::StrFormat("%s %s", r.reference(),
                                          Number(r.reference_value()));
  return absl::StrFormat(
      "%-16s %-52s %12s %-8s %-44s %8s %-12s %s%s", r.scenario(), r.figure(),
      r.verdict() == Row::SKIPPED ? "-" : Number(r.value()), r.unit(), ref,
      r.ratio() == 0 ? "" : Number(r.ratio()) + "x", r.goal(),
      VerdictText(r.verdict()), r.note().empty() ? "" : "  (" + r.note() + ")");
}

}  // namespace

Goal Goal::RatioAtLeast(double x) {
  return {kAtLeast, x, true, absl::StrFormat(">= %gx", x)};
}
Goal Goal::RatioAtMost(double x) {
  return {kAtMost, x, true, absl::StrFormat("<= %gx", x)};
}
Goal Goal::ValueAtMost(double v, const std::string& unit) {
  return {kAtMost, v, false, absl::StrFormat("<= %g %s", v, unit)};
}
Goal Goal::ValueAtLeast(double v, const std::string& unit) {
  return {kAtLeast, v, false, absl::StrFormat(">= %g %s", v, unit)};
}

bool Goal::Met(double value, double ratio) const {
  double x = on_ratio ? ratio : value;
  switch (kind) {
    case kAtLeast:
      return x >= bound;
    case kAtMost:
      return x <= bound;
    default:
      return true;
  }
}

void Report::Add(const std::string& scenario, const std::string& figure,
                 double value, const std::string& unit,
                 const std::string& reference, double reference_value,
                 const Goal& goal, const std::string& note) {
  Row r;
  r.set_scenario(scenario);
  r.set_figure(figure);
  r.set_value(value);
  r.set_unit(unit);
  r.set_reference(reference);
  r.set_reference_value(reference_value);
  if (!reference.empty() && reference_value != 0)
    r.set_ratio(value / reference_value);
  r.set_goal(goal.text);
  if (goal.kind == Goal::kNone) {
    r.set_verdict(Row::INFO);
  } else {
    r.set_verdict(goal.Met(value, r.ratio()) ? Row::MET : Row::MISSED);
  }
  r.set_note(note);
  absl::MutexLock lock(&mu_);
  *report_.add_rows() = r;
  std::printf("%s\n", Line(r).c_str());
  std::fflush(stdout);
}

void Report::Skip(const std::string& scenario, const std::string& figure,
                  const std::string& why) {
  Row r;
  r.set_scenario(scenario);
  r.set_figure(figure);
  r.set_verdict(Row::SKIPPED);
  r.set_note(why);
  absl::MutexLock lock(&mu_);
  *report_.add_rows() = r;
  std::printf("%s\n", Line(r).c_str());
  std::fflush(stdout);
}

int Report::Missed() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& r : report_.rows()) n += r.verdict() == Row::MISSED;
  return n;
}

void Report::Print() const {
  absl::MutexLock lock(&mu_);
  std::printf("\n%-16s %-52s %12s %-8s %-44s %8s %-12s %s\n", "scenario",
              "figure", "truc", "unit", "reference (same run)", "ratio", "goal",
              "verdict");
  for (const auto& r : report_.rows()) std::printf("%s\n", Line(r).c_str());
  std::fflush(stdout);
}

absl::Status Report::WriteJson(const std::string& path) const {
  absl::MutexLock lock(&mu_);
  return WriteFileDurably(path, ToJson(report_) + "\n");
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  if (rank == 0) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

}  // namespace truc::bench
