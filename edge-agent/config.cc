#include "edge-agent/config.h"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/file_util.h"
#include "common/net_address.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/tls.h"

namespace truc::agent {
namespace {

// A folder of the layout: the configured one resolved, or base/`name`.
std::string Folder(const std::string& configured, const std::string& base,
                   const std::string& config_dir, absl::string_view name) {
  if (configured.empty()) return JoinPath(base, name);
  return ResolvePath(config_dir, configured);
}

// `path` as compared with the other folders: absolute, normalised, with
// the symbolic links of the part that exists resolved, no trailing '/'.
std::string ComparablePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  if (ec) {
    p = std::filesystem::absolute(path, ec);
    if (ec) p = path;
  }
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// True if `inner` is strictly below `outer` (both from ComparablePath).
bool IsInside(const std::string& inner, const std::string& outer) {
  if (outer == "/") return inner != "/";
  return inner.size() > outer.size() && absl::StartsWith(inner, outer) &&
         inner[outer.size()] == '/';
}

// The five folders must be distinct and none inside another: the agent
// moves folders between them and owns everything under state/.
absl::Status CheckDistinctFolders(const AgentFolders& f) {
  const std::vector<std::pair<absl::string_view, std::string>> folders = {
      {"inbox_dir", f.inbox},   {"outbox_dir", f.outbox}, {"sent_dir", f.sent},
      {"failed_dir", f.failed}, {"state_dir", f.state},
  };
  std::vector<std::string> paths;
  for (const auto& [field, dir] : folders) paths.push_back(ComparablePath(dir));
  for (size_t i = 0; i < folders.size(); ++i) {
    for (size_t j = i + 1; j < folders.size(); ++j) {
      const auto& [a, a_dir] = folders[i];
      const auto& [b, b_dir] = folders[j];
      if (paths[i] == paths[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat(a, " and ", b, " are the same folder (", a_dir,
                         a_dir == b_dir ? "" : absl::StrCat(", ", b_dir),
                         "); each needs a folder of its own"));
      }
      if (IsInside(paths[j], paths[i]) || IsInside(paths[i], paths[j])) {
        const bool j_in_i = IsInside(paths[j], paths[i]);
        return absl::InvalidArgumentError(absl::StrCat(
            j_in_i ? b : a, " (", j_in_i ? b_dir : a_dir, ") is inside ",
            j_in_i ? a : b, " (", j_in_i ? a_dir : b_dir,
            "); the folders must not contain one another"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string AgentFolders::received() const {
  return JoinPath(state, "received");
}
std::string AgentFolders::incoming() const {
  return JoinPath(state, "incoming");
}
std::string AgentFolders::lock_file() const {
  return JoinPath(state, "agent.lock");
}

std::string AgentFolders::edxml_ids() const {
  return JoinPath(state, "edxml-ids");
}

absl::StatusOr<AgentSettings> SettingsFromConfig(
    const truc::v1::AgentConfig& config, const std::string& config_dir) {
  AgentSettings s;
  if (config.hub_address().empty()) {
    return absl::InvalidArgumentError(
        "hub_address is required (for example hub_address: "
        "\"hub.tinh.gov.vn:7443\")");
  }
  TRUC_RETURN_IF_ERROR(
      ParseHostPort(config.hub_address(), "hub_address").status());
  s.hub_address = config.hub_address();
  if (!config.has_tls()) {
    return absl::InvalidArgumentError(
        "tls is required: tls { ca_cert: ... cert: ... key: ... }");
  }
  TRUC_ASSIGN_OR_RETURN(s.tls,
                        ResolveTlsFiles(config.tls(), config_dir, "tls"));
  TRUC_ASSIGN_OR_RETURN(
      s.signing, ResolveSigningFiles(config.has_signing(), config.signing(),
                                     s.tls, config_dir, "signing"));
  if (config.base_dir().empty()) {
    return absl::InvalidArgumentError("base_dir is required");
  }
  const std::string base = ResolvePath(config_dir, config.base_dir());
  s.folders.inbox = Folder(config.inbox_dir(), base, config_dir, "inbox");
  s.folders.outbox = Folder(config.outbox_dir(), base, config_dir, "outbox");
  s.folders.sent = Folder(config.sent_dir(), base, config_dir, "sent");
  s.folders.failed = Folder(config.failed_dir(), base, config_dir, "failed");
  s.folders.state = Folder(config.state_dir(), base, config_dir, "state");
  TRUC_RETURN_IF_ERROR(CheckDistinctFolders(s.folders));

  if (config.poll_wait_seconds() != 0) {
    TRUC_RETURN_IF_ERROR(CheckFieldRange("poll_wait_seconds",
                                         config.poll_wait_seconds(), 1, 600));
    s.poll_wait_seconds = config.poll_wait_seconds();
  }
  if (config.outbox_scan_millis() != 0) {
    TRUC_RETURN_IF_ERROR(CheckFieldRange(
        "outbox_scan_millis", config.outbox_scan_millis(), 10, 3600000));
    s.outbox_scan = absl::Milliseconds(config.outbox_scan_millis());
  }
  TRUC_RETURN_IF_ERROR(RetryDelaysFromConfig(config.retry_initial_millis(),
                                             config.retry_max_millis(),
                                             &s.retry_initial, &s.retry_max));
  if (config.has_write_edxml()) s.write_edxml = config.write_edxml();
  return s;
}

absl::StatusOr<AgentSettings> LoadAgentConfig(const std::string& path) {
  absl::StatusOr<AgentSettings> s = LoadConfigFile(path, &SettingsFromConfig);
  if (s.ok()) s->config_path = path;
  return s;
}

absl::Status CreateFolders(const AgentFolders& folders) {
  for (const std::string& dir :
       {folders.inbox, folders.outbox, folders.sent, folders.failed,
        folders.state, folders.received(), folders.incoming(),
        folders.edxml_ids()}) {
    absl::Status s = MakeDirectories(dir);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("cannot create folder ", dir,
                                                 ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace truc::agent
