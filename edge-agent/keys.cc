#include "edge-agent/keys.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace truc::agent {

absl::StatusOr<std::unique_ptr<AgentKeys>> LoadAgentKeys(
    const AgentSettings& settings, const std::string& agency) {
  TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor,
                        TrustAnchor::FromFile(settings.tls.ca_cert()));
  TRUC_ASSIGN_OR_RETURN(
      std::unique_ptr<Signer> signer,
      Signer::FromFiles(settings.signing.key(), settings.signing.cert()));
  const Identity& id = signer->identity();
  if (id.role != Role::kAgency || id.name != agency) {
    return absl::InvalidArgumentError(
        absl::StrCat("the signing certificate ", settings.signing.cert(),
                     " is of ", id.ToString(), ", not of agency ", agency,
                     " (the agent's TLS certificate)"));
  }
  return std::unique_ptr<AgentKeys>(
      new AgentKeys{std::move(anchor), std::move(signer)});
}

}  // namespace truc::agent
