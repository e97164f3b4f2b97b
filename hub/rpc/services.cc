#include "hub/rpc/services.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/hub_event_log.h"
#include "hub/ops/monthly_report.h"
#include "hub/rpc/work_pool.h"

namespace truc::hub {
namespace {

constexpr size_t kDownloadChunk = 1 << 20;

// Finishes a unary call with `status` at once (nothing to wait for).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                    const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Runs `fn` on the work pool and finishes the unary call with its status.
// `fn` runs after the handler has returned, so it captures by value; the
// context, request and response live until the call is finished.
template <typename Fn>
grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx,
                                 WorkPool* pool, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  pool->Run([reactor, fn = std::move(fn)]() mutable {
    reactor->Finish(ToGrpcStatus(fn()));
  });
  return reactor;
}

// The document exists and `caller` sent it: NOT_FOUND, or PERMISSION_DENIED
// saying that only its sender (or an operator) may `act`.
absl::Status RequireSender(Ledger* ledger, const std::string& document_id,
                           const Identity& caller, absl::string_view act) {
  TRUC_ASSIGN_OR_RETURN(auto doc, ledger->GetDocument(document_id));
  if (doc.sender() == caller.name) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "document ", document_id, " was not sent by agency ", caller.name,
      ": only its sender (or an operator) may ", act));
}

absl::StatusOr<Identity> RequireOperator(Authenticator* auth,
                                         const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id,
                        auth->Authenticate(ctx.auth_context().get()));
  if (id.role != Role::kOperator) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the operator service needs an operator certificate; this one is ",
        id.ToString()));
  }
  return id;
}

// The first status given to End, kept for the call's next step.
class EndRequest {
 public:
  // True if this is the first request.
  bool Set(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (status_) return false;
    status_ = status;
    return true;
  }
  std::optional<absl::Status> Get() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<absl::Status> status_ ABSL_GUARDED_BY(mu_);
};

// Cancels a callback call's RPC from any thread (CallTracker's Cancel).
// The context is gRPC's until OnDone, which calls Done first; Cancel does
// nothing after. gRPC runs a reactor's reactions on its own threads, never
// inside TryCancel, so OnDone never waits for itself here.
//
// Thread-safety: thread-safe.
class CallCanceller {
 public:
  explicit CallCanceller(grpc::CallbackServerContext* ctx) : ctx_(ctx) {}
  void Cancel() {
    absl::MutexLock lock(&mu_);
    if (ctx_ != nullptr && !done_) ctx_->TryCancel();
  }
  void Done() {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

 private:
  grpc::CallbackServerContext* const ctx_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

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
              const HubCore& core, truc::v1::SendResponse* response)
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
               absl::StrCat("sender=", caller_,
                            " document=", result->document_id()));
      Finish(grpc::Status::OK);
    } else {
      LogEvent("send_refused",
               absl::StrCat("sender=", caller_, " code=",
                            absl::StatusCodeToString(result.status().code()),
                            " reason=\"", result.status().message(), "\""));
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

// A long poll: answers at once if something is queued, else parks.
class PollReactor : public grpc::ServerUnaryReactor, public TrackedCall {
 public:
  // Refs: Start's run on the pool, and gRPC's OnDone.
  PollReactor(grpc::CallbackServerContext* ctx, const HubCore& core,
              Identity agency, const truc::v1::PollRequest& request,
              truc::v1::PollResponse* response)
      : TrackedCall(2),
        ctx_(ctx),
        core_(core),
        agency_(std::move(agency)),
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
    if (token != 0 && core_.waiters->Cancel(token))
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
    if (token != 0 && core_.waiters->Cancel(token))
      Finish(ToGrpcStatus(status));
  }

 private:
  void Start() {
    core_.directory->RecordPoll(agency_.name);
    // Read before looking for work: a send that commits between the look
    // and the park bumps it, and the park then wakes at once.
    const uint64_t generation = core_.waiters->Generation(agency_.name);
    if (TryFinish(wait_ == 0)) return;
    const int64_t deadline = NowMicros() + int64_t{wait_} * 1'000'000;
    int64_t lease_end = core_.ledger->NextLeaseExpiry(agency_.name);
    if (lease_end != 0 && lease_end < deadline)
      core_.waiters->NotifyAt(agency_.name, lease_end);
    const uint64_t token = core_.waiters->Park(
        agency_.name, deadline,
        [this](bool passed) { return TryFinish(passed); }, generation);
    if (token == 0) {  // the hub is shutting down
      TryFinish(true);
      return;
    }
    token_.store(token);
    // A cancel or an end request that came before the token was stored
    // found nothing to take: whoever takes the waiter out of the table
    // finishes the call.
    if (ctx_->IsCancelled() && core_.waiters->Cancel(token)) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (auto end = end_.Get(); end && core_.waiters->Cancel(token))
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
      LogEvent("leased", absl::StrCat("agency=", agency_.name,
                                      " documents=", leased->size()));
    }
    Finish(grpc::Status::OK);
    return true;
  }

  grpc::CallbackServerContext* ctx_;
  HubCore core_;
  Identity agency_;
  truc::v1::PollResponse* response_;
  uint32_t max_;
  uint32_t wait_;
  uint64_t call_token_ = 0;
  std::atomic<uint64_t> token_{0};
  EndRequest end_;
};

// Streams one attachment file from `offset` up to (not including) `end`.
// Each chunk is read on the work pool (the read may wait for the disk); a
// request to end the call is seen before the next chunk.
class DownloadReactor
    : public grpc::ServerWriteReactor<truc::v1::DownloadChunk>,
      public TrackedCall {
 public:
  DownloadReactor(CallTracker* calls, absl::Status error)
      : TrackedCall(1), canceller_(nullptr), calls_(calls) {
    Finish(ToGrpcStatus(error));
  }
  DownloadReactor(grpc::CallbackServerContext* ctx, const HubCore& core,
                  const Identity& caller, int fd, uint64_t offset, uint64_t end)
      : TrackedCall(1),
        canceller_(ctx),
        pool_(core.pool),
        calls_(core.calls),
        fd_(fd),
        offset_(offset),
        end_(end) {
    auto token = calls_->Add(caller, this, /*capped=*/true);
    if (!token.ok()) {
      Finish(ToGrpcStatus(token.status()));
      return;
    }
    token_ = *token;
    // As in SendReactor: a revocation just before Add found no call.
    if (absl::Status again = core.certificates->Admit(caller); !again.ok()) {
      Finish(ToGrpcStatus(again));
      return;
    }
    Ref();
    pool_->Run([this] {
      Next();
      Unref();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The client went away, or the call was cancelled (Cancel).
      auto end = ended_.Get();
      Finish(end ? ToGrpcStatus(*end)
                 : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "download stream broke"));
      return;
    }
    with_client_.store(false);
    Ref();
    pool_->Run([this] {
      Next();
      Unref();
    });
  }
  void OnDone() override {
    canceller_.Done();
    calls_->Remove(token_);
    Unref();
  }
  // Seen before the next chunk; a client that stopped reading never lets
  // the last write complete, and is cancelled a second later (Cancel).
  void End(const absl::Status& status) override { ended_.Set(status); }
  bool Cancel() override {
    if (!with_client_.load()) return false;  // reading the next chunk
    canceller_.Cancel();
    return true;
  }

 private:
  ~DownloadReactor() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void Next() {
    if (auto end = ended_.Get()) {
      FinishNext(ToGrpcStatus(*end));
      return;
    }
    if (offset_ >= end_) {
      FinishNext(grpc::Status::OK);
      return;
    }
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(kDownloadChunk, end_ - offset_));
    std::string* data = chunk_.mutable_data();
    data->resize(want);
    ssize_t n = ::pread(fd_, data->data(), want, static_cast<off_t>(offset_));
    if (n <= 0) {
      FinishNext(
          ToGrpcStatus(ErrnoStatus(n < 0 ? errno : EIO, "read attachment")));
      return;
    }
    data->resize(static_cast<size_t>(n));
    chunk_.set_offset(offset_);
    offset_ += static_cast<uint64_t>(n);
    with_client_.store(true);
    StartWrite(&chunk_);
  }
  void FinishNext(const grpc::Status& status) {
    with_client_.store(true);
    Finish(status);
  }

  CallCanceller canceller_;
  WorkPool* pool_ = nullptr;
  CallTracker* calls_ = nullptr;
  uint64_t token_ = 0;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t end_ = 0;
  EndRequest ended_;
  truc::v1::DownloadChunk chunk_;
  // A write or the finish is with gRPC: nothing of the hub's is running.
  std::atomic<bool> with_client_{false};
};

// A document as an agency may see it: sent by it, or sent to it.
absl::StatusOr<truc::internal::DocumentRecord> DocumentOf(
    Ledger* ledger, const std::string& document_id, const std::string& agency) {
  TRUC_ASSIGN_OR_RETURN(auto doc, ledger->GetDocument(document_id));
  if (doc.sender() == agency) return doc;
  TRUC_ASSIGN_OR_RETURN(bool recipient,
                        ledger->IsRecipient(document_id, agency));
  if (!recipient) {
    return absl::PermissionDeniedError(
        absl::StrCat("document ", document_id,
                     " was neither sent by nor sent to agency ", agency));
  }
  return doc;
}

}  // namespace

absl::StatusOr<Identity> ExchangeService::CallerAgency(
    const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id,
                        core_.auth->Authenticate(ctx.auth_context().get()));
  if (id.role != Role::kAgency) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the exchange service needs an agency certificate; this one is ",
        id.ToString()));
  }
  TRUC_RETURN_IF_ERROR(core_.directory->CheckCaller(id.name));
  return id;
}

grpc::ServerReadReactor<truc::v1::SendRequest>* ExchangeService::Send(
    grpc::CallbackServerContext* ctx, truc::v1::SendResponse* response) {
  return new SendReactor(ctx, CallerAgency(*ctx), core_, response);
}

grpc::ServerUnaryReactor* ExchangeService::Poll(
    grpc::CallbackServerContext* ctx, const truc::v1::PollRequest* request,
    truc::v1::PollResponse* response) {
  auto caller = CallerAgency(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return new PollReactor(ctx, core_, *caller, *request, response);
}

grpc::ServerWriteReactor<truc::v1::DownloadChunk>* ExchangeService::Download(
    grpc::CallbackServerContext* ctx,
    const truc::v1::DownloadRequest* request) {
  auto open = [&]() -> absl::StatusOr<DownloadReactor*> {
    TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
    TRUC_ASSIGN_OR_RETURN(
        auto doc,
        DocumentOf(core_.ledger, request->document_id(), caller.name));
    truc::v1::DocumentHeader header;
    if (!header.ParseFromString(doc.envelope().header())) {
      return absl::DataLossError("stored header does not parse");
    }
    if (request->attachment_index() >=
        static_cast<uint32_t>(header.attachments_size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("attachment_index ", request->attachment_index(),
                       " but document ", request->document_id(), " has ",
                       header.attachments_size(), " attachments"));
    }
    const auto& d =
        header.attachments(static_cast<int>(request->attachment_index()));
    if (request->offset() > d.size()) {
      return absl::OutOfRangeError(absl::StrCat("offset ", request->offset(),
                                                " is past the attachment's ",
                                                d.size(), " bytes"));
    }
    std::string path = core_.blobs->PathOf(d.sha256());
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return ErrnoStatus(errno, absl::StrCat("open attachment ", d.name()));
    const uint64_t left = d.size() - request->offset();
    const uint64_t length =
        request->length() == 0 ? left : std::min(request->length(), left);
    return new DownloadReactor(ctx, core_, caller, fd, request->offset(),
                               request->offset() + length);
  }();
  if (!open.ok()) return new DownloadReactor(core_.calls, open.status());
  return *open;
}

grpc::ServerUnaryReactor* ExchangeService::Acknowledge(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AcknowledgeRequest* request,
    truc::v1::AcknowledgeResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response,
                              core_.ledger->Acknowledge(caller, *request));
        if (!response->already_acknowledged()) {
          LogEvent("arrived", absl::StrCat("agency=", caller.name, " document=",
                                           request->document_id()));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ExchangeService::ReportStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ReportStatusRequest* request,
    truc::v1::ReportStatusResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response,
                              core_.ledger->ReportStatus(caller, *request));
        LogEvent("status",
                 absl::StrCat("agency=", caller.name,
                              " document=", request->document_id(),
                              " status=", static_cast<int>(request->status())));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ExchangeService::GetDocumentStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetDocumentStatusRequest* request,
    truc::v1::DocumentStatus* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
        TRUC_RETURN_IF_ERROR(RequireSender(core_.ledger, request->document_id(),
                                           caller, "read its status"));
        TRUC_ASSIGN_OR_RETURN(
            *response,
            core_.ledger->StatusOf(request->document_id(), request->evidence()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ExchangeService::Resend(
    grpc::CallbackServerContext* ctx, const truc::v1::ResendRequest* request,
    truc::v1::ResendResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
        TRUC_RETURN_IF_ERROR(RequireSender(core_.ledger, request->document_id(),
                                           caller, "resend it"));
        TRUC_ASSIGN_OR_RETURN(
            auto again, core_.ledger->Resend(request->document_id(), caller));
        for (auto& r : again) response->add_recipients(std::move(r));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ExchangeService::ListSent(
    grpc::CallbackServerContext* ctx, const truc::v1::ListSentRequest* request,
    truc::v1::ListSentResponse* response) {
  return OnPool(ctx, core_.pool,
                [this, ctx, request, response]() -> absl::Status {
                  TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
                  TRUC_ASSIGN_OR_RETURN(
                      *response, core_.ledger->ListSent(caller.name, *request));
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* OperatorService::GetServiceTable(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ServiceTableRequest* request,
    truc::v1::ServiceTable* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
        TRUC_ASSIGN_OR_RETURN(
            *response, BuildMonthlyReport(core_.ledger, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListAlerts(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAlertsRequest*,
    truc::v1::ListAlertsResponse* response) {
  return OnPool(ctx, core_.pool, [this, ctx, response]() -> absl::Status {
    TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
    for (auto& a : core_.alerts->Active()) *response->add_alerts() = a;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::AddAccount(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AddAccountRequest* request,
    truc::v1::AccountPassword* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(*response, core_.accounts->Add(*request, op));
        LogEvent("account_added", absl::StrCat("account=", request->name(),
                                               " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListAccounts(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAccountsRequest*,
    truc::v1::ListAccountsResponse* response) {
  return OnPool(ctx, core_.pool, [this, ctx, response]() -> absl::Status {
    TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
    for (auto& a : core_.accounts->List()) *response->add_accounts() = a;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::DisableAccount(
    grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
    truc::v1::Account* response) {
  return SetAccountDisabled(ctx, *request, true, response);
}

grpc::ServerUnaryReactor* OperatorService::EnableAccount(
    grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
    truc::v1::Account* response) {
  return SetAccountDisabled(ctx, *request, false, response);
}

grpc::ServerUnaryReactor* OperatorService::SetAccountDisabled(
    grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest& request,
    bool disabled, truc::v1::Account* response) {
  return OnPool(
      ctx, core_.pool,
      [this, ctx, req = &request, disabled, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(
            *response, core_.accounts->SetDisabled(req->name(), disabled, op));
        LogEvent(disabled ? "account_disabled" : "account_enabled",
                 absl::StrCat("account=", req->name(), " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ResetAccount(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ResetAccountRequest* request,
    truc::v1::AccountPassword* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(
            *response,
            core_.accounts->Reset(request->name(), request->password(), op));
        LogEvent("password_reset", absl::StrCat("account=", request->name(),
                                                " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::RegisterAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RegisterAgencyRequest* request,
    truc::v1::Agency* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(*response, core_.directory->Register(
                                             request->code(), request->name(),
                                             request->parent_code(), op));
        LogEvent("agency_registered", absl::StrCat("agency=", request->code(),
                                                   " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListAgencies(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAgenciesRequest*,
    truc::v1::ListAgenciesResponse* response) {
  return OnPool(ctx, core_.pool, [this, ctx, response]() -> absl::Status {
    TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
    const int64_t now = NowMicros();
    const std::map<std::string, int64_t> expiries =
        core_.certificates->LatestExpiries();
    for (auto& a : core_.directory->List()) {
      auto found =
          expiries.find(absl::StrCat(RoleName(Role::kAgency), ":", a.code()));
      const int64_t expiry = found == expiries.end() ? 0 : found->second;
      if (expiry != 0) {
        a.mutable_certificate_expires_at()->set_unix_micros(expiry * 1'000'000);
        a.set_certificate_expiring(expiry * 1'000'000 - now <
                                   core_.certificates->warning_micros());
      }
      *response->add_agencies() = std::move(a);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::SuspendAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SetAgencyStateRequest* request,
    truc::v1::Agency* response) {
  return SetAgencyState(ctx, *request, truc::v1::AGENCY_STATE_SUSPENDED,
                        response);
}

grpc::ServerUnaryReactor* OperatorService::ResumeAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SetAgencyStateRequest* request,
    truc::v1::Agency* response) {
  return SetAgencyState(ctx, *request, truc::v1::AGENCY_STATE_ACTIVE, response);
}

grpc::ServerUnaryReactor* OperatorService::SetAgencyState(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SetAgencyStateRequest& request, truc::v1::AgencyState state,
    truc::v1::Agency* response) {
  return OnPool(
      ctx, core_.pool,
      [this, ctx, req = &request, state, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(
            *response, core_.directory->SetState(req->code(), state, op));
        LogEvent(state == truc::v1::AGENCY_STATE_SUSPENDED ? "agency_suspended"
                                                           : "agency_resumed",
                 absl::StrCat("agency=", req->code(), " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::Resend(
    grpc::CallbackServerContext* ctx, const truc::v1::ResendRequest* request,
    truc::v1::ResendResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(auto again,
                              core_.ledger->Resend(request->document_id(), op));
        for (auto& r : again) response->add_recipients(std::move(r));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::GetDocumentStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetDocumentStatusRequest* request,
    truc::v1::DocumentStatus* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
        TRUC_ASSIGN_OR_RETURN(
            *response,
            core_.ledger->StatusOf(request->document_id(), request->evidence()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListPending(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ListPendingRequest* request,
    truc::v1::ListPendingResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
        TRUC_ASSIGN_OR_RETURN(*response, core_.ledger->ListPending(*request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::RevokeCertificate(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RevokeCertificateRequest* request,
    truc::v1::CertificateInfo* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
        TRUC_ASSIGN_OR_RETURN(
            *response, core_.certificates->Revoke(request->serial(),
                                                  request->reason(), op));
        LogEvent("certificate_revoked",
                 absl::StrCat("serial=", response->serial(), " principal=",
                              response->principal(), " by=", op.Principal()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListCertificates(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ListCertificatesRequest* request,
    truc::v1::ListCertificatesResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(core_.auth, *ctx).status());
        for (auto& c : core_.certificates->List(request->principal()))
          *response->add_certificates() = std::move(c);
        return absl::OkStatus();
      });
}

absl::StatusOr<Identity> AuditService::Caller(
    const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id,
                        core_.auth->Authenticate(ctx.auth_context().get()));
  if (id.role == Role::kOperator) return id;
  if (id.role != Role::kAgency) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the audit service needs an agency or an operator certificate; this "
        "one is ",
        id.ToString()));
  }
  TRUC_RETURN_IF_ERROR(core_.directory->CheckCaller(id.name));
  return id;
}

grpc::ServerUnaryReactor* AuditService::GetCheckpoint(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetCheckpointRequest* request,
    truc::v1::SignedCheckpoint* response) {
  return OnPool(ctx, core_.pool,
                [this, ctx, request, response]() -> absl::Status {
                  TRUC_RETURN_IF_ERROR(Caller(*ctx).status());
                  auto latest = core_.audit->LatestCheckpoint();
                  if (!request->fresh() && latest) {
                    *response = *latest;
                    return absl::OkStatus();
                  }
                  TRUC_ASSIGN_OR_RETURN(*response, core_.audit->Checkpoint());
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* AuditService::GetConsistencyProof(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetConsistencyProofRequest* request,
    truc::v1::ConsistencyProof* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(Caller(*ctx).status());
        if (request->old_size() > request->new_size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("old_size ", request->old_size(),
                           " is larger than new_size ", request->new_size()));
        }
        TRUC_ASSIGN_OR_RETURN(std::vector<std::string> path,
                              core_.audit->ConsistencyProof(
                                  request->old_size(), request->new_size()));
        response->set_old_size(request->old_size());
        response->set_new_size(request->new_size());
        for (auto& h : path) response->add_path(std::move(h));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuditService::ProveDocument(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ProveDocumentRequest* request,
    truc::v1::DocumentProof* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(Identity caller, Caller(*ctx));
        std::function<bool(const truc::v1::AuditEvent&)> include;
        if (caller.role == Role::kAgency) {
          TRUC_ASSIGN_OR_RETURN(
              auto doc,
              DocumentOf(core_.ledger, request->document_id(), caller.name));
          // A recipient sees the document's acceptance (or revocation)
          // and what it did itself, not what the other recipients did.
          if (doc.sender() != caller.name) {
            include = [principal =
                           caller.Principal()](const truc::v1::AuditEvent& e) {
              return e.actor() == principal || e.kind() == "accepted" ||
                     e.kind() == "revoke";
            };
          }
        } else {
          TRUC_RETURN_IF_ERROR(
              core_.ledger->GetDocument(request->document_id()).status());
        }
        TRUC_ASSIGN_OR_RETURN(*response, core_.audit->ProveDocument(
                                             request->document_id(), include));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuditService::VerifyLog(
    grpc::CallbackServerContext* ctx, const truc::v1::VerifyLogRequest*,
    truc::v1::VerifyLogResponse* response) {
  return OnPool(ctx, core_.pool, [this, ctx, response]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(Identity op, RequireOperator(core_.auth, *ctx));
    auto report = core_.audit->Verify(&core_.trust->anchor());
    if (report.ok()) {
      response->set_intact(true);
      response->set_events(report->events);
      response->set_checkpoints(report->checkpoints);
    } else if (absl::IsDataLoss(report.status())) {
      response->set_intact(false);
      response->set_problem(std::string(report.status().message()));
      LogEvent("audit_log_broken",
               absl::StrCat("by=", op.Principal(), " problem=\"",
                            report.status().message(), "\""));
    } else {
      return report.status();
    }
    if (auto latest = core_.audit->LatestCheckpoint())
      *response->mutable_latest_checkpoint() = *latest;
    return absl::OkStatus();
  });
}

}  // namespace truc::hub
