#include "hub/exchange/send_session.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace truc::hub {

std::string SendSession::Describe(size_t index) const {
  return absl::StrCat("attachment ", index, " (\"", Expected(index).name(),
                      "\")");
}

size_t SendSession::Count() const {
  return static_cast<size_t>(header_.attachments_size()) +
         (original_.sha256().empty() ? 0 : 1);
}

const truc::v1::AttachmentDescriptor& SendSession::Expected(
    size_t index) const {
  if (index == static_cast<size_t>(header_.attachments_size())) {
    return original_;
  }
  return header_.attachments(static_cast<int>(index));
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
  const bool bridge = caller_.role == Role::kBridge;
  // The sender: the calling agency, or for a bridge, the agency beyond
  // this hub that the header names and the bridge reaches.
  std::string sender = caller_.name;
  if (bridge) {
    truc::v1::DocumentHeader peek;
    if (!peek.ParseFromString(begin.envelope().header())) {
      return absl::InvalidArgumentError("the envelope's header does not parse");
    }
    sender = peek.from().organ_id();
    if (sender.empty() || directory_->BridgeOf(sender) != caller_.name) {
      return absl::PermissionDeniedError(absl::StrCat(
          "bridge ", caller_.name, " does not reach the sender ",
          sender.empty() ? "(none named)" : sender,
          ": it brings in documents of the agencies beyond this hub that the "
          "directory names it for"));
    }
    if (begin.envelope().carried_by_bridge() != caller_.name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a document bridge ", caller_.name,
          " brings in must name it as carrier (envelope.carried_by_bridge) "
          "and carry its signature"));
    }
  } else if (!begin.envelope().carried_by_bridge().empty() ||
             !begin.envelope().carried_for_system().empty() ||
             !begin.deliver_to().empty() || begin.trace_size() > 0 ||
             !begin.original_edxml_sha256().empty()) {
    return absl::InvalidArgumentError(
        "an agency sends its own documents: carried_by_bridge, "
        "carried_for_system, deliver_to, trace and original_edxml are not "
        "for it");
  }
  constexpr int kMaxTrace = 32;
  if (begin.trace_size() > kMaxTrace) {
    return absl::InvalidArgumentError(
        absl::StrCat("the trace names ", begin.trace_size(),
                     " axes crossed; at most ", kMaxTrace));
  }
  for (const auto& t : begin.trace()) {
    if (t.organ_id().empty() || t.organ_id().size() > 100) {
      return absl::InvalidArgumentError(
          "each axis in the trace needs an OrganId of 1 to 100 bytes");
    }
  }
  trace_.assign(begin.trace().begin(), begin.trace().end());
  if (!begin.original_edxml_sha256().empty()) {
    if (begin.original_edxml_sha256().size() != 32) {
      return absl::InvalidArgumentError(
          "original_edxml_sha256 must be a SHA-256 (32 bytes)");
    }
    original_ = OriginalEdxmlFile(begin.original_edxml_sha256(),
                                  begin.original_edxml_size());
  }
  TRUC_ASSIGN_OR_RETURN(
      header_,
      ParseAndValidateHeader(begin.envelope().header(), sender, limits_));
  TRUC_ASSIGN_OR_RETURN(auto prior, ledger_->FindPriorSend(sender, key));
  if (prior) return prior;
  // Before a byte of the attachments is read: the header (which carries
  // their digests) must be signed by the sending agency (by the bridge, as
  // carrier, for a document from beyond).
  TRUC_RETURN_IF_ERROR(
      trust_->CheckEnvelope(begin.envelope(), sender).status());
  if (bridge) {
    // And, with federated CAs, the sender's own signature, end to end.
    TRUC_ASSIGN_OR_RETURN(origin_checked_under_, trust_->CheckOriginSignature(
                                                     begin.envelope(), sender));
  }
  if (bridge) {
    TRUC_ASSIGN_OR_RETURN(deliver_to_, DeliverTo(begin));
  } else {
    for (const auto& to : header_.to()) deliver_to_.push_back(to.organ_id());
  }
  TRUC_RETURN_IF_ERROR(directory_->CheckRecipients(deliver_to_));
  // Only the header and its signatures travel on: unknown fields a sender
  // might add to the envelope are not stored or served.
  envelope_.set_header(begin.envelope().header());
  if (begin.envelope().has_signature()) {  // none from the national axis
    *envelope_.mutable_signature() = begin.envelope().signature();
    envelope_.mutable_signature()->DiscardUnknownFields();
  }
  if (bridge) {
    envelope_.set_carried_by_bridge(caller_.name);
    // Taken from an axis system at its first hub: that hub signed as its
    // carrier, and the signature is checked against that context.
    envelope_.set_carried_for_system(begin.envelope().carried_for_system());
    *envelope_.mutable_carrier_signature() =
        begin.envelope().carrier_signature();
    envelope_.mutable_carrier_signature()->DiscardUnknownFields();
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<std::string>> SendSession::DeliverTo(
    const truc::v1::SendBegin& begin) const {
  if (begin.deliver_to().empty()) {
    return absl::InvalidArgumentError(
        "a bridge names the recipients this hub takes the document to "
        "(deliver_to)");
  }
  std::set<std::string> in_header;
  for (const auto& to : header_.to()) in_header.insert(to.organ_id());
  std::vector<std::string> out;
  for (const auto& r : begin.deliver_to()) {
    if (!in_header.count(r)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "deliver_to names ", r, ", which is not a recipient in the header"));
    }
    if (directory_->BridgeOf(r) == caller_.name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "deliver_to names ", r, ", which bridge ", caller_.name,
          " reaches itself: a document never goes back the way it came"));
    }
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

absl::Status SendSession::CompleteCurrent() {
  const auto& d = Expected(index_);
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
  const size_t count = Count();
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
  const auto& d = Expected(index_);
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
  while (index_ < Count()) TRUC_RETURN_IF_ERROR(CompleteCurrent());
  // A recipient may have been suspended while the attachments came in.
  TRUC_RETURN_IF_ERROR(directory_->CheckRecipients(deliver_to_));
  // Every attachment checked out: only now do the files join the store.
  for (auto& upload : completed_) TRUC_RETURN_IF_ERROR(upload->Place());
  return ledger_->Accept(
      caller_, idempotency_key_, envelope_, header_,
      CarriedOriginal{.edxml_sha256 = original_.sha256(),
                      .edxml_size = original_.size(),
                      .checked_under = origin_checked_under_,
                      .trace = trace_},
      caller_.role == Role::kBridge ? deliver_to_ : std::vector<std::string>{});
}

}  // namespace truc::hub
