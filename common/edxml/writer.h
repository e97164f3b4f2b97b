// Writes edXML (QCVN 102:2016) files in bounded memory: the envelope from
// the mapping (mapping.h), then each attachment's bytes read from its file
// and base64-encoded piece by piece (no line breaks), so that neither an
// attachment nor the file is ever whole in memory. The layout is the one
// the national axis's own samples have: a root edXML in the default edXML
// namespace, every element of the envelope with the explicit edXML:
// prefix, and the AttachmentEncoded block after the envelope.
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_EDXML_WRITER_H_
#define TRUC_COMMON_EDXML_WRITER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "truc/v1/edxml.pb.h"
#include "truc/v1/envelope.pb.h"

namespace truc::edxml {

// Where written bytes go; an error stops the writing.
using Sink = std::function<absl::Status(absl::string_view)>;

// Writes the document to `sink`: `attachment_paths[i]` holds the bytes of
// `header.attachments(i)`. Each file's size and SHA-256 are checked against
// the descriptor as it streams: FAILED_PRECONDITION naming the attachment
// on a mismatch. INVALID_ARGUMENT (from the mapping) for a field XML
// cannot carry; a path count that differs from the descriptors'.
absl::Status WriteDocument(const truc::v1::DocumentHeader& header,
                           const std::vector<std::string>& attachment_paths,
                           const Sink& sink);
absl::Status WriteStatus(const truc::v1::EdxmlStatusMessage& status,
                         const Sink& sink);

// The same, durably into the file `out_path` (written beside it, synced,
// then renamed: a failure leaves no file).
absl::Status WriteDocumentFile(const truc::v1::DocumentHeader& header,
                               const std::vector<std::string>& attachment_paths,
                               const std::string& out_path);
absl::Status WriteStatusFile(const truc::v1::EdxmlStatusMessage& status,
                             const std::string& out_path);

// The same into memory (tests; statuses and small documents).
absl::StatusOr<std::string> DocumentText(
    const truc::v1::DocumentHeader& header,
    const std::vector<std::string>& attachment_paths);
absl::StatusOr<std::string> StatusText(
    const truc::v1::EdxmlStatusMessage& status);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_WRITER_H_
