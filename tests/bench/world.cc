#include "tests/bench/world.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/tls.h"

namespace truc::bench {

using truc::testing::AgentTimings;
using truc::testing::Loopback;

std::vector<BenchAgency> BenchAgencies(int n, int first) {
  std::vector<BenchAgency> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back({absl::StrFormat("000.%02d.%02d.H98", i / 100, i % 100),
                   absl::StrCat("UBND xã Thử nghiệm ", i)});
  }
  return out;
}

absl::StatusOr<std::unique_ptr<World>> World::Create(
    const std::string& dir, const Binaries& binaries,
    const std::string& hub_extra) {
  std::unique_ptr<World> w(new World());
  truc::testing::LoopbackOptions options;
  options.ca_name = "CA tỉnh Lạng Sơn (bench)";
  options.operator_name = "operator";
  options.operator_common_name = "Vận hành";
  options.hub_bin = binaries.hub;
  options.agent_bin = binaries.agent;
  TRUC_ASSIGN_OR_RETURN(w->loopback_, Loopback::Create(dir, options));
  TRUC_RETURN_IF_ERROR(
      w->loopback_->IssueAgency(kOfficeCode, "Văn phòng UBND tỉnh"));
  TRUC_RETURN_IF_ERROR(w->loopback_->WriteHubConfig(hub_extra));
  return w;
}

World::~World() {
  StopAgents();
  (void)StopHub();
}

const truc::Signer& World::SignerOf(const std::string& code) {
  absl::MutexLock lock(&signers_mu_);
  auto& s = signers_[code];
  if (!s) {
    auto loaded =
        truc::Signer::FromFiles(Path(code + ".key"), Path(code + ".crt"));
    if (!loaded.ok()) {
      std::fprintf(stderr, "truc-bench: %s\n",
                   std::string(loaded.status().message()).c_str());
      std::abort();
    }
    s = std::move(*loaded);
  }
  return *s;
}

truc::v1::TlsFiles World::Tls(const std::string& principal) const {
  return loopback_->Tls(principal);
}

std::shared_ptr<grpc::Channel> World::Channel(
    const std::string& principal) const {
  auto channel = loopback_->Channel(principal);
  // The files were written by Create/AddAgencies; a failure here is a bug
  // of the bench, not a measurement.
  if (!channel.ok()) {
    std::fprintf(stderr, "truc-bench: %s\n",
                 channel.status().ToString().c_str());
    std::abort();
  }
  return *channel;
}

std::unique_ptr<truc::v1::Exchange::Stub> World::Exchange(
    const std::string& code) const {
  return loopback_->Exchange(code);
}

std::unique_ptr<truc::v1::Operator::Stub> World::Operator() const {
  return loopback_->Operator();
}

absl::Status World::StartHub(bool with_office) {
  TRUC_RETURN_IF_ERROR(loopback_->StartHub({}, std::chrono::seconds(60)));
  if (!with_office) return absl::OkStatus();
  return AddAgencies({{kOfficeCode, "Văn phòng UBND tỉnh"}});
}

absl::Status World::StopHub() {
  if (loopback_->hub() == nullptr) return absl::OkStatus();
  int code = loopback_->StopHub(std::chrono::seconds(20));
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("truc-hub exited with ", code, "; see ", Path("hub.log")));
  }
  return absl::OkStatus();
}

absl::Status World::AddAgencies(const std::vector<BenchAgency>& agencies) {
  for (const auto& a : agencies) {
    if (!PathExists(Path(a.code + ".crt"))) {
      TRUC_RETURN_IF_ERROR(loopback_->IssueAgency(a.code));
    }
    TRUC_RETURN_IF_ERROR(RegisterPatiently(a, ""));
  }
  return absl::OkStatus();
}

absl::Status World::RegisterPatiently(const BenchAgency& a,
                                      const std::string& bridge) {
  // A machine running dozens of hubs may drop a handshake: a call whose
  // outcome is unknown is made again (registered already is success).
  absl::Status registered;
  for (int attempt = 0; attempt < 5; ++attempt) {
    registered = loopback_->Register(a.code, a.name, bridge);
    if (registered.ok() || absl::IsAlreadyExists(registered)) {
      return absl::OkStatus();
    }
    if (!OutcomeMayBeUnknown(registered.code())) return registered;
    absl::SleepFor(absl::Seconds(1));
  }
  return registered;
}

absl::Status World::AddRemoteAgencies(const std::vector<BenchAgency>& agencies,
                                      const std::string& bridge) {
  for (const auto& a : agencies) {
    TRUC_RETURN_IF_ERROR(RegisterPatiently(a, bridge));
  }
  return absl::OkStatus();
}

absl::Status World::Issue(const std::string& file,
                          const IssueRequest& request) {
  return loopback_->Issue(file, request);
}

std::string World::AgentDir(const std::string& code) const {
  return loopback_->AgentDir(code);
}

absl::Status World::StartAgent(const std::string& code) {
  return loopback_->StartAgent(code, AgentTimings{.poll_wait_seconds = 30,
                                                  .outbox_scan_millis = 60000,
                                                  .retry_initial_millis = 100,
                                                  .retry_max_millis = 1000});
}

void World::StopAgents() { loopback_->StopAgents(std::chrono::seconds(5)); }

std::vector<Process*> World::Agents() {
  std::vector<Process*> out;
  for (auto& [code, p] : loopback_->agents()) out.push_back(p.get());
  return out;
}

uint64_t DiskBytes(const std::string& path) {
  std::error_code ec;
  uint64_t total = 0;
  if (std::filesystem::is_regular_file(path, ec))
    return std::filesystem::file_size(path, ec);
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace truc::bench
