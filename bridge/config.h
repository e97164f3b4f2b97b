// truc-bridge's configuration: BridgeConfig (proto/truc/v1/config.proto)
// read from a text-format file, checked, with defaults applied and paths
// resolved against the file's folder.
//
// Thread-safety: BridgeSettings is a plain value; the functions are
// thread-safe.
#ifndef TRUC_BRIDGE_CONFIG_H_
#define TRUC_BRIDGE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "truc/v1/config.pb.h"

namespace truc::bridge {

// One hub as the bridge reaches it, its files resolved and checked.
struct HubSettings {
  std::string address;
  truc::v1::TlsFiles tls;
  truc::v1::SigningFiles signing;  // default: tls.cert and tls.key
};

struct BridgeSettings {
  std::string config_path;
  HubSettings hub;  // this province's hub
  // The national tier: another truc hub (`upstream`), or an endpoint of
  // the national axis's HTTP API (`upstream_axis`, its paths resolved,
  // with `spool_dir` for the edXML files in transit). Exactly one.
  HubSettings upstream;
  bool upstream_is_axis = false;
  truc::v1::AxisProfile upstream_axis;
  std::string spool_dir;
  absl::Duration axis_call_timeout = absl::Seconds(60);
  uint32_t poll_wait_seconds = 30;
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Milliseconds(30000);
  absl::Duration status_scan = absl::Milliseconds(1000);
  absl::Duration directory_sync = absl::Seconds(300);
};

// Checks `config` and applies the defaults; relative paths are resolved
// against `config_dir`. Fails INVALID_ARGUMENT naming the field: "hub is
// required", "upstream_hub.tls.cert: cannot read ...", "poll_wait_seconds
// must be 1..600, not 900", when both ends are the same address, and for
// both upstreams or neither.
absl::StatusOr<BridgeSettings> SettingsFromConfig(
    const truc::v1::BridgeConfig& config, const std::string& config_dir);

// Reads and checks the configuration file `path`. Every error message
// starts with `path`; parse errors name the line and the field. NOT_FOUND
// if the file does not exist.
absl::StatusOr<BridgeSettings> LoadBridgeConfig(const std::string& path);

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_CONFIG_H_
