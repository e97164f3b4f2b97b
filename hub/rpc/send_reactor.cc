#include "hub/rpc/send_reactor.h"

#include <atomic>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/grpc_status.h"
#include "hub/exchange/send_session.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {
namespace {

// A Send: reads messages one at a time into a SendSession.
//
// Exactly one Complete finishes the call. A request to end it (a revoked
// certificate, the hub's cap on a call's duration) finishes it at once if
// it waits for its turn or for the client's next message; otherwise the
// message being handled sees the request when it is done. Whatever may
// touch the disk runs on the work pool, holding a reference, so that the
// reactor outlives it even if gRPC is done with the call meanwhile.
class SendReactor : public grpc::ServerReadReactor<truc::v1::SendRequest>,
                    public TrackedCall {
 public:
  SendReactor(grpc::CallbackServerContext* ctx, absl::StatusOr<Identity> caller,
              const ExchangeDeps& core, truc::v1::SendResponse* response)
      : TrackedCall(1),
        ctx_(ctx),
        canceller_(ctx),
        response_(response),
        admission_(core.admission),
        pool_(core.pool),
        calls_(core.calls) {
    if (!caller.ok()) {
      Complete(caller.status());
      return;
    }
    caller_ = caller->name;
    auto token = calls_->Add(*caller, this, /*capped=*/true);
    if (!token.ok()) {
      Complete(token.status());
      return;
    }
    token_ = *token;
    // A revocation between the caller's authentication and Add found no
    // call of its to end: look again now that the call can be found.
    if (absl::Status again = core.certificates->Admit(*caller); !again.ok()) {
      Complete(again);
      return;
    }
    session_ =
        std::make_unique<SendSession>(core.ledger, core.directory, core.blobs,
                                      core.trust, core.limits, *caller);
    // The send is not read until the agency's turn comes (SendAdmission).
    const uint64_t ticket = admission_->Admit(caller_, [this](absl::Status s) {
      if (!s.ok()) {
        Complete(s);
        return;
      }
      {
        absl::MutexLock lock(&mu_);
        admitted_ = true;
      }
      ReadNext();
    });
    ticket_.store(ticket);
    // An end request that came before the ticket was stored could not
    // withdraw it.
    std::optional<absl::Status> end;
    {
      absl::MutexLock lock(&mu_);
      end = end_;
    }
    if (end && ticket != 0 && admission_->Cancel(ticket)) CompleteOnPool(*end);
  }

  // A send still waiting for its turn ends here; one being read ends in
  // OnReadDone, whose read fails.
  void OnCancel() override {
    const uint64_t ticket = ticket_.load();
    if (ticket != 0 && admission_->Cancel(ticket)) {
      CompleteOnPool(absl::CancelledError(
          "the send was cancelled while it waited for its turn; nothing was "
          "stored"));
    }
  }

  void End(const absl::Status& status) override {
    bool now = false;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || end_) return;
      end_ = status;
      // Waiting for the client's next message: finish without it (the
      // pending read then fails, and HandleRead finds the call finished).
      if (reading_) finished_ = now = true;
    }
    if (now) {
      Ref();
      pool_->Run([this, status] {
        Done(status);
        Unref();
      });
      return;
    }
    const uint64_t ticket = ticket_.load();
    if (ticket != 0 && admission_->Cancel(ticket)) CompleteOnPool(status);
  }

  // Asked of a send still open a second after End. Stalled only once
  // finished: before, a message is being handled or committed, and its
  // outcome must reach the client.
  bool Cancel() override {
    {
      absl::MutexLock lock(&mu_);
      if (!finish_sent_) return false;
    }
    canceller_.Cancel();
    return true;
  }

  // Each message is handled on the work pool: storing a chunk may wait for
  // the disk, and the last one waits for the synced commit.
  void OnReadDone(bool ok) override {
    Ref();
    pool_->Run([this, ok] {
      HandleRead(ok);
      Unref();
    });
  }

  void OnDone() override {
    canceller_.Done();
    calls_->Remove(token_);
    Unref();
  }

 private:
  // Asks for the next message, unless the call was asked to end.
  void ReadNext() {
    std::optional<absl::Status> end;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      if (!end_) {
        reading_ = true;
        StartRead(&request_);
        return;
      }
      end = end_;
    }
    Complete(*end);
  }

  void HandleRead(bool ok) {
    std::optional<absl::Status> end;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (finished_) return;  // ended while the read was pending
      end = end_;
    }
    if (end) {
      Complete(*end);
      return;
    }
    if (!ok) {
      // Either the client has sent everything, or the call was cancelled
      // (by the client, or its deadline): a cancelled send stores nothing.
      if (ctx_->IsCancelled()) {
        Complete(
            absl::CancelledError("the send was cancelled; nothing was stored"));
        return;
      }
      Complete(session_->Finish());
      return;
    }
    auto early = session_->OnMessage(request_);
    if (!early.ok()) {
      Complete(early.status());
      return;
    }
    if (early->has_value()) {
      Complete(**early);
      return;
    }
    ReadNext();
  }

  void CompleteOnPool(const absl::Status& status) {
    Ref();
    pool_->Run([this, status] {
      Complete(status);
      Unref();
    });
  }

  void Complete(const absl::StatusOr<truc::v1::SendResponse>& result) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Done(result);
  }

  // Finishes the call; runs once (finished_ set by the caller).
  void Done(const absl::StatusOr<truc::v1::SendResponse>& result) {
    session_.reset();  // drops staged files of a failed send
    bool admitted;
    {
      absl::MutexLock lock(&mu_);
      admitted = admitted_;
    }
    if (admitted) admission_->Release(caller_);
    {
      absl::MutexLock lock(&mu_);
      finish_sent_ = true;
    }
    if (result.ok()) {
      *response_ = *result;
      LogEvent(result->duplicate() ? "send_duplicate" : "accepted",
               {{"sender", caller_}, {"document", result->document_id()}});
      Finish(grpc::Status::OK);
    } else {
      LogEvent("send_refused",
               {{"sender", caller_},
                {"code", absl::StatusCodeToString(result.status().code())},
                {"reason", std::string(result.status().message())}});
      Finish(ToGrpcStatus(result.status()));
    }
  }

  grpc::CallbackServerContext* ctx_;
  CallCanceller canceller_;
  truc::v1::SendResponse* response_;
  std::string caller_;
  std::unique_ptr<SendSession> session_;
  truc::v1::SendRequest request_;
  SendAdmission* admission_;
  WorkPool* pool_;
  CallTracker* calls_;
  uint64_t token_ = 0;
  std::atomic<uint64_t> ticket_{0};
  absl::Mutex mu_;
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);  // End's status
  bool admitted_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // a StartRead is pending
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_sent_ ABSL_GUARDED_BY(mu_) = false;  // Finish is being called
};

}  // namespace

grpc::ServerReadReactor<truc::v1::SendRequest>* NewSendReactor(
    grpc::CallbackServerContext* ctx, absl::StatusOr<Identity> caller,
    const ExchangeDeps& deps, truc::v1::SendResponse* response) {
  return new SendReactor(ctx, std::move(caller), deps, response);
}

}  // namespace truc::hub
