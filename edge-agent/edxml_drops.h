// edXML files that the agency's document software drops into the outbox,
// outbox/<name>.edxml (format: docs/EDXML.md; folders: edge-agent/README.md).
// A file is taken once it has not been modified for the settle time; names
// starting with '.' are ignored.
//
// A document is adopted into an outbox folder, which OutboxSender then sends
// like any other (idempotency key, retries, sent/, failed/). Adopting is
// crash-safe in these steps:
//   1. A leftover outbox/.<name>.adopting/ is removed if outbox/<name>.edxml
//      is still there (a crash during 2.), or finished with 4. if it is not
//      (a crash between 3. and 4.).
//   2. In outbox/.<name>.adopting/: the file is read in bounded memory, each
//      attachment decoded into a file named as the attachment, envelope.txtpb
//      written from the header (with every edXML field kept), the file hard-
//      linked as document.edxml, every file fdatasync'd and the folder
//      synced.
//   3. outbox/<name>.edxml is removed and the outbox synced.
//   4. The folder is renamed to outbox/<name without .edxml>/ (or, if
//      taken, <name>-2/, ...) and the outbox synced.
// A file that is not edXML, names another sender, or is a kind truc does
// not send (a revocation, an update, a replacement) is moved to
// failed/<name>/ with error.txt.
//
// A status message (02 to 06, from the agency's software, about a document
// this agent received) is reported to the hub with the agent's signed
// statement, as `truc-agent report` does. Its ResponseFor/DocumentId (the
// edXML DocumentId of the document) is looked up in state/edxml-ids/, then
// in the inbox; the hub's document id is taken too. Reported: the file
// moves to sent/status-<document>-<code>/ with the hub's answer; refused
// (an unknown document, 01, 13, 15, 16, the hub's refusal): to
// failed/<name>/ with error.txt; a transient failure: retried with back-off.
//
// Thread-safety: not thread-safe; the agent runs it on its sending thread.
#ifndef TRUC_EDGE_AGENT_EDXML_DROPS_H_
#define TRUC_EDGE_AGENT_EDXML_DROPS_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/event_log.h"
#include "common/backoff.h"
#include "edge-agent/config.h"
#include "edge-agent/keys.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent {

// Writes state/edxml-ids/<digest of edxml_id> holding `document_id`, not
// synced (soft state; FindByEdxmlId falls back to the inbox).
absl::Status WriteEdxmlIdNote(const AgentFolders& folders,
                              const std::string& edxml_id,
                              const std::string& document_id);

// The document this agent received whose edXML DocumentId is `edxml_id`
// (or whose document id it is): from state/edxml-ids/, else from the
// headers in the inbox. NOT_FOUND naming it otherwise.
absl::StatusOr<std::string> FindByEdxmlId(const AgentFolders& folders,
                                          const std::string& edxml_id);

class EdxmlDrops {
 public:
  enum class Outcome {
    kNotReady,  // still being written, or gone
    kAdopted,   // a document, now the folder outbox/<folder>/
    kReported,  // a status, sent; moved to sent/
    kRetry,     // transient: kept, retried after its back-off
    kFailed,    // refused: moved to failed/<name>/
  };

  struct Options {
    absl::Duration settle_time = kOutboxSettleTime;
    absl::Duration retry_initial = absl::Milliseconds(200);
    absl::Duration retry_max = absl::Seconds(30);
  };

  // `agency` is this agent's code. Pointers must outlive the object.
  EdxmlDrops(AgentFolders folders, std::string agency,
             truc::v1::Exchange::StubInterface* stub, const AgentKeys* keys,
             EventLog* log, Options options);

  // Handles outbox/<name> (a file ending in .edxml) now, whatever its
  // back-off. Never fails: each outcome but kNotReady is logged; on
  // kAdopted, `*folder` (if given) is the outbox folder made.
  Outcome Take(const std::string& name, std::string* folder = nullptr);

  // Finishes adoptions a crash interrupted (step 1), then takes every
  // settled outbox/*.edxml whose back-off has passed, sorted by name.
  void ScanOnce(absl::Time now);

 private:
  absl::StatusOr<bool> Settled(const std::string& path) const;
  Outcome Adopt(const std::string& name, std::string* folder);
  Outcome Report(const std::string& name, const std::string& path);
  // Step 4: renames outbox/.<name>.adopting/ into place.
  absl::StatusOr<std::string> FinishAdoption(const std::string& name);
  Outcome Fail(const std::string& name, const std::string& message);
  Outcome Retry(const std::string& name, const absl::Status& why);

  AgentFolders folders_;
  std::string agency_;
  truc::v1::Exchange::StubInterface* stub_;
  const AgentKeys* keys_;
  EventLog* log_;
  Options options_;
  std::map<std::string, RetrySchedule> retries_;
};

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_EDXML_DROPS_H_
