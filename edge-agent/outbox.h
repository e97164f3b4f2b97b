// Sending: OutboxSender picks up folders dropped into the outbox and sends
// each as one document (format: edge-agent/README.md).
//
// A folder outbox/<name>/ is ready once it holds envelope.txtpb and nothing
// in it (the folder itself or a file directly in it) was modified in the
// last settle time (kOutboxSettleTime, 2 s): a folder still being written is
// left alone. Names starting with '.' are ignored. On the first attempt a
// random idempotency key is stored durably in the folder itself, as
// outbox/<name>/.truc-idempotency-key; every retry sends with it, so a retry
// after a lost answer gets the first document id back. The key moves with
// the folder: renaming the folder between attempts keeps it, and a new
// folder that reuses the name of a sent one gets a new key.
//   sent:      receipt.txtpb (the SendResponse) is written into the folder,
//              the folder is renamed to sent/<document_id>/;
//   transient: UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, ABORTED,
//              CANCELLED, PERMISSION_DENIED, UNAUTHENTICATED, and an
//              attachment that changed while it was being sent: the folder
//              stays, retried with exponential back-off and jitter.
//              PERMISSION_DENIED and UNAUTHENTICATED are how the hub answers
//              every call of a suspended agency (or a refused certificate):
//              they say nothing about the document, so the folder waits for
//              the agency to be reinstated;
//   refused:   any other code, a malformed envelope.txtpb, a listed
//              attachment that is missing, is not a regular file (a
//              symbolic link, a folder) or that the agent may not read (a
//              local PERMISSION_DENIED, unlike the hub's): error.txt (the
//              message) is written into the folder, the folder is renamed to
//              failed/<name>/ (failed/<name>.<n>/ if taken). RESOURCE_EXHAUSTED
//              is a refusal: the hub answers it only when the document breaks
//              one of its configured limits (header size, attachment size,
//              attachment count, recipients), which a retry cannot cure; its
//              own storage failures are UNAVAILABLE.
// Each send runs in a context of its own with a deadline (one hour plus 1 s
// per 64 KiB of attachments), registered with the StopSignal (CancelOnStop)
// so that Stop() cancels an upload in flight.
//
// Thread-safety: not thread-safe; the agent runs one sender on its sending
// thread. The stub may be shared.
#ifndef TRUC_EDGE_AGENT_OUTBOX_H_
#define TRUC_EDGE_AGENT_OUTBOX_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/event_log.h"
#include "common/exchange_client.h"
#include "common/backoff.h"
#include "edge-agent/config.h"
#include "edge-agent/edxml_drops.h"
#include "common/stop_signal.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent {

// True for the codes after which a send is retried with the same key:
// UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, ABORTED, CANCELLED
// (the hub or the network failed), and PERMISSION_DENIED and
// UNAUTHENTICATED (the hub refuses this agency, not the document: it is
// suspended, or its certificate is not accepted).
bool IsTransient(absl::StatusCode code);

// True if a failed SendDocument is retried: IsTransient(status.code()), or
// the FAILED_PRECONDITION that SendDocument itself returns when an
// attachment changed while it was being sent (the upload is abandoned
// before the hub can store it; the folder is still being written).
bool IsTransientSendFailure(const absl::Status& status);

// A parsed outbox folder, ready to send.
struct OutboxDocument {
  truc::v1::DocumentHeader header;  // from filled, attachments described
  std::vector<AttachmentFile> files;
};

// Reads outbox folder `dir`: envelope.txtpb, then each listed attachment
// from the folder (size and SHA-256 computed; if the envelope states them
// they must match). Sets from.organ_id to `agency`. Fails INVALID_ARGUMENT
// for a malformed envelope (naming the line and field), a bad or missing
// attachment, one that is a symbolic link or anything but a regular file
// (lstat), or a from.organ_id other than `agency`; NOT_FOUND if there is no
// envelope.txtpb.
absl::StatusOr<OutboxDocument> ReadOutboxFolder(const std::string& dir,
                                                const std::string& agency);

class OutboxSender {
 public:
  enum class Outcome {
    kNotReady,  // no envelope.txtpb yet, still being written, or gone
    kSent,      // moved to sent/<document_id>/
    kRetry,     // transient failure: kept, retry later
    kFailed,    // refused: moved to failed/<name>/
  };

  struct Options {
    absl::Duration retry_initial = absl::Milliseconds(200);
    absl::Duration retry_max = absl::Seconds(30);
    // A folder is sent once neither it nor a file directly in it has been
    // modified for this long (newest mtime, lstat; the agent's key file left
    // out). Modification times more than 5 minutes in the future (a clock
    // elsewhere that is ahead, a copy that kept them) do not hold a folder
    // back. The agent writing the key also modifies the folder, so a retry
    // comes at least this long after the first attempt. Zero: no wait
    // (tests).
    absl::Duration settle_time = kOutboxSettleTime;
  };

  // `agency` is this agent's code (from its certificate); `signer` signs
  // its documents. `folders` must exist (CreateFolders). Pointers must
  // outlive the sender; `stop` may be null (then Run never returns).
  OutboxSender(AgentFolders folders, std::string agency,
               truc::v1::Exchange::StubInterface* stub, EventLog* log,
               Options options, const Signer* signer,
               StopSignal* stop = nullptr);

  // Tries outbox/<name> now, whatever its back-off (but not before it has
  // settled: kNotReady, its back-off kept). Never fails: every outcome but
  // kNotReady is logged, and a problem with the local filesystem (writing
  // the key, moving the folder) is kRetry. On kRetry the folder's next attempt
  // is scheduled after its back-off. The upload is cancelled by Stop() of
  // the calling thread's CallCancellationScope, if any (Run opens one for
  // `stop`).
  Outcome SendFolder(const std::string& name);

  // Before each pass, `drops` takes the edXML files dropped into the outbox
  // (edxml_drops.h); null: they are left alone. Must outlive the sender.
  void AlsoTake(EdxmlDrops* drops) { edxml_ = drops; }

  // One pass over the outbox at `now`: the edXML files (if AlsoTake), then
  // each folder (sorted by name) whose back-off has passed. Stops early
  // when stopped.
  void ScanOnce(absl::Time now);

  // ScanOnce every `interval` until stopped; an in-flight send is
  // cancelled on stop (the folder stays; the key makes the retry safe).
  void Run(absl::Duration interval);

 private:
  // The key in outbox/<name>/.truc-idempotency-key, created (durably,
  // mode 0600) if missing.
  absl::StatusOr<std::string> LoadOrCreateKey(const std::string& name);
  // False while outbox/<name> is still being written (see settle_time).
  absl::StatusOr<bool> Settled(const std::string& name);
  Outcome MoveToFailed(const std::string& name, const std::string& message);
  Outcome MoveToSent(const std::string& name,
                     const truc::v1::SendResponse& response);

  AgentFolders folders_;
  std::string agency_;
  truc::v1::Exchange::StubInterface* stub_;
  const Signer* signer_;
  EventLog* log_;
  Options options_;
  StopSignal* stop_;
  EdxmlDrops* edxml_ = nullptr;
  std::map<std::string, RetrySchedule> retries_;
};

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_OUTBOX_H_
