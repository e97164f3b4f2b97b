// The ledger: documents, their deliveries and queues, over a Store. Plain
// logic (no gRPC): the RPC handlers are thin wrappers around it, and its
// tests run against the in-memory store.
//
// Each change is one WriteBatch with its audit event (hub/audit_log.h),
// synced before the method returns:
//   Accept          document + idempotency key + one delivery, one queue
//                   entry and one "not yet received" entry per recipient;
//                   event "accepted" (or "revoke")
//   Lease           event "leased" per delivery offered (unsynced: a lease
//                   is soft state)
//   Acknowledge     delivery (status 01) - queue entry - pending entry;
//                   event "arrived"
//   ReportStatus    delivery (02..06 appended to its history); "status".
//                   02 before the arrival (refused on arrival: the agent
//                   stored nothing): - queue entry, "not yet received"
//                   entry marked R (it stays: not received). 02 after the
//                   arrival (refused by the unit): + refusal entry (f/)
//   Resend          each delivery's resend count and queue entry (put
//                   back for one refused on arrival, which is QUEUED
//                   again, its "not yet received" entry unmarked); "resent"
//   RecordPaperCopy delivery (PAPER, with the copy) + its "not yet
//                   received" entry marked as delivered by paper; its
//                   queue entry stays, for its agent; "paper_copy"
//   RecordBridgedStatuses  per document: what Acknowledge and
//                   ReportStatus write for each of its statuses a bridge
//                   brought back, with their events, in one batch
//   Forward         per recipient beyond the hub that a bridge took:
//                   delivery (FORWARDED, still not received) - its entry
//                   in the bridge's queue (q/@<bridge>/); "forwarded"
//   RecordLocation  delivery (where it waits beyond); "location"
// A document a bridge brought in also gets, in Accept and Forward, a
// notice (o/@<bridge>/.../0) of where it waits for each recipient here,
// for that bridge to carry back toward the sender. It is listed only once
// it has waited LedgerOptions.location_settle_micros (one passed on from
// beyond, by RecordLocation, at once: it waited there), and the
// recipient's first status deletes it in its own batch: where a document
// waits is told only when it waits.
// A recipient beyond the hub (its directory entry names a bridge) is
// queued for that bridge, not for an agent; its arrival and statuses are
// brought back by the bridge (RecordBridgedStatuses), with the bridge's
// statement as carrier.
// Accept also indexes the document by its edXML DocumentId (e/), and
// Acknowledge and ReportStatus add a status notice (o/) for a sender
// whose document software uses the national-axis API.
// If the event cannot be recorded the change fails: no answer without its
// record. A document carries the hub's signed acceptance receipt; each
// status carries the recipient agent's signed statement (hub/trust.h
// checks them). Leases (which agent holds which delivery until when) are
// soft state kept by Offers (hub/exchange/offers.h), which the ledger tells
// what each commit queued (a send, a resend) or settled (an arrival, a
// refusal) so that it wakes the polls concerned: after a restart every
// unacknowledged delivery is offered again, and the agent recognises what
// it already stored. After each commit the change is published on the
// ChangeFeed, if one is set.
//
// Thread-safety: all methods are thread-safe. Operations on one document
// are serialised by a striped lock; different documents proceed in
// parallel, so concurrent sends share WAL syncs.
#ifndef TRUC_HUB_EXCHANGE_LEDGER_H_
#define TRUC_HUB_EXCHANGE_LEDGER_H_

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "common/urgency.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/change_feed.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/offers.h"
#include "hub/exchange/trust.h"
#include "hub/store/store.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/bridge.pb.h"
#include "truc/v1/envelope.pb.h"
#include "truc/v1/exchange.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

// A document that came through the national-axis API also keeps the
// system's original edXML, a blob of the BlobStore named by its SHA-256.
struct CarriedOriginal {
  std::string edxml_sha256;
  uint64_t edxml_size = 0;
  // A document a bridge brought in: the CA its sender's own signature
  // checked out under (HubTrust::CheckOriginSignature), "" if not checked,
  // and the axes it crossed before this hub (SendBegin.trace).
  std::string checked_under;
  std::vector<truc::v1::TraceHeader> trace;
};

// The original edXML file as the file a bridge downloads and sends on
// after a document's attachments (Delivery.original_edxml_sha256).
inline truc::v1::AttachmentDescriptor OriginalEdxmlFile(
    const std::string& sha256, uint64_t size) {
  truc::v1::AttachmentDescriptor d;
  d.set_name("the original edXML");
  d.set_sha256(sha256);
  d.set_size(size);
  return d;
}

// The axes `doc` crossed, in order (edXML TraceHeaderList): those before
// this hub, then this hub's own, `own_organ_id` at the document's
// acceptance, when it is not empty. What Delivery.trace and the
// national-axis API's getEdoc carry.
std::vector<truc::v1::TraceHeader> TraceOf(
    const truc::internal::DocumentRecord& doc, const std::string& own_organ_id);

// Whose queue offers a delivery: its recipient's agent (the recipient's
// code), or for a recipient beyond this hub, the bridge that reaches it
// ("@<bridge>", as Offers and the store's keys know it).
std::string QueueOwnerOf(const truc::internal::DeliveryRecord& d);

struct LedgerOptions {
  int64_t lease_micros = 60'000'000;
  // This hub's name, in where a document waits (truc.v1.RemoteLocation)
  // as reported to the hubs a document came through.
  std::string hub_name = "truc";
  // This hub's OrganId as an axis (HubConfig.axis_organ_id): the trace
  // entry it adds to what it hands on (TraceOf). Empty: none.
  std::string trace_organ_id;
  // How long a document waits for a recipient before a bridge is told
  // where (ListStatusNotices): an arrival within it makes the notice moot.
  int64_t location_settle_micros = 2'000'000;
};

class Ledger {
 public:
  // All pointers must outlive the ledger. `offers` holds the leases and
  // is told what each commit queued or settled.
  Ledger(Store* store, Directory* directory, AuditLog* audit,
         const HubTrust* trust, Offers* offers, Clock clock,
         LedgerOptions options);

  // The earlier answer to a send with this (sender, idempotency key), if
  // there was one.
  absl::StatusOr<std::optional<truc::v1::SendResponse>> FindPriorSend(
      const std::string& sender, const std::string& idempotency_key);

  // Stores a validated document (its envelope's signature checked) for its
  // recipients, durably, in one batch with its audit event and the hub's
  // signed acceptance receipt, and calls the on-queued callback for each
  // recipient. If the idempotency key was used meanwhile, returns the first
  // answer (duplicate = true, with the first receipt) and stores nothing.
  // Fails with the store's or the signer's error, and then nothing of the
  // document is stored. `caller` is the sending agency, or the bridge that
  // brought the document in (the sender is the header's From, for both);
  // `deliver_to`, when not empty, are the recipients this hub keeps (a
  // bridge's; by default every recipient of the header).
  absl::StatusOr<truc::v1::SendResponse> Accept(
      const Identity& caller, const std::string& idempotency_key,
      const truc::v1::Envelope& envelope,
      const truc::v1::DocumentHeader& header,
      const CarriedOriginal& original = {},
      const std::vector<std::string>& deliver_to = {});

  // The latest document whose edXML DocumentId is `edxml_id`, from the
  // e/ index. NOT_FOUND naming it; the store's error.
  absl::StatusOr<std::string> FindByEdxmlId(const std::string& edxml_id);

  // The documents queued for `recipient` (not yet acknowledged, not
  // refused on arrival), most urgent first, oldest first within a level,
  // at most `max`: what the national-axis API lists for a system. Reads
  // the queue index and each document's record. Fails with the store's
  // error.
  absl::StatusOr<std::vector<truc::internal::DocumentRecord>> ListQueued(
      const std::string& recipient, size_t max);
  // The same for bridge `bridge`'s queue (no lease, unlike Lease): at most
  // `max` documents, each with the recipients it waits to be taken to.
  // What the national-axis API lists for a bridge's system.
  struct BridgeQueued {
    truc::internal::DocumentRecord doc;
    std::vector<std::string> recipients;
  };
  absl::StatusOr<std::vector<BridgeQueued>> ListBridgeQueue(
      const std::string& bridge, size_t max);

  // Statuses for a sender's document software (o/): written with each
  // arrival and status when `wants_notices(sender)` is true (a sender
  // with a national-axis API system), listed oldest first, and removed
  // once the system has them (Clear). The filter is set once, before the
  // ledger is used; without one no notice is written.
  void SetStatusNoticeFilter(std::function<bool(const std::string&)> fn) {
    wants_notices_ = std::move(fn);
  }
  // A sender beyond this hub has its notices under its bridge,
  // "@<bridge>", for the bridge to carry back (Operations::BridgeStatuses);
  // a notice of where a document waits is listed once it is
  // location_settle_micros old.
  absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>>
  ListStatusNotices(const std::string& sender, size_t max);
  // NOT_FOUND if there is no such notice; the store's error. With
  // `only_if_at_micros`, a notice of another time (a newer one) stays.
  absl::Status ClearStatusNotice(const std::string& sender,
                                 const std::string& document_id,
                                 const std::string& recipient,
                                 truc::v1::EdxmlStatus status,
                                 int64_t only_if_at_micros = 0);
  // Many notices of `sender` cleared as ClearStatusNotice, in one synced
  // write; one already cleared (or newer) is left alone, not an error.
  // Fails with the store's error, and then none is cleared.
  struct NoticeToClear {
    std::string document_id;
    std::string recipient;
    truc::v1::EdxmlStatus status = truc::v1::EDXML_STATUS_UNSPECIFIED;
    int64_t only_if_at_micros = 0;
  };
  absl::Status ClearStatusNotices(const std::string& sender,
                                  const std::vector<NoticeToClear>& notices);

  // Leases up to `max` deliveries queued for `recipient` and not leased to it
  // now, most urgent first, first in first out within a level, each
  // recorded in the audit log. Holds only `recipient`'s lease table (other
  // agencies lease meanwhile). Fails with the store's error, and then
  // nothing is leased. For a bridge (Role::kBridge), its own queue: each
  // delivery names in `recipients` those it reaches that still wait.
  absl::StatusOr<std::vector<truc::v1::Delivery>> Lease(
      const Identity& recipient, uint32_t max);

  // Records 01 (arrived) with the caller's agent's signed statement of it.
  // NOT_FOUND if the document does not exist; PERMISSION_DENIED if it was
  // not sent to the recipient; HubTrust::CheckStatement's errors for the
  // statement. Acknowledging again returns the first arrival time with
  // already_acknowledged.
  absl::StatusOr<truc::v1::AcknowledgeResponse> Acknowledge(
      const Identity& caller, const truc::v1::AcknowledgeRequest& request);

  // Records 02..06 with the agent's signed statement. As Acknowledge for
  // NOT_FOUND, PERMISSION_DENIED and the statement (a refusal on arrival
  // may name another header digest: what the agent received and refused);
  // INVALID_ARGUMENT for a status outside 02..06 or an oversized text;
  // FAILED_PRECONDITION for 03..06 before the document arrived, for
  // anything after a refusal by the unit or 06, and for 02 after 03;
  // RESOURCE_EXHAUSTED past 64 statuses. A 02 before the arrival is a
  // refusal on arrival (REFUSED_ON_ARRIVAL, not received: it stays in "who
  // has not received" and is offered again only when resent); a 02 after
  // it, a refusal by the unit (REFUSED, received: common/reception.h).
  absl::StatusOr<truc::v1::ReportStatusResponse> ReportStatus(
      const Identity& caller, const truc::v1::ReportStatusRequest& request);

  // Statuses 01..06 of recipients beyond this hub, brought back by
  // `bridge` with its statement as carrier of each: 01 as Acknowledge,
  // 02..06 as ReportStatus, for `recipient` of each; status 0 with a
  // location as RecordLocation (already_recorded when it is ignored). The
  // caller has checked that the bridge reaches every recipient. Each is
  // answered on its own, in order, with the error Acknowledge or ReportStatus
  // would give; one refused does not hold back the others. The statuses of one
  // document are checked under one lock and written in one synced batch
  // (a failed write fails each of them, and none is stored), so a
  // broadcast's arrivals cost a write per document, not per recipient. A
  // status already recorded with the same description is answered as
  // then, with already_recorded.
  std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>>
  RecordBridgedStatuses(
      const Identity& bridge,
      const std::vector<const truc::v1::BridgeStatusRequest*>& statuses);

  // A bridge took the document toward `recipients` (those of its current
  // delivery; empty: every recipient it reaches that waits for it): each
  // is FORWARDED (not received), its queue entry removed; event
  // "forwarded". NOT_FOUND for no such document; PERMISSION_DENIED for a
  // recipient the bridge does not reach. A recipient already forwarded or
  // beyond is answered as forwarded and recorded again.
  absl::StatusOr<truc::v1::ForwardResponse> Forward(
      const Identity& bridge, const std::string& document_id,
      const std::vector<std::string>& recipients);
  // Where the document waits for `recipient` (reached through `bridge`),
  // as the hub beyond reported it: kept on the delivery (one bridge more
  // between) until its arrival, and passed on toward the sender as a
  // notice when the document came from beyond this hub too. Ignored once
  // received. PERMISSION_DENIED when `bridge` does not reach the
  // recipient; INVALID_ARGUMENT for a location without a hub or what it
  // waits for; NOT_FOUND; the store's error.
  absl::Status RecordLocation(const Identity& bridge,
                              const std::string& document_id,
                              const std::string& recipient,
                              const truc::v1::RemoteLocation& location);

  // NOT_FOUND if there is no such document.
  absl::StatusOr<truc::internal::DocumentRecord> GetDocument(
      const std::string& document_id);
  // Whether `agency` is a recipient of the document.
  absl::StatusOr<bool> IsRecipient(const std::string& document_id,
                                   const std::string& agency);

  // One recipient's row of StatusOf (without evidence): read from its own
  // delivery record, whatever the number of recipients. NOT_FOUND for no
  // such document; PERMISSION_DENIED if it was not sent to `recipient`.
  absl::StatusOr<truc::v1::RecipientStatus> RecipientStatusOf(
      const std::string& document_id, const std::string& recipient);

  // Per-recipient status, names and liveness from the directory. With
  // `evidence`, also the envelope, the acceptance receipt and every
  // recipient's signed statements.
  absl::StatusOr<truc::v1::DocumentStatus> StatusOf(
      const std::string& document_id, bool evidence = false);

  // A delivery that has not been received (common/reception.h: refused on
  // arrival included, a paper copy not), as the "not yet received" index
  // lists it.
  struct OutstandingDelivery {
    std::string document_id;
    std::string recipient;
    uint8_t rank = 0;  // common/urgency.h
    int64_t accepted_at_micros = 0;
    bool refused_on_arrival = false;
  };
  // Calls `fn` for each outstanding delivery of a document accepted before
  // `accepted_before[rank]` (0: none of that rank), the most urgent rank
  // first and the oldest first within a rank, until `fn` returns false.
  // Reads only the index: `fn` runs inside a store scan and must not call
  // back into the ledger or the store. Fails with the store's error.
  absl::Status ForEachOutstanding(
      const std::array<int64_t, kUrgencyRanks>& accepted_before,
      const std::function<bool(const OutstandingDelivery&)>& fn);
  // ForEachOutstanding over every delivery, however recent.
  absl::Status ForEachOutstanding(
      const std::function<bool(const OutstandingDelivery&)>& fn);

  // Calls `fn` with each document accepted in [from_micros, to_micros),
  // oldest first, until it returns false; from the acceptance-time index,
  // never a store scan. As ForEachOutstanding, `fn` must not call back.
  absl::Status ForEachAccepted(
      int64_t from_micros, int64_t to_micros,
      const std::function<bool(const std::string& document_id)>& fn);

  // Documents that some recipient has not received (common/reception.h:
  // refused on arrival included, paper copies not), from the index.
  absl::StatusOr<truc::v1::ListPendingResponse> ListPending(
      const truc::v1::ListPendingRequest& request);

  // What `sender` sent in the request's window, oldest first, each with the
  // recipients that have not received it, those that have it by paper
  // only and those that received and declined it: from the sent index and
  // each document's part of the "not yet received" and refusal indexes,
  // never a store scan.
  absl::StatusOr<truc::v1::ListSentResponse> ListSent(
      const std::string& sender, const truc::v1::ListSentRequest& request);
  // The same for every sender (the province's board), from the t/ index.
  absl::StatusOr<truc::v1::ListSentResponse> ListRecent(
      const truc::v1::ListSentRequest& request);

  // Offers the document again at once to each recipient that has not
  // received it electronically (one with a paper copy only, and one whose
  // agent refused it on arrival, included): its lease ends and its parked
  // poll wakes, so its agent leases it anew; a recipient that has it is
  // not offered it, so no inbox gets it twice.
  // Returns those recipients. NOT_FOUND; FAILED_PRECONDITION if every
  // recipient has received it; the store's error (nothing changed).
  absl::StatusOr<std::vector<std::string>> Resend(
      const std::string& document_id, const Identity& by);

  // Records that a paper copy was carried to `recipient` and signed for:
  // it counts as delivered (by paper) and leaves "who has not received";
  // its agent is still offered the document, and a later arrival is
  // recorded as ever. carried_by and signed_by are required (at most 256
  // bytes), note at most 1000; carried_at defaults to now, and may be
  // neither in the future nor before the document was sent
  // (INVALID_ARGUMENT). NOT_FOUND; PERMISSION_DENIED if it was not sent to
  // `recipient`; FAILED_PRECONDITION if it arrived already; ALREADY_EXISTS
  // if a paper copy was recorded before; the store's error.
  absl::StatusOr<truc::v1::RecipientStatus> RecordPaperCopy(
      const std::string& document_id, const std::string& recipient,
      truc::v1::PaperCopy paper, const Identity& by);

  // The batch Accept writes for `doc` (its id, sender, idempotency key,
  // urgency, recipients and accepted_at_micros set), without its audit
  // event (AuditLog::Commit adds it): the document, its
  // idempotency key and sent-index entry, and per recipient a queued
  // delivery, a queue entry and a "not yet received" entry; a recipient
  // beyond this hub (by `directory`, when given) is queued for its bridge.
  // Public so the bench can fill a store the way the hub does. Never fails.
  static WriteBatch AcceptBatch(const truc::internal::DocumentRecord& doc,
                                const Directory* directory = nullptr);
  // The audit event Accept records for `doc` (id, header digest and
  // envelope set) sent by `sender` with `header`. Never fails.
  static truc::v1::AuditEvent AcceptedEvent(
      const truc::internal::DocumentRecord& doc, const Identity& sender,
      const truc::v1::DocumentHeader& header);
  // Adds to `b` what Acknowledge writes for a first arrival at `now`:
  // `d` updated to 01 (state and history), its queue and "not yet
  // received" entries removed. Never fails.
  static void AddArrival(int64_t now, truc::internal::DeliveryRecord* d,
                         WriteBatch* b,
                         const truc::v1::Receipt* statement = nullptr);

  // Where changes are published (it must outlive the ledger); set before
  // the ledger is used.
  void SetChangeFeed(ChangeFeed* feed) { feed_ = feed; }

  // Adds to `b` the notice of `d`'s newest status for `sender`'s software,
  // if it wants notices. Never fails.
  // Where `recipient` (reached through `via_bridge`, "" for a local
  // agency) waits at this hub now: its agent's queue, its bridge's queue,
  // or beyond that bridge.
  truc::v1::RemoteLocation HereFor(const std::string& recipient,
                                   const std::string& via_bridge, bool beyond,
                                   int64_t now) const;
  // Adds to `b` the notice of `location` of `recipient` for the bridge
  // that brought `doc` in; nothing for a document sent from this hub.
  void AddLocationNotice(const truc::internal::DocumentRecord& doc,
                         const std::string& recipient,
                         const truc::v1::RemoteLocation& location,
                         WriteBatch* b) const;
  void AddStatusNotice(const std::string& sender,
                       const truc::internal::DeliveryRecord& d,
                       WriteBatch* b) const;

 private:
  // After a commit that wrote notices for the bridge of `sender`, if it is
  // beyond this hub: that bridge's status polls wake (Offers), now or at
  // `listable_at` (micros; 0: now) for a notice of where a document waits.
  void AnnounceNotices(const std::string& sender, int64_t listable_at);
  // Adds to `b` the deletion of `sender`'s notice `n` (none for a newer
  // one when n.only_if_at_micros is set). False if there is no such
  // notice; the store's error.
  absl::StatusOr<bool> AddNoticeClear(const std::string& sender,
                                      const NoticeToClear& n, WriteBatch* b);

  // What one status recorded changes, for its commit and after it.
  struct Recorded {
    truc::v1::AuditEvent event;
    Change change;
    std::string owner;     // QueueOwnerOf the delivery
    bool settled = false;  // it left its queue: Offers::Settled
    bool publish = true;   // `change` goes on the ChangeFeed
  };
  // Checks `statement` of an arrival at d->recipient() made by `caller`
  // (the agent, or the bridge as carrier) and adds the arrival at `now`
  // to `d` and `b`, with its notice. HubTrust::CheckStatement's errors,
  // and then neither `d` nor `b` is changed.
  absl::StatusOr<Recorded> ApplyArrival(
      const Identity& caller, const truc::internal::DocumentRecord& doc,
      const truc::v1::Receipt& statement, int64_t now,
      truc::internal::DeliveryRecord* d, WriteBatch* b) const;
  // The same for status 02..06 (`report`, checked by CheckReport first):
  // ReportStatus's errors after its checks of the text, and then neither
  // `d` nor `b` is changed.
  absl::StatusOr<Recorded> ApplyStatus(
      const Identity& caller, const truc::internal::DocumentRecord& doc,
      const truc::v1::ReportStatusRequest& report, int64_t now,
      truc::internal::DeliveryRecord* d, WriteBatch* b) const;
  // Where the document waits beyond for d->recipient(), as `bridge` (the
  // one that reaches it) reports: `d` and its notice toward the sender
  // updated in `b`. Nothing (nullopt) once received. PERMISSION_DENIED
  // when `bridge` does not reach it, and then nothing is changed.
  absl::StatusOr<std::optional<Recorded>> ApplyLocation(
      const Identity& bridge, const truc::internal::DocumentRecord& doc,
      const truc::v1::RemoteLocation& location,
      truc::internal::DeliveryRecord* d, WriteBatch* b) const;
  // After the commit of `recorded`: leases settled, notices announced,
  // changes published.
  void AfterRecorded(std::vector<Recorded> recorded);
  absl::Mutex& StripeFor(absl::string_view key);
  std::string NewDocumentId();
  // The delivery of `doc` to `recipient`: PERMISSION_DENIED if it was not
  // sent to it.
  absl::StatusOr<truc::internal::DeliveryRecord> GetDelivery(
      const truc::internal::DocumentRecord& doc, const std::string& recipient);
  truc::v1::RecipientStatus ToRecipientStatus(
      const truc::internal::DeliveryRecord& d) const;
  // A document's recipients as the "not yet received" index (p/) and the
  // refusal index (f/) list them, each in code order.
  struct Outstanding {
    struct Entry {
      std::string recipient;
      bool refused_on_arrival = false;  // else queued or being fetched
    };
    std::vector<Entry> not_received;
    std::vector<std::string> paper;    // by paper only
    std::vector<std::string> refused;  // received and declined (02)
  };
  // The document's entries; the refusals only `with_refusals`.
  absl::StatusOr<Outstanding> OutstandingOf(
      const truc::internal::DocumentRecord& doc, bool with_refusals);
  // A PendingDocument for `doc` with `outstanding` named, leased and silent
  // recipients marked, and refusals with their reasons. Fails with the
  // store's error.
  absl::Status FillPending(const truc::internal::DocumentRecord& doc,
                           const Outstanding& outstanding, int64_t now,
                           truc::v1::PendingDocument* out);
  // ListSent and ListRecent over the index under `prefix`.
  absl::StatusOr<truc::v1::ListSentResponse> ListIndexed(
      const std::string& prefix, const truc::v1::ListSentRequest& request);
  void Publish(Change change);

  Store* const store_;
  Directory* const directory_;
  AuditLog* const audit_;
  const HubTrust* const trust_;
  Offers* const offers_;
  const Clock clock_;
  const LedgerOptions options_;
  ChangeFeed* feed_ = nullptr;
  std::function<bool(const std::string&)> wants_notices_;
  std::array<absl::Mutex, 64> stripes_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_LEDGER_H_
