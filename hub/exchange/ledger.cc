#include "hub/exchange/ledger.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <random>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/reception.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/urgency.h"
#include "hub/exchange/header_validation.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::internal::DeliveryRecord;
using truc::internal::DocumentRecord;

// A name, a signer: trimmed, not empty, at most `max` bytes.
absl::Status CheckText(absl::string_view field, std::string* value, size_t max,
                       bool required) {
  *value = std::string(absl::StripAsciiWhitespace(*value));
  if (required && value->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("required field missing: ", field));
  }
  if (value->size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

truc::v1::DeliveryState StateOf(truc::v1::EdxmlStatus s) {
  switch (s) {
    case truc::v1::EDXML_STATUS_ARRIVED:
      return truc::v1::DELIVERY_STATE_ARRIVED;
    case truc::v1::EDXML_STATUS_REFUSED:
      return truc::v1::DELIVERY_STATE_REFUSED;
    case truc::v1::EDXML_STATUS_ACCEPTED:
      return truc::v1::DELIVERY_STATE_ACCEPTED;
    case truc::v1::EDXML_STATUS_ASSIGNED:
      return truc::v1::DELIVERY_STATE_ASSIGNED;
    case truc::v1::EDXML_STATUS_PROCESSING:
      return truc::v1::DELIVERY_STATE_PROCESSING;
    case truc::v1::EDXML_STATUS_COMPLETED:
      return truc::v1::DELIVERY_STATE_COMPLETED;
    default:
      return truc::v1::DELIVERY_STATE_UNSPECIFIED;
  }
}

template <typename Proto>
absl::StatusOr<Proto> ParseRecord(const std::string& bytes,
                                  absl::string_view key) {
  Proto p;
  if (!p.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("corrupt record at ", key));
  }
  return p;
}

// Statuses kept per delivery: a handling history, not a chat.
constexpr int kMaxHistory = 64;

void RemoveFromQueues(const DeliveryRecord& d, WriteBatch* b) {
  uint8_t rank = UrgencyRank(d.urgency());
  b->Delete(keys::Queue(d.recipient(), rank, d.doc_accepted_at_micros(),
                        d.document_id()));
  b->Delete(keys::Pending(rank, d.doc_accepted_at_micros(), d.document_id(),
                          d.recipient()));
}

// An audit event of `actor` about a document.
truc::v1::AuditEvent Event(absl::string_view kind, const Identity& actor,
                           const std::string& document_id, std::string detail) {
  truc::v1::AuditEvent e;
  e.set_kind(std::string(kind));
  e.set_actor(actor.Principal());
  e.set_actor_certificate(actor.serial_hex);
  e.set_document_id(document_id);
  e.set_detail(std::move(detail));
  return e;
}

// The serial of the certificate that signed the envelope (checked before).
std::string SignerSerial(const truc::v1::Envelope& envelope) {
  auto cert = Certificate::FromDer(envelope.signature().certificate());
  return cert.ok() ? cert->serial_hex() : "none";
}

std::string StatementDigest(const truc::v1::Receipt& r) {
  return HexEncode(Sha256::Of(r.body()));
}

// The reason the recipient gave with its latest refusal (02), if any.
std::string LatestRefusal(const DeliveryRecord& d) {
  for (int i = d.history_size() - 1; i >= 0; --i) {
    if (d.history(i).status() == truc::v1::EDXML_STATUS_REFUSED)
      return d.history(i).description();
  }
  return "";
}

// The "not yet received" entry of `d`, with `value` ("", R or P).
void PutPending(const DeliveryRecord& d, absl::string_view value,
                WriteBatch* b) {
  b->Put(
      keys::Pending(UrgencyRank(d.urgency()), d.doc_accepted_at_micros(),
                    d.document_id(), d.recipient()),
      value);
}

// The queue entry that offers `d` to its recipient's agent.
void PutQueued(const DeliveryRecord& d, WriteBatch* b) {
  b->Put(keys::Queue(d.recipient(), UrgencyRank(d.urgency()),
                     d.doc_accepted_at_micros(), d.document_id()),
         "");
}

}  // namespace

WriteBatch Ledger::AcceptBatch(const DocumentRecord& doc) {
  const int64_t now = doc.accepted_at_micros();
  const std::string& id = doc.document_id();
  const uint8_t rank = UrgencyRank(doc.urgency());
  WriteBatch b;
  b.Put(keys::Document(id), doc.SerializeAsString());
  b.Put(keys::Idempotency(doc.sender(), doc.idempotency_key()), id);
  b.Put(keys::Sent(doc.sender(), now, id), "");
  b.Put(keys::Recent(now, id), "");
  for (const auto& r : doc.recipients()) {
    DeliveryRecord d;
    d.set_document_id(id);
    d.set_recipient(r);
    d.set_state(truc::v1::DELIVERY_STATE_QUEUED);
    d.set_queued_at_micros(now);
    d.set_urgency(doc.urgency());
    d.set_doc_accepted_at_micros(now);
    b.Put(keys::Delivery(id, r), d.SerializeAsString());
    b.Put(keys::Queue(r, rank, now, id), "");
    b.Put(keys::Pending(rank, now, id, r), "");
  }
  return b;
}

truc::v1::AuditEvent Ledger::AcceptedEvent(
    const DocumentRecord& doc, const Identity& sender,
    const truc::v1::DocumentHeader& header) {
  const bool revoke =
      header.business().type() == truc::v1::BUSINESS_TYPE_REVOKE;
  std::string detail =
      absl::StrCat("urgency=", truc::v1::Urgency_Name(header.urgency()),
                   " recipients=", doc.recipients_size(),
                   " header_sha256=", HexEncode(doc.header_sha256()),
                   " signed_by=", SignerSerial(doc.envelope()));
  if (header.business().type() != truc::v1::BUSINESS_TYPE_NEW) {
    absl::StrAppend(&detail, " business=",
                    truc::v1::BusinessType_Name(header.business().type()),
                    " target=", header.business().target_document_id());
  }
  return Event(revoke ? "revoke" : "accepted", sender, doc.document_id(),
               std::move(detail));
}

void Ledger::AddArrival(int64_t now, DeliveryRecord* d, WriteBatch* b,
                        const truc::v1::Receipt* statement) {
  d->set_state(truc::v1::DELIVERY_STATE_ARRIVED);
  d->set_arrived_at_micros(now);
  auto* e = d->add_history();
  e->set_status(truc::v1::EDXML_STATUS_ARRIVED);
  e->mutable_at()->set_unix_micros(now);
  if (statement != nullptr) *e->mutable_receipt() = *statement;
  b->Put(keys::Delivery(d->document_id(), d->recipient()),
         d->SerializeAsString());
  RemoveFromQueues(*d, b);
}

Ledger::Ledger(Store* store, Directory* directory, AuditLog* audit,
               const HubTrust* trust, Clock clock, LedgerOptions options)
    : store_(store),
      directory_(directory),
      audit_(audit),
      trust_(trust),
      clock_(std::move(clock)),
      options_(options) {}

absl::Mutex& Ledger::StripeFor(absl::string_view key) {
  return stripes_[absl::Hash<absl::string_view>()(key) % stripes_.size()];
}

std::string Ledger::NewDocumentId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  time_t secs = static_cast<time_t>(clock_() / 1000000) + 7 * 3600;
  struct tm tm;
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d%02d%02d-%012x", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, rng() & 0xffffffffffffULL);
}

absl::StatusOr<std::optional<truc::v1::SendResponse>> Ledger::FindPriorSend(
    const std::string& sender, const std::string& idempotency_key) {
  auto id = store_->Get(keys::Idempotency(sender, idempotency_key));
  if (absl::IsNotFound(id.status())) return std::nullopt;
  if (!id.ok()) return id.status();
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(*id));
  truc::v1::SendResponse r;
  r.set_document_id(doc.document_id());
  r.mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
  r.set_duplicate(true);
  r.set_edxml_document_id(doc.edxml_document_id());
  *r.mutable_receipt() = doc.receipt();
  return r;
}

absl::StatusOr<truc::v1::SendResponse> Ledger::Accept(
    const Identity& caller, const std::string& idempotency_key,
    const truc::v1::Envelope& envelope,
    const truc::v1::DocumentHeader& header) {
  const std::string& sender = caller.name;
  std::vector<std::string> recipients;
  for (const auto& to : header.to()) recipients.push_back(to.organ_id());
  {
    absl::MutexLock lock(
        &StripeFor(absl::StrCat(sender, "\n", idempotency_key)));
    TRUC_ASSIGN_OR_RETURN(auto prior, FindPriorSend(sender, idempotency_key));
    if (prior) return *prior;

    const int64_t now = clock_();
    std::string id;
    for (int tries = 0; tries < 5 && id.empty(); ++tries) {
      std::string candidate = NewDocumentId();
      auto existing = store_->Get(keys::Document(candidate));
      if (absl::IsNotFound(existing.status()))
        id = candidate;
      else if (!existing.ok())
        return existing.status();
    }
    if (id.empty())
      return absl::InternalError("could not draw a fresh document id");

    DocumentRecord doc;
    doc.set_document_id(id);
    *doc.mutable_envelope() = envelope;
    doc.set_sender(sender);
    doc.set_subject(header.subject());
    doc.set_urgency(header.urgency());
    doc.set_accepted_at_micros(now);
    for (const auto& r : recipients) doc.add_recipients(r);
    doc.set_idempotency_key(idempotency_key);
    doc.set_edxml_document_id(EdxmlDocumentId(header));
    doc.set_header_sha256(Sha256::Of(envelope.header()));
    TRUC_ASSIGN_OR_RETURN(*doc.mutable_receipt(), trust_->SignAcceptance(doc));

    WriteBatch b = AcceptBatch(doc);
    TRUC_RETURN_IF_ERROR(
        audit_->Commit(b, {AcceptedEvent(doc, caller, header)}).status());

    truc::v1::SendResponse response;
    response.set_document_id(id);
    response.mutable_accepted_at()->set_unix_micros(now);
    response.set_edxml_document_id(doc.edxml_document_id());
    *response.mutable_receipt() = doc.receipt();
    if (on_queued_) {
      for (const auto& r : recipients) on_queued_(r);
    }
    Publish({.kind = Change::Kind::kAccepted,
             .document_id = id,
             .sender = sender,
             .urgency = doc.urgency()});
    return response;
  }
}

absl::StatusOr<std::vector<truc::v1::Delivery>> Ledger::Lease(
    const Identity& caller, uint32_t max) {
  // A poll's answer stays well under the gRPC message limit, however large
  // the headers: at least one delivery, then as many as fit.
  constexpr size_t kMaxAnswerBytes = 32 << 20;
  const std::string& recipient = caller.name;
  if (max == 0) max = 16;
  max = std::min<uint32_t>(max, 256);
  const int64_t now = clock_();
  std::vector<truc::v1::Delivery> out;
  // What each lease replaced, to put back if its record cannot be written.
  std::vector<std::pair<std::string, std::optional<LeaseInfo>>> replaced;
  {
    absl::MutexLock lock(&lease_mu_);  // two polls of one agency never share
    auto& mine = leases_[recipient];
    std::vector<std::string> candidates;
    TRUC_RETURN_IF_ERROR(
        store_->ScanPrefix(keys::QueuePrefix(recipient), [&](auto k, auto) {
          std::string doc(keys::DocumentOfQueueKey(k, recipient));
          auto it = mine.find(doc);
          if (it != mine.end() && it->second.expires > now) return true;
          candidates.push_back(std::move(doc));
          return candidates.size() < max;
        }));
    size_t bytes = 0;
    for (const auto& doc_id : candidates) {
      TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(doc_id));
      bytes += doc.envelope().ByteSizeLong() + 64;
      if (!out.empty() && bytes > kMaxAnswerBytes) break;
      auto it = mine.find(doc_id);
      replaced.emplace_back(doc_id, it == mine.end()
                                        ? std::nullopt
                                        : std::optional<LeaseInfo>(it->second));
      LeaseInfo& l = mine[doc_id];
      l.attempts++;
      l.expires = now + options_.lease_micros;
      truc::v1::Delivery& d = out.emplace_back();
      d.set_document_id(doc_id);
      *d.mutable_envelope() = std::move(*doc.mutable_envelope());
      d.mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
      d.mutable_lease_expires_at()->set_unix_micros(l.expires);
      d.set_attempt(l.attempts);
    }
  }
  if (out.empty()) return out;
  // Recorded outside the lease lock, so that other agencies' polls go on
  // meanwhile; unsynced, as leases are soft state (hub/audit_log.h says
  // why the log stays whole).
  std::vector<truc::v1::AuditEvent> events;
  for (const auto& d : out) {
    events.push_back(Event("leased", caller, d.document_id(),
                           absl::StrCat("attempt=", d.attempt())));
  }
  absl::Status recorded =
      audit_->Commit(WriteBatch(), std::move(events), {.sync = false}).status();
  if (!recorded.ok()) {
    absl::MutexLock lock(&lease_mu_);
    auto& mine = leases_[recipient];
    for (auto& [doc_id, before] : replaced) {
      if (before) {
        mine[doc_id] = *before;
      } else {
        mine.erase(doc_id);
      }
    }
    return recorded;
  }
  return out;
}

int64_t Ledger::NextLeaseExpiry(const std::string& recipient) const {
  absl::MutexLock lock(&lease_mu_);
  auto it = leases_.find(recipient);
  if (it == leases_.end()) return 0;
  int64_t next = 0;
  for (const auto& [doc, l] : it->second) {
    if (next == 0 || l.expires < next) next = l.expires;
  }
  return next;
}

void Ledger::ForgetLease(const std::string& recipient,
                         const std::string& document_id) {
  absl::MutexLock lock(&lease_mu_);
  auto it = leases_.find(recipient);
  if (it != leases_.end()) it->second.erase(document_id);
}

absl::StatusOr<DocumentRecord> Ledger::GetDocument(
    const std::string& document_id) {
  if (document_id.empty()) {
    return absl::InvalidArgumentError("required field missing: document_id");
  }
  auto bytes = store_->Get(keys::Document(document_id));
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("no document ", document_id));
  }
  if (!bytes.ok()) return bytes.status();
  return ParseRecord<DocumentRecord>(*bytes, keys::Document(document_id));
}

absl::StatusOr<DeliveryRecord> Ledger::GetDelivery(
    const DocumentRecord& doc, const std::string& recipient) {
  std::string key = keys::Delivery(doc.document_id(), recipient);
  auto bytes = store_->Get(key);
  if (absl::IsNotFound(bytes.status())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "document ", doc.document_id(), " was not sent to agency ", recipient));
  }
  if (!bytes.ok()) return bytes.status();
  return ParseRecord<DeliveryRecord>(*bytes, key);
}

absl::StatusOr<bool> Ledger::IsRecipient(const std::string& document_id,
                                         const std::string& agency) {
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
  auto d = GetDelivery(doc, agency);
  if (absl::IsPermissionDenied(d.status())) return false;
  if (!d.ok()) return d.status();
  return true;
}

absl::StatusOr<truc::v1::AcknowledgeResponse> Ledger::Acknowledge(
    const Identity& caller, const truc::v1::AcknowledgeRequest& request) {
  const std::string& recipient = caller.name;
  const std::string& document_id = request.document_id();
  truc::v1::AcknowledgeResponse response;
  std::optional<Change> arrived;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, recipient));
    if (IsReceived(d.state())) {
      response.mutable_arrived_at()->set_unix_micros(d.arrived_at_micros());
      response.set_already_acknowledged(true);
    } else {
      if (doc.header_sha256().empty())
        doc.set_header_sha256(Sha256::Of(doc.envelope().header()));
      TRUC_RETURN_IF_ERROR(
          trust_->CheckStatement(request.receipt(), recipient, doc,
                                 truc::v1::EDXML_STATUS_ARRIVED, ""));
      const int64_t now = clock_();
      WriteBatch b;
      AddArrival(now, &d, &b, &request.receipt());
      TRUC_RETURN_IF_ERROR(
          audit_
              ->Commit(
                  b, {Event("arrived", caller, document_id,
                            absl::StrCat("statement_sha256=",
                                         StatementDigest(request.receipt())))})
              .status());
      response.mutable_arrived_at()->set_unix_micros(now);
      arrived = Change{.kind = Change::Kind::kArrived,
                       .document_id = document_id,
                       .sender = doc.sender(),
                       .agency = recipient,
                       .urgency = doc.urgency(),
                       .status = truc::v1::EDXML_STATUS_ARRIVED,
                       .delay_micros = now - doc.accepted_at_micros()};
    }
  }
  ForgetLease(recipient, document_id);
  if (arrived) Publish(std::move(*arrived));
  return response;
}

absl::StatusOr<truc::v1::ReportStatusResponse> Ledger::ReportStatus(
    const Identity& caller, const truc::v1::ReportStatusRequest& request) {
  const std::string& recipient = caller.name;
  const auto status = request.status();
  if (status < truc::v1::EDXML_STATUS_REFUSED ||
      status > truc::v1::EDXML_STATUS_COMPLETED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status ", static_cast<int>(status),
        " cannot be reported: use 02 refused, 03 accepted, 04 assigned, 05 "
        "processing or 06 completed (01 arrived is recorded by "
        "acknowledging)"));
  }
  if (request.description().size() > 4000) {
    return absl::InvalidArgumentError("description is longer than 4000 bytes");
  }
  const auto& staff = request.staff();
  for (const std::string* field :
       {&staff.department(), &staff.staff(), &staff.mobile(), &staff.email()}) {
    if (field->size() > 256) {
      return absl::InvalidArgumentError(
          "staff fields (department, staff, mobile, email) are at most 256 "
          "bytes each");
    }
  }
  const std::string& document_id = request.document_id();
  truc::v1::ReportStatusResponse response;
  bool ended_delivery = false;
  Change changed{.kind = Change::Kind::kStatus,
                 .document_id = document_id,
                 .agency = recipient,
                 .status = status};
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, recipient));
    const int64_t now = clock_();
    if (d.state() == truc::v1::DELIVERY_STATE_REFUSED ||
        d.state() == truc::v1::DELIVERY_STATE_COMPLETED) {
      return absl::FailedPreconditionError(
          absl::StrCat("document ", document_id, " is already ",
                       d.state() == truc::v1::DELIVERY_STATE_REFUSED
                           ? "refused by the unit (02)"
                           : "completed (06)",
                       " at ", recipient, ": no later status can follow"));
    }
    if (status == truc::v1::EDXML_STATUS_REFUSED &&
        d.accepted_at_micros() != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("document ", document_id, " was accepted (03) at ",
                       recipient, ": it can no longer be refused (02)"));
    }
    if (d.history_size() >= kMaxHistory) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "document ", document_id, " has ", kMaxHistory, " statuses from ",
          recipient, " already; no more are kept"));
    }
    if (doc.header_sha256().empty())
      doc.set_header_sha256(Sha256::Of(doc.envelope().header()));
    const bool arrived = IsReceived(d.state());
    if (status == truc::v1::EDXML_STATUS_REFUSED && !arrived) {
      // A refusal of an arrival states what the agent received, which may
      // not be what the hub stored (an envelope altered on the way): it is
      // recorded as the agent signed it. A refusal after the arrival (01)
      // is about the document the agent acknowledged, the stored one.
      truc::v1::ReceiptBody body;
      if (body.ParseFromString(request.receipt().body()))
        doc.set_header_sha256(body.header_sha256());
    }
    TRUC_RETURN_IF_ERROR(trust_->CheckStatement(
        request.receipt(), recipient, doc, status, request.description()));
    WriteBatch b;
    if (!arrived) {
      if (status != truc::v1::EDXML_STATUS_REFUSED) {
        return absl::FailedPreconditionError(absl::StrCat(
            "document ", document_id, " has not arrived at ", recipient,
            " yet: its agent must acknowledge it before status ",
            absl::StrFormat("%02d", static_cast<int>(status))));
      }
      // Refused on arrival: the agent stored nothing, so the unit has not
      // received it. It is no longer offered to the agent (which would
      // refuse it again) but stays in "who has not received", marked,
      // until it is resent, carried on paper or arrives.
      b.Delete(keys::Queue(recipient, UrgencyRank(d.urgency()),
                           d.doc_accepted_at_micros(), document_id));
      if (d.state() != truc::v1::DELIVERY_STATE_PAPER) {
        PutPending(d, keys::kPendingRefusedOnArrival, &b);
        d.set_state(truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
      }
      ended_delivery = true;
    } else {
      // Refused by the unit: it has the document and declined it.
      if (status == truc::v1::EDXML_STATUS_REFUSED)
        b.Put(keys::Refusal(document_id, recipient), "");
      d.set_state(StateOf(status));
    }
    if (status == truc::v1::EDXML_STATUS_ACCEPTED &&
        d.accepted_at_micros() == 0) {
      d.set_accepted_at_micros(now);
      changed.delay_micros = now - doc.accepted_at_micros();  // first read
    }
    auto* e = d.add_history();
    e->set_status(status);
    e->mutable_at()->set_unix_micros(now);
    e->set_description(request.description());
    *e->mutable_staff() = request.staff();
    *e->mutable_receipt() = request.receipt();
    b.Put(keys::Delivery(document_id, recipient), d.SerializeAsString());
    TRUC_RETURN_IF_ERROR(
        audit_
            ->Commit(
                b, {Event("status", caller, document_id,
                          absl::StrCat(
                              "status=",
                              absl::StrFormat("%02d", static_cast<int>(status)),
                              " statement_sha256=",
                              StatementDigest(request.receipt())))})
            .status());
    response.mutable_recorded_at()->set_unix_micros(now);
    changed.sender = doc.sender();
    changed.urgency = doc.urgency();
  }
  if (ended_delivery) ForgetLease(recipient, document_id);
  Publish(std::move(changed));
  return response;
}

truc::v1::RecipientStatus Ledger::ToRecipientStatus(
    const DeliveryRecord& d) const {
  truc::v1::RecipientStatus r;
  r.set_organ_id(d.recipient());
  r.set_name(directory_->NameOf(d.recipient()));
  r.set_state(d.state());
  r.set_reception(ReceptionOf(d.state()));
  r.mutable_queued_at()->set_unix_micros(d.queued_at_micros());
  if (d.arrived_at_micros())
    r.mutable_arrived_at()->set_unix_micros(d.arrived_at_micros());
  if (d.accepted_at_micros())
    r.mutable_accepted_at()->set_unix_micros(d.accepted_at_micros());
  *r.mutable_history() = d.history();
  if (d.has_paper()) *r.mutable_paper() = d.paper();
  r.set_resends(d.resends());
  if (d.state() == truc::v1::DELIVERY_STATE_REFUSED ||
      d.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL) {
    r.set_refusal_reason(LatestRefusal(d));
  }
  {
    absl::MutexLock lock(&lease_mu_);
    auto it = leases_.find(d.recipient());
    if (it != leases_.end()) {
      auto l = it->second.find(d.document_id());
      if (l != it->second.end()) {
        r.set_delivery_attempts(l->second.attempts);
        if (d.state() == truc::v1::DELIVERY_STATE_QUEUED &&
            l->second.expires > clock_()) {
          r.set_state(truc::v1::DELIVERY_STATE_LEASED);
        }
      }
    }
  }
  int64_t last = directory_->LastPoll(d.recipient());
  if (last) r.mutable_last_poll_at()->set_unix_micros(last);
  r.set_silent(directory_->IsSilent(d.recipient()));
  return r;
}

absl::StatusOr<truc::v1::DocumentStatus> Ledger::StatusOf(
    const std::string& document_id, bool evidence) {
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
  truc::v1::DocumentStatus out;
  out.set_document_id(doc.document_id());
  out.set_sender(doc.sender());
  out.set_sender_name(directory_->NameOf(doc.sender()));
  out.set_subject(doc.subject());
  out.set_urgency(doc.urgency());
  out.mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
  out.set_edxml_document_id(doc.edxml_document_id());
  absl::Status parse;
  std::vector<DeliveryRecord> deliveries;
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(
      keys::DeliveryPrefix(document_id), [&](auto k, auto v) {
        DeliveryRecord& d = deliveries.emplace_back();
        if (!d.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse = absl::DataLossError(absl::StrCat("corrupt record at ", k));
          return false;
        }
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse);
  // Outside the scan: ToRecipientStatus takes the lease lock, which Lease
  // holds while it scans.
  for (const auto& d : deliveries) *out.add_recipients() = ToRecipientStatus(d);
  if (evidence) {
    *out.mutable_acceptance_receipt() = doc.receipt();
    *out.mutable_envelope() = doc.envelope();
  } else {
    for (auto& r : *out.mutable_recipients()) {
      for (auto& e : *r.mutable_history()) e.clear_receipt();
    }
  }
  uint32_t received = 0, paper = 0, refused = 0, refused_on_arrival = 0;
  for (const auto& r : out.recipients()) {
    received += IsReceived(r.state()) ? 1 : 0;
    paper += r.state() == truc::v1::DELIVERY_STATE_PAPER ? 1 : 0;
    refused += r.state() == truc::v1::DELIVERY_STATE_REFUSED ? 1 : 0;
    refused_on_arrival +=
        r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL ? 1 : 0;
  }
  out.set_received_count(received);
  out.set_paper_count(paper);
  out.set_refused_count(refused);
  out.set_refused_on_arrival_count(refused_on_arrival);
  out.set_recipient_count(static_cast<uint32_t>(out.recipients_size()));
  return out;
}

absl::Status Ledger::ForEachOutstanding(
    const std::array<int64_t, kUrgencyRanks>& accepted_before,
    const std::function<bool(const OutstandingDelivery&)>& fn) {
  bool more = true;
  for (uint8_t rank = 0; rank < kUrgencyRanks && more; ++rank) {
    if (accepted_before[rank] <= 0) continue;
    const std::string start = keys::PendingRankPrefix(rank);
    const std::string end = absl::StrCat(
        start,
        keys::EncodeFixed64(static_cast<uint64_t>(accepted_before[rank])));
    TRUC_RETURN_IF_ERROR(store_->Scan(start, end, [&](auto k, auto v) {
      if (v == keys::kPendingPaper) return true;  // delivered by paper
      keys::PendingKey pk;
      if (!keys::ParsePendingKey(k, &pk)) return true;
      OutstandingDelivery d;
      d.document_id = std::move(pk.document_id);
      d.recipient = std::move(pk.recipient);
      d.rank = pk.rank;
      d.accepted_at_micros = pk.time_micros;
      d.refused_on_arrival = v == keys::kPendingRefusedOnArrival;
      more = fn(d);
      return more;
    }));
  }
  return absl::OkStatus();
}

absl::Status Ledger::ForEachOutstanding(
    const std::function<bool(const OutstandingDelivery&)>& fn) {
  std::array<int64_t, kUrgencyRanks> all;
  all.fill(std::numeric_limits<int64_t>::max());
  return ForEachOutstanding(all, fn);
}

absl::Status Ledger::ForEachAccepted(
    int64_t from_micros, int64_t to_micros,
    const std::function<bool(const std::string&)>& fn) {
  return store_->Scan(keys::Recent(from_micros, ""), keys::Recent(to_micros, ""),
                      [&](absl::string_view k, absl::string_view) {
                        return fn(std::string(
                            k.substr(keys::kRecentPrefix.size() + 8)));
                      });
}

absl::StatusOr<truc::v1::ListPendingResponse> Ledger::ListPending(
    const truc::v1::ListPendingRequest& request) {
  uint32_t limit =
      request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  const uint8_t max_rank =
      request.min_urgency() == truc::v1::URGENCY_UNSPECIFIED
          ? 3
          : UrgencyRank(request.min_urgency());
  const int64_t now = clock_();
  const int64_t cutoff =
      now - static_cast<int64_t>(std::min<uint64_t>(
                request.older_than_seconds(), uint64_t{1} << 40)) *
                1'000'000;
  truc::v1::ListPendingResponse out;
  if (cutoff < 0) return out;  // older than the epoch: nothing
  // document id -> recipients not yet received, in index order.
  std::vector<std::pair<std::string, Outstanding>> found;
  bool truncated = false;
  std::array<int64_t, kUrgencyRanks> before{};
  for (uint8_t rank = 0; rank <= max_rank; ++rank) before[rank] = cutoff + 1;
  TRUC_RETURN_IF_ERROR(
      ForEachOutstanding(before, [&](const OutstandingDelivery& d) {
        if (found.empty() || found.back().first != d.document_id) {
          if (found.size() == limit) {
            truncated = true;
            return false;
          }
          found.emplace_back(d.document_id, Outstanding{});
        }
        found.back().second.not_received.push_back(
            {d.recipient, d.refused_on_arrival});
        return true;
      }));
  out.set_truncated(truncated);
  for (const auto& [doc_id, outstanding] : found) {
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(doc_id));
    TRUC_RETURN_IF_ERROR(
        FillPending(doc, outstanding, now, out.add_documents()));
  }
  return out;
}

absl::Status Ledger::FillPending(const DocumentRecord& doc,
                                 const Outstanding& outstanding, int64_t now,
                                 truc::v1::PendingDocument* p) {
  p->set_document_id(doc.document_id());
  p->set_sender(doc.sender());
  p->set_sender_name(directory_->NameOf(doc.sender()));
  p->set_subject(doc.subject());
  p->set_urgency(doc.urgency());
  p->mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
  p->set_recipient_count(static_cast<uint32_t>(doc.recipients_size()));
  const auto describe = [&](const std::string& r, truc::v1::DeliveryState state,
                            truc::v1::PendingRecipient* pr) -> absl::Status {
    pr->set_organ_id(r);
    pr->set_name(directory_->NameOf(r));
    pr->set_state(state);
    pr->set_silent(directory_->IsSilent(r));
    int64_t last = directory_->LastPoll(r);
    if (last) pr->mutable_last_poll_at()->set_unix_micros(last);
    if (state == truc::v1::DELIVERY_STATE_REFUSED ||
        state == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL) {
      TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, r));
      pr->set_refusal_reason(LatestRefusal(d));
    }
    return absl::OkStatus();
  };
  for (const auto& entry : outstanding.not_received) {
    truc::v1::DeliveryState state =
        entry.refused_on_arrival ? truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL
                                 : truc::v1::DELIVERY_STATE_QUEUED;
    if (!entry.refused_on_arrival) {
      absl::MutexLock lock(&lease_mu_);
      auto it = leases_.find(entry.recipient);
      if (it != leases_.end()) {
        auto l = it->second.find(doc.document_id());
        if (l != it->second.end() && l->second.expires > now) {
          state = truc::v1::DELIVERY_STATE_LEASED;
        }
      }
    }
    TRUC_RETURN_IF_ERROR(describe(entry.recipient, state, p->add_recipients()));
  }
  for (const auto& r : outstanding.paper) {
    TRUC_RETURN_IF_ERROR(
        describe(r, truc::v1::DELIVERY_STATE_PAPER, p->add_paper()));
  }
  for (const auto& r : outstanding.refused) {
    TRUC_RETURN_IF_ERROR(
        describe(r, truc::v1::DELIVERY_STATE_REFUSED, p->add_refused()));
  }
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListSent(
    const std::string& sender, const truc::v1::ListSentRequest& request) {
  return ListIndexed(keys::SentPrefix(sender), request);
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListRecent(
    const truc::v1::ListSentRequest& request) {
  return ListIndexed(std::string(keys::kRecentPrefix), request);
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListIndexed(
    const std::string& prefix, const truc::v1::ListSentRequest& request) {
  constexpr uint64_t kMaxWindow = uint64_t{366} * 86400;
  const uint64_t window = request.since_seconds() == 0
                              ? uint64_t{7} * 86400
                              : std::min(request.since_seconds(), kMaxWindow);
  const uint32_t limit =
      request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  const int64_t now = clock_();
  const int64_t since =
      std::max<int64_t>(0, now - static_cast<int64_t>(window) * 1'000'000);
  // The index, from `since` on: one range read.
  std::vector<std::string> ids;
  TRUC_RETURN_IF_ERROR(store_->Scan(
      absl::StrCat(prefix, keys::EncodeFixed64(static_cast<uint64_t>(since))),
      PrefixSuccessor(prefix), [&](auto k, auto) {
        ids.emplace_back(k.substr(prefix.size() + 8));
        return true;
      }));
  truc::v1::ListSentResponse out;
  const bool filtered = request.outstanding_only() || request.refused_only();
  for (const auto& id : ids) {
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(id));
    TRUC_ASSIGN_OR_RETURN(Outstanding outstanding, OutstandingOf(doc, true));
    const bool wanted =
        !filtered ||
        (request.outstanding_only() && !outstanding.not_received.empty()) ||
        (request.refused_only() && !outstanding.refused.empty());
    if (!wanted) continue;
    if (static_cast<uint32_t>(out.documents_size()) == limit) {
      out.set_truncated(true);
      break;
    }
    TRUC_RETURN_IF_ERROR(
        FillPending(doc, outstanding, now, out.add_documents()));
  }
  return out;
}

absl::StatusOr<Ledger::Outstanding> Ledger::OutstandingOf(
    const DocumentRecord& doc, bool with_refusals) {
  Outstanding out;
  const std::string prefix =
      keys::Pending(UrgencyRank(doc.urgency()), doc.accepted_at_micros(),
                    doc.document_id(), "");
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(prefix, [&](auto k, auto v) {
    std::string r(k.substr(prefix.size()));
    if (v == keys::kPendingPaper) {
      out.paper.push_back(std::move(r));
    } else {
      out.not_received.push_back(
          {std::move(r), v == keys::kPendingRefusedOnArrival});
    }
    return true;
  }));
  if (with_refusals) {
    const std::string refusals = keys::RefusalPrefix(doc.document_id());
    TRUC_RETURN_IF_ERROR(store_->ScanPrefix(refusals, [&](auto k, auto) {
      out.refused.emplace_back(k.substr(refusals.size()));
      return true;
    }));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Ledger::Resend(
    const std::string& document_id, const Identity& by) {
  std::vector<std::string> again;
  DocumentRecord doc;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(Outstanding outstanding, OutstandingOf(doc, false));
    for (const auto& entry : outstanding.not_received)
      again.push_back(entry.recipient);
    // A paper copy is not the electronic document: offered again too.
    again.insert(again.end(), outstanding.paper.begin(),
                 outstanding.paper.end());
    std::sort(again.begin(), again.end());
    if (again.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("every recipient of document ", document_id,
                       " has received it: there is nothing to resend"));
    }
    WriteBatch b;
    for (const auto& r : again) {
      TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, r));
      d.set_resends(d.resends() + 1);
      // Queued for its agent again: a copy refused on arrival (no longer
      // queued) is offered anew, the others still are.
      PutQueued(d, &b);
      if (d.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL) {
        d.set_state(truc::v1::DELIVERY_STATE_QUEUED);
        PutPending(d, "", &b);
      }
      b.Put(keys::Delivery(document_id, r), d.SerializeAsString());
    }
    TRUC_RETURN_IF_ERROR(
        audit_
            ->Commit(b, {Event("resent", by, document_id,
                               absl::StrCat("recipients=",
                                            absl::StrJoin(again, ",")))})
            .status());
  }
  // A new lease at the next poll, which is woken now.
  {
    absl::MutexLock lock(&lease_mu_);
    for (const auto& r : again) {
      auto it = leases_.find(r);
      if (it == leases_.end()) continue;
      auto l = it->second.find(document_id);
      if (l != it->second.end()) l->second.expires = 0;  // attempts kept
    }
  }
  if (on_queued_) {
    for (const auto& r : again) on_queued_(r);
  }
  Publish({.kind = Change::Kind::kResent,
           .document_id = document_id,
           .sender = doc.sender(),
           .urgency = doc.urgency()});
  return again;
}

absl::StatusOr<truc::v1::RecipientStatus> Ledger::RecordPaperCopy(
    const std::string& document_id, const std::string& recipient,
    truc::v1::PaperCopy paper, const Identity& by) {
  TRUC_RETURN_IF_ERROR(
      CheckText("carried_by", paper.mutable_carried_by(), 256, true));
  TRUC_RETURN_IF_ERROR(
      CheckText("signed_by", paper.mutable_signed_by(), 256, true));
  TRUC_RETURN_IF_ERROR(CheckText("note", paper.mutable_note(), 1000, false));
  DeliveryRecord d;
  DocumentRecord doc;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(d, GetDelivery(doc, recipient));
    const int64_t now = clock_();
    if (!paper.has_carried_at())
      paper.mutable_carried_at()->set_unix_micros(now);
    const int64_t at = paper.carried_at().unix_micros();
    if (at > now + 300'000'000) {
      return absl::InvalidArgumentError(absl::StrCat(
          "carried_at ", FormatVietnamTime(at), " is in the future"));
    }
    if (at < doc.accepted_at_micros()) {
      return absl::InvalidArgumentError(
          absl::StrCat("carried_at ", FormatVietnamTime(at),
                       " is before the document was "
                       "sent (",
                       FormatVietnamTime(doc.accepted_at_micros()), ")"));
    }
    if (IsReceived(d.state())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "document ", document_id, " already arrived electronically at ",
          recipient, " (", FormatVietnamTime(d.arrived_at_micros()),
          "): no paper copy is needed"));
    }
    if (d.has_paper()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a paper copy of document ", document_id,
          " was already recorded for ", recipient, ": carried by ",
          d.paper().carried_by(), " at ",
          FormatVietnamTime(d.paper().carried_at().unix_micros())));
    }
    paper.set_recorded_by(by.Principal());
    paper.mutable_recorded_at()->set_unix_micros(now);
    *d.mutable_paper() = paper;
    d.set_state(truc::v1::DELIVERY_STATE_PAPER);
    WriteBatch b;
    b.Put(keys::Delivery(document_id, recipient), d.SerializeAsString());
    // Delivered for "who has not received"; still queued for its agent
    // (unless its agent refused it on arrival: then once it is resent).
    PutPending(d, keys::kPendingPaper, &b);
    TRUC_RETURN_IF_ERROR(
        audit_
            ->Commit(b, {Event("paper_copy", by, document_id,
                               absl::StrCat("recipient=", recipient,
                                            " carried_by=", paper.carried_by(),
                                            " signed_by=", paper.signed_by(),
                                            " carried_at=", at))})
            .status());
  }
  Publish({.kind = Change::Kind::kPaper,
           .document_id = document_id,
           .sender = doc.sender(),
           .agency = recipient,
           .urgency = doc.urgency()});
  return ToRecipientStatus(d);
}

void Ledger::Publish(Change change) {
  if (feed_ != nullptr) feed_->Publish(std::move(change));
}

}  // namespace truc::hub
