#include "hub/store/key_layout.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace truc::hub::keys {

std::string EncodeFixed64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string AuditEvent(uint64_t index) {
  return absl::StrCat(kAuditEventPrefix, EncodeFixed64(index));
}

std::string AuditNode(int level, uint64_t index) {
  return absl::StrCat(kAuditNodePrefix,
                      std::string(1, static_cast<char>(level)),
                      EncodeFixed64(index));
}

std::string AuditNodeLevelPrefix(int level) {
  return absl::StrCat(kAuditNodePrefix,
                      std::string(1, static_cast<char>(level)));
}

std::string AuditDocument(absl::string_view document_id, uint64_t index) {
  return absl::StrCat(AuditDocumentPrefix(document_id), EncodeFixed64(index));
}

std::string AuditDocumentPrefix(absl::string_view document_id) {
  return absl::StrCat(kAuditDocumentPrefix, document_id, "/");
}

std::string AuditCheckpoint(uint64_t size) {
  return absl::StrCat(kAuditCheckpointPrefix, EncodeFixed64(size));
}

std::string CertificateRecord(absl::string_view serial_hex) {
  return absl::StrCat(kCertificatePrefix, serial_hex);
}

std::string EdxmlId(absl::string_view edxml_document_id) {
  return absl::StrCat(kEdxmlIdPrefix, edxml_document_id);
}

std::string StatusNotice(absl::string_view sender,
                         absl::string_view document_id,
                         absl::string_view recipient, uint8_t status) {
  return absl::StrCat(kStatusNoticePrefix, sender, "/", document_id, "/",
                      recipient, "/", absl::StrFormat("%02d", status));
}

std::string StatusNoticePrefix(absl::string_view sender) {
  return absl::StrCat(kStatusNoticePrefix, sender, "/");
}

std::string AxisSystem(absl::string_view id) {
  return absl::StrCat(kAxisSystemPrefix, id);
}

std::string UpstreamDirectory(absl::string_view bridge) {
  return absl::StrCat(kUpstreamDirectoryPrefix, bridge);
}

std::string DirectoryChange(uint64_t version, absl::string_view code) {
  return absl::StrCat(kDirectoryChangePrefix, EncodeFixed64(version), code);
}

uint64_t DecodeFixed64(absl::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < b.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(b[i]);
  }
  return v;
}

std::string Agency(absl::string_view code) {
  return absl::StrCat(kAgencyPrefix, code);
}
std::string LastPoll(absl::string_view code) {
  return absl::StrCat(kLastPollPrefix, code);
}
std::string Document(absl::string_view id) {
  return absl::StrCat(kDocumentPrefix, id);
}

std::string Idempotency(absl::string_view sender, absl::string_view key) {
  return absl::StrCat(kIdempotencyPrefix, sender, absl::string_view("\0", 1),
                      key);
}

std::string Delivery(absl::string_view id, absl::string_view recipient) {
  return absl::StrCat(kDeliveryPrefix, id, "/", recipient);
}
std::string DeliveryPrefix(absl::string_view id) {
  return absl::StrCat(kDeliveryPrefix, id, "/");
}

std::string QueuePrefix(absl::string_view recipient) {
  return absl::StrCat(kQueuePrefix, recipient, "/");
}

std::string Queue(absl::string_view recipient, uint8_t rank, int64_t t,
                  absl::string_view id) {
  return absl::StrCat(QueuePrefix(recipient),
                      std::string(1, static_cast<char>(rank)),
                      EncodeFixed64(static_cast<uint64_t>(t)), id);
}

std::string BridgeQueuePrefix(absl::string_view bridge) {
  return absl::StrCat(kQueuePrefix, "@", bridge, "/");
}

std::string BridgeQueue(absl::string_view bridge, uint8_t rank, int64_t t,
                        absl::string_view id, absl::string_view recipient) {
  return absl::StrCat(
      BridgeQueuePrefix(bridge), std::string(1, static_cast<char>(rank)),
      EncodeFixed64(static_cast<uint64_t>(t)), id, "/", recipient);
}

std::pair<absl::string_view, absl::string_view> ParseBridgeQueueKey(
    absl::string_view key, absl::string_view bridge) {
  const size_t skip = 2 + 1 + bridge.size() + 1 + 1 + 8;
  if (key.size() <= skip) return {};
  absl::string_view rest = key.substr(skip);
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return {};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

absl::string_view DocumentOfQueueKey(absl::string_view key,
                                     absl::string_view recipient) {
  size_t skip = 2 + recipient.size() + 1 + 1 + 8;
  return key.size() > skip ? key.substr(skip) : absl::string_view();
}

std::string PendingRankPrefix(uint8_t rank) {
  return absl::StrCat(kPendingPrefix, std::string(1, static_cast<char>(rank)));
}

std::string Pending(uint8_t rank, int64_t t, absl::string_view id,
                    absl::string_view recipient) {
  return absl::StrCat(PendingRankPrefix(rank),
                      EncodeFixed64(static_cast<uint64_t>(t)), id, "/",
                      recipient);
}

bool ParsePendingKey(absl::string_view key, PendingKey* out) {
  if (key.size() < 2 + 1 + 8 + 3 || key.substr(0, 2) != kPendingPrefix)
    return false;
  out->rank = static_cast<uint8_t>(key[2]);
  out->time_micros = static_cast<int64_t>(DecodeFixed64(key.substr(3, 8)));
  absl::string_view rest = key.substr(11);
  size_t slash = rest.rfind('/');
  if (slash == absl::string_view::npos) return false;
  out->document_id = std::string(rest.substr(0, slash));
  out->recipient = std::string(rest.substr(slash + 1));
  return true;
}

std::string Refusal(absl::string_view id, absl::string_view recipient) {
  return absl::StrCat(RefusalPrefix(id), recipient);
}
std::string RefusalPrefix(absl::string_view id) {
  return absl::StrCat(kRefusalPrefix, id, "/");
}

std::string SentPrefix(absl::string_view sender) {
  return absl::StrCat(kSentPrefix, sender, "/");
}

std::string Sent(absl::string_view sender, int64_t t, absl::string_view id) {
  return absl::StrCat(SentPrefix(sender),
                      EncodeFixed64(static_cast<uint64_t>(t)), id);
}

std::string Recent(int64_t t, absl::string_view id) {
  return absl::StrCat(kRecentPrefix, EncodeFixed64(static_cast<uint64_t>(t)),
                      id);
}

std::string Account(absl::string_view name) {
  return absl::StrCat(kAccountPrefix, name);
}

std::string Alert(absl::string_view id) {
  return absl::StrCat(kAlertPrefix, id);
}

std::string Notification(uint64_t seq) {
  return absl::StrCat(kNotificationPrefix, EncodeFixed64(seq));
}

std::string Digest(absl::string_view day) {
  return absl::StrCat(kDigestPrefix, day);
}

}  // namespace truc::hub::keys
