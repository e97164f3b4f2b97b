// `truc system add | list | revoke` (an operator manages the systems that
// may call the hub's national-axis API) and `truc axis ...` (a client of
// that API, for trying it by hand against a truc hub or the national axis:
// docs/AXIS-API.md).
//
// Thread-safety: functions are thread-safe; stubs may be shared.
#ifndef TRUC_CLI_AXIS_H_
#define TRUC_CLI_AXIS_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "common/axis/client.h"
#include "truc/v1/config.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli {

struct SystemAddFlags {
  std::string agency;
  std::string bridge;  // instead of agency: a bridge's system
  std::string name;
  // When set: an AxisProfile for the new system is written there (0600),
  // with this endpoint and CA, for `truc axis --axis-profile`.
  std::string profile_out;
  std::string url;
  std::string ca_cert;
};

// Adds a system; prints its id and its secret (shown once), and writes
// its profile when asked. The hub's errors; the file's.
absl::Status RunSystemAdd(truc::v1::Operator::StubInterface* stub,
                          const SystemAddFlags& flags, std::ostream& out);
absl::Status RunSystemList(truc::v1::Operator::StubInterface* stub, bool json,
                           std::ostream& out);
absl::Status RunSystemRevoke(truc::v1::Operator::StubInterface* stub,
                             const std::string& id, const std::string& reason,
                             std::ostream& out);

// The profile at `path` (or $TRUC_AXIS_PROFILE): INVALID_ARGUMENT naming
// the field that is missing; the file's error.
absl::StatusOr<truc::v1::AxisProfile> LoadAxisProfile(const std::string& path);

// truc axis send FILE [--status]: prints the DocId.
absl::Status RunAxisSend(axis::Client& client,
                         const truc::v1::AxisProfile& profile,
                         const std::string& path, bool status,
                         std::ostream& out);
// truc axis received: one line per item waiting (or JSON).
absl::Status RunAxisReceived(axis::Client& client,
                             const truc::v1::AxisProfile& profile, bool json,
                             std::ostream& out);
// truc axis get ID --out FILE [--done]: fetches it, and marks it done.
absl::Status RunAxisGet(axis::Client& client,
                        const truc::v1::AxisProfile& profile,
                        const std::string& id, const std::string& out_path,
                        bool done, std::ostream& out);
// truc axis status ID processing|done|fail
absl::Status RunAxisUpdate(axis::Client& client,
                           const truc::v1::AxisProfile& profile,
                           const std::string& id, const std::string& status,
                           std::ostream& out);
// truc axis sent: one line per recipient of what the agency sent.
absl::Status RunAxisSent(axis::Client& client,
                         const truc::v1::AxisProfile& profile, bool json,
                         std::ostream& out);
// truc axis agencies [--since VERSION]: the directory, or its changes.
absl::Status RunAxisAgencies(axis::Client& client,
                             const truc::v1::AxisProfile& profile,
                             int64_t since, bool json, std::ostream& out);

}  // namespace truc::cli

#endif  // TRUC_CLI_AXIS_H_
