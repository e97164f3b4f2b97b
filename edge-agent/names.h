// Checks on the names the agent turns into file and folder names. A hub, a
// sender or a clerk could put "../x" or "a/b" into a header; nothing the
// agent writes may land outside the folder it means to write in. Attachment
// names follow the rule shared with the hub and the command line
// (common/attachment_name.h); the checks here are the agent's additions.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_EDGE_AGENT_NAMES_H_
#define TRUC_EDGE_AGENT_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "truc/v1/envelope.pb.h"

namespace truc::agent {

// The agent's own files in an inbox document folder, inbox/<id>/. The
// attachments are in the subfolder kAttachmentsDir, so they never clash.
inline constexpr absl::string_view kEnvelopeFile = "envelope.txtpb";
inline constexpr absl::string_view kHeaderFile = "header.bin";
inline constexpr absl::string_view kDeliveryFile = "delivery.txtpb";
inline constexpr absl::string_view kAttachmentsDir = "attachments";
// The document as edXML (QCVN 102:2016), for software that reads edXML
// (AgentConfig.write_edxml); in an outbox folder, the edXML file it came
// from.
inline constexpr absl::string_view kEdxmlFile = "document.edxml";
// The files the agent writes into sent/ and failed/ outbox folders.
inline constexpr absl::string_view kReceiptFile = "receipt.txtpb";
// The hub's signed acceptance receipt, armored (common/armor.h).
inline constexpr absl::string_view kAcceptanceReceiptFile =
    "acceptance.receipt";
inline constexpr absl::string_view kErrorFile = "error.txt";
// The idempotency key of an outbox folder, written into the folder on its
// first attempt; it moves with the folder to sent/ or failed/.
inline constexpr absl::string_view kIdempotencyKeyFile =
    ".truc-idempotency-key";

// The agent's own files in an outbox folder: the envelope, the idempotency
// key, and what it writes there before moving the folder to sent/ or
// failed/ (and document.edxml, the edXML file a folder was made from).
// (The inbox keeps attachments in a folder of their own, so no other name
// is reserved.)
bool IsReservedOutboxName(absl::string_view name);

// Every attachment name of `header` is allowed (truc::ValidateAttachmentName,
// the hub's own rule, common/attachment_name.h) and unique within the
// document. Fails INVALID_ARGUMENT naming the attachment index and the name.
absl::Status ValidateInboxAttachmentNames(
    const truc::v1::DocumentHeader& header);

// A document id from the hub, used as a folder and file name: 1 to 128
// bytes, no '/', '\\' or control character, not starting with '.'. Fails
// INVALID_ARGUMENT naming the id.
absl::Status ValidateDocumentId(absl::string_view id);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_NAMES_H_
