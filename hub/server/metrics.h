// The hub's metrics for the province's IT centre, in the Prometheus text
// format (version 0.0.4), served on their own plain-HTTP port
// (metrics_listen_address) at /metrics, with /healthz beside it.
//
// Counters and histograms are kept from what happens while the hub runs:
// the change feed (documents accepted, arrivals, statuses, time to arrive
// and to read by urgency) and a gRPC server interceptor (calls and their
// latency by method and code). Gauges are read from the hub at each
// scrape: deliveries outstanding by urgency and the oldest express one
// (from the "not yet received" index), silent agencies, alerts firing,
// the store's size, the audit log's size, console sessions.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_SERVER_METRICS_H_
#define TRUC_HUB_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/exchange/change_feed.h"
#include "hub/http/http_server.h"

namespace truc::hub {

// A histogram's cumulative counts per upper bound, its sum and count.
struct Histogram {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;  // one per bound, plus +Inf
  double sum = 0;
  uint64_t count = 0;
  void Observe(double v);
};

// Label pairs in order, e.g. {{"urgency", "express"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One gauge family's samples at a scrape.
struct GaugeFamily {
  std::string name;
  std::string help;
  std::vector<std::pair<Labels, double>> samples;
};

class Metrics {
 public:
  Metrics();

  // Counts what the change feed publishes (an observer; never blocks).
  void Observe(const Change& change);
  // One RPC ended with `code` after `seconds`.
  void ObserveRpc(const std::string& method, const std::string& code,
                  double seconds);
  // Called at each scrape for the gauges' current values.
  void AddGauges(std::function<std::vector<GaugeFamily>()> fn);

  // The whole exposition.
  std::string Render();

  // A gRPC server interceptor factory that reports to this object.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

 private:
  absl::Mutex mu_;
  std::map<std::string, uint64_t> accepted_ ABSL_GUARDED_BY(mu_);  // urgency
  std::map<std::string, uint64_t> arrived_ ABSL_GUARDED_BY(mu_);   // urgency
  std::map<std::string, uint64_t> statuses_ ABSL_GUARDED_BY(mu_);  // code
  std::map<std::string, Histogram> to_arrive_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> to_read_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Histogram> rpc_
      ABSL_GUARDED_BY(mu_);
  uint64_t paper_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t resent_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t alerts_raised_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::function<std::vector<GaugeFamily>()>> gauges_
      ABSL_GUARDED_BY(mu_);
};

// Serves `metrics` over plain HTTP on `address` (HOST:PORT; port 0 picks
// one, written to `port_file` when set), with `limits` for its
// connections.
class MetricsServer {
 public:
  // UNAVAILABLE if the address cannot be bound; INVALID_ARGUMENT for a
  // malformed one.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, const std::string& port_file,
      const HttpLimits& limits, Metrics* metrics);
  ~MetricsServer();
  int port() const;
  void Stop();

 private:
  MetricsServer() = default;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_SERVER_METRICS_H_
