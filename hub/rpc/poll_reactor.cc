#include "hub/rpc/poll_reactor.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {
namespace {

// A long poll: answers at once if there is something to answer with, else
// parks in Offers until woken (then looks again) or its wait runs out.
// Subclasses say where it parks and what it looks for.
class LongPollReactor : public grpc::ServerUnaryReactor, public TrackedCall {
 public:
  // Refs: Start's run on the pool, and gRPC's OnDone.
  LongPollReactor(grpc::CallbackServerContext* ctx, const ExchangeDeps& core,
                  Identity caller, uint32_t wait_seconds)
      : TrackedCall(2),
        ctx_(ctx),
        core_(core),
        caller_(std::move(caller)),
        wait_(std::min(wait_seconds, core.max_poll_wait_seconds)) {}

  void OnCancel() override {
    cancelled_.store(true);
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

 protected:
  // Registers the call and starts it on the work pool (looking may read
  // the store). Called once by the subclass's constructor.
  void Begin() {
    auto token = core_.calls->Add(caller_, this, /*capped=*/false);
    if (!token.ok()) {
      Finish(ToGrpcStatus(token.status()));
      Unref();  // Start will not run
      return;
    }
    call_token_ = *token;
    // As in SendReactor: a revocation just before Add found no call.
    if (absl::Status again = core_.certificates->Admit(caller_); !again.ok()) {
      Finish(ToGrpcStatus(again));
      Unref();  // Start will not run
      return;
    }
    core_.pool->Run([this] {
      Start();
      Unref();
    });
  }

  // Before the first look (on the pool).
  virtual void BeforeLooking() {}
  // How many times what this poll waits for was announced (Offers).
  virtual uint64_t Generation() = 0;
  // Parks in Offers (its Park or ParkForNotices).
  virtual uint64_t Park(int64_t deadline, Offers::WakeFn fn,
                        uint64_t generation) = 0;
  // Looks, filling the response with what it found. True if it found
  // something; an error finishes the call with it.
  virtual absl::StatusOr<bool> Look() = 0;

  grpc::CallbackServerContext* ctx_;
  ExchangeDeps core_;
  Identity caller_;

 private:
  void Start() {
    BeforeLooking();
    // Read before looking: a change that commits between the look and the
    // park bumps it, and the park then wakes at once.
    const uint64_t generation = Generation();
    if (TryFinish(wait_ == 0)) return;
    const int64_t deadline = NowMicros() + int64_t{wait_} * 1'000'000;
    const uint64_t token = Park(
        deadline, [this](bool passed) { return TryFinish(passed); },
        generation);
    if (token == 0) {  // the hub is shutting down
      TryFinish(true);
      return;
    }
    token_.store(token);
    // From here the call is no longer this thread's: a wake may already
    // have finished it on the pool, and gRPC ended it (its context is gone;
    // this object lives on by Start's reference). A cancel or an end
    // request that came before the token was stored found nothing to take;
    // whoever takes the waiter out of the table finishes the call. The
    // flags are this object's own, and each side stores before it loads,
    // so at least one of the two sees the other.
    if (cancelled_.load() && core_.offers->Cancel(token)) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (auto end = end_.Get(); end && core_.offers->Cancel(token))
      Finish(ToGrpcStatus(*end));
  }

  // Looks; finishes if it found something, the deadline passed, the call
  // was cancelled or ended, or the look failed.
  bool TryFinish(bool deadline_passed) {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return true;
    }
    if (auto end = end_.Get()) {
      Finish(ToGrpcStatus(*end));
      return true;
    }
    absl::StatusOr<bool> found = Look();
    if (!found.ok()) {
      Finish(ToGrpcStatus(found.status()));
      return true;
    }
    if (!*found && !deadline_passed) return false;
    Finish(grpc::Status::OK);
    return true;
  }

  uint32_t wait_;
  uint64_t call_token_ = 0;
  std::atomic<uint64_t> token_{0};
  std::atomic<bool> cancelled_{false};  // OnCancel ran
  EndRequest end_;
};

// Exchange.Poll and Bridge.Poll: leases what is queued for the caller.
class PollReactor : public LongPollReactor {
 public:
  PollReactor(grpc::CallbackServerContext* ctx, const ExchangeDeps& core,
              Identity agency, const truc::v1::PollRequest& request,
              truc::v1::PollResponse* response)
      : LongPollReactor(ctx, core, std::move(agency), request.wait_seconds()),
        owner_(caller_.role == Role::kBridge ? absl::StrCat("@", caller_.name)
                                             : caller_.name),
        response_(response),
        max_(request.max_deliveries()) {
    Begin();
  }

 private:
  // A bridge's queue is "@<bridge>" (hub/exchange/ledger.h); only an
  // agency's poll counts against its silence.
  void BeforeLooking() override {
    if (caller_.role == Role::kAgency)
      core_.directory->RecordPoll(caller_.name);
  }
  uint64_t Generation() override { return core_.offers->Generation(owner_); }
  uint64_t Park(int64_t deadline, Offers::WakeFn fn,
                uint64_t generation) override {
    return core_.offers->Park(owner_, deadline, std::move(fn), generation);
  }
  absl::StatusOr<bool> Look() override {
    TRUC_ASSIGN_OR_RETURN(auto leased, core_.ledger->Lease(caller_, max_));
    if (leased.empty()) return false;
    for (auto& d : leased) *response_->add_deliveries() = std::move(d);
    LogEvent("leased", {{"agency", caller_.name},
                        {"documents", absl::StrCat(leased.size())}});
    return true;
  }

  std::string owner_;  // whose queue: the agency, or "@<bridge>"
  truc::v1::PollResponse* response_;
  uint32_t max_;
};

// Bridge.Statuses: the notices waiting for the bridge to carry back.
class StatusesReactor : public LongPollReactor {
 public:
  StatusesReactor(grpc::CallbackServerContext* ctx, const ExchangeDeps& core,
                  Identity bridge,
                  const truc::v1::BridgeStatusesRequest& request,
                  truc::v1::BridgeStatusesResponse* response)
      : LongPollReactor(ctx, core, std::move(bridge), request.wait_seconds()),
        owner_(absl::StrCat("@", caller_.name)),
        request_(request),
        response_(response) {
    Begin();
  }

 private:
  uint64_t Generation() override {
    return core_.offers->NoticeGeneration(owner_);
  }
  uint64_t Park(int64_t deadline, Offers::WakeFn fn,
                uint64_t generation) override {
    return core_.offers->ParkForNotices(owner_, deadline, std::move(fn),
                                        generation);
  }
  absl::StatusOr<bool> Look() override {
    TRUC_ASSIGN_OR_RETURN(*response_,
                          core_.operations->BridgeStatuses(
                              Actor::ForCertificate(caller_), request_));
    return response_->statuses_size() > 0;
  }

  std::string owner_;  // "@<bridge>"
  truc::v1::BridgeStatusesRequest request_;
  truc::v1::BridgeStatusesResponse* response_;
};

}  // namespace

grpc::ServerUnaryReactor* NewPollReactor(grpc::CallbackServerContext* ctx,
                                         const ExchangeDeps& deps,
                                         Identity agency,
                                         const truc::v1::PollRequest& request,
                                         truc::v1::PollResponse* response) {
  return new PollReactor(ctx, deps, std::move(agency), request, response);
}

grpc::ServerUnaryReactor* NewStatusesReactor(
    grpc::CallbackServerContext* ctx, const ExchangeDeps& deps, Identity bridge,
    const truc::v1::BridgeStatusesRequest& request,
    truc::v1::BridgeStatusesResponse* response) {
  return new StatusesReactor(ctx, deps, std::move(bridge), request, response);
}

}  // namespace truc::hub
