#include "hub/server/metrics.h"

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "common/urgency.h"

namespace truc::hub {
namespace {

// Time to arrive or to read, in seconds: 1 s up to a day.
const std::vector<double> kDeliveryBounds = {
    1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
// An RPC's duration, in seconds.
const std::vector<double> kRpcBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,   1,    5,     30,   60};

Histogram NewHistogram(const std::vector<double>& bounds) {
  Histogram h;
  h.bounds = bounds;
  h.counts.assign(bounds.size() + 1, 0);
  return h;
}

std::string Escape(const std::string& v) {
  return absl::StrReplaceAll(v,
                             {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

std::string LabelText(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", labels[i].first, "=\"",
                    Escape(labels[i].second), "\"");
  }
  return out + "}";
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrFormat("%.6g", v);
}

void Header(std::string* out, const std::string& name, const std::string& help,
            const char* type) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

void RenderHistogram(std::string* out, const std::string& name,
                     const Labels& labels, const Histogram& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    Labels with = labels;
    with.emplace_back("le", i < h.bounds.size() ? Number(h.bounds[i]) : "+Inf");
    absl::StrAppend(out, name, "_bucket", LabelText(with), " ", cumulative,
                    "\n");
  }
  absl::StrAppend(out, name, "_sum", LabelText(labels), " ", Number(h.sum),
                  "\n", name, "_count", LabelText(labels), " ", h.count, "\n");
}

std::string StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : absl::StrCat(i);
}

class RpcInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(Metrics* metrics, std::string method)
      : metrics_(metrics),
        method_(std::move(method)),
        start_(std::chrono::steady_clock::now()) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start_)
                                 .count();
      metrics_->ObserveRpc(
          method_, StatusCodeName(methods->GetSendStatus().error_code()),
          seconds);
    }
    methods->Proceed();
  }

 private:
  Metrics* const metrics_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
};

class RpcInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcInterceptor(metrics_, info->method());
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

Metrics::Metrics() {
  absl::MutexLock lock(&mu_);
  for (auto u : {truc::v1::URGENCY_EXPRESS, truc::v1::URGENCY_VERY_URGENT,
                 truc::v1::URGENCY_URGENT, truc::v1::URGENCY_NORMAL}) {
    const std::string label(UrgencyName(u));
    accepted_[label] = 0;
    arrived_[label] = 0;
    to_arrive_[label] = NewHistogram(kDeliveryBounds);
    to_read_[label] = NewHistogram(kDeliveryBounds);
  }
}

void Metrics::Observe(const Change& c) {
  const std::string urgency(UrgencyName(UrgencyGroup(c.urgency)));
  absl::MutexLock lock(&mu_);
  switch (c.kind) {
    case Change::Kind::kAccepted:
      ++accepted_[urgency];
      break;
    case Change::Kind::kArrived:
      ++arrived_[urgency];
      to_arrive_[urgency].Observe(c.delay_micros / 1e6);
      break;
    case Change::Kind::kStatus:
      ++statuses_[absl::StrFormat("%02d", static_cast<int>(c.status))];
      if (c.status == truc::v1::EDXML_STATUS_ACCEPTED && c.delay_micros > 0)
        to_read_[urgency].Observe(c.delay_micros / 1e6);
      break;
    case Change::Kind::kPaper:
      ++paper_;
      break;
    case Change::Kind::kResent:
      ++resent_;
      break;
    default:
      break;
  }
}

void Metrics::ObserveRpc(const std::string& method, const std::string& code,
                         double seconds) {
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = rpc_.try_emplace({method, code});
  if (fresh) it->second = NewHistogram(kRpcBounds);
  it->second.Observe(seconds);
}

void Metrics::AddGauges(std::function<std::vector<GaugeFamily>()> fn) {
  absl::MutexLock lock(&mu_);
  gauges_.push_back(std::move(fn));
}

std::string Metrics::Render() {
  std::vector<std::function<std::vector<GaugeFamily>()>> gauges;
  {
    absl::MutexLock lock(&mu_);
    gauges = gauges_;
  }
  std::vector<GaugeFamily> families;
  for (auto& fn : gauges) {
    for (auto& f : fn()) families.push_back(std::move(f));
  }
  std::string out;
  absl::MutexLock lock(&mu_);
  const auto counter_by = [&](const std::string& name, const std::string& help,
                              const std::string& label,
                              const std::map<std::string, uint64_t>& values) {
    Header(&out, name, help, "counter");
    for (const auto& [v, n] : values)
      absl::StrAppend(&out, name, LabelText({{label, v}}), " ", n, "\n");
  };
  counter_by("truc_documents_accepted_total",
             "Documents the hub accepted since it started, by urgency.",
             "urgency", accepted_);
  counter_by("truc_deliveries_arrived_total",
             "Deliveries acknowledged (01) since the hub started, by urgency.",
             "urgency", arrived_);
  counter_by("truc_statuses_total",
             "Statuses 02..06 recorded since the hub started, by code.",
             "status", statuses_);
  Header(&out, "truc_paper_copies_total",
         "Paper copies recorded since the hub started.", "counter");
  absl::StrAppend(&out, "truc_paper_copies_total ", paper_, "\n");
  Header(&out, "truc_resends_total",
         "Documents resent to the units lacking them since the hub started.",
         "counter");
  absl::StrAppend(&out, "truc_resends_total ", resent_, "\n");
  Header(&out, "truc_time_to_arrive_seconds",
         "From acceptance to the recipient's 01, by urgency.", "histogram");
  for (const auto& [u, h] : to_arrive_)
    RenderHistogram(&out, "truc_time_to_arrive_seconds", {{"urgency", u}}, h);
  Header(&out, "truc_time_to_read_seconds",
         "From acceptance to the recipient's 03 (read), by urgency.",
         "histogram");
  for (const auto& [u, h] : to_read_)
    RenderHistogram(&out, "truc_time_to_read_seconds", {{"urgency", u}}, h);
  Header(&out, "truc_rpc_duration_seconds",
         "gRPC calls served, by method and status code.", "histogram");
  for (const auto& [key, h] : rpc_) {
    RenderHistogram(&out, "truc_rpc_duration_seconds",
                    {{"method", key.first}, {"code", key.second}}, h);
  }
  for (const GaugeFamily& f : families) {
    Header(&out, f.name, f.help, "gauge");
    for (const auto& [labels, v] : f.samples)
      absl::StrAppend(&out, f.name, LabelText(labels), " ", Number(v), "\n");
  }
  return out;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<RpcInterceptorFactory>(this);
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, const std::string& port_file,
    const HttpLimits& limits, Metrics* metrics) {
  std::unique_ptr<MetricsServer> self(new MetricsServer());
  HttpServerOptions o;
  o.what = "metrics";
  o.address = address;
  o.address_field = "metrics_listen_address";
  o.port_file = port_file;
  o.limits = limits;
  o.max_body_bytes = 0;
  TRUC_ASSIGN_OR_RETURN(
      self->server_,
      HttpServer::Start(std::move(o), [metrics](HttpRequest& request) {
        HttpResponse answer;
        answer.content_type = "text/plain; charset=utf-8";
        if (request.method != "GET" && request.method != "HEAD") {
          answer.status = 405;
          answer.body = absl::StrCat("only GET is served here, not ",
                                     request.method, "\n");
        } else if (request.path == "/metrics") {
          answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
          answer.body = metrics->Render();
        } else if (request.path == "/healthz") {
          answer.body = "ok\n";
        } else {
          answer.status = 404;
          answer.body = absl::StrCat("no such page: ", request.path,
                                     " (/metrics, /healthz)\n");
        }
        return answer;
      }));
  return self;
}

int MetricsServer::port() const { return server_->port(); }

void MetricsServer::Stop() {
  if (server_) server_->Stop();
}

MetricsServer::~MetricsServer() { Stop(); }

}  // namespace truc::hub
