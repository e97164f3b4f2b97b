// Status reports (edXML 02..06) on documents this agent received, as the
// `truc-agent report` command sends them.
//
// Thread-safety: the functions are thread-safe.
#ifndef TRUC_EDGE_AGENT_STATUS_REPORT_H_
#define TRUC_EDGE_AGENT_STATUS_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "edge-agent/config.h"
#include "edge-agent/keys.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent {

// "2", "02" or a name (refused, accepted, assigned, processing, completed;
// any case) to the status. Fails INVALID_ARGUMENT naming the text and the
// codes allowed (01 is recorded by the hub on acknowledgement; 07 and
// anything else do not exist).
absl::StatusOr<truc::v1::EdxmlStatus> ParseStatusCode(absl::string_view text);

// "02 (refused)" etc.
std::string StatusCodeLabel(truc::v1::EdxmlStatus status);

// The SHA-256 of the header this agent received for `document_id`: from
// the arrival statement in its marker (state/received/<id>). NOT_FOUND
// naming the id if this agent never received it; DATA_LOSS if the marker
// holds no statement.
absl::StatusOr<std::string> ReceivedHeaderDigest(
    const AgentFolders& folders, const std::string& document_id);

// Signs the agent's statement of `request`'s status and description about
// the header it received, and sends both to the hub. Fails
// INVALID_ARGUMENT for a bad document id or status, NOT_FOUND as
// ReceivedHeaderDigest, else with the signer's or the hub's status
// (truc::FromGrpcStatus).
absl::StatusOr<truc::v1::ReportStatusResponse> ReportStatus(
    truc::v1::Exchange::StubInterface* stub, const AgentFolders& folders,
    const AgentKeys& keys, truc::v1::ReportStatusRequest request);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_STATUS_REPORT_H_
