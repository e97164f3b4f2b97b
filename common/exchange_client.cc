#include "common/exchange_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace truc {
namespace {

// Reads a file chunk by chunk, calling `sink` on each. Fails NOT_FOUND.
template <typename Sink>
absl::Status ForEachChunk(const std::string& path, Sink sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  std::string buf(kChunkBytes, '\0');
  absl::Status status;
  while (status.ok()) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, absl::StrCat("read ", path));
      break;
    }
    if (n == 0) break;
    status = sink(absl::string_view(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return status;
}

}  // namespace

std::string GuessContentType(const std::string& name) {
  std::string ext =
      absl::AsciiStrToLower(std::filesystem::path(name).extension().string());
  if (ext == ".pdf") return "application/pdf";
  if (ext == ".doc") return "application/msword";
  if (ext == ".docx")
    return "application/"
           "vnd.openxmlformats-officedocument.wordprocessingml.document";
  if (ext == ".xls") return "application/vnd.ms-excel";
  if (ext == ".xlsx")
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  if (ext == ".zip") return "application/zip";
  if (ext == ".xml" || ext == ".edxml") return "application/xml";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  return "application/octet-stream";
}

absl::StatusOr<truc::v1::AttachmentDescriptor> DescribeAttachment(
    const AttachmentFile& file) {
  truc::v1::AttachmentDescriptor d;
  d.set_name(file.name.empty()
                 ? std::filesystem::path(file.path).filename().string()
                 : file.name);
  d.set_content_type(file.content_type.empty() ? GuessContentType(d.name())
                                               : file.content_type);
  d.set_description(file.description);
  Sha256 sha;
  uint64_t size = 0;
  TRUC_RETURN_IF_ERROR(ForEachChunk(file.path, [&](absl::string_view data) {
    sha.Update(data);
    size += data.size();
    return absl::OkStatus();
  }));
  d.set_size(size);
  d.set_sha256(sha.Finish());
  return d;
}

absl::Status CompleteHeader(const std::string& sender_code,
                            const std::vector<AttachmentFile>& files,
                            truc::v1::DocumentHeader* header) {
  header->mutable_from()->set_organ_id(sender_code);
  header->clear_attachments();
  for (const auto& f : files) {
    TRUC_ASSIGN_OR_RETURN(*header->add_attachments(), DescribeAttachment(f));
  }
  if (!header->promulgation().has_promulgation_date()) {
    time_t secs = static_cast<time_t>(NowMicros() / 1000000) + 7 * 3600;
    struct tm tm;
    gmtime_r(&secs, &tm);
    auto* date = header->mutable_promulgation()->mutable_promulgation_date();
    date->set_year(tm.tm_year + 1900);
    date->set_month(tm.tm_mon + 1);
    date->set_day(tm.tm_mday);
  }
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::SendResponse> SendDocument(
    truc::v1::Exchange::StubInterface* stub, const Signer& signer,
    const truc::v1::DocumentHeader& header,
    const std::vector<AttachmentFile>& files,
    const std::string& idempotency_key, std::chrono::seconds timeout,
    grpc::ClientContext* context) {
  if (files.size() != static_cast<size_t>(header.attachments_size())) {
    return absl::InvalidArgumentError(
        "the header describes a different number of attachments than given");
  }
  const Identity& who = signer.identity();
  if (who.role != Role::kAgency || who.name != header.from().organ_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signing certificate is of ", who.ToString(),
        ", but the document's sender is ", header.from().organ_id()));
  }
  truc::v1::SendRequest begin;
  begin.mutable_begin()->set_idempotency_key(idempotency_key);
  auto* envelope = begin.mutable_begin()->mutable_envelope();
  header.SerializeToString(envelope->mutable_header());
  TRUC_ASSIGN_OR_RETURN(*envelope->mutable_signature(),
                        signer.Sign(kHeaderContext, envelope->header()));
  grpc::ClientContext own;
  if (context == nullptr) {
    own.set_deadline(std::chrono::system_clock::now() + timeout);
  }
  grpc::ClientContext& ctx = context != nullptr ? *context : own;
  truc::v1::SendResponse response;
  auto writer = stub->Send(&ctx, &response);
  bool open = writer->Write(begin);
  for (size_t i = 0; open && i < files.size(); ++i) {
    uint64_t offset = 0;
    Sha256 sha;
    absl::Status read =
        ForEachChunk(files[i].path, [&](absl::string_view data) {
          sha.Update(data);
          truc::v1::SendRequest req;
          auto* chunk = req.mutable_chunk();
          chunk->set_attachment_index(static_cast<uint32_t>(i));
          chunk->set_offset(offset);
          chunk->set_data(std::string(data));
          offset += data.size();
          // The hub may answer early (a duplicate, or a refusal): stop then.
          open = writer->Write(req);
          return open ? absl::OkStatus()
                      : absl::CancelledError("stream closed");
        });
    if (!read.ok() && open) {
      ctx.TryCancel();
      (void)writer->Finish();
      return read;
    }
    if (open && (offset != header.attachments(i).size() ||
                 sha.Finish() != header.attachments(i).sha256())) {
      ctx.TryCancel();
      (void)writer->Finish();
      return absl::FailedPreconditionError(absl::StrCat(
          "attachment ", files[i].path, " changed while it was being sent"));
    }
  }
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

std::string NewIdempotencyKey() {
  std::random_device rd;
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(rd());
  return HexEncode(raw);
}

}  // namespace truc
