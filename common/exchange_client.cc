#include "common/exchange_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

absl::Status DownloadAttachment(truc::v1::Exchange::StubInterface* stub,
                                const std::string& document_id, int index,
                                const truc::v1::AttachmentDescriptor& desc,
                                const std::string& part_path, uint64_t range,
                                uint64_t* downloaded, const CallGuard& guard) {
  const std::string what =
      absl::StrCat("document ", document_id, ", attachment ", index, " (\"",
                   desc.name(), "\")");
  struct stat st;
  uint64_t size = 0;
  if (::stat(part_path.c_str(), &st) == 0) {
    size = static_cast<uint64_t>(st.st_size);
  } else if (errno != ENOENT) {
    return ErrnoStatus(errno, absl::StrCat("stat ", part_path));
  }
  if (size > desc.size()) {
    TRUC_RETURN_IF_ERROR(RemoveAll(part_path));
    size = 0;
  }
  TRUC_ASSIGN_OR_RETURN(AppendFile part, AppendFile::Open(part_path));

  // Resume: hash what an earlier offer left, then append the rest.
  Sha256 sha;
  TRUC_ASSIGN_OR_RETURN(size, part.ReadExisting([&](absl::string_view data) {
    sha.Update(data);
  }));
  auto discard = [&](absl::Status why) {
    (void)RemoveAll(part_path);
    return why;
  };
  if (size > desc.size()) {
    return discard(absl::DataLossError(
        absl::StrCat(what, ": the part file grew past the declared size")));
  }

  // One range per call, so at most one range is ever in flight to us,
  // whatever the HTTP/2 window grows to on a fast link.
  while (size < desc.size()) {
    const uint64_t before = size;
    const uint64_t length = std::min(range, desc.size() - size);
    grpc::ClientContext ctx;
    // A safety net against a stalled stream, generous for slow links: 5 min
    // plus 1 s per 256 KiB of the range. On expiry the part is kept and the
    // next offer resumes.
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(5) +
                     std::chrono::seconds(length >> 18));
    std::shared_ptr<void> guarded = guard ? guard(&ctx) : nullptr;
    truc::v1::DownloadRequest request;
    request.set_document_id(document_id);
    request.set_attachment_index(static_cast<uint32_t>(index));
    request.set_offset(size);
    request.set_length(length);
    auto reader = stub->Download(&ctx, request);
    truc::v1::DownloadChunk chunk;
    absl::Status local;
    // A hub that ignores `length` streams to the end: accepted, as long as
    // the bytes follow on and stay within the declared size.
    while (reader->Read(&chunk)) {
      if (chunk.offset() != size) {
        local = absl::DataLossError(
            absl::StrCat(what, ": the hub sent bytes at offset ",
                         chunk.offset(), " where ", size, " was expected"));
        break;
      }
      if (chunk.data().size() > desc.size() - size) {
        local = absl::DataLossError(
            absl::StrCat(what, ": the hub sent more than the declared ",
                         desc.size(), " bytes"));
        break;
      }
      local = part.Append(chunk.data());
      if (!local.ok()) break;
      sha.Update(chunk.data());
      size += chunk.data().size();
      *downloaded += chunk.data().size();
    }
    if (!local.ok()) {
      ctx.TryCancel();
      (void)reader->Finish();
      if (local.code() == absl::StatusCode::kDataLoss) return discard(local);
      return local;
    }
    grpc::Status finished = reader->Finish();
    if (!finished.ok()) {
      // Keep what arrived: the next offer resumes from here.
      (void)part.Sync();
      absl::Status s = FromGrpcStatus(finished);
      return absl::Status(
          s.code(), absl::StrCat(what, ": download interrupted at byte ", size,
                                 ": ", s.message()));
    }
    if (size == before) break;  // the hub has no more: checked below
  }
  TRUC_RETURN_IF_ERROR(part.Sync());
  if (size != desc.size()) {
    return discard(absl::DataLossError(
        absl::StrCat(what, ": the hub sent ", size,
                     " bytes, the header declares ", desc.size())));
  }
  if (sha.Finish() != desc.sha256()) {
    return discard(absl::DataLossError(
        absl::StrCat(what, ": the SHA-256 of the ", size,
                     " bytes received does not match the header's")));
  }
  return absl::OkStatus();
}

}  // namespace truc
