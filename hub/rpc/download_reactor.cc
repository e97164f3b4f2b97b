#include "hub/rpc/download_reactor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "hub/exchange/ledger.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {
namespace {

constexpr size_t kDownloadChunk = 1 << 20;

// The attachment a request names, opened: the file and the byte range.
struct OpenedRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t end = 0;
};

// Finds the document as `caller` may read it and opens the attachment's
// range. Reads the store and the disk: runs on the work pool.
absl::StatusOr<OpenedRange> OpenRange(
    const ExchangeDeps& deps, const Identity& caller,
    const truc::v1::DownloadRequest& request) {
  TRUC_ASSIGN_OR_RETURN(
      auto doc, deps.operations->ReadableDocument(Actor::ForCertificate(caller),
                                                  request.document_id()));
  truc::v1::DocumentHeader header;
  if (!header.ParseFromString(doc.envelope().header())) {
    return absl::DataLossError("stored header does not parse");
  }
  // A bridge may also take the original edXML file, after the last
  // attachment (Delivery.original_edxml_sha256).
  const uint32_t count = static_cast<uint32_t>(header.attachments_size());
  const bool original = caller.role == Role::kBridge &&
                        request.attachment_index() == count &&
                        !doc.original_edxml_sha256().empty();
  if (request.attachment_index() >= count && !original) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attachment_index ", request.attachment_index(), " but document ",
        request.document_id(), " has ", count, " attachments"));
  }
  const truc::v1::AttachmentDescriptor d =
      original
          ? OriginalEdxmlFile(doc.original_edxml_sha256(),
                              doc.original_edxml_size())
          : header.attachments(static_cast<int>(request.attachment_index()));
  if (request.offset() > d.size()) {
    return absl::OutOfRangeError(absl::StrCat("offset ", request.offset(),
                                              " is past the attachment's ",
                                              d.size(), " bytes"));
  }
  const std::string path = deps.blobs->PathOf(d.sha256());
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ErrnoStatus(errno, absl::StrCat("open attachment ", d.name()));
  const uint64_t left = d.size() - request.offset();
  const uint64_t length =
      request.length() == 0 ? left : std::min(request.length(), left);
  return OpenedRange{fd, request.offset(), request.offset() + length};
}

// Streams one attachment file from its range's offset up to (not
// including) its end. Opening and each chunk run on the work pool; a
// request to end the call is seen before the next chunk.
class DownloadReactor
    : public grpc::ServerWriteReactor<truc::v1::DownloadChunk>,
      public TrackedCall {
 public:
  DownloadReactor(CallTracker* calls, absl::Status error)
      : TrackedCall(1), canceller_(nullptr), calls_(calls) {
    Finish(ToGrpcStatus(error));
  }
  DownloadReactor(grpc::CallbackServerContext* ctx, const ExchangeDeps& deps,
                  const Identity& caller,
                  const truc::v1::DownloadRequest& request)
      : TrackedCall(1),
        canceller_(ctx),
        deps_(deps),
        pool_(deps.pool),
        calls_(deps.calls) {
    auto token = calls_->Add(caller, this, /*capped=*/true);
    if (!token.ok()) {
      Finish(ToGrpcStatus(token.status()));
      return;
    }
    token_ = *token;
    // A revocation just before Add found no call of this one to end.
    if (absl::Status again = deps.certificates->Admit(caller); !again.ok()) {
      Finish(ToGrpcStatus(again));
      return;
    }
    Ref();
    pool_->Run([this, caller, request] {
      Open(caller, request);
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
    if (token_ != 0) calls_->Remove(token_);
    Unref();
  }
  // Seen before the next chunk; a client that stopped reading never lets
  // the last write complete, and is cancelled a second later (Cancel).
  void End(const absl::Status& status) override { ended_.Set(status); }
  bool Cancel() override {
    if (!with_client_.load()) return false;  // opening or reading a chunk
    canceller_.Cancel();
    return true;
  }

 private:
  ~DownloadReactor() override {
    if (range_.fd >= 0) ::close(range_.fd);
  }

  void Open(const Identity& caller, const truc::v1::DownloadRequest& request) {
    absl::StatusOr<OpenedRange> range = OpenRange(deps_, caller, request);
    if (!range.ok()) {
      FinishNext(ToGrpcStatus(range.status()));
      return;
    }
    range_ = *range;
    Next();
  }

  void Next() {
    if (auto end = ended_.Get()) {
      FinishNext(ToGrpcStatus(*end));
      return;
    }
    if (range_.offset >= range_.end) {
      FinishNext(grpc::Status::OK);
      return;
    }
    size_t want = static_cast<size_t>(
        std::min<uint64_t>(kDownloadChunk, range_.end - range_.offset));
    std::string* data = chunk_.mutable_data();
    data->resize(want);
    ssize_t n = ::pread(range_.fd, data->data(), want,
                        static_cast<off_t>(range_.offset));
    if (n <= 0) {
      FinishNext(
          ToGrpcStatus(ErrnoStatus(n < 0 ? errno : EIO, "read attachment")));
      return;
    }
    data->resize(static_cast<size_t>(n));
    chunk_.set_offset(range_.offset);
    range_.offset += static_cast<uint64_t>(n);
    with_client_.store(true);
    StartWrite(&chunk_);
  }
  void FinishNext(const grpc::Status& status) {
    with_client_.store(true);
    Finish(status);
  }

  CallCanceller canceller_;
  ExchangeDeps deps_{};
  WorkPool* pool_ = nullptr;
  CallTracker* calls_ = nullptr;
  uint64_t token_ = 0;
  OpenedRange range_;
  EndRequest ended_;
  truc::v1::DownloadChunk chunk_;
  // A write or the finish is with gRPC: nothing of the hub's is running.
  std::atomic<bool> with_client_{false};
};

}  // namespace

grpc::ServerWriteReactor<truc::v1::DownloadChunk>* NewDownloadReactor(
    grpc::CallbackServerContext* ctx, absl::StatusOr<Identity> caller,
    const ExchangeDeps& deps, const truc::v1::DownloadRequest& request) {
  if (!caller.ok()) return new DownloadReactor(deps.calls, caller.status());
  return new DownloadReactor(ctx, deps, *caller, request);
}

}  // namespace truc::hub
