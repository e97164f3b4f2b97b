// Client-side helpers for the Exchange service, shared by the edge agent and
// the `truc` command line: describing attachment files, and sending a
// document with its attachments streamed in chunks (a 200 MB scan is never
// whole in memory).
//
// Thread-safety: the functions are thread-safe; a Stub may be shared.
#ifndef TRUC_COMMON_EXCHANGE_CLIENT_H_
#define TRUC_COMMON_EXCHANGE_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/signature.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc {

// Size of the chunks in which attachments travel.
inline constexpr size_t kChunkBytes = 1 << 20;

// One attachment to send: the file on disk and how it is described.
struct AttachmentFile {
  std::string path;
  std::string name;          // defaults to the file's base name
  std::string content_type;  // defaults from the extension
  std::string description;
};

// Reads `file` once to fill a descriptor (name, content type, size,
// SHA-256). Fails NOT_FOUND naming the path.
absl::StatusOr<truc::v1::AttachmentDescriptor> DescribeAttachment(
    const AttachmentFile& file);

// A content type for a file name: .pdf, .doc(x), .xls(x), .zip, .xml, .txt,
// .png, .jpg; application/octet-stream otherwise.
std::string GuessContentType(const std::string& name);

// Fills what the sender's tools fill: from.organ_id = `sender_code`, the
// attachment descriptors (replacing any in `header`), and the promulgation
// date (today, in Vietnam) when unset.
absl::Status CompleteHeader(const std::string& sender_code,
                            const std::vector<AttachmentFile>& files,
                            truc::v1::DocumentHeader* header);

// Signs `header` with `signer` (the sending agency's key), sends it (its
// attachments already described, in the order of `files`) and streams the
// files. The same `idempotency_key` on a retry returns the first document
// id. The answer carries the hub's signed acceptance receipt. Fails
// INVALID_ARGUMENT if the signer is not the header's sender, with the
// signer's error, with the hub's status (see exchange.proto), or
// FAILED_PRECONDITION if a file changed after it was described. The call
// runs in `context` when given (the caller sets its deadline and may
// TryCancel it from another thread, to stop an upload); otherwise in a
// context of its own with `timeout`.
absl::StatusOr<truc::v1::SendResponse> SendDocument(
    truc::v1::Exchange::StubInterface* stub, const Signer& signer,
    const truc::v1::DocumentHeader& header,
    const std::vector<AttachmentFile>& files,
    const std::string& idempotency_key,
    std::chrono::seconds timeout = std::chrono::seconds(3600),
    grpc::ClientContext* context = nullptr);

// A random idempotency key (32 hex characters).
std::string NewIdempotencyKey();

// Made for each call's context before it starts, and kept until the call
// ends (to register the call for cancellation, say).
using CallGuard = std::function<std::shared_ptr<void>(grpc::ClientContext*)>;

// Downloads attachment `index` (described by `desc`) of `document_id` into
// `part_path`, resuming from what the file already holds: `range` bytes
// per Download call, so that at most one range is ever in flight to the
// caller; each call's deadline is 5 min plus 1 s per 256 KiB. Hashes the
// bytes as they arrive (never whole in memory) and adds their count to
// `*downloaded`; the file is fdatasync'd. Fails DATA_LOSS (the part file
// removed) when the bytes do not follow on, pass the declared size, or
// end with another size or SHA-256; with the hub's status, naming the byte
// it stopped at (the part kept, to resume), when a call fails; with the
// file's error.
absl::Status DownloadAttachment(truc::v1::Exchange::StubInterface* stub,
                                const std::string& document_id, int index,
                                const truc::v1::AttachmentDescriptor& desc,
                                const std::string& part_path, uint64_t range,
                                uint64_t* downloaded,
                                const CallGuard& guard = nullptr);

}  // namespace truc

#endif  // TRUC_COMMON_EXCHANGE_CLIENT_H_
