#include "bridge/config.h"

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/file_util.h"
#include "common/net_address.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/tls.h"

namespace truc::bridge {
namespace {

absl::StatusOr<HubSettings> HubFromConfig(bool present,
                                          const truc::v1::BridgeHub& hub,
                                          const std::string& field,
                                          const std::string& config_dir) {
  if (!present) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is required: ", field,
                     " { address: ... tls { ca_cert: ... cert: ... key: ... "
                     "} }"));
  }
  HubSettings s;
  if (hub.address().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".address is required (for example \"127.0.0.1:7443\")"));
  }
  TRUC_RETURN_IF_ERROR(
      ParseHostPort(hub.address(), absl::StrCat(field, ".address")).status());
  s.address = hub.address();
  if (!hub.has_tls()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".tls is required: the bridge's certificate at that hub"));
  }
  TRUC_ASSIGN_OR_RETURN(s.tls, ResolveTlsFiles(hub.tls(), config_dir,
                                               absl::StrCat(field, ".tls")));
  TRUC_ASSIGN_OR_RETURN(
      s.signing,
      ResolveSigningFiles(hub.has_signing(), hub.signing(), s.tls, config_dir,
                          absl::StrCat(field, ".signing")));
  return s;
}

}  // namespace

absl::StatusOr<BridgeSettings> SettingsFromConfig(
    const truc::v1::BridgeConfig& config, const std::string& config_dir) {
  BridgeSettings s;
  TRUC_ASSIGN_OR_RETURN(
      s.hub, HubFromConfig(config.has_hub(), config.hub(), "hub", config_dir));
  TRUC_ASSIGN_OR_RETURN(s.upstream, HubFromConfig(config.has_upstream_hub(),
                                                  config.upstream_hub(),
                                                  "upstream_hub", config_dir));
  if (s.hub.address == s.upstream.address) {
    return absl::InvalidArgumentError(
        absl::StrCat("hub and upstream_hub are the same address (",
                     s.hub.address, "): a bridge links two hubs"));
  }
  if (config.poll_wait_seconds() != 0) {
    TRUC_RETURN_IF_ERROR(CheckFieldRange("poll_wait_seconds",
                                         config.poll_wait_seconds(), 1, 600));
    s.poll_wait_seconds = config.poll_wait_seconds();
  }
  TRUC_RETURN_IF_ERROR(RetryDelaysFromConfig(config.retry_initial_millis(),
                                             config.retry_max_millis(),
                                             &s.retry_initial, &s.retry_max));
  if (config.status_scan_millis() != 0) {
    TRUC_RETURN_IF_ERROR(CheckFieldRange(
        "status_scan_millis", config.status_scan_millis(), 10, 3600000));
    s.status_scan = absl::Milliseconds(config.status_scan_millis());
  }
  if (config.directory_sync_seconds() != 0) {
    TRUC_RETURN_IF_ERROR(CheckFieldRange(
        "directory_sync_seconds", config.directory_sync_seconds(), 1, 86400));
    s.directory_sync = absl::Seconds(config.directory_sync_seconds());
  }
  return s;
}

absl::StatusOr<BridgeSettings> LoadBridgeConfig(const std::string& path) {
  absl::StatusOr<BridgeSettings> s = LoadConfigFile(path, &SettingsFromConfig);
  if (s.ok()) s->config_path = path;
  return s;
}

}  // namespace truc::bridge
