// What the agent checks with and signs with: the province CA (every
// envelope it receives must be signed by a certificate the CA issued to its
// sender) and the agency's signing key (its documents, and its statements of
// arrival and status).
//
// Thread-safety: immutable once loaded; Signer is thread-safe.
#ifndef TRUC_EDGE_AGENT_KEYS_H_
#define TRUC_EDGE_AGENT_KEYS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "common/signature.h"
#include "edge-agent/config.h"

namespace truc::agent {

struct AgentKeys {
  TrustAnchor anchor;
  std::unique_ptr<Signer> signer;
};

// Loads settings.tls.ca_cert and the signing key and certificate
// (settings.signing). Fails naming the file, or INVALID_ARGUMENT if the
// signing certificate is not of `agency`.
absl::StatusOr<std::unique_ptr<AgentKeys>> LoadAgentKeys(
    const AgentSettings& settings, const std::string& agency);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_KEYS_H_
