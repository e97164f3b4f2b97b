// truc-hub's configuration file (truc.v1.HubConfig in protobuf text
// format): loading, defaults, and checks that name the field at fault.
#ifndef TRUC_HUB_SERVER_CONFIG_H_
#define TRUC_HUB_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "truc/v1/config.pb.h"

namespace truc::hub {

// Reads `path`, fills defaults, resolves relative paths against the file's
// directory and checks every field. INVALID_ARGUMENT "<path>: <field> ..."
// on the first problem; NOT_FOUND if the file is missing.
absl::StatusOr<truc::v1::HubConfig> LoadHubConfig(const std::string& path);

// The same for a config already parsed (relative paths against base_dir).
absl::StatusOr<truc::v1::HubConfig> FinishHubConfig(
    truc::v1::HubConfig config, const std::string& base_dir);

}  // namespace truc::hub

#endif  // TRUC_HUB_SERVER_CONFIG_H_
