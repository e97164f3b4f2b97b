#include "bridge/config.h"

#include "absl/strings/match.h"
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

// The axis profile, its files resolved and readable.
absl::StatusOr<truc::v1::AxisProfile> AxisFromConfig(
    const truc::v1::AxisProfile& axis, const std::string& config_dir) {
  truc::v1::AxisProfile p = axis;
  for (const auto& [value, field] :
       {std::pair{p.url(), "url"}, std::pair{p.system_id(), "system_id"},
        std::pair{p.secret(), "secret"}}) {
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "upstream_axis.", field,
          " is required (truc system add --bridge ... prints the system's id "
          "and secret)"));
    }
  }
  if (!absl::StartsWith(p.url(), "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upstream_axis.url must start with https://, not \"", p.url(), "\""));
  }
  for (auto [path, field] : {std::pair{p.mutable_ca_cert(), "ca_cert"},
                             std::pair{p.mutable_client_cert(), "client_cert"},
                             std::pair{p.mutable_client_key(), "client_key"}}) {
    if (path->empty()) continue;
    *path = ResolvePath(config_dir, *path);
    absl::Status readable = ReadFile(*path, 1 << 20).status();
    if (!readable.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("upstream_axis.", field, ": ", readable.message()));
    }
  }
  return p;
}

}  // namespace

absl::StatusOr<BridgeSettings> SettingsFromConfig(
    const truc::v1::BridgeConfig& config, const std::string& config_dir) {
  BridgeSettings s;
  TRUC_ASSIGN_OR_RETURN(
      s.hub, HubFromConfig(config.has_hub(), config.hub(), "hub", config_dir));
  if (config.has_upstream_hub() == config.has_upstream_axis()) {
    return absl::InvalidArgumentError(
        "give exactly one upstream: upstream_hub { address: ... tls { ... } } "
        "(another truc hub) or upstream_axis { url: ... system_id: ... "
        "secret: ... } (the national axis's HTTP API)");
  }
  if (config.has_upstream_axis()) {
    TRUC_ASSIGN_OR_RETURN(s.upstream_axis,
                          AxisFromConfig(config.upstream_axis(), config_dir));
    if (config.spool_dir().empty()) {
      return absl::InvalidArgumentError(
          "spool_dir is required with upstream_axis: a folder the bridge may "
          "write the edXML files in transit to (for example "
          "\"/var/lib/truc-bridge/spool\")");
    }
    s.upstream_is_axis = true;
    if (config.call_timeout_seconds() != 0) {
      TRUC_RETURN_IF_ERROR(CheckFieldRange(
          "call_timeout_seconds", config.call_timeout_seconds(), 1, 3600));
      s.axis_call_timeout = absl::Seconds(config.call_timeout_seconds());
    }
    s.spool_dir = ResolvePath(config_dir, config.spool_dir());
  } else {
    TRUC_ASSIGN_OR_RETURN(
        s.upstream,
        HubFromConfig(config.has_upstream_hub(), config.upstream_hub(),
                      "upstream_hub", config_dir));
  }
  if (!s.upstream_is_axis && s.hub.address == s.upstream.address) {
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
