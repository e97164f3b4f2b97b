// An edXML document made ready for truc to send: what `truc edxml import`
// and the agent's outbox share. The file is read in bounded memory, its
// attachments decoded into files, the header mapped, and what a send from
// this agency needs is checked before anything reaches the hub.
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_EDXML_IMPORT_H_
#define TRUC_COMMON_EDXML_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "truc/v1/envelope.pb.h"

namespace truc::edxml {

struct DocumentToSend {
  // From the edXML, its attachments described (name, type, size, SHA-256,
  // ContentId) from the bytes actually decoded.
  truc::v1::DocumentHeader header;
  // Each attachment's decoded bytes, in the order of header.attachments.
  std::vector<std::string> paths;
  // Quirks tolerated while reading (reader.h, mapping.h).
  std::vector<std::string> warnings;
};

// Reads the edXML document at `path` for `agency` to send (empty: any
// sender, which the caller checks), decoding its attachments into `dir`
// (which must exist; files <dir>/<n>). Fails:
//   the reader's and the mapping's errors (each names the element);
//   INVALID_ARGUMENT for a status message (not a document), for two
//     attachments with one name or a name truc does not allow;
//   FAILED_PRECONDITION when From/OrganId is not `agency`, and for a
//     revocation, an update or a replacement (BussinessDocType 1 to 3),
//     which truc does not send from edXML yet.
absl::StatusOr<DocumentToSend> ReadDocumentToSend(const std::string& path,
                                                  const std::string& agency,
                                                  const std::string& dir);

// The idempotency key for sending `header` read from edXML: the same
// document (every field and every attachment's SHA-256) gives the same
// key, so importing the same file twice stores it once; any change makes
// another. 38 characters.
std::string IdempotencyKeyOf(const truc::v1::DocumentHeader& header);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_IMPORT_H_
