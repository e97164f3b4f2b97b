// The agent's configuration: AgentConfig (proto/truc/v1/config.proto) read
// from a text-format file, checked, with defaults applied and paths made
// absolute or relative to the current directory.
//
// Thread-safety: AgentSettings is a plain value; the functions are
// thread-safe.
#ifndef TRUC_EDGE_AGENT_CONFIG_H_
#define TRUC_EDGE_AGENT_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "truc/v1/config.pb.h"

namespace truc::agent {

// The agent's folders. Everything below state/ is the agent's own.
struct AgentFolders {
  std::string inbox;   // received documents, inbox/<document_id>/
  std::string outbox;  // documents to send, outbox/<name>/
  std::string sent;    // sent documents, sent/<document_id>/
  std::string failed;  // refused outbox folders, failed/<name>/
  std::string state;

  // state/received/<document_id>: durable "stored" markers.
  std::string received() const;
  // state/incoming/<document_id>/: downloads in progress.
  std::string incoming() const;
  // state/agent.lock: held (flock) by the running agent, so that only one
  // agent works on these folders.
  std::string lock_file() const;
  // state/edxml-ids/: for each document stored, a file named by its edXML
  // DocumentId's digest holding its document id, so that an edXML status
  // from the agency's software finds the document (soft state: rebuilt
  // from the inbox when missing).
  std::string edxml_ids() const;
};

// How long an outbox folder must stay unmodified before it is sent: a
// folder still being written is left alone.
inline constexpr absl::Duration kOutboxSettleTime = absl::Seconds(2);

struct AgentSettings {
  std::string config_path;
  std::string hub_address;
  truc::v1::TlsFiles tls;  // paths resolved
  // The key the agent signs with (default: tls.cert and tls.key).
  truc::v1::SigningFiles signing;
  AgentFolders folders;
  uint32_t poll_wait_seconds = 30;
  absl::Duration outbox_scan = absl::Milliseconds(1000);
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Milliseconds(30000);
  // OutboxSender::Options::settle_time. Not in the configuration file;
  // tests set 0.
  absl::Duration outbox_settle = kOutboxSettleTime;
  // AgentConfig.write_edxml: inbox/<id>/document.edxml beside the files.
  bool write_edxml = true;
};

// Checks `config` and applies the defaults. Relative paths are resolved
// against `config_dir` (the directory of the configuration file); the
// folders default to inbox, outbox, sent, failed and state under base_dir.
// Fails INVALID_ARGUMENT naming the field: "hub_address is required",
// "poll_wait_seconds must be 1..600, not 900", ...; naming both fields when
// two of inbox_dir, outbox_dir, sent_dir, failed_dir and state_dir are the
// same folder or one is inside the other.
absl::StatusOr<AgentSettings> SettingsFromConfig(
    const truc::v1::AgentConfig& config, const std::string& config_dir);

// Reads and checks the configuration file `path`. Every error message
// starts with `path`; parse errors name the line and the field (see
// truc::ParseTextProto). NOT_FOUND if the file does not exist.
absl::StatusOr<AgentSettings> LoadAgentConfig(const std::string& path);

// Creates the folders (and state/received, state/incoming) when missing.
// Fails naming the folder.
absl::Status CreateFolders(const AgentFolders& folders);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_CONFIG_H_
