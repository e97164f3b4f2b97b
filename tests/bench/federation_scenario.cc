// Scenario 6: a national broadcast. One express document from the national
// tier to every agency of the country, through one hub per province and a
// truc-bridge each, against the same broadcast through one hub to the same
// number of local agencies, in the same run. The agencies are simulated in
// this process (one thread and one connection each, long-polling and
// acknowledging with the agency's signed statement, as an agent does, but
// storing nothing): the figure is the hubs' and the bridges', not the
// agents' disks.
#include <grpcpp/channel.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "tests/bench/scenario_kit.h"

namespace truc::bench {
namespace {

// Agencies that long-poll a hub and acknowledge what they get, each on
// its own thread and connection, noting when each acknowledgement was
// answered. Thread-safe.
class SimulatedAgents {
 public:
  // Each polls with `poll_wait` (truc-agent's default is 30 s: an idle
  // agency costs its hub one answer per wait).
  SimulatedAgents(World* w, std::vector<std::string> codes,
                  std::chrono::seconds poll_wait)
      : w_(w), codes_(std::move(codes)), poll_wait_(poll_wait) {
    for (size_t i = 0; i < codes_.size(); ++i) {
      threads_.emplace_back([this, i] { Run(codes_[i]); });
    }
  }
  ~SimulatedAgents() { Stop(); }

  // Ends the polls under way (they wait up to poll_wait) and the threads.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
      for (grpc::ClientContext* ctx : polling_) ctx->TryCancel();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // Acknowledgements answered at or after `since` (micros): how many, and
  // the last one's time.
  std::pair<size_t, int64_t> AckedSince(int64_t since) {
    absl::MutexLock lock(&mu_);
    size_t n = 0;
    int64_t last = 0;
    for (int64_t t : acked_) {
      if (t < since) continue;
      ++n;
      last = std::max(last, t);
    }
    return {n, last};
  }
  // A refusal one of them met, or the hub they poll having died.
  absl::Status error() {
    if (!w_->hub()->running()) {
      return absl::InternalError(absl::StrCat(
          "a hub exited during the broadcast; see ", w_->Path("hub.log")));
    }
    absl::MutexLock lock(&mu_);
    return error_;
  }

 private:
  void Run(const std::string& code) {
    auto stub = w_->Exchange(code);
    while (true) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + poll_wait_ +
                       std::chrono::seconds(30));
      {
        absl::MutexLock lock(&mu_);
        if (stop_) return;
        polling_.insert(&ctx);
      }
      truc::v1::PollRequest req;
      req.set_wait_seconds(poll_wait_.count());
      truc::v1::PollResponse resp;
      grpc::Status s = stub->Poll(&ctx, req, &resp);
      {
        absl::MutexLock lock(&mu_);
        polling_.erase(&ctx);
        if (stop_) return;
      }
      if (!s.ok()) {
        // As an agent does: try again (thousands of connections starting
        // at once on two cores are slow); only a refusal is an error.
        if (!OutcomeMayBeUnknown(FromGrpcStatus(s).code())) {
          absl::MutexLock lock(&mu_);
          if (error_.ok()) error_ = FromGrpcStatus(s);
          return;
        }
        absl::SleepFor(absl::Milliseconds(200));
        continue;
      }
      for (const auto& d : resp.deliveries()) {
        auto ack = Ack(w_, code, d);
        if (!ack.ok()) continue;
        grpc::ClientContext actx;
        actx.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
        truc::v1::AcknowledgeResponse aresp;
        if (stub->Acknowledge(&actx, *ack, &aresp).ok()) {
          absl::MutexLock lock(&mu_);
          acked_.push_back(NowMicros());
        }
      }
    }
  }

  World* w_;
  std::vector<std::string> codes_;
  const std::chrono::seconds poll_wait_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> polling_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> acked_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

struct Broadcast {
  double last_ack_ms = 0;    // send -> the last recipient's acknowledgement
  double status_all_ms = 0;  // send -> the sender's status shows all
};

// Sends one express document from the office of `sender` to `to`, and
// measures until `agents` acknowledged it (`expected` of them) and the
// office's status shows every recipient received.
absl::StatusOr<Broadcast> SendAndWait(World* sender,
                                      const std::vector<std::string>& to,
                                      std::vector<SimulatedAgents*> agents,
                                      absl::Duration timeout) {
  // The office's agent keeps its connection, so the clock starts once it
  // is connected: on two cores loaded with 35 hubs, a new TLS connection
  // took the bench's own process up to 14 s, none of it the hubs' work.
  auto channel = sender->Channel(kOfficeCode);
  const auto c0 = SteadyClock::now();
  channel->WaitForConnected(std::chrono::system_clock::now() +
                            std::chrono::seconds(60));
  Progress(absl::StrFormat("office connected in %.0f ms", MillisSince(c0)));
  auto office = truc::v1::Exchange::NewStub(channel);
  auto op = sender->Operator();
  const DocumentHeader header = BenchHeader(to, truc::v1::URGENCY_EXPRESS);
  const int64_t t0 = NowMicros();
  const auto s0 = SteadyClock::now();
  // Sent again under the same key while the outcome is unknown (a busy
  // machine may drop a connection): one document.
  const std::string key = NewIdempotencyKey();
  absl::StatusOr<truc::v1::SendResponse> sent;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) absl::SleepFor(absl::Seconds(attempt));  // as an agent
    sent = SendDocument(office.get(), sender->SignerOf(kOfficeCode), header, {},
                        key, std::chrono::seconds(120));
    if (sent.ok() || !OutcomeMayBeUnknown(sent.status().code())) break;
  }
  TRUC_RETURN_IF_ERROR(sent.status());
  const std::string id = sent->document_id();
  Progress(absl::StrFormat(
      "broadcast %s: stored %.0f ms after the send began, answered at %.0f", id,
      (sent->accepted_at().unix_micros() - t0) / 1e3, MillisSince(s0)));
  Broadcast out;
  const absl::Time deadline = absl::Now() + timeout;
  bool acked = false;
  while (true) {
    if (!acked) {
      size_t n = 0;
      int64_t last = 0;
      for (SimulatedAgents* a : agents) {
        TRUC_RETURN_IF_ERROR(a->error());
        auto [count, at] = a->AckedSince(t0);
        n += count;
        last = std::max(last, at);
      }
      if (n >= to.size()) {
        acked = true;
        out.last_ack_ms = (last - t0) / 1000.0;
        Progress(
            absl::StrFormat("broadcast %s: %d acknowledgements, the "
                            "last %.0f ms after the send began",
                            id, n, out.last_ack_ms));
      }
    }
    auto status = GetStatus(op.get(), id);
    if (!status.ok() && !OutcomeMayBeUnknown(status.status().code()))
      return status.status();
    if (status.ok() && status->received_count() == to.size()) {
      out.status_all_ms = MillisSince(s0);
      if (acked) return out;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "national broadcast: ", status.ok() ? status->received_count() : 0,
          " of ", to.size(), " received after ",
          absl::FormatDuration(timeout)));
    }
    // As a console refreshing often would: reading all 3,400 rows is work
    // for the sender's hub, and no measurement should add much of it.
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace

absl::Status NationalBroadcast(const BenchOptions& o, Report* r) {
  const std::string S = "national-broadcast";
  const int provinces = o.quick ? 3 : o.broadcast_provinces;
  const int per = o.quick ? 4 : o.broadcast_agencies;
  const int n = provinces * per;
  const auto all = BenchAgencies(n, 2);  // the national office is number 1
  const std::vector<std::string> codes = Codes(all, n);
  const int rounds = o.quick ? 2 : 3;
  const std::chrono::seconds poll_wait(o.broadcast_poll_wait);

  // One hub, every agency local to it.
  Broadcast single;
  uint64_t single_rss = 0;
  {
    Progress(absl::StrCat("national broadcast: one hub, ", n, " agencies"));
    TRUC_ASSIGN_OR_RETURN(
        auto w, World::Create(JoinPath(o.run_dir, S + "/one-hub"), o.binaries));
    TRUC_RETURN_IF_ERROR(w->StartHub());
    TRUC_RETURN_IF_ERROR(w->AddAgencies(all));
    SimulatedAgents agents(w.get(), codes, poll_wait);
    absl::SleepFor(absl::Seconds(o.quick ? 1 : 10));
    TRUC_RETURN_IF_ERROR(
        SendAndWait(w.get(), codes, {&agents}, absl::Seconds(300)).status());
    std::vector<double> last, status;
    for (int i = 0; i < rounds; ++i) {
      TRUC_ASSIGN_OR_RETURN(Broadcast b, SendAndWait(w.get(), codes, {&agents},
                                                     absl::Seconds(300)));
      last.push_back(b.last_ack_ms);
      status.push_back(b.status_all_ms);
    }
    single = {Median(last), Median(status)};
    single_rss = w->hub()->PeakRssBytes();
    agents.Stop();
  }

  // The national hub and one hub and bridge per province.
  Progress(absl::StrCat("national broadcast: ", provinces, " provinces of ",
                        per, " agencies, each with its hub and bridge"));
  TRUC_ASSIGN_OR_RETURN(
      auto national,
      World::Create(JoinPath(o.run_dir, S + "/national"), o.binaries,
                    "name: \"Trục quốc gia (bench)\"\n"));
  TRUC_RETURN_IF_ERROR(national->StartHub());
  std::vector<std::unique_ptr<World>> hubs;
  std::vector<std::unique_ptr<Process>> bridges;
  std::vector<std::unique_ptr<SimulatedAgents>> agents;
  for (int p = 0; p < provinces; ++p) {
    const std::string bridge = absl::StrFormat("tinh-%02d", p + 1);
    const std::vector<BenchAgency> own(all.begin() + p * per,
                                       all.begin() + (p + 1) * per);
    TRUC_ASSIGN_OR_RETURN(
        auto w, World::Create(JoinPath(o.run_dir, S + "/" + bridge), o.binaries,
                              absl::StrFormat("name: \"Trục %s\"\n", bridge)));
    TRUC_RETURN_IF_ERROR(w->StartHub(/*with_office=*/false));
    TRUC_RETURN_IF_ERROR(w->AddAgencies(own));
    TRUC_RETURN_IF_ERROR(national->AddRemoteAgencies(own, bridge));
    TRUC_RETURN_IF_ERROR(
        w->Issue("bridge-up", {Role::kBridge, "quoc-gia", "Cầu nối"}));
    TRUC_RETURN_IF_ERROR(
        national->Issue("bridge-" + bridge, {Role::kBridge, bridge, bridge}));
    const std::string conf =
        absl::StrCat("hub { address: \"", w->address(), "\" tls { ca_cert: \"",
                     w->Path("ca.crt"), "\" cert: \"", w->Path("bridge-up.crt"),
                     "\" key: \"", w->Path("bridge-up.key"), "\" } }\n",
                     "upstream_hub { address: \"", national->address(),
                     "\" tls { ca_cert: \"", national->Path("ca.crt"),
                     "\" cert: \"", national->Path("bridge-" + bridge + ".crt"),
                     "\" key: \"", national->Path("bridge-" + bridge + ".key"),
                     "\" } }\n", "poll_wait_seconds: 10\n",
                     "directory_sync_seconds: 1\nretry_initial_millis: 50\n");
    TRUC_RETURN_IF_ERROR(WriteFileDurably(w->Path("bridge.conf"), conf));
    hubs.push_back(std::move(w));
  }
  // The bridges once every hub is set up (each mirrors the whole national
  // directory at start).
  for (auto& w : hubs) {
    bridges.push_back(std::make_unique<Process>(
        std::vector<std::string>{TRUC_BRIDGE_BIN, "run", "--config",
                                 w->Path("bridge.conf")},
        w->Path("bridge.log")));
  }
  // Every province hub knows the national office once its bridge has
  // mirrored the national directory.
  for (auto& w : hubs) {
    auto op = w->Operator();
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    while (true) {
      grpc::ClientContext ctx;
      truc::v1::ListAgenciesResponse list;
      if (op->ListAgencies(&ctx, {}, &list).ok() &&
          list.agencies_size() >= n + 1) {  // the national office too
        break;
      }
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "national broadcast: a province hub did not get the national "
            "directory; see ",
            w->Path("bridge.log")));
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  std::vector<SimulatedAgents*> all_agents;
  for (int p = 0; p < provinces; ++p) {
    agents.push_back(std::make_unique<SimulatedAgents>(
        hubs[p].get(),
        std::vector<std::string>(codes.begin() + p * per,
                                 codes.begin() + (p + 1) * per),
        poll_wait));
    all_agents.push_back(agents.back().get());
  }
  absl::SleepFor(absl::Seconds(o.quick ? 1 : 20));
  TRUC_RETURN_IF_ERROR(
      SendAndWait(national.get(), codes, all_agents, absl::Seconds(300))
          .status());
  std::vector<double> last, status;
  for (int i = 0; i < rounds; ++i) {
    TRUC_ASSIGN_OR_RETURN(
        Broadcast b,
        SendAndWait(national.get(), codes, all_agents, absl::Seconds(300)));
    last.push_back(b.last_ack_ms);
    status.push_back(b.status_all_ms);
  }
  const Broadcast federated = {Median(last), Median(status)};
  uint64_t province_rss = 0, bridge_rss = 0;
  for (auto& w : hubs)
    province_rss = std::max(province_rss, w->hub()->PeakRssBytes());
  for (auto& b : bridges) bridge_rss = std::max(bridge_rss, b->PeakRssBytes());
  const uint64_t national_rss = national->hub()->PeakRssBytes();
  for (auto& a : agents) a->Stop();
  for (auto& b : bridges) b->Stop(std::chrono::seconds(5));

  const std::string one_hub = absl::StrFormat("one hub, %d local agencies", n);
  const std::string what = absl::StrFormat(
      "%d provinces x %d agencies, %d bridges: ", provinces, per, provinces);
  r->Add(S, what + "send -> last acknowledgement", federated.last_ack_ms, "ms",
         one_hub, single.last_ack_ms, Goal::RatioAtMost(2));
  r->Add(S, what + "send -> sender's status shows all", federated.status_all_ms,
         "ms", one_hub, single.status_all_ms, Goal::RatioAtMost(2));
  r->Add(S, "national hub peak RSS", national_rss / 1e6, "MB", one_hub,
         single_rss / 1e6, Goal::None());
  r->Add(S, "largest province hub peak RSS", province_rss / 1e6, "MB", "", 0,
         Goal::None());
  r->Add(S, "largest bridge peak RSS", bridge_rss / 1e6, "MB", "", 0,
         Goal::ValueAtMost(64, "MB"));
  return absl::OkStatus();
}

}  // namespace truc::bench
