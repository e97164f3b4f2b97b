// One end of the bridge: a tier it links (this province's hub, or the
// upstream). The bridge takes documents and statuses at one end and brings
// them in at the other (bridge/crossing.h); each kind of upstream is one
// implementation of this interface (bridge/hub_end.h: a truc hub's Bridge
// service), so that a tier's differences stay in one file.
//
// Every operation is idempotent at the end, which is what makes the bridge
// crash-safe without state of its own: a document brought in twice under
// the same key is one document, a document marked crossed twice stays
// crossed, a status recorded twice is recorded once, a status cleared twice
// stays cleared.
//
// Thread-safety: implementations are thread-safe.
#ifndef TRUC_BRIDGE_END_H_
#define TRUC_BRIDGE_END_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "truc/v1/bridge.pb.h"
#include "truc/v1/envelope.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::bridge {

// Whether an end's answer refuses for good (the document or status will
// never be accepted as it is), rather than one that may pass on a retry.
bool IsFinalRefusal(const absl::Status& status);

// A document waiting at an end for agencies beyond it.
struct Outgoing {
  std::string document_id;          // its id at this end
  truc::v1::Envelope envelope;      // the header and its sender's signature
  truc::v1::DocumentHeader header;  // envelope.header, parsed
  // The recipients to take it to (those the bridge reaches, still waiting).
  std::vector<std::string> recipients;
  uint32_t attempt = 1;  // 1 on the first offer
  // The axes it crossed so far, this end's own last (edXML
  // TraceHeaderList); empty where the header's edXML already holds them.
  std::vector<truc::v1::TraceHeader> trace;
  // Its original edXML file, when it came as one through a hub's API door
  // (SHA-256, 32 bytes; empty if none): Read's index after the last
  // attachment.
  std::string original_edxml_sha256;
  uint64_t original_edxml_size = 0;

  // The files to carry: the attachments, then the original if any.
  int files() const {
    return header.attachments_size() + (original_edxml_sha256.empty() ? 0 : 1);
  }
  // Bytes of file `index` (one of files()).
  uint64_t size_of(int index) const {
    return index < header.attachments_size() ? header.attachments(index).size()
                                             : original_edxml_size;
  }
};

// Takes the bytes of one attachment, in order, a chunk at a time.
using ChunkSink = std::function<absl::Status(absl::string_view chunk)>;
// Writes attachment `index` of a document into `sink`.
using AttachmentSource =
    std::function<absl::Status(int index, const ChunkSink& sink)>;

class End {
 public:
  virtual ~End() = default;

  // For logs and errors: "hub 127.0.0.1:7443 (bridge quoc-gia)".
  virtual const std::string& name() const = 0;

  // The documents waiting here for the agencies beyond, most urgent first,
  // at most `max`; waits up to `wait` when there are none. Each is offered
  // again later until it is Crossed. Fails with the end's error.
  virtual absl::StatusOr<std::vector<Outgoing>> Take(absl::Duration wait,
                                                     size_t max) = 0;
  // Streams attachment `index` of `doc` into `sink`. Fails with the end's
  // error or the sink's.
  virtual absl::Status Read(const Outgoing& doc, int index,
                            const ChunkSink& sink) = 0;
  // `doc` is stored at the next hop for doc.recipients: they are no longer
  // offered here (and stay "not received" until their arrival comes back).
  virtual absl::Status Crossed(const Outgoing& doc) = 0;

  // Brings in `doc`, taken at the other end, for doc.recipients, keyed by
  // its id there, with its attachments from `source`; returns its id here.
  // Bringing the same document in again returns the same id. Fails with
  // the end's error: a refusal (INVALID_ARGUMENT, NOT_FOUND,
  // PERMISSION_DENIED, FAILED_PRECONDITION...) says why the document
  // cannot cross; UNAVAILABLE, DEADLINE_EXCEEDED and the like that it may
  // cross later.
  virtual absl::StatusOr<std::string> BringIn(
      const Outgoing& doc, const AttachmentSource& source) = 0;

  // The statuses waiting here to be carried back toward the senders of
  // documents the bridge brought in here, oldest first, at most `max`.
  // An end that WaitsForStatuses waits up to `wait` for one when there is
  // none; another answers at once.
  virtual absl::StatusOr<std::vector<truc::v1::BridgeStatus>> StatusesToCarry(
      size_t max, absl::Duration wait) = 0;
  // Whether StatusesToCarry waits for a status (a long poll), so that the
  // bridge need not look again and again.
  virtual bool WaitsForStatuses() const { return false; }
  // `status` (from StatusesToCarry) was carried: it is not listed again.
  virtual absl::Status StatusCarried(const truc::v1::BridgeStatus& status) = 0;
  // Records here a status that came from the other end, about the
  // document whose id here is status.origin_document_id, for
  // status.recipient (an agency the bridge reaches from here). Fails with
  // the end's error; a refusal is final.
  virtual absl::Status RecordStatus(const truc::v1::BridgeStatus& status) = 0;
  // Records here where the document (status.origin_document_id here)
  // waits for status.recipient beyond, as a notice of the other end said
  // (status 0, status.location). Fails with the end's error.
  virtual absl::Status RecordLocation(const truc::v1::BridgeStatus& status) = 0;
  // Records here each of `statuses` as RecordStatus (or RecordLocation for
  // status 0) would, and answers each, in order: one answer per status.
  // After an answer that may pass (not IsFinalRefusal) the rest may be
  // answered with it, untried. By default one call per status; an end
  // that records many in one call overrides it.
  virtual std::vector<absl::Status> RecordStatuses(
      const std::vector<truc::v1::BridgeStatus>& statuses);
  // Each of `statuses` was carried, as StatusCarried. Fails with the
  // first error (those before it are cleared). By default one call each.
  virtual absl::Status StatusesCarried(
      const std::vector<truc::v1::BridgeStatus>& statuses);

  // This end's directory: the agencies whose latest change came after
  // `version`, oldest change first, at most `max`, each with the bridge
  // that reaches it from here ("" for a local one). Fails with the end's
  // error.
  virtual absl::StatusOr<truc::v1::BridgeDirectoryResponse> DirectoryAfter(
      uint64_t version, size_t max) = 0;
  // Mirrors here the agencies the bridge reaches beyond this end, as the
  // other end lists them, recording `upstream_version` (0: unchanged) as
  // how far the mirror reaches; with none and 0, only answers that.
  // Fails with the end's error (nothing changed).
  virtual absl::StatusOr<truc::v1::SyncDirectoryResponse> MirrorDirectory(
      const std::vector<truc::v1::Agency>& agencies,
      uint64_t upstream_version) = 0;
};

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_END_H_
