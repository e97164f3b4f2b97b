// The edge agent: one receiving thread (long poll, store, acknowledge) and
// one sending thread (outbox scan), until Stop().
//
// Thread-safety: Run() once, from one thread; Stop() from any thread, any
// number of times.
#ifndef TRUC_EDGE_AGENT_AGENT_H_
#define TRUC_EDGE_AGENT_AGENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/event_log.h"
#include "edge-agent/config.h"
#include "edge-agent/keys.h"
#include "common/stop_signal.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent {

// Reads the agency code from the agent's own certificate (settings.tls.cert).
// Fails NOT_FOUND naming the file, INVALID_ARGUMENT / UNAUTHENTICATED if it
// is not an agency certificate of truc.
absl::StatusOr<std::string> AgencyFromCertificate(
    const AgentSettings& settings);

// Connects to the hub with the agent's mutual-TLS identity.
absl::StatusOr<std::shared_ptr<truc::v1::Exchange::StubInterface>> ConnectToHub(
    const AgentSettings& settings);

class Agent {
 public:
  // Reads the agency from the certificate, loads its keys (LoadAgentKeys),
  // creates the folders, locks state/agent.lock (flock, held until the
  // agent is destroyed) and creates the channel (no connection is made
  // yet). Fails naming the file or folder; FAILED_PRECONDITION "another
  // truc-agent is running on <state folder>" when another agent (another
  // process, or another Agent in this one) holds the lock.
  static absl::StatusOr<std::unique_ptr<Agent>> Create(AgentSettings settings);

  // For tests: a given agency, keys and stub; `log` may be null (stderr).
  // Creates the folders and takes the lock, as Create does.
  static absl::StatusOr<std::unique_ptr<Agent>> CreateForTest(
      AgentSettings settings, std::string agency,
      std::unique_ptr<AgentKeys> keys,
      std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
      std::unique_ptr<EventLog> log = nullptr);

  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  // Releases the lock.
  ~Agent();

  // Receives and sends until Stop(); returns once both threads ended
  // (within about a second of Stop: in-flight calls are cancelled).
  void Run();
  void Stop() { stop_.Stop(); }

  const std::string& agency() const { return agency_; }
  EventLog* log() { return log_.get(); }

 private:
  Agent(AgentSettings settings, std::string agency,
        std::unique_ptr<AgentKeys> keys,
        std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
        std::unique_ptr<EventLog> log, int lock_fd);

  AgentSettings settings_;
  std::string agency_;
  std::unique_ptr<AgentKeys> keys_;
  std::shared_ptr<truc::v1::Exchange::StubInterface> stub_;
  std::unique_ptr<EventLog> log_;
  StopSignal stop_;
  int lock_fd_;  // state/agent.lock, flock'ed for the agent's life
};

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_AGENT_H_
