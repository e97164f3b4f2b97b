#include "hub/exchange/carried_send.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::hub {
namespace {

// Calls `fn` with the file's bytes in pieces of 1 MiB.
absl::Status ForEachPiece(
    const std::string& path,
    const std::function<absl::Status(absl::string_view)>& fn) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string buf(1 << 20, '\0');
  absl::Status status;
  while (status.ok()) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus(errno, "read " + path);
      break;
    }
    if (n == 0) break;
    status = fn(absl::string_view(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore::Upload>> CarriedSend::Upload(
    const std::string& path, std::string* sha256, uint64_t* size) {
  if (sha256->empty()) {
    Sha256 sha;
    TRUC_RETURN_IF_ERROR(ForEachPiece(path, [&](absl::string_view piece) {
      sha.Update(piece);
      return absl::OkStatus();
    }));
    *sha256 = sha.Finish();
  }
  TRUC_ASSIGN_OR_RETURN(auto upload, blobs_->StartUpload(*sha256));
  TRUC_RETURN_IF_ERROR(ForEachPiece(
      path, [&](absl::string_view piece) { return upload->Append(piece); }));
  *size = upload->size();
  absl::Status committed = upload->Commit(*sha256);
  if (!committed.ok()) {
    return absl::Status(committed.code(),
                        absl::StrCat(path, ": ", committed.message()));
  }
  return upload;
}

absl::StatusOr<truc::v1::SendResponse> CarriedSend::Store(
    const std::string& agency, const std::string& system_id,
    const truc::v1::DocumentHeader& header,
    const std::vector<std::string>& attachment_paths,
    const std::string& edxml_path, const std::string& idempotency_key,
    const std::vector<std::string>& deliver_to) {
  const std::string header_bytes = header.SerializeAsString();
  TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentHeader checked,
                        ParseAndValidateHeader(header_bytes, agency, limits_));
  std::vector<std::string> recipients;
  for (const auto& to : checked.to()) recipients.push_back(to.organ_id());
  if (!deliver_to.empty()) {
    for (const auto& r : deliver_to) {
      if (std::find(recipients.begin(), recipients.end(), r) ==
          recipients.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "to names ", r, ", which is not among the document's recipients"));
      }
    }
    recipients = deliver_to;
  }
  TRUC_RETURN_IF_ERROR(directory_->CheckRecipients(recipients));
  TRUC_ASSIGN_OR_RETURN(auto prior,
                        ledger_->FindPriorSend(agency, idempotency_key));
  if (prior) return *prior;
  if (attachment_paths.size() !=
      static_cast<size_t>(checked.attachments_size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the document describes ", checked.attachments_size(),
        " attachments but ", attachment_paths.size(), " were decoded"));
  }
  std::vector<std::unique_ptr<BlobStore::Upload>> uploads;
  for (int i = 0; i < checked.attachments_size(); ++i) {
    const auto& d = checked.attachments(i);
    std::string sha = d.sha256();
    uint64_t size = 0;
    TRUC_ASSIGN_OR_RETURN(auto upload,
                          Upload(attachment_paths[i], &sha, &size));
    if (size != d.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attachment \"", d.name(), "\": ", size,
                       " bytes decoded, ", d.size(), " described"));
    }
    uploads.push_back(std::move(upload));
  }
  CarriedOriginal original;
  TRUC_ASSIGN_OR_RETURN(auto kept, Upload(edxml_path, &original.edxml_sha256,
                                          &original.edxml_size));
  uploads.push_back(std::move(kept));
  TRUC_ASSIGN_OR_RETURN(truc::v1::Envelope envelope,
                        trust_->SignCarriedEnvelope(header_bytes, system_id));
  for (auto& u : uploads) TRUC_RETURN_IF_ERROR(u->Place());
  Identity sender;
  sender.role = Role::kAgency;
  sender.name = agency;
  sender.common_name = absl::StrCat("system ", system_id);
  return ledger_->Accept(sender, idempotency_key, envelope, checked, original,
                         deliver_to);
}

}  // namespace truc::hub
