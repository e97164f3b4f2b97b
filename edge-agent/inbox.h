// Receiving: InboxWriter stores an offered document in the inbox exactly
// once across crashes; Receiver long-polls the hub, stores each delivery
// and acknowledges it.
//
// Storing one document (InboxWriter::Store):
//   0. Unless it was stored before (1.), the envelope is checked end to end
//      before anything is written: the sender's signature over the header
//      bytes, made with a certificate the province CA issued to the sender
//      named in the header (valid when the hub accepted the document); the
//      header parses; its attachment names are allowed. A document that
//      fails is refused, never stored: the caller reports status 02 with
//      the reason (Stored::refused).
//   1. If the marker state/received/<id> exists and state/incoming/<id>/
//      document is still there, a crash came between the marker and the
//      rename: the rename is done now (step 5). If the marker exists
//      otherwise, the document was stored before (a redelivery after a
//      crash, even if the clerk has moved the folder out of the inbox
//      since): nothing is written.
//   2. Each attachment is downloaded into state/incoming/<id>/<index>.part,
//      resuming from the part's size, one range (kDownloadRange) per call
//      so that no more than a range is ever buffered, hashed while it
//      streams (never whole in memory), checked against the descriptor's
//      size and SHA-256, and fdatasync'd.
//   3. state/incoming/<id>/document/ is built from scratch: envelope.txtpb
//      (readable), header.bin (the exact header bytes), delivery.txtpb,
//      each attachment as attachments/<name> (a hard link to its verified
//      part), and, when asked (AgentConfig.write_edxml), document.edxml:
//      the document as edXML, its attachments base64-encoded from those
//      files as they are read. A header that edXML cannot carry is logged
//      and the document stored without it. Attachments have a folder of their
//      own, so any name the hub accepts (truc::ValidateAttachmentName) can be
//      stored, "envelope.txtpb" included. The files are written in place and
//      fdatasync'd, then attachments/, document/ and the staging folder are
//      synced once each, bottom up.
//   4. The marker state/received/<id> is written durably: from here on the
//      document is received. (With edXML, state/edxml-ids/ first notes
//      which document its edXML DocumentId names, unsynced: soft state.) It
//      holds the agent's signed statement of the arrival (status 01: document
//      id, header digest, time), an armored receipt (common/armor.h) that the
//      acknowledgement carries and that `truc receipt verify` checks.
//   5. document/ is renamed to inbox/<id> (both folders synced) and
//      state/incoming/<id>/ (with the hard-linked parts) removed. Only then
//      may the caller acknowledge.
// A crash before step 4 leaves nothing in the inbox and no marker: the hub
// offers the document again and it is built again (downloads resume). A
// crash after step 4 leaves the marker: the next offer finishes the rename
// or, if it was done, is only acknowledged. Ten syncs per document without
// attachments (eleven with document.edxml), one more per attachment and one
// for attachments/. inbox/
// and state/ must be on one filesystem.
//
// Thread-safety: InboxWriter and Receiver are not thread-safe; the agent
// runs one of each on its receiving thread. The stub may be shared.
#ifndef TRUC_EDGE_AGENT_INBOX_H_
#define TRUC_EDGE_AGENT_INBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/event_log.h"
#include "common/backoff.h"
#include "edge-agent/config.h"
#include "edge-agent/keys.h"
#include "common/stop_signal.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent {

class InboxWriter {
 public:
  struct Stored {
    bool already_stored = false;  // a redelivery: nothing was written
    // The document failed the checks of step 0: nothing was written;
    // `statement` is the agent's signed refusal (02) of what it received,
    // with `refusal` as its description.
    bool refused = false;
    std::string refusal;
    int attachments = 0;
    uint64_t bytes = 0;       // attachment bytes of the document
    uint64_t downloaded = 0;  // bytes fetched from the hub by this call
    // The agent's signed statement: the arrival (01) to acknowledge with,
    // or the refusal (02) to report.
    truc::v1::Receipt statement;
  };

  // Bytes asked for per Download call. 8 MiB keeps the agent's memory
  // bounded on a fast link and costs one round trip per 8 MiB.
  static constexpr uint64_t kDownloadRange = 8 << 20;

  // `folders` must exist (CreateFolders). `stub`, `log` and `keys` must
  // outlive the writer. Downloads are cancelled by the StopSignal of the
  // calling thread's CallCancellationScope, if any (Receiver::Run opens
  // one). `download_range` (> 0) is the bytes asked for per Download call.
  // `write_edxml` adds document.edxml to each document (step 3).
  InboxWriter(AgentFolders folders, truc::v1::Exchange::StubInterface* stub,
              EventLog* log, const AgentKeys* keys,
              uint64_t download_range = kDownloadRange,
              bool write_edxml = false);

  // Stores `delivery` as described above. OK means the document is durably
  // in the inbox and may be acknowledged with Stored::statement, or was
  // refused (Stored::refused: nothing written, report the refusal). Fails,
  // leaving the inbox untouched:
  //   INVALID_ARGUMENT  a bad document id (nothing written);
  //   DATA_LOSS         downloaded bytes do not match the declared size or
  //                     SHA-256 (the part file is deleted);
  //   the hub's status  when a download fails (the part is kept, to resume);
  //   INTERNAL          the signature could not be checked (nothing written);
  //   a file error      from the filesystem;
  //   the signer's error.
  absl::StatusOr<Stored> Store(const truc::v1::Delivery& delivery);

 private:
  // Step 0: OK; UNAUTHENTICATED or INVALID_ARGUMENT, the reason to refuse
  // the document; another code if the check itself failed.
  absl::Status CheckEnvelope(const truc::v1::Delivery& delivery,
                             truc::v1::DocumentHeader* header) const;
  // The agent's signed statement of the arrival, from the marker: as
  // stored, or stated again with the current certificate (and written
  // durably) if the marker's was signed with another (the agent's before a
  // rotation). DATA_LOSS for a marker that holds no statement (altered);
  // the signer's or the file's error otherwise.
  absl::StatusOr<truc::v1::Receipt> ArrivalStatement(
      const std::string& marker) const;
  // Writes <doc>/document.edxml from the header and the attachment
  // `files` (step 3), in place and fdatasync'd. INVALID_ARGUMENT from the
  // mapping (a field edXML cannot carry) is logged and leaves no file; any
  // other failure is returned.
  absl::Status WriteEdxml(const std::string& id,
                          const truc::v1::DocumentHeader& header,
                          const std::vector<std::string>& files,
                          const std::string& doc);
  // Notes which document the header's edXML DocumentId names (step 4);
  // a failure is logged: the note is soft state.
  void NoteEdxmlId(const std::string& id,
                   const truc::v1::DocumentHeader& header);
  // RenameDurably of the staged document to the inbox; the error names
  // the document (and the one-filesystem rule when it is the cause).
  absl::Status MoveIntoInbox(const std::string& id, const std::string& doc,
                             const std::string& final_dir);
  // Removes state/incoming/<id> (`staging`) once the document is durably
  // in the inbox; a failure is logged (staging_cleanup_failed), not
  // returned.
  void RemoveStaging(const std::string& id, const std::string& staging);

  // Downloads attachment `index` into `part_path`, resuming; verifies.
  absl::Status FetchAttachment(const std::string& document_id, int index,
                               const truc::v1::AttachmentDescriptor& desc,
                               const std::string& part_path,
                               uint64_t* downloaded);

  AgentFolders folders_;
  truc::v1::Exchange::StubInterface* stub_;
  EventLog* log_;
  const AgentKeys* keys_;
  uint64_t download_range_;
  bool write_edxml_;
};

class Receiver {
 public:
  struct Options {
    uint32_t poll_wait_seconds = 30;
    uint32_t max_deliveries = 16;
    absl::Duration retry_initial = absl::Milliseconds(200);
    absl::Duration retry_max = absl::Seconds(30);
  };

  // All pointers must outlive the receiver.
  Receiver(Options options, truc::v1::Exchange::StubInterface* stub,
           InboxWriter* writer, EventLog* log, StopSignal* stop);

  // One long poll, then every delivery is handled (HandleDelivery; its
  // failures are logged, not returned). Fails with the Poll's status.
  absl::Status PollOnce();

  // Stores one delivery and acknowledges it, with the agent's signed
  // statement, once it is stored (or was already); or reports the refusal
  // (02) of a document that failed the writer's checks. Fails with the
  // store's status or the hub's; the hub then offers the document again
  // after its lease.
  absl::Status HandleDelivery(const truc::v1::Delivery& delivery);

  // PollOnce until `stop`, backing off after failed polls. Gives up the
  // in-flight call at once when stopped.
  void Run();

 private:
  Options options_;
  truc::v1::Exchange::StubInterface* stub_;
  InboxWriter* writer_;
  EventLog* log_;
  StopSignal* stop_;
};

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_INBOX_H_
