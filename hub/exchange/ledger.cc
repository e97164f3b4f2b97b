#include "hub/exchange/ledger.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <set>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/edxml/mapping.h"
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

// The bridge a caller reports as (its statements are signed as carrier).
std::string CarrierBridge(const Identity& caller) {
  return caller.role == Role::kBridge ? caller.name : std::string();
}

// Statuses kept per delivery: a handling history, not a chat.
constexpr int kMaxHistory = 64;

// The queue entry that offers `d` (to its agent, or to its bridge).
std::string QueueKeyOf(const DeliveryRecord& d) {
  const uint8_t rank = UrgencyRank(d.urgency());
  return d.via_bridge().empty()
             ? keys::Queue(d.recipient(), rank, d.doc_accepted_at_micros(),
                           d.document_id())
             : keys::BridgeQueue(d.via_bridge(), rank,
                                 d.doc_accepted_at_micros(), d.document_id(),
                                 d.recipient());
}

void RemoveFromQueues(const DeliveryRecord& d, WriteBatch* b) {
  uint8_t rank = UrgencyRank(d.urgency());
  b->Delete(QueueKeyOf(d));
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

// The "not yet received" entry of `d`, with `value` ("", R or P).
void PutPending(const DeliveryRecord& d, absl::string_view value,
                WriteBatch* b) {
  b->Put(keys::Pending(UrgencyRank(d.urgency()), d.doc_accepted_at_micros(),
                       d.document_id(), d.recipient()),
         value);
}

// The queue entry that offers `d` to its recipient's agent.
void PutQueued(const DeliveryRecord& d, WriteBatch* b) {
  b->Put(QueueKeyOf(d), "");
}

}  // namespace

WriteBatch Ledger::AcceptBatch(const DocumentRecord& doc,
                               const Directory* directory) {
  const int64_t now = doc.accepted_at_micros();
  const std::string& id = doc.document_id();
  const uint8_t rank = UrgencyRank(doc.urgency());
  WriteBatch b;
  b.Put(keys::Document(id), doc.SerializeAsString());
  b.Put(keys::Idempotency(doc.sender(), doc.idempotency_key()), id);
  b.Put(keys::Sent(doc.sender(), now, id), "");
  b.Put(keys::Recent(now, id), "");
  if (!doc.edxml_document_id().empty()) {
    b.Put(keys::EdxmlId(doc.edxml_document_id()), id);
  }
  for (const auto& r : doc.recipients()) {
    DeliveryRecord d;
    d.set_document_id(id);
    d.set_recipient(r);
    d.set_state(truc::v1::DELIVERY_STATE_QUEUED);
    d.set_queued_at_micros(now);
    d.set_urgency(doc.urgency());
    d.set_doc_accepted_at_micros(now);
    if (directory != nullptr) d.set_via_bridge(directory->BridgeOf(r));
    b.Put(keys::Delivery(id, r), d.SerializeAsString());
    b.Put(QueueKeyOf(d), "");
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
  if (!doc.envelope().carried_for_system().empty()) {
    absl::StrAppend(
        &detail, " carried_for=", doc.envelope().carried_for_system(),
        " original_sha256=", HexEncode(doc.original_edxml_sha256()));
  }
  if (!doc.envelope().carried_by_bridge().empty()) {
    absl::StrAppend(&detail,
                    " carried_by_bridge=", doc.envelope().carried_by_bridge(),
                    " origin_checked=",
                    doc.origin_checked_under().empty()
                        ? std::string("no")
                        : absl::StrCat("\"", doc.origin_checked_under(), "\""));
  }
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

std::vector<truc::v1::TraceHeader> TraceOf(const DocumentRecord& doc,
                                           const std::string& own_organ_id) {
  std::vector<truc::v1::TraceHeader> out(doc.trace().begin(),
                                         doc.trace().end());
  if (!own_organ_id.empty()) {
    truc::v1::TraceHeader& own = out.emplace_back();
    own.set_organ_id(own_organ_id);
    own.mutable_at()->set_unix_micros(doc.accepted_at_micros());
  }
  return out;
}

std::string QueueOwnerOf(const DeliveryRecord& d) {
  return d.via_bridge().empty() ? d.recipient()
                                : absl::StrCat("@", d.via_bridge());
}

Ledger::Ledger(Store* store, Directory* directory, AuditLog* audit,
               const HubTrust* trust, Offers* offers, Clock clock,
               LedgerOptions options)
    : store_(store),
      directory_(directory),
      audit_(audit),
      trust_(trust),
      offers_(offers),
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
    const truc::v1::Envelope& envelope, const truc::v1::DocumentHeader& header,
    const CarriedOriginal& original,
    const std::vector<std::string>& deliver_to) {
  const std::string sender =
      caller.role == Role::kBridge ? header.from().organ_id() : caller.name;
  std::vector<std::string> recipients = deliver_to;
  if (recipients.empty()) {
    for (const auto& to : header.to()) recipients.push_back(to.organ_id());
  }
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
    doc.set_edxml_document_id(edxml::DocumentIdOf(header));
    doc.set_header_sha256(Sha256::Of(envelope.header()));
    doc.set_original_edxml_sha256(original.edxml_sha256);
    for (const auto& t : original.trace) *doc.add_trace() = t;
    doc.set_original_edxml_size(original.edxml_size);
    doc.set_origin_checked_under(original.checked_under);
    TRUC_ASSIGN_OR_RETURN(*doc.mutable_receipt(), trust_->SignAcceptance(doc));

    WriteBatch b = AcceptBatch(doc, directory_);
    for (const auto& r : recipients) {
      AddLocationNotice(
          doc, r, HereFor(r, directory_->BridgeOf(r), /*beyond=*/false, now),
          &b);
    }
    TRUC_RETURN_IF_ERROR(
        audit_->Commit(b, {AcceptedEvent(doc, caller, header)}).status());

    truc::v1::SendResponse response;
    response.set_document_id(id);
    response.mutable_accepted_at()->set_unix_micros(now);
    response.set_edxml_document_id(doc.edxml_document_id());
    *response.mutable_receipt() = doc.receipt();
    for (const auto& r : recipients) {
      const std::string bridge = directory_->BridgeOf(r);
      offers_->Queued(bridge.empty() ? r : absl::StrCat("@", bridge));
    }
    AnnounceNotices(sender, now + options_.location_settle_micros);
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
  // A bridge's queue holds one entry per recipient it reaches: grouped by
  // document, each delivery names them.
  const bool bridge = caller.role == Role::kBridge;
  const std::string owner =
      bridge ? absl::StrCat("@", caller.name) : caller.name;
  std::map<std::string, std::vector<std::string>> reach;
  if (max == 0) max = 16;
  max = std::min<uint32_t>(max, 256);
  const int64_t now = clock_();
  std::vector<truc::v1::Delivery> out;
  // What each lease replaced, to put back if its record cannot be written.
  std::vector<std::pair<std::string, std::optional<Offers::Lease>>> replaced;
  {
    // Two polls of one agency never share; other agencies go on meanwhile.
    auto held = offers_->Hold(owner);
    Offers::Leases& mine = held->leases();
    std::vector<std::string> candidates;
    if (bridge) {
      TRUC_RETURN_IF_ERROR(store_->ScanPrefix(
          keys::BridgeQueuePrefix(caller.name), [&](auto k, auto) {
            auto [doc_view, r] = keys::ParseBridgeQueueKey(k, caller.name);
            if (doc_view.empty()) return true;
            std::string doc(doc_view);
            auto it = mine.find(doc);
            if (it != mine.end() && it->second.expires > now) return true;
            if (candidates.empty() || candidates.back() != doc) {
              if (candidates.size() >= max) return false;
              candidates.push_back(doc);
            }
            reach[doc].emplace_back(r);
            return true;
          }));
    } else {
      TRUC_RETURN_IF_ERROR(
          store_->ScanPrefix(keys::QueuePrefix(owner), [&](auto k, auto) {
            std::string doc(keys::DocumentOfQueueKey(k, owner));
            auto it = mine.find(doc);
            if (it != mine.end() && it->second.expires > now) return true;
            candidates.push_back(std::move(doc));
            return candidates.size() < max;
          }));
    }
    size_t bytes = 0;
    for (const auto& doc_id : candidates) {
      TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(doc_id));
      bytes += doc.envelope().ByteSizeLong() + 64;
      if (!out.empty() && bytes > kMaxAnswerBytes) break;
      auto it = mine.find(doc_id);
      replaced.emplace_back(
          doc_id, it == mine.end() ? std::nullopt
                                   : std::optional<Offers::Lease>(it->second));
      Offers::Lease& l = mine[doc_id];
      l.attempts++;
      l.expires = now + options_.lease_micros;
      truc::v1::Delivery& d = out.emplace_back();
      d.set_document_id(doc_id);
      *d.mutable_envelope() = std::move(*doc.mutable_envelope());
      d.mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
      d.mutable_lease_expires_at()->set_unix_micros(l.expires);
      d.set_attempt(l.attempts);
      for (auto& r : reach[doc_id]) d.add_recipients(std::move(r));
      for (auto& t : TraceOf(doc, options_.trace_organ_id)) {
        *d.add_trace() = std::move(t);
      }
      if (bridge) {
        d.set_original_edxml_sha256(doc.original_edxml_sha256());
        d.set_original_edxml_size(doc.original_edxml_size());
      }
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
    auto held = offers_->Hold(owner);
    Offers::Leases& mine = held->leases();
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

absl::StatusOr<Ledger::Recorded> Ledger::ApplyArrival(
    const Identity& caller, const DocumentRecord& doc,
    const truc::v1::Receipt& statement, int64_t now, DeliveryRecord* d,
    WriteBatch* b) const {
  TRUC_RETURN_IF_ERROR(trust_->CheckStatement(statement, d->recipient(), doc,
                                              truc::v1::EDXML_STATUS_ARRIVED,
                                              "", CarrierBridge(caller)));
  AddArrival(now, d, b, &statement);
  AddStatusNotice(doc.sender(), *d, b);
  return Recorded{
      .event =
          Event("arrived", caller, doc.document_id(),
                absl::StrCat("statement_sha256=", StatementDigest(statement))),
      .change = Change{.kind = Change::Kind::kArrived,
                       .document_id = doc.document_id(),
                       .sender = doc.sender(),
                       .agency = d->recipient(),
                       .urgency = doc.urgency(),
                       .status = truc::v1::EDXML_STATUS_ARRIVED,
                       .delay_micros = now - doc.accepted_at_micros()},
      .owner = QueueOwnerOf(*d),
      .settled = true};
}

void Ledger::AfterRecorded(std::vector<Recorded> recorded) {
  std::set<std::string> senders;
  for (Recorded& r : recorded) {
    if (r.settled) offers_->Settled(r.owner, r.change.document_id);
    senders.insert(r.change.sender);
  }
  for (const std::string& sender : senders) AnnounceNotices(sender, 0);
  for (Recorded& r : recorded) {
    if (r.publish) Publish(std::move(r.change));
  }
}

absl::StatusOr<truc::v1::AcknowledgeResponse> Ledger::Acknowledge(
    const Identity& caller, const truc::v1::AcknowledgeRequest& request) {
  const std::string& document_id = request.document_id();
  truc::v1::AcknowledgeResponse response;
  std::vector<Recorded> recorded;
  std::string owner = caller.name;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, caller.name));
    owner = QueueOwnerOf(d);
    if (IsReceived(d.state())) {
      response.mutable_arrived_at()->set_unix_micros(d.arrived_at_micros());
      response.set_already_acknowledged(true);
    } else {
      const int64_t now = clock_();
      WriteBatch b;
      TRUC_ASSIGN_OR_RETURN(
          Recorded r,
          ApplyArrival(caller, doc, request.receipt(), now, &d, &b));
      TRUC_RETURN_IF_ERROR(audit_->Commit(b, {r.event}).status());
      response.mutable_arrived_at()->set_unix_micros(now);
      recorded.push_back(std::move(r));
    }
  }
  // Settled again when acknowledged again: its lease ends either way.
  if (recorded.empty()) offers_->Settled(owner, document_id);
  AfterRecorded(std::move(recorded));
  return response;
}

absl::StatusOr<truc::v1::ForwardResponse> Ledger::Forward(
    const Identity& bridge, const std::string& document_id,
    const std::vector<std::string>& recipients) {
  const std::string owner = absl::StrCat("@", bridge.name);
  truc::v1::ForwardResponse response;
  std::vector<std::string> now_forwarded;
  DocumentRecord doc;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(doc, GetDocument(document_id));
    std::vector<std::string> asked = recipients;
    if (asked.empty())
      asked.assign(doc.recipients().begin(), doc.recipients().end());
    const int64_t now = clock_();
    WriteBatch b;
    for (const auto& r : asked) {
      TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, r));
      if (d.via_bridge() != bridge.name) {
        if (recipients.empty()) continue;  // another bridge's, or local
        return absl::PermissionDeniedError(
            absl::StrCat("recipient ", r, " of document ", document_id,
                         " is not reached through bridge ", bridge.name));
      }
      response.add_forwarded(r);
      // Forwarded before and not offered again since (a resend puts the
      // queue entry back): answered as then, nothing recorded.
      auto queued = store_->Get(QueueKeyOf(d));
      if (!queued.ok() && !absl::IsNotFound(queued.status())) {
        return queued.status();
      }
      if (d.forwarded_at_micros() != 0 && !queued.ok()) continue;
      // Still not received: it waits beyond this hub now. A paper copy
      // already carried stays the unit's state.
      if (d.state() == truc::v1::DELIVERY_STATE_QUEUED ||
          d.state() == truc::v1::DELIVERY_STATE_LEASED) {
        d.set_state(truc::v1::DELIVERY_STATE_FORWARDED);
      }
      if (d.forwarded_at_micros() == 0) d.set_forwarded_at_micros(now);
      b.Delete(QueueKeyOf(d));
      b.Put(keys::Delivery(document_id, r), d.SerializeAsString());
      AddLocationNotice(doc, r, HereFor(r, bridge.name, /*beyond=*/true, now),
                        &b);
      now_forwarded.push_back(r);
    }
    if (!now_forwarded.empty()) {
      TRUC_RETURN_IF_ERROR(
          audit_
              ->Commit(b,
                       {Event("forwarded", bridge, document_id,
                              absl::StrCat("recipients=",
                                           absl::StrJoin(now_forwarded, ",")))})
              .status());
    }
    response.mutable_forwarded_at()->set_unix_micros(now);
  }
  offers_->Settled(owner, document_id);
  if (!now_forwarded.empty()) {
    AnnounceNotices(doc.sender(), clock_() + options_.location_settle_micros);
  }
  for (const auto& r : now_forwarded) {
    Publish({.kind = Change::Kind::kForwarded,
             .document_id = document_id,
             .sender = doc.sender(),
             .agency = r,
             .urgency = doc.urgency()});
  }
  return response;
}

namespace {

// INVALID_ARGUMENT for a location without its hub or what it waits for.
absl::Status CheckLocation(const truc::v1::RemoteLocation& location) {
  if (location.hub().empty() || location.hub().size() > 200 ||
      location.waits_for() == truc::v1::RemoteLocation::WAITS_FOR_UNSPECIFIED ||
      !truc::v1::RemoteLocation::WaitsFor_IsValid(location.waits_for())) {
    return absl::InvalidArgumentError(
        "a location names the hub (1 to 200 bytes) and what the document "
        "waits for there");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<Ledger::Recorded>> Ledger::ApplyLocation(
    const Identity& bridge, const DocumentRecord& doc,
    const truc::v1::RemoteLocation& location, DeliveryRecord* d,
    WriteBatch* b) const {
  if (d->via_bridge() != bridge.name) {
    return absl::PermissionDeniedError(absl::StrCat(
        "recipient ", d->recipient(), " of document ", doc.document_id(),
        " is not reached through bridge ", bridge.name));
  }
  if (IsReceived(d->state())) return std::nullopt;  // it arrived
  truc::v1::RemoteLocation here = location;
  here.set_hops(location.hops() + 1);
  *d->mutable_location() = here;
  b->Put(keys::Delivery(doc.document_id(), d->recipient()),
         d->SerializeAsString());
  AddLocationNotice(doc, d->recipient(), here, b);
  return Recorded{
      .event = Event(
          "location", bridge, doc.document_id(),
          absl::StrCat(
              "recipient=", d->recipient(), " hub=", here.hub(), " waits_for=",
              truc::v1::RemoteLocation::WaitsFor_Name(here.waits_for()),
              here.bridge().empty() ? "" : " bridge=", here.bridge(),
              " hops=", here.hops())),
      // Not published: where it waits changes no count.
      .change = Change{.kind = Change::Kind::kForwarded,
                       .document_id = doc.document_id(),
                       .sender = doc.sender()},
      .owner = QueueOwnerOf(*d),
      .publish = false};
}

absl::Status Ledger::RecordLocation(const Identity& bridge,
                                    const std::string& document_id,
                                    const std::string& recipient,
                                    const truc::v1::RemoteLocation& location) {
  TRUC_RETURN_IF_ERROR(CheckLocation(location));
  std::vector<Recorded> recorded;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, recipient));
    WriteBatch b;
    TRUC_ASSIGN_OR_RETURN(std::optional<Recorded> r,
                          ApplyLocation(bridge, doc, location, &d, &b));
    if (!r) return absl::OkStatus();
    TRUC_RETURN_IF_ERROR(audit_->Commit(b, {r->event}).status());
    recorded.push_back(*std::move(r));
  }
  AfterRecorded(std::move(recorded));  // passed on: it has waited already
  return absl::OkStatus();
}

truc::v1::RemoteLocation Ledger::HereFor(const std::string& recipient,
                                         const std::string& via_bridge,
                                         bool beyond, int64_t now) const {
  truc::v1::RemoteLocation here;
  here.set_hub(options_.hub_name);
  here.mutable_at()->set_unix_micros(now);
  if (via_bridge.empty()) {
    here.set_waits_for(truc::v1::RemoteLocation::WAITS_FOR_AGENT);
    const int64_t polled = directory_->LastPoll(recipient);
    if (polled != 0) here.mutable_agent_last_poll()->set_unix_micros(polled);
  } else {
    here.set_waits_for(beyond ? truc::v1::RemoteLocation::WAITS_FOR_BEYOND
                              : truc::v1::RemoteLocation::WAITS_FOR_BRIDGE);
    here.set_bridge(via_bridge);
  }
  return here;
}

void Ledger::AddLocationNotice(const DocumentRecord& doc,
                               const std::string& recipient,
                               const truc::v1::RemoteLocation& location,
                               WriteBatch* b) const {
  const std::string bridge = directory_->BridgeOf(doc.sender());
  if (bridge.empty()) return;  // sent from this hub: shown here
  truc::internal::StatusNoticeRecord n;
  n.set_document_id(doc.document_id());
  n.set_recipient(recipient);
  n.set_status(truc::v1::EDXML_STATUS_UNSPECIFIED);
  n.set_at_micros(clock_());
  *n.mutable_location() = location;
  b->Put(keys::StatusNotice(absl::StrCat("@", bridge), doc.document_id(),
                            recipient, 0),
         n.SerializeAsString());
}

namespace {

// The checks of a status report that need nothing stored: INVALID_ARGUMENT.
absl::Status CheckReport(truc::v1::EdxmlStatus status,
                         const std::string& description,
                         const truc::v1::StaffInfo& staff) {
  if (status < truc::v1::EDXML_STATUS_REFUSED ||
      status > truc::v1::EDXML_STATUS_COMPLETED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status ", static_cast<int>(status),
        " cannot be reported: use 02 refused, 03 accepted, 04 assigned, 05 "
        "processing or 06 completed (01 arrived is recorded by "
        "acknowledging)"));
  }
  if (description.size() > 4000) {
    return absl::InvalidArgumentError("description is longer than 4000 bytes");
  }
  for (const std::string* field :
       {&staff.department(), &staff.staff(), &staff.mobile(), &staff.email()}) {
    if (field->size() > 256) {
      return absl::InvalidArgumentError(
          "staff fields (department, staff, mobile, email) are at most 256 "
          "bytes each");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Ledger::Recorded> Ledger::ApplyStatus(
    const Identity& caller, const DocumentRecord& doc,
    const truc::v1::ReportStatusRequest& report, int64_t now, DeliveryRecord* d,
    WriteBatch* b) const {
  const auto status = report.status();
  const std::string& document_id = doc.document_id();
  const std::string& recipient = d->recipient();
  if (d->state() == truc::v1::DELIVERY_STATE_REFUSED ||
      d->state() == truc::v1::DELIVERY_STATE_COMPLETED) {
    return absl::FailedPreconditionError(
        absl::StrCat("document ", document_id, " is already ",
                     d->state() == truc::v1::DELIVERY_STATE_REFUSED
                         ? "refused by the unit (02)"
                         : "completed (06)",
                     " at ", recipient, ": no later status can follow"));
  }
  if (status == truc::v1::EDXML_STATUS_REFUSED &&
      d->accepted_at_micros() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("document ", document_id, " was accepted (03) at ",
                     recipient, ": it can no longer be refused (02)"));
  }
  if (d->history_size() >= kMaxHistory) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "document ", document_id, " has ", kMaxHistory, " statuses from ",
        recipient, " already; no more are kept"));
  }
  const bool arrived = IsReceived(d->state());
  const DocumentRecord* stated = &doc;
  DocumentRecord refused_as_received;
  if (status == truc::v1::EDXML_STATUS_REFUSED && !arrived) {
    // A refusal of an arrival states what the agent received, which may
    // not be what the hub stored (an envelope altered on the way): it is
    // recorded as the agent signed it. A refusal after the arrival (01)
    // is about the document the agent acknowledged, the stored one.
    truc::v1::ReceiptBody body;
    if (body.ParseFromString(report.receipt().body())) {
      refused_as_received = doc;
      refused_as_received.set_header_sha256(body.header_sha256());
      stated = &refused_as_received;
    }
  }
  TRUC_RETURN_IF_ERROR(
      trust_->CheckStatement(report.receipt(), recipient, *stated, status,
                             report.description(), CarrierBridge(caller)));
  if (!arrived && status != truc::v1::EDXML_STATUS_REFUSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "document ", document_id, " has not arrived at ", recipient,
        " yet: its agent must acknowledge it before status ",
        absl::StrFormat("%02d", static_cast<int>(status))));
  }
  Recorded r{
      .event = Event(
          "status", caller, document_id,
          absl::StrCat(
              "status=", absl::StrFormat("%02d", static_cast<int>(status)),
              " statement_sha256=", StatementDigest(report.receipt()))),
      .change = Change{.kind = Change::Kind::kStatus,
                       .document_id = document_id,
                       .sender = doc.sender(),
                       .agency = recipient,
                       .urgency = doc.urgency(),
                       .status = status},
      .owner = QueueOwnerOf(*d)};
  if (!arrived) {
    // Refused on arrival: the agent stored nothing, so the unit has not
    // received it. It is no longer offered to the agent (which would
    // refuse it again) but stays in "who has not received", marked,
    // until it is resent, carried on paper or arrives.
    b->Delete(QueueKeyOf(*d));
    if (d->state() != truc::v1::DELIVERY_STATE_PAPER) {
      PutPending(*d, keys::kPendingRefusedOnArrival, b);
      d->set_state(truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
    }
    r.settled = true;
  } else {
    // Refused by the unit: it has the document and declined it.
    if (status == truc::v1::EDXML_STATUS_REFUSED)
      b->Put(keys::Refusal(document_id, recipient), "");
    d->set_state(StateOf(status));
  }
  if (status == truc::v1::EDXML_STATUS_ACCEPTED &&
      d->accepted_at_micros() == 0) {
    d->set_accepted_at_micros(now);
    r.change.delay_micros = now - doc.accepted_at_micros();  // first read
  }
  auto* e = d->add_history();
  e->set_status(status);
  e->mutable_at()->set_unix_micros(now);
  e->set_description(report.description());
  *e->mutable_staff() = report.staff();
  *e->mutable_receipt() = report.receipt();
  b->Put(keys::Delivery(document_id, recipient), d->SerializeAsString());
  AddStatusNotice(doc.sender(), *d, b);
  return r;
}

absl::StatusOr<truc::v1::ReportStatusResponse> Ledger::ReportStatus(
    const Identity& caller, const truc::v1::ReportStatusRequest& request) {
  TRUC_RETURN_IF_ERROR(
      CheckReport(request.status(), request.description(), request.staff()));
  const std::string& document_id = request.document_id();
  truc::v1::ReportStatusResponse response;
  std::vector<Recorded> recorded;
  {
    absl::MutexLock lock(&StripeFor(document_id));
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
    TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, caller.name));
    const int64_t now = clock_();
    WriteBatch b;
    TRUC_ASSIGN_OR_RETURN(Recorded r,
                          ApplyStatus(caller, doc, request, now, &d, &b));
    TRUC_RETURN_IF_ERROR(audit_->Commit(b, {r.event}).status());
    response.mutable_recorded_at()->set_unix_micros(now);
    recorded.push_back(std::move(r));
  }
  AfterRecorded(std::move(recorded));
  return response;
}

std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>>
Ledger::RecordBridgedStatuses(
    const Identity& bridge,
    const std::vector<const truc::v1::BridgeStatusRequest*>& statuses) {
  std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>> out(
      statuses.size(), absl::InternalError("not recorded"));
  // Each document's statuses, in their order.
  std::map<std::string, std::vector<size_t>> by_document;
  for (size_t i = 0; i < statuses.size(); ++i) {
    const truc::v1::BridgeStatusRequest& s = *statuses[i];
    if (s.status() != truc::v1::EDXML_STATUS_ARRIVED) {
      absl::Status checked =
          s.status() == truc::v1::EDXML_STATUS_UNSPECIFIED
              ? CheckLocation(s.location())
              : CheckReport(s.status(), s.description(), s.staff());
      if (!checked.ok()) {
        out[i] = checked;
        continue;
      }
    }
    by_document[s.document_id()].push_back(i);
  }
  for (const auto& [document_id, items] : by_document) {
    std::vector<Recorded> recorded;
    {
      absl::MutexLock lock(&StripeFor(document_id));
      absl::StatusOr<DocumentRecord> doc = GetDocument(document_id);
      if (!doc.ok()) {
        for (size_t i : items) out[i] = doc.status();
        continue;
      }
      std::map<std::string, DeliveryRecord> rows;  // as this batch leaves them
      std::vector<size_t> written;
      WriteBatch b;
      const int64_t now = clock_();
      for (size_t i : items) {
        const truc::v1::BridgeStatusRequest& s = *statuses[i];
        auto row = rows.find(s.recipient());
        if (row == rows.end()) {
          absl::StatusOr<DeliveryRecord> d = GetDelivery(*doc, s.recipient());
          if (!d.ok()) {
            out[i] = d.status();
            continue;
          }
          row = rows.emplace(s.recipient(), *std::move(d)).first;
        }
        DeliveryRecord& d = row->second;
        if (s.status() == truc::v1::EDXML_STATUS_UNSPECIFIED) {
          absl::StatusOr<std::optional<Recorded>> r =
              ApplyLocation(bridge, *doc, s.location(), &d, &b);
          if (!r.ok()) {
            out[i] = r.status();
          } else if (!r->has_value()) {
            truc::v1::BridgeStatusResponse ignored;  // it arrived meanwhile
            ignored.set_already_recorded(true);
            out[i] = ignored;
          } else {
            recorded.push_back(**std::move(r));
            written.push_back(i);
          }
          continue;
        }
        // A bridge carries each status once, but retries after a crash:
        // the same status with the same words is answered as then.
        truc::v1::BridgeStatusResponse already;
        already.set_already_recorded(true);
        if (s.status() == truc::v1::EDXML_STATUS_ARRIVED &&
            IsReceived(d.state())) {
          already.mutable_recorded_at()->set_unix_micros(d.arrived_at_micros());
          out[i] = already;
          continue;
        }
        bool seen = false;
        for (const auto& e : d.history()) {
          if (e.status() == s.status() && e.description() == s.description()) {
            *already.mutable_recorded_at() = e.at();
            seen = true;
            break;
          }
        }
        if (seen) {
          out[i] = already;
          continue;
        }
        absl::StatusOr<Recorded> r;
        if (s.status() == truc::v1::EDXML_STATUS_ARRIVED) {
          r = ApplyArrival(bridge, *doc, s.receipt(), now, &d, &b);
        } else {
          truc::v1::ReportStatusRequest report;
          report.set_document_id(document_id);
          report.set_status(s.status());
          report.set_description(s.description());
          *report.mutable_staff() = s.staff();
          *report.mutable_receipt() = s.receipt();
          r = ApplyStatus(bridge, *doc, report, now, &d, &b);
        }
        if (!r.ok()) {
          out[i] = r.status();
          continue;
        }
        recorded.push_back(*std::move(r));
        written.push_back(i);
      }
      if (recorded.empty()) continue;
      std::vector<truc::v1::AuditEvent> events;
      events.reserve(recorded.size());
      for (const Recorded& r : recorded) events.push_back(r.event);
      absl::Status committed = audit_->Commit(b, std::move(events)).status();
      for (size_t i : written) {
        if (!committed.ok()) {
          out[i] = committed;
          continue;
        }
        truc::v1::BridgeStatusResponse response;
        response.mutable_recorded_at()->set_unix_micros(now);
        out[i] = std::move(response);
      }
      if (!committed.ok()) recorded.clear();
    }
    AfterRecorded(std::move(recorded));
  }
  return out;
}

void Ledger::AnnounceNotices(const std::string& sender, int64_t listable_at) {
  const std::string bridge = directory_->BridgeOf(sender);
  if (!bridge.empty()) {
    offers_->NoticesWritten(absl::StrCat("@", bridge), listable_at);
  }
}

void Ledger::AddStatusNotice(const std::string& sender, const DeliveryRecord& d,
                             WriteBatch* b) const {
  if (d.history_size() == 0) return;
  // A sender beyond this hub: its bridge carries the status back, from its
  // own range of notices ("@<bridge>").
  const std::string bridge = directory_->BridgeOf(sender);
  if (bridge.empty() && (!wants_notices_ || !wants_notices_(sender))) return;
  const std::string owner = bridge.empty() ? sender : absl::StrCat("@", bridge);
  const truc::v1::StatusEvent& e = d.history(d.history_size() - 1);
  truc::internal::StatusNoticeRecord n;
  n.set_document_id(d.document_id());
  n.set_recipient(d.recipient());
  n.set_status(e.status());
  n.set_description(e.description());
  *n.mutable_staff() = e.staff();
  n.set_at_micros(e.at().unix_micros());
  b->Put(keys::StatusNotice(owner, d.document_id(), d.recipient(),
                            static_cast<uint8_t>(e.status())),
         n.SerializeAsString());
  // Where it waited for the recipient no longer matters (AddLocationNotice).
  if (!bridge.empty()) {
    b->Delete(keys::StatusNotice(owner, d.document_id(), d.recipient(), 0));
  }
}

absl::StatusOr<std::string> Ledger::FindByEdxmlId(const std::string& edxml_id) {
  auto id = store_->Get(keys::EdxmlId(edxml_id));
  if (absl::IsNotFound(id.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no document with the edXML DocumentId \"", edxml_id, "\""));
  }
  return id;
}

absl::StatusOr<std::vector<DocumentRecord>> Ledger::ListQueued(
    const std::string& recipient, size_t max) {
  std::vector<std::string> ids;
  const std::string prefix = keys::QueuePrefix(recipient);
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(prefix, [&](auto k, auto) {
    ids.emplace_back(keys::DocumentOfQueueKey(k, recipient));
    return ids.size() < max;
  }));
  std::vector<DocumentRecord> out;
  for (const auto& id : ids) {
    auto doc = GetDocument(id);
    if (absl::IsNotFound(doc.status())) continue;  // gone meanwhile
    if (!doc.ok()) return doc.status();
    out.push_back(*std::move(doc));
  }
  return out;
}

absl::StatusOr<std::vector<Ledger::BridgeQueued>> Ledger::ListBridgeQueue(
    const std::string& bridge, size_t max) {
  std::vector<std::pair<std::string, std::vector<std::string>>> ids;
  std::map<std::string, size_t> index;
  TRUC_RETURN_IF_ERROR(
      store_->ScanPrefix(keys::BridgeQueuePrefix(bridge), [&](auto k, auto) {
        auto [id, recipient] = keys::ParseBridgeQueueKey(k, bridge);
        if (id.empty()) return true;
        auto [it, added] = index.emplace(std::string(id), ids.size());
        if (added) {
          if (ids.size() == max) return false;
          ids.push_back({std::string(id), {}});
        }
        ids[it->second].second.emplace_back(recipient);
        return true;
      }));
  std::vector<BridgeQueued> out;
  for (auto& [id, recipients] : ids) {
    auto doc = GetDocument(id);
    if (absl::IsNotFound(doc.status())) continue;  // gone meanwhile
    if (!doc.ok()) return doc.status();
    out.push_back({*std::move(doc), std::move(recipients)});
  }
  return out;
}

absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>>
Ledger::ListStatusNotices(const std::string& sender, size_t max) {
  std::vector<truc::internal::StatusNoticeRecord> out;
  absl::Status parse_error;
  const int64_t settled = clock_() - options_.location_settle_micros;
  TRUC_RETURN_IF_ERROR(
      store_->ScanPrefix(keys::StatusNoticePrefix(sender), [&](auto k, auto v) {
        truc::internal::StatusNoticeRecord n;
        if (!n.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse_error =
              absl::DataLossError(absl::StrCat("corrupt status notice ", k));
          return false;
        }
        // Where it waits here, not told yet; one passed on from beyond
        // (hops > 0) has waited already.
        if (n.status() == truc::v1::EDXML_STATUS_UNSPECIFIED &&
            n.location().hops() == 0 && n.at_micros() > settled) {
          return true;
        }
        out.push_back(std::move(n));
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse_error);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.at_micros() < b.at_micros();
  });
  if (out.size() > max) out.resize(max);
  return out;
}

absl::StatusOr<bool> Ledger::AddNoticeClear(const std::string& sender,
                                            const NoticeToClear& n,
                                            WriteBatch* b) {
  const std::string key = keys::StatusNotice(sender, n.document_id, n.recipient,
                                             static_cast<uint8_t>(n.status));
  auto existing = store_->Get(key);
  if (absl::IsNotFound(existing.status())) return false;
  TRUC_RETURN_IF_ERROR(existing.status());
  if (n.only_if_at_micros != 0) {
    truc::internal::StatusNoticeRecord record;
    if (record.ParseFromString(*existing) &&
        record.at_micros() != n.only_if_at_micros) {
      return true;  // a newer one, still to be carried
    }
  }
  b->Delete(key);
  return true;
}

absl::Status Ledger::ClearStatusNotice(const std::string& sender,
                                       const std::string& document_id,
                                       const std::string& recipient,
                                       truc::v1::EdxmlStatus status,
                                       int64_t only_if_at_micros) {
  WriteBatch b;
  TRUC_ASSIGN_OR_RETURN(
      bool found,
      AddNoticeClear(sender,
                     {document_id, recipient, status, only_if_at_micros}, &b));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(
        "no status ", absl::StrFormat("%02d", static_cast<int>(status)), " of ",
        recipient, " about document ", document_id, " is waiting for ",
        sender));
  }
  if (b.empty()) return absl::OkStatus();
  return store_->Write(b);
}

absl::Status Ledger::ClearStatusNotices(
    const std::string& sender, const std::vector<NoticeToClear>& notices) {
  WriteBatch b;
  for (const NoticeToClear& n : notices) {
    // One cleared before is not an error here.
    TRUC_RETURN_IF_ERROR(AddNoticeClear(sender, n, &b).status());
  }
  if (b.empty()) return absl::OkStatus();
  return store_->Write(b);
}

absl::StatusOr<std::vector<std::string>> Ledger::Resend(
    const std::string& document_id, const Identity& by) {
  std::vector<std::string> again;
  std::set<std::string> owners;  // whose queues it is offered in again
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
      owners.insert(QueueOwnerOf(d));
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
  for (const auto& owner : owners) offers_->Reoffer(owner, document_id);
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
