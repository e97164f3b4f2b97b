// The mapping between edXML (QCVN 102:2016) and truc's own messages, both
// ways, written once: every MessageHeader, TraceHeaderList, manifest and
// status element and the field of DocumentHeader / EdxmlStatusMessage it
// fills (docs/EDXML.md has the table). What truc's header has no field for
// is kept in its EdxmlExtras: the trace headers, the sender's Signature
// element verbatim, and any element the mapping does not know, verbatim,
// so that edXML read and written again keeps every element and value.
//
// Reading accepts dates as yyyy/MM/dd and dd/MM/yyyy and tolerates what
// real senders write (a TraceHeader without an OrganId, or with "null");
// writing always uses yyyy/MM/dd, yyyy/MM/dd HH:mm:ss (Vietnam's time) and
// explicit edXML: prefixes, and never writes such a TraceHeader.
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_EDXML_MAPPING_H_
#define TRUC_COMMON_EDXML_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/edxml/reader.h"
#include "common/edxml/xml_tree.h"
#include "truc/v1/edxml.pb.h"
#include "truc/v1/envelope.pb.h"

namespace truc::edxml {

// An edXML document read: its header (attachment descriptors included,
// each with the size and SHA-256 of its decoded bytes), and its
// attachments in the same order (their files, if written).
struct EdxmlDocument {
  truc::v1::DocumentHeader header;
  std::vector<EncodedAttachment> attachments;
  std::vector<std::string> warnings;
};

// True when the message's MessageHeader carries a StatusCode: a status
// message, not a document.
bool IsStatusMessage(const ParsedEdxml& parsed);

// Maps a document. INVALID_ARGUMENT naming the element for: no
// edXMLEnvelope/edXMLHeader/MessageHeader; a missing From/OrganId, To,
// Subject or OtherInfo/Priority; a Priority outside 0..4 (never taken as
// normal); a Priority 4 (hỏa tốc hẹn giờ) without its DueDate; a number,
// date or time that does not parse; a BussinessDocType outside 0..3; a
// manifest Reference with no attachment carrying its ContentId, or an
// attachment missing from the manifest, or a ContentId twice.
absl::StatusOr<EdxmlDocument> DocumentFromEdxml(ParsedEdxml parsed);

// Maps a status message. INVALID_ARGUMENT naming the element for a
// missing From/OrganId, ResponseFor or StatusCode, a status code other
// than 01..06, 13, 15, 16, or a Timestamp that does not parse.
absl::StatusOr<truc::v1::EdxmlStatusMessage> StatusFromEdxml(
    const ParsedEdxml& parsed);

// The edXMLEnvelope of a document, ready to serialize (no attachment
// contents: the writer streams those). INVALID_ARGUMENT naming the field
// for text that XML cannot carry (invalid UTF-8, control characters) or a
// kept fragment that is not XML.
absl::StatusOr<XmlElement> DocumentEnvelope(
    const truc::v1::DocumentHeader& header);
// The edXMLEnvelope of a status message.
absl::StatusOr<XmlElement> StatusEnvelope(
    const truc::v1::EdxmlStatusMessage& status);

// edXML's Priority (0..4) for an urgency, and back. The one place the two
// numberings meet: truc's enum reserves 0 for "not set".
int PriorityOf(truc::v1::Urgency urgency);
absl::StatusOr<truc::v1::Urgency> UrgencyOfPriority(int priority);

// The edXML DocumentId of a document: the header's own edxml_document_id,
// or "<sender>,<yyyy/MM/dd>,<number>/<notation>" from its fields. The hub
// records it at acceptance; the agent writes it into the inbox's
// document.edxml and finds the document by it when a status comes back.
std::string DocumentIdOf(const truc::v1::DocumentHeader& header);

// "yyyy/MM/dd HH:mm:ss" in Vietnam's time.
std::string FormatEdxmlTime(int64_t unix_micros);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_MAPPING_H_
