// Reads an edXML message (QCVN 102:2016) in bounded memory: libxml2's SAX2
// push parser walks the file in 256 KiB pieces; the header and the manifest
// are kept as a small tree, and each attachment's base64 content is decoded
// as it streams past, hashed with SHA-256 and written to a file (or only
// counted and hashed), never held whole.
//
// What it refuses, each with one error naming the element and its line:
// malformed XML; a root that is not edXML in the edXML namespace; any
// DTD (so no entity is ever declared, expanded or fetched: no "billion
// laughs", no external entity); nesting deeper than the limit; an
// element's text, or the message outside its attachments, over the limits;
// an attachment's content that is not base64, or over its size limit.
// Whether the fields are right is the mapping's business (mapping.h).
//
// What it tolerates (real senders do it), each noted in `warnings`: bytes
// before the XML declaration (one national-axis sample begins "1212<?xml"),
// and a UTF-8 byte-order mark.
//
// Thread-safety: the functions are thread-safe; each call has its own
// parser.
#ifndef TRUC_COMMON_EDXML_READER_H_
#define TRUC_COMMON_EDXML_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/edxml/xml_tree.h"

namespace truc::edxml {

struct ReadLimits {
  int max_depth = 64;                  // elements nested
  size_t max_text_bytes = 1 << 20;     // one element's text (attachments apart)
  size_t max_message_bytes = 8 << 20;  // all but attachments' contents
  uint64_t max_attachment_bytes = uint64_t{2} << 30;  // each, decoded
  size_t max_attachments = 100;
};

struct ReadOptions {
  ReadLimits limits;
  // Where each attachment's decoded bytes go, as <attachment_dir>/<n>
  // (n from 0, in the order of AttachmentEncoded), written durably. Empty:
  // they are only counted and hashed (`truc edxml check`, the fuzzer).
  std::string attachment_dir;
};

// One AttachmentEncoded/Attachment: its fields, and what its content
// decoded to.
struct EncodedAttachment {
  std::string content_id;    // ContentId, e.g. "cid:209"
  std::string name;          // AttachmentName
  std::string description;   // Description
  std::string content_type;  // ContentType
  uint64_t size = 0;         // decoded bytes
  std::string sha256;        // of the decoded bytes (32 bytes)
  std::string path;          // where they were written; empty if not
  int line = 0;              // of its ContentTransferEncoded
};

struct ParsedEdxml {
  // The root element (edXML) with everything in it but the attachments'
  // contents (each ContentTransferEncoded is kept empty).
  XmlElement root;
  std::vector<EncodedAttachment> attachments;  // in document order
  std::vector<std::string> warnings;           // quirks tolerated
};

// Reads the edXML file at `path`. Errors: NOT_FOUND or the errno of a
// file that cannot be read; INVALID_ARGUMENT naming the element and line
// for what the header comment lists; RESOURCE_EXHAUSTED over a limit; the
// error of writing an attachment. On failure no attachment file is left.
absl::StatusOr<ParsedEdxml> ReadEdxmlFile(const std::string& path,
                                          const ReadOptions& options);
// The same over bytes in memory (tests, the fuzzer).
absl::StatusOr<ParsedEdxml> ReadEdxml(absl::string_view bytes,
                                      const ReadOptions& options);

// The message's bytes, piece by piece, in order; an empty piece ends it.
// The reader stops asking at its first error.
using Source = std::function<absl::StatusOr<absl::string_view>()>;
// The same over any source: a stream from the network, a generator.
absl::StatusOr<ParsedEdxml> ReadEdxmlFrom(const Source& next,
                                          const ReadOptions& options);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_READER_H_
