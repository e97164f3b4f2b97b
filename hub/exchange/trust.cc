#include "hub/exchange/trust.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/evidence.h"
#include "common/status_macros.h"

namespace truc::hub {

std::string HubSigningKey::Stamp() const {
  std::string out;
  for (const std::string* path : {&key_path_, &cert_path_}) {
    struct stat st;
    if (::stat(path->c_str(), &st) == 0) {
      absl::StrAppend(&out, st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec, ":", st.st_ino, ";");
    } else {
      absl::StrAppend(&out, "missing;");
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<HubSigningKey>> HubSigningKey::Load(
    const std::string& key_path, const std::string& cert_path) {
  std::unique_ptr<HubSigningKey> key(new HubSigningKey(key_path, cert_path));
  auto reloaded = key->Reload();
  if (!reloaded.ok()) return reloaded.status();
  return key;
}

std::shared_ptr<const Signer> HubSigningKey::Current() const {
  absl::MutexLock lock(&mu_);
  return signer_;
}

absl::StatusOr<bool> HubSigningKey::Reload() {
  const std::string stamp = Stamp();
  {
    absl::MutexLock lock(&mu_);
    if (signer_ && stamp == stamp_) return false;
  }
  TRUC_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer,
                        Signer::FromFiles(key_path_, cert_path_));
  if (signer->identity().role != Role::kHub) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_path_, " is the certificate of ",
                     signer->identity().ToString(), ", not of the hub"));
  }
  absl::MutexLock lock(&mu_);
  signer_ = std::move(signer);
  stamp_ = stamp;
  return true;
}

absl::StatusOr<Identity> HubTrust::CheckEnvelope(
    const truc::v1::Envelope& envelope,
    const std::string& sender_agency) const {
  // A document a bridge brings in from the national axis has no truc
  // signature of its sender (the axis's systems sign nothing truc can
  // check): the bridge's, as carrier, vouches for it.
  if (!envelope.has_signature() && envelope.carried_by_bridge().empty()) {
    return absl::InvalidArgumentError(
        "the envelope is not signed: since 2020 only digitally signed "
        "documents are accepted; sign the header with the agency's key "
        "(truc send and truc-agent do)");
  }
  const int64_t now = clock_();
  TRUC_ASSIGN_OR_RETURN(
      Identity signer,
      VerifyEnvelope(anchor_, envelope, sender_agency, now / 1'000'000));
  TRUC_RETURN_IF_ERROR(registry_->Admit(signer));
  return signer;
}

absl::StatusOr<std::string> HubTrust::CheckOriginSignature(
    const truc::v1::Envelope& envelope,
    const std::string& sender_agency) const {
  if (federated_.empty()) return std::string();
  if (!envelope.has_signature()) {
    // From the national axis, whose systems sign nothing truc checks: a hub
    // that checks senders' own signatures end to end cannot take it.
    return absl::UnauthenticatedError(
        "the document carries no signature of its sender, and this hub "
        "checks every sender's own signature (federated_ca_certs)");
  }
  const int64_t now_unix = clock_() / 1'000'000;
  std::vector<std::string> why;
  // A document its first hub took from an axis system is that hub's,
  // signed as carrier: its signature stands for the sender's.
  const bool carried = !envelope.carried_for_system().empty();
  auto under = [&](const TrustAnchor& anchor) -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(
        Identity signer,
        VerifySignature(anchor,
                        carried ? kCarriedHeaderContext : kHeaderContext,
                        envelope.header(), envelope.signature(), now_unix));
    if (carried) {
      if (signer.role == Role::kHub) return absl::OkStatus();
      return absl::UnauthenticatedError(
          absl::StrCat("carried for system ", envelope.carried_for_system(),
                       " but signed by ", signer.ToString(), ", not a hub"));
    }
    if (signer.role != Role::kAgency || signer.name != sender_agency) {
      return absl::UnauthenticatedError(
          absl::StrCat("signed by ", signer.ToString(), ", not by the sender ",
                       sender_agency));
    }
    return absl::OkStatus();
  };
  std::vector<const TrustAnchor*> anchors = {&anchor_};
  for (const auto& f : federated_) anchors.push_back(&f);
  for (const TrustAnchor* anchor : anchors) {
    absl::Status s = under(*anchor);
    const std::string ca = anchor->certificate().common_name();
    if (s.ok()) return ca;
    why.push_back(absl::StrCat(ca, ": ", s.message()));
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "the sender's own signature does not check out under any CA this hub "
      "federates with (",
      absl::StrJoin(why, "; "), ")"));
}

absl::Status HubTrust::CheckStatement(const truc::v1::Receipt& statement,
                                      const std::string& recipient,
                                      const truc::internal::DocumentRecord& doc,
                                      truc::v1::EdxmlStatus status,
                                      const std::string& description,
                                      const std::string& carrier_bridge) const {
  if (statement.body().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status ", absl::StrFormat("%02d", static_cast<int>(status)),
        " of document ", doc.document_id(),
        " must carry the agent's signed statement (receipt)"));
  }
  auto v = VerifyReceipt(anchor_, statement);
  if (!v.ok()) {
    return absl::Status(
        v.status().code(),
        absl::StrCat("the signed statement: ", v.status().message()));
  }
  const truc::v1::ReceiptBody& b = v->body;
  if (b.kind() != truc::v1::ReceiptBody::KIND_STATUS ||
      b.recipient() != recipient) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signed statement is not a status statement of ", recipient));
  }
  if (b.carried_by_bridge() != carrier_bridge) {
    return absl::InvalidArgumentError(
        carrier_bridge.empty()
            ? absl::StrCat("the signed statement was brought back by bridge ",
                           b.carried_by_bridge(),
                           ": only that bridge reports it")
            : absl::StrCat("bridge ", carrier_bridge,
                           " must sign its statement as carrier"));
  }
  if (b.document_id() != doc.document_id() ||
      b.header_sha256() != doc.header_sha256()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signed statement is about ",
        b.document_id() != doc.document_id()
            ? absl::StrCat("document ", b.document_id())
            : std::string("another header"),
        ", not about document ", doc.document_id(), " as the hub stored it"));
  }
  if (b.status() != status || b.description() != description) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signed statement says status ",
        absl::StrFormat("%02d", static_cast<int>(b.status())),
        b.description() != description ? " with another description" : "",
        ", not what the request reports"));
  }
  // Valid at its own time (as an offline check sees it), and now, and
  // not revoked.
  return registry_->Admit(v->signer);
}

absl::StatusOr<truc::v1::Receipt> HubTrust::SignAcceptance(
    const truc::internal::DocumentRecord& doc) const {
  std::shared_ptr<const Signer> signer = key_->Current();
  if (!signer) return absl::UnavailableError("the hub has no signing key");
  truc::v1::ReceiptBody b;
  b.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
  b.set_document_id(doc.document_id());
  b.set_header_sha256(doc.header_sha256());
  b.mutable_at()->set_unix_micros(doc.accepted_at_micros());
  b.set_sender(doc.sender());
  for (const auto& r : doc.recipients()) b.add_recipients(r);
  b.set_edxml_document_id(doc.edxml_document_id());
  return SignReceipt(*signer, b);
}

absl::StatusOr<truc::v1::Envelope> HubTrust::SignCarriedEnvelope(
    const std::string& header_bytes, const std::string& system_id) const {
  std::shared_ptr<const Signer> signer = key_->Current();
  if (!signer) return absl::UnavailableError("the hub has no signing key");
  truc::v1::Envelope envelope;
  envelope.set_header(header_bytes);
  envelope.set_carried_for_system(system_id);
  TRUC_ASSIGN_OR_RETURN(*envelope.mutable_signature(),
                        signer->Sign(kCarriedHeaderContext, header_bytes));
  return envelope;
}

absl::StatusOr<truc::v1::Receipt> HubTrust::SignCarriedStatement(
    const truc::internal::DocumentRecord& doc, const std::string& recipient,
    truc::v1::EdxmlStatus status, const std::string& description,
    const std::string& system_id, const std::string& carrier_bridge) const {
  std::shared_ptr<const Signer> signer = key_->Current();
  if (!signer) return absl::UnavailableError("the hub has no signing key");
  truc::v1::ReceiptBody b;
  b.set_kind(truc::v1::ReceiptBody::KIND_STATUS);
  b.set_document_id(doc.document_id());
  b.set_header_sha256(doc.header_sha256());
  b.mutable_at()->set_unix_micros(clock_());
  b.set_recipient(recipient);
  b.set_status(status);
  b.set_description(description);
  b.set_carried_for_system(system_id);
  b.set_carried_by_bridge(carrier_bridge);
  return SignReceipt(*signer, b);
}

}  // namespace truc::hub
