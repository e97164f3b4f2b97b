// The hub's key layout, in one place. All keys are byte strings in one
// ordered key space; numbers are fixed-width big-endian so that byte order
// is numeric order. docs/ARCHITECTURE.md shows the same table, with who
// writes each; key_layout_test checks that it names exactly kTables.
//
//   a/<agency>                          AgencyRecord
//   l/<agency>                          last poll time (8 bytes, micros)
//   d/<document>                        DocumentRecord (envelope and facts)
//   i/<sender>\0<idempotency key>       document id
//   r/<document>/<recipient>            DeliveryRecord
//   q/<recipient>/<rank><time><document>    queue entry (not yet acknowledged)
//   q/@<bridge>/<rank><time><document>/<recipient>
//                                       queue entry of a recipient beyond
//                                       this hub, for the bridge reaching it
//                                       (not yet forwarded)
//   p/<rank><time><document>/<recipient>    "not yet received" index ("",
//                                       "R": refused on arrival, or "P":
//                                       a paper copy only)
//   f/<document>/<recipient>            empty: the unit received the
//                                       document and declined it (02)
//   s/<sender>/<time><document>         documents a sender sent
//   t/<time><document>                  every document, by acceptance time
//   u/<name>                            AccountRecord: a console account
//   w/<alert id>                        AlertRecord: an alert raised
//   n/<seq>                             NotificationRecord: to send
//   g/<day>                             the day's digests were sent
//   v/e/<index>                         AuditEvent: a leaf of the audit log
//   v/n/<level><index>                  hash of a complete subtree of it
//   v/size                              the audit log's size (8 bytes)
//   v/d/<document>/<index>              empty: the document's audit events
//   v/c/<size>                          SignedCheckpoint of the log at size
//   v/cp                                the latest SignedCheckpoint
//   c/<serial>                          CertificateRecord (seen or revoked)
//   e/<edxml document id>               document id: the latest document
//                                       with that edXML DocumentId
//   o/<sender>/<document>/<recipient>/<status>
//                                       StatusNoticeRecord: a status for
//                                       the sender's software (axis API)
//   x/<system id>                       AxisSystemRecord: a system of the
//                                       national-axis API
//   y/c/<version><agency>               empty: the directory's change feed
//   y/last                              the last version given (8 bytes)
//   y/u/<bridge>                        the upstream directory version the
//                                       bridge's sync reaches (8 bytes)
//
// <index> and <size> are 8 bytes, <level> one byte.
// <rank> is one byte, common/urgency.h's UrgencyRank (0 express ... 3
// normal), so a scan meets the most urgent first; <time> is the hub's
// acceptance time, 8 bytes, so first in is first out within a rank.
#ifndef TRUC_HUB_STORE_KEY_LAYOUT_H_
#define TRUC_HUB_STORE_KEY_LAYOUT_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "truc/v1/envelope.pb.h"

namespace truc::hub::keys {

// The prefix of each table; every key of the store begins with one.
inline constexpr absl::string_view kAgencyPrefix = "a/";
inline constexpr absl::string_view kLastPollPrefix = "l/";
inline constexpr absl::string_view kDocumentPrefix = "d/";
inline constexpr absl::string_view kIdempotencyPrefix = "i/";
inline constexpr absl::string_view kDeliveryPrefix = "r/";
inline constexpr absl::string_view kQueuePrefix = "q/";
inline constexpr absl::string_view kPendingPrefix = "p/";
inline constexpr absl::string_view kRefusalPrefix = "f/";
inline constexpr absl::string_view kSentPrefix = "s/";
inline constexpr absl::string_view kRecentPrefix = "t/";
inline constexpr absl::string_view kAccountPrefix = "u/";
inline constexpr absl::string_view kAlertPrefix = "w/";
inline constexpr absl::string_view kNotificationPrefix = "n/";
inline constexpr absl::string_view kDigestPrefix = "g/";
inline constexpr absl::string_view kAuditEventPrefix = "v/e/";
inline constexpr absl::string_view kAuditNodePrefix = "v/n/";
inline constexpr absl::string_view kAuditSize = "v/size";
inline constexpr absl::string_view kAuditDocumentPrefix = "v/d/";
inline constexpr absl::string_view kAuditCheckpointPrefix = "v/c/";
inline constexpr absl::string_view kAuditLatestCheckpoint = "v/cp";
inline constexpr absl::string_view kCertificatePrefix = "c/";
inline constexpr absl::string_view kEdxmlIdPrefix = "e/";
inline constexpr absl::string_view kStatusNoticePrefix = "o/";
inline constexpr absl::string_view kAxisSystemPrefix = "x/";
inline constexpr absl::string_view kDirectoryChangePrefix = "y/c/";
inline constexpr absl::string_view kDirectoryVersion = "y/last";
inline constexpr absl::string_view kUpstreamDirectoryPrefix = "y/u/";

// Every table, as listed above and in docs/ARCHITECTURE.md's storage
// table (key_layout_test checks the page against this list).
inline constexpr absl::string_view kTables[] = {
    kAgencyPrefix,
    kLastPollPrefix,
    kDocumentPrefix,
    kIdempotencyPrefix,
    kDeliveryPrefix,
    kQueuePrefix,
    kPendingPrefix,
    kRefusalPrefix,
    kSentPrefix,
    kRecentPrefix,
    kAccountPrefix,
    kAlertPrefix,
    kNotificationPrefix,
    kDigestPrefix,
    kAuditEventPrefix,
    kAuditNodePrefix,
    kAuditSize,
    kAuditDocumentPrefix,
    kAuditCheckpointPrefix,
    kAuditLatestCheckpoint,
    kCertificatePrefix,
    kEdxmlIdPrefix,
    kStatusNoticePrefix,
    kAxisSystemPrefix,
    kDirectoryChangePrefix,
    kDirectoryVersion,
    kUpstreamDirectoryPrefix,
};

std::string EncodeFixed64(uint64_t v);
uint64_t DecodeFixed64(absl::string_view eight_bytes);

// The audit log (hub/audit_log.h).
std::string AuditEvent(uint64_t index);
std::string AuditNode(int level, uint64_t index);
// The first key of level `level`'s stored hashes.
std::string AuditNodeLevelPrefix(int level);
std::string AuditDocument(absl::string_view document_id, uint64_t index);
std::string AuditDocumentPrefix(absl::string_view document_id);
std::string AuditCheckpoint(uint64_t size);

std::string CertificateRecord(absl::string_view serial_hex);

std::string Agency(absl::string_view code);
std::string LastPoll(absl::string_view code);
std::string Document(absl::string_view document_id);
std::string Idempotency(absl::string_view sender, absl::string_view key);
std::string Delivery(absl::string_view document_id,
                     absl::string_view recipient);
std::string DeliveryPrefix(absl::string_view document_id);
std::string Queue(absl::string_view recipient, uint8_t rank,
                  int64_t time_micros, absl::string_view document_id);
std::string QueuePrefix(absl::string_view recipient);
std::string Pending(uint8_t rank, int64_t time_micros,
                    absl::string_view document_id, absl::string_view recipient);
std::string PendingRankPrefix(uint8_t rank);
std::string Sent(absl::string_view sender, int64_t time_micros,
                 absl::string_view document_id);
std::string SentPrefix(absl::string_view sender);
// Every document by its acceptance time (the console's board).
std::string Recent(int64_t time_micros, absl::string_view document_id);
// The value of a p/ entry: "" for a recipient that has not received the
// document, kPendingRefusedOnArrival for one whose agent refused it on
// arrival (not received either, but no longer queued for its agent),
// kPendingPaper for one that has it by paper only.
inline constexpr absl::string_view kPendingPaper = "P";
inline constexpr absl::string_view kPendingRefusedOnArrival = "R";
// A unit's refusal (02) of a document it received, for the lists of sent
// documents.
std::string Refusal(absl::string_view document_id, absl::string_view recipient);
std::string RefusalPrefix(absl::string_view document_id);

// The console (hub/accounts.h, hub/alerts.h, hub/notifier.h).
std::string Account(absl::string_view name);
std::string Alert(absl::string_view id);
std::string Notification(uint64_t seq);
std::string Digest(absl::string_view day);  // day: "2026-12-01"

// The national-axis API (hub/axis/, hub/ops/axis_systems.h).
std::string EdxmlId(absl::string_view edxml_document_id);
std::string StatusNotice(absl::string_view sender,
                         absl::string_view document_id,
                         absl::string_view recipient, uint8_t status);
std::string StatusNoticePrefix(absl::string_view sender);
std::string AxisSystem(absl::string_view id);
// The directory's change feed: one entry per agency, at its latest
// version (hub/exchange/directory.h).
std::string DirectoryChange(uint64_t version, absl::string_view code);
std::string UpstreamDirectory(absl::string_view bridge);

// The queue of a bridge ('@' never begins an agency code).
std::string BridgeQueuePrefix(absl::string_view bridge);
std::string BridgeQueue(absl::string_view bridge, uint8_t rank, int64_t t,
                        absl::string_view id, absl::string_view recipient);
// The document and the recipient of a BridgeQueue key (empty if it is
// not one of `bridge`).
std::pair<absl::string_view, absl::string_view> ParseBridgeQueueKey(
    absl::string_view key, absl::string_view bridge);
// Splits a queue key's tail (after QueuePrefix) into its document id.
absl::string_view DocumentOfQueueKey(absl::string_view key,
                                     absl::string_view recipient);

struct PendingKey {
  uint8_t rank;
  int64_t time_micros;
  std::string document_id;
  std::string recipient;
};
// Parses a p/ key; false if malformed.
bool ParsePendingKey(absl::string_view key, PendingKey* out);

}  // namespace truc::hub::keys

#endif  // TRUC_HUB_STORE_KEY_LAYOUT_H_
