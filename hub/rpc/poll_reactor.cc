#include "hub/rpc/poll_reactor.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/grpc_status.h"
#include "common/time_util.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {
namespace {

// A long poll: answers at once if something is queued, else parks.
class PollReactor : public grpc::ServerUnaryReactor, public TrackedCall {
 public:
  // Refs: Start's run on the pool, and gRPC's OnDone.
  PollReactor(grpc::CallbackServerContext* ctx, const ExchangeDeps& core,
              Identity agency, const truc::v1::PollRequest& request,
              truc::v1::PollResponse* response)
      : TrackedCall(2),
        ctx_(ctx),
        core_(core),
        agency_(std::move(agency)),
        owner_(agency_.role == Role::kBridge ? absl::StrCat("@", agency_.name)
                                             : agency_.name),
        response_(response),
        max_(request.max_deliveries()),
        wait_(std::min(request.wait_seconds(), core.max_poll_wait_seconds)) {
    auto token = core_.calls->Add(agency_, this, /*capped=*/false);
    if (!token.ok()) {
      Finish(ToGrpcStatus(token.status()));
      Unref();  // Start will not run
      return;
    }
    call_token_ = *token;
    // As in SendReactor: a revocation just before Add found no call.
    if (absl::Status again = core_.certificates->Admit(agency_); !again.ok()) {
      Finish(ToGrpcStatus(again));
      Unref();  // Start will not run
      return;
    }
    // Recording the poll writes to the store: on the work pool.
    core_.pool->Run([this] {
      Start();
      Unref();
    });
  }

  void OnCancel() override {
    uint64_t token = token_.load();
    if (token != 0 && core_.offers->Cancel(token))
      Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    core_.calls->Remove(call_token_);
    Unref();
  }

  // A parked poll is taken out of the waiters and finished; one being
  // answered sees the request in TryFinish, or right after it parks.
  void End(const absl::Status& status) override {
    if (!end_.Set(status)) return;
    uint64_t token = token_.load();
    if (token != 0 && core_.offers->Cancel(token)) Finish(ToGrpcStatus(status));
  }

 private:
  void Start() {
    // A bridge's queue is "@<bridge>" (hub/exchange/ledger.h); only an
    // agency's poll counts against its silence.
    if (agency_.role == Role::kAgency)
      core_.directory->RecordPoll(agency_.name);
    // Read before looking for work: a send that commits between the look
    // and the park bumps it, and the park then wakes at once.
    const uint64_t generation = core_.offers->Generation(owner_);
    if (TryFinish(wait_ == 0)) return;
    const int64_t deadline = NowMicros() + int64_t{wait_} * 1'000'000;
    const uint64_t token = core_.offers->Park(
        owner_, deadline, [this](bool passed) { return TryFinish(passed); },
        generation);
    if (token == 0) {  // the hub is shutting down
      TryFinish(true);
      return;
    }
    token_.store(token);
    // A cancel or an end request that came before the token was stored
    // found nothing to take: whoever takes the waiter out of the table
    // finishes the call.
    if (ctx_->IsCancelled() && core_.offers->Cancel(token)) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (auto end = end_.Get(); end && core_.offers->Cancel(token))
      Finish(ToGrpcStatus(*end));
  }

  // Leases what is queued; finishes if there is something, the deadline
  // passed, the call was cancelled or ended, or the lease failed.
  bool TryFinish(bool deadline_passed) {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return true;
    }
    if (auto end = end_.Get()) {
      Finish(ToGrpcStatus(*end));
      return true;
    }
    auto leased = core_.ledger->Lease(agency_, max_);
    if (!leased.ok()) {
      Finish(ToGrpcStatus(leased.status()));
      return true;
    }
    if (leased->empty() && !deadline_passed) return false;
    for (auto& d : *leased) *response_->add_deliveries() = std::move(d);
    if (!leased->empty()) {
      LogEvent("leased", {{"agency", agency_.name},
                          {"documents", absl::StrCat(leased->size())}});
    }
    Finish(grpc::Status::OK);
    return true;
  }

  grpc::CallbackServerContext* ctx_;
  ExchangeDeps core_;
  Identity agency_;
  std::string owner_;  // whose queue: the agency, or "@<bridge>"
  truc::v1::PollResponse* response_;
  uint32_t max_;
  uint32_t wait_;
  uint64_t call_token_ = 0;
  std::atomic<uint64_t> token_{0};
  EndRequest end_;
};

}  // namespace

grpc::ServerUnaryReactor* NewPollReactor(grpc::CallbackServerContext* ctx,
                                         const ExchangeDeps& deps,
                                         Identity agency,
                                         const truc::v1::PollRequest& request,
                                         truc::v1::PollResponse* response) {
  return new PollReactor(ctx, deps, std::move(agency), request, response);
}

}  // namespace truc::hub
