#include "hub/exchange/send_session.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace truc::hub {

std::string SendSession::Describe(size_t index) const {
  return absl::StrCat("attachment ", index, " (\"",
                      header_.attachments(static_cast<int>(index)).name(),
                      "\")");
}

absl::StatusOr<std::optional<truc::v1::SendResponse>> SendSession::OnMessage(
    const truc::v1::SendRequest& request) {
  switch (request.kind_case()) {
    case truc::v1::SendRequest::kBegin:
      return Begin(request.begin());
    case truc::v1::SendRequest::kChunk:
      TRUC_RETURN_IF_ERROR(AddChunk(request.chunk()));
      return std::nullopt;
    default:
      return absl::InvalidArgumentError(
          "empty SendRequest: set begin or chunk");
  }
}

absl::StatusOr<std::optional<truc::v1::SendResponse>> SendSession::Begin(
    const truc::v1::SendBegin& begin) {
  if (begun_)
    return absl::InvalidArgumentError("a send has exactly one `begin` message");
  begun_ = true;
  const std::string& key = begin.idempotency_key();
  if (key.empty() || key.size() > 128) {
    return absl::InvalidArgumentError(
        "idempotency_key is required and must be 1 to 128 bytes");
  }
  idempotency_key_ = key;
  TRUC_ASSIGN_OR_RETURN(
      header_,
      ParseAndValidateHeader(begin.envelope().header(), caller_.name, limits_));
  TRUC_ASSIGN_OR_RETURN(auto prior, ledger_->FindPriorSend(caller_.name, key));
  if (prior) return prior;
  // Before a byte of the attachments is read: the header (which carries
  // their digests) must be signed by the sending agency.
  TRUC_RETURN_IF_ERROR(
      trust_->CheckEnvelope(begin.envelope(), caller_.name).status());
  std::vector<std::string> recipients;
  for (const auto& to : header_.to()) recipients.push_back(to.organ_id());
  TRUC_RETURN_IF_ERROR(directory_->CheckRecipients(recipients));
  // Only the header and its signature travel on: unknown fields a sender
  // might add to the envelope are not stored or served.
  envelope_.set_header(begin.envelope().header());
  *envelope_.mutable_signature() = begin.envelope().signature();
  envelope_.mutable_signature()->DiscardUnknownFields();
  return std::nullopt;
}

absl::Status SendSession::CompleteCurrent() {
  const auto& d = header_.attachments(static_cast<int>(index_));
  if (!upload_) {
    TRUC_ASSIGN_OR_RETURN(upload_, blobs_->StartUpload(d.sha256()));
  }
  if (upload_->size() != d.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(index_), " ended after ", upload_->size(),
                     " of its declared ", d.size(), " bytes"));
  }
  absl::Status committed = upload_->Commit(d.sha256());
  if (!committed.ok()) {
    upload_.reset();
    return absl::Status(committed.code(), absl::StrCat(Describe(index_), ": ",
                                                       committed.message()));
  }
  completed_.push_back(std::move(upload_));
  ++index_;
  return absl::OkStatus();
}

absl::Status SendSession::AddChunk(const truc::v1::AttachmentChunk& chunk) {
  if (!begun_)
    return absl::InvalidArgumentError("the first message must be `begin`");
  const size_t count = static_cast<size_t>(header_.attachments_size());
  const size_t index = chunk.attachment_index();
  if (index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chunk for attachment ", index, " but the header declares ", count));
  }
  if (index < index_) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunk for attachment ", index, " after attachment ",
                     index_, " began: send attachments in order"));
  }
  while (index_ < index) TRUC_RETURN_IF_ERROR(CompleteCurrent());
  const auto& d = header_.attachments(static_cast<int>(index_));
  if (!upload_) {
    TRUC_ASSIGN_OR_RETURN(upload_, blobs_->StartUpload(d.sha256()));
  }
  if (chunk.offset() != upload_->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(index_), ": chunk at offset ", chunk.offset(),
                     " but ", upload_->size(), " bytes were received"));
  }
  if (upload_->size() + chunk.data().size() > d.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(index_), " has more bytes than its declared size ", d.size()));
  }
  return upload_->Append(chunk.data());
}

absl::StatusOr<truc::v1::SendResponse> SendSession::Finish() {
  if (!begun_)
    return absl::InvalidArgumentError("the first message must be `begin`");
  while (index_ < static_cast<size_t>(header_.attachments_size())) {
    TRUC_RETURN_IF_ERROR(CompleteCurrent());
  }
  // A recipient may have been suspended while the attachments came in.
  std::vector<std::string> recipients;
  for (const auto& to : header_.to()) recipients.push_back(to.organ_id());
  TRUC_RETURN_IF_ERROR(directory_->CheckRecipients(recipients));
  // Every attachment checked out: only now do the files join the store.
  for (auto& upload : completed_) TRUC_RETURN_IF_ERROR(upload->Place());
  return ledger_->Accept(caller_, idempotency_key_, envelope_, header_);
}

}  // namespace truc::hub
