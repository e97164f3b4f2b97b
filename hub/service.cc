#include "hub/service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/work_pool.h"

namespace truc::hub {
namespace {

constexpr size_t kDownloadChunk = 1 << 20;

// One structured line per event on stderr.
void LogEvent(absl::string_view event, absl::string_view detail) {
  std::string line = absl::StrCat("truc-hub event=", event, " ", detail, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

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

absl::Status RequireOperator(const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id, PeerIdentity(ctx));
  if (id.role != Role::kOperator) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the operator service needs an operator certificate; this one is ",
        id.ToString()));
  }
  return absl::OkStatus();
}

// A Send: reads messages one at a time into a SendSession.
class SendReactor : public grpc::ServerReadReactor<truc::v1::SendRequest> {
 public:
  SendReactor(grpc::CallbackServerContext* ctx,
              absl::StatusOr<std::string> caller, const HubCore& core,
              truc::v1::SendResponse* response)
      : ctx_(ctx),
        response_(response),
        admission_(core.admission),
        pool_(core.pool) {
    if (!caller.ok()) {
      Finish(ToGrpcStatus(caller.status()));
      return;
    }
    caller_ = *caller;
    session_ = std::make_unique<SendSession>(core.ledger, core.directory,
                                             core.blobs, core.limits, *caller);
    // The send is not read until the agency's turn comes (SendAdmission).
    ticket_.store(admission_->Admit(caller_, [this](absl::Status s) {
      if (!s.ok()) {
        Complete(s);
        return;
      }
      admitted_ = true;
      StartRead(&request_);
    }));
  }

  // A send still waiting for its turn ends here; one being read ends in
  // OnReadDone, whose read fails.
  void OnCancel() override {
    const uint64_t ticket = ticket_.load();
    if (ticket != 0 && admission_->Cancel(ticket)) {
      Complete(absl::CancelledError(
          "the send was cancelled while it waited for its turn; nothing was "
          "stored"));
    }
  }

  // Each message is handled on the work pool: storing a chunk may wait for
  // the disk, and the last one waits for the synced commit.
  void OnReadDone(bool ok) override {
    pool_->Run([this, ok] { HandleRead(ok); });
  }

  void OnDone() override { delete this; }

 private:
  void HandleRead(bool ok) {
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
    StartRead(&request_);
  }

  void Complete(const absl::StatusOr<truc::v1::SendResponse>& result) {
    session_.reset();  // drops staged files of a failed send
    if (admitted_) admission_->Release(caller_);
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
  truc::v1::SendResponse* response_;
  std::string caller_;
  std::unique_ptr<SendSession> session_;
  truc::v1::SendRequest request_;
  SendAdmission* admission_;
  WorkPool* pool_;
  std::atomic<uint64_t> ticket_{0};
  bool admitted_ = false;
};

// A long poll: answers at once if something is queued, else parks.
class PollReactor : public grpc::ServerUnaryReactor {
 public:
  PollReactor(grpc::CallbackServerContext* ctx, const HubCore& core,
              std::string agency, const truc::v1::PollRequest& request,
              truc::v1::PollResponse* response)
      : ctx_(ctx),
        core_(core),
        agency_(std::move(agency)),
        response_(response),
        max_(request.max_deliveries()),
        wait_(std::min(request.wait_seconds(), core.max_poll_wait_seconds)) {
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
  void OnDone() override { Unref(); }

 private:
  // Start may still be running when the call is finished (by a wake on
  // the waiters' thread, or a cancel) and gRPC calls OnDone: the reactor
  // is deleted by whichever of the two ends last.
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  void Start() {
    core_.directory->RecordPoll(agency_);
    // Read before looking for work: a send that commits between the look
    // and the park bumps it, and the park then wakes at once.
    const uint64_t generation = core_.waiters->Generation(agency_);
    if (TryFinish(wait_ == 0)) return;
    const int64_t deadline = NowMicros() + int64_t{wait_} * 1'000'000;
    int64_t lease_end = core_.ledger->NextLeaseExpiry(agency_);
    if (lease_end != 0 && lease_end < deadline)
      core_.waiters->NotifyAt(agency_, lease_end);
    const uint64_t token = core_.waiters->Park(
        agency_, deadline, [this](bool passed) { return TryFinish(passed); },
        generation);
    if (token == 0) {  // the hub is shutting down
      TryFinish(true);
      return;
    }
    token_.store(token);
    // A cancel that came before the token was stored found nothing to
    // cancel: whoever takes the waiter out of the table finishes the call.
    if (ctx_->IsCancelled() && core_.waiters->Cancel(token))
      Finish(grpc::Status::CANCELLED);
  }

  // Leases what is queued; finishes if there is something, the deadline
  // passed, the call was cancelled or the lease failed.
  bool TryFinish(bool deadline_passed) {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
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
      LogEvent("leased",
               absl::StrCat("agency=", agency_, " documents=", leased->size()));
    }
    Finish(grpc::Status::OK);
    return true;
  }

  grpc::CallbackServerContext* ctx_;
  HubCore core_;
  std::string agency_;
  truc::v1::PollResponse* response_;
  uint32_t max_;
  uint32_t wait_;
  std::atomic<uint64_t> token_{0};
  std::atomic<int> refs_{2};  // Start's run on the pool, and gRPC's OnDone
};

// Streams one attachment file from `offset` up to (not including) `end`.
// Each chunk is read on the work pool (the read may wait for the disk).
class DownloadReactor
    : public grpc::ServerWriteReactor<truc::v1::DownloadChunk> {
 public:
  explicit DownloadReactor(absl::Status error) { Finish(ToGrpcStatus(error)); }
  DownloadReactor(WorkPool* pool, int fd, uint64_t offset, uint64_t end)
      : pool_(pool), fd_(fd), offset_(offset), end_(end) {
    pool_->Run([this] { Next(); });
  }
  ~DownloadReactor() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "download stream broke"));
      return;
    }
    pool_->Run([this] { Next(); });
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (offset_ >= end_) {
      Finish(grpc::Status::OK);
      return;
    }
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(kDownloadChunk, end_ - offset_));
    std::string* data = chunk_.mutable_data();
    data->resize(want);
    ssize_t n = ::pread(fd_, data->data(), want, static_cast<off_t>(offset_));
    if (n <= 0) {
      Finish(ToGrpcStatus(ErrnoStatus(n < 0 ? errno : EIO, "read attachment")));
      return;
    }
    data->resize(static_cast<size_t>(n));
    chunk_.set_offset(offset_);
    offset_ += static_cast<uint64_t>(n);
    StartWrite(&chunk_);
  }

  WorkPool* pool_ = nullptr;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t end_ = 0;
  truc::v1::DownloadChunk chunk_;
};

}  // namespace

absl::StatusOr<Identity> PeerIdentity(const grpc::ServerContextBase& ctx) {
  auto auth = ctx.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return absl::UnauthenticatedError("no client certificate");
  return IdentityFromCertificatePem(
      absl::string_view(pems[0].data(), pems[0].size()));
}

absl::StatusOr<std::string> ExchangeService::CallerAgency(
    const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id, PeerIdentity(ctx));
  if (id.role != Role::kAgency) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the exchange service needs an agency certificate; this one is ",
        id.ToString()));
  }
  TRUC_RETURN_IF_ERROR(core_.directory->CheckCaller(id.name));
  return id.name;
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
    TRUC_ASSIGN_OR_RETURN(std::string caller, CallerAgency(*ctx));
    TRUC_ASSIGN_OR_RETURN(auto doc,
                          core_.ledger->GetDocument(request->document_id()));
    if (doc.sender() != caller) {
      TRUC_ASSIGN_OR_RETURN(
          bool recipient,
          core_.ledger->IsRecipient(request->document_id(), caller));
      if (!recipient) {
        return absl::PermissionDeniedError(
            absl::StrCat("document ", request->document_id(),
                         " was not sent to agency ", caller));
      }
    }
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
    return new DownloadReactor(core_.pool, fd, request->offset(),
                               request->offset() + length);
  }();
  if (!open.ok()) return new DownloadReactor(open.status());
  return *open;
}

grpc::ServerUnaryReactor* ExchangeService::Acknowledge(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AcknowledgeRequest* request,
    truc::v1::AcknowledgeResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_ASSIGN_OR_RETURN(std::string caller, CallerAgency(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response, core_.ledger->Acknowledge(
                                             caller, request->document_id()));
        if (!response->already_acknowledged()) {
          LogEvent("arrived", absl::StrCat("agency=", caller, " document=",
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
        TRUC_ASSIGN_OR_RETURN(std::string caller, CallerAgency(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response,
                              core_.ledger->ReportStatus(caller, *request));
        LogEvent("status",
                 absl::StrCat("agency=", caller,
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
        TRUC_ASSIGN_OR_RETURN(std::string caller, CallerAgency(*ctx));
        TRUC_ASSIGN_OR_RETURN(
            auto doc, core_.ledger->GetDocument(request->document_id()));
        if (doc.sender() != caller) {
          return absl::PermissionDeniedError(absl::StrCat(
              "document ", request->document_id(), " was not sent by agency ",
              caller,
              ": only its sender (or an operator) may read its status"));
        }
        TRUC_ASSIGN_OR_RETURN(*response,
                              core_.ledger->Status(request->document_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ExchangeService::ListSent(
    grpc::CallbackServerContext* ctx, const truc::v1::ListSentRequest* request,
    truc::v1::ListSentResponse* response) {
  return OnPool(ctx, core_.pool,
                [this, ctx, request, response]() -> absl::Status {
                  TRUC_ASSIGN_OR_RETURN(std::string caller, CallerAgency(*ctx));
                  TRUC_ASSIGN_OR_RETURN(
                      *response, core_.ledger->ListSent(caller, *request));
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* OperatorService::RegisterAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RegisterAgencyRequest* request,
    truc::v1::Agency* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response, core_.directory->Register(
                                             request->code(), request->name(),
                                             request->parent_code()));
        LogEvent("agency_registered", absl::StrCat("agency=", request->code()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OperatorService::ListAgencies(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAgenciesRequest*,
    truc::v1::ListAgenciesResponse* response) {
  return OnPool(ctx, core_.pool, [this, ctx, response]() -> absl::Status {
    TRUC_RETURN_IF_ERROR(RequireOperator(*ctx));
    for (auto& a : core_.directory->List())
      *response->add_agencies() = std::move(a);
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
  return OnPool(ctx, core_.pool,
                [this, ctx, req = &request, state, response]() -> absl::Status {
                  TRUC_RETURN_IF_ERROR(RequireOperator(*ctx));
                  TRUC_ASSIGN_OR_RETURN(
                      *response, core_.directory->SetState(req->code(), state));
                  LogEvent(state == truc::v1::AGENCY_STATE_SUSPENDED
                               ? "agency_suspended"
                               : "agency_resumed",
                           absl::StrCat("agency=", req->code()));
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* OperatorService::GetDocumentStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetDocumentStatusRequest* request,
    truc::v1::DocumentStatus* response) {
  return OnPool(ctx, core_.pool,
                [this, ctx, request, response]() -> absl::Status {
                  TRUC_RETURN_IF_ERROR(RequireOperator(*ctx));
                  TRUC_ASSIGN_OR_RETURN(
                      *response, core_.ledger->Status(request->document_id()));
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* OperatorService::ListPending(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ListPendingRequest* request,
    truc::v1::ListPendingResponse* response) {
  return OnPool(
      ctx, core_.pool, [this, ctx, request, response]() -> absl::Status {
        TRUC_RETURN_IF_ERROR(RequireOperator(*ctx));
        TRUC_ASSIGN_OR_RETURN(*response, core_.ledger->ListPending(*request));
        return absl::OkStatus();
      });
}

}  // namespace truc::hub
