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
namespace {

std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::string text = ReadFile(path).value_or("");
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

std::vector<BenchAgency> BenchAgencies(int n, int first) {
  std::vector<BenchAgency> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back({absl::StrFormat("000.%02d.%02d.H98", i / 100, i % 100),
                   absl::StrCat("UBND xã Thử nghiệm ", i)});
  }
  return out;
}

absl::StatusOr<std::unique_ptr<World>> World::Create(
    const std::string& dir, const std::string& hub_extra) {
  std::unique_ptr<World> w(new World());
  w->dir_ = dir;
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir));
  TRUC_ASSIGN_OR_RETURN(w->ca_,
                        CreateCertificateAuthority("CA tỉnh Lạng Sơn (bench)"));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(w->Path("ca.crt"), w->ca_.cert_pem));
  TRUC_RETURN_IF_ERROR(w->Issue(Role::kHub, "hub", "truc hub"));
  TRUC_RETURN_IF_ERROR(w->Issue(Role::kOperator, "operator", "Vận hành"));
  TRUC_RETURN_IF_ERROR(
      w->Issue(Role::kAgency, kOfficeCode, "Văn phòng UBND tỉnh"));
  w->port_ = truc::testing::FreePort();
  std::string conf = absl::StrCat(
      "listen_address: \"127.0.0.1:", w->port_, "\"\n",
      "data_dir: \"hub-data\"\n", "port_file: \"hub.port\"\n",
      "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n",
      hub_extra);
  TRUC_RETURN_IF_ERROR(WriteFileDurably(w->Path("hub.conf"), conf));
  return w;
}

World::~World() {
  StopAgents();
  if (hub_) hub_->Stop(std::chrono::seconds(10));
}

std::string World::Path(const std::string& name) const {
  return JoinPath(dir_, name);
}

std::string World::address() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status World::Issue(Role role, const std::string& name,
                          const std::string& common_name) {
  IssueRequest req{role, name, common_name, {}, {}, 30};
  if (role == Role::kHub) {
    req.dns_names = {"localhost"};
    req.ip_addresses = {"127.0.0.1"};
  }
  TRUC_ASSIGN_OR_RETURN(KeyAndCert kc, IssueCertificate(ca_, req));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(Path(name + ".crt"), kc.cert_pem));
  return WriteFileDurably(Path(name + ".key"), kc.key_pem, 0600);
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
  truc::v1::TlsFiles files;
  files.set_ca_cert(Path("ca.crt"));
  files.set_cert(Path(principal + ".crt"));
  files.set_key(Path(principal + ".key"));
  return files;
}

std::shared_ptr<grpc::Channel> World::Channel(
    const std::string& principal) const {
  auto channel = MakeChannel(address(), Tls(principal));
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
  return truc::v1::Exchange::NewStub(Channel(code));
}

std::unique_ptr<truc::v1::Operator::Stub> World::Operator() const {
  return truc::v1::Operator::NewStub(Channel("operator"));
}

absl::Status World::StartHub() {
  (void)RemoveAll(Path("hub.port"));
  hub_ = std::make_unique<Process>(
      std::vector<std::string>{TRUC_HUB_BIN, "--config", Path("hub.conf")},
      Path("hub.log"));
  auto op = Operator();
  bool up = truc::testing::WaitFor(
      [&] {
        if (!hub_->running()) return true;
        if (!PathExists(Path("hub.port"))) return false;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
        truc::v1::ListAgenciesRequest req;
        truc::v1::ListAgenciesResponse resp;
        return op->ListAgencies(&ctx, req, &resp).ok();
      },
      std::chrono::seconds(60));
  if (!up || !hub_->running()) {
    return absl::UnavailableError(
        absl::StrCat("truc-hub did not start; the end of ", Path("hub.log"),
                     ":\n", Tail(Path("hub.log"))));
  }
  return AddAgencies({{kOfficeCode, "Văn phòng UBND tỉnh"}});
}

absl::Status World::StopHub() {
  if (!hub_) return absl::OkStatus();
  int code = hub_->Stop(std::chrono::seconds(20));
  hub_.reset();
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("truc-hub exited with ", code, "; see ", Path("hub.log")));
  }
  return absl::OkStatus();
}

absl::Status World::AddAgencies(const std::vector<BenchAgency>& agencies) {
  auto op = Operator();
  for (const auto& a : agencies) {
    if (!PathExists(Path(a.code + ".crt"))) {
      TRUC_RETURN_IF_ERROR(Issue(Role::kAgency, a.code, a.code));
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    truc::v1::RegisterAgencyRequest req;
    req.set_code(a.code);
    req.set_name(a.name);
    truc::v1::Agency agency;
    grpc::Status s = op->RegisterAgency(&ctx, req, &agency);
    if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      return FromGrpcStatus(s);
    }
  }
  return absl::OkStatus();
}

std::string World::AgentDir(const std::string& code) const {
  return Path("agents/" + code);
}

absl::Status World::StartAgent(const std::string& code) {
  std::string dir = AgentDir(code);
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir));
  std::string conf = absl::StrCat(
      "hub_address: \"", address(), "\"\n", "tls { ca_cert: \"", Path("ca.crt"),
      "\" cert: \"", Path(code + ".crt"), "\" key: \"", Path(code + ".key"),
      "\" }\n", "base_dir: \".\"\n", "poll_wait_seconds: 30\n",
      "outbox_scan_millis: 60000\n", "retry_initial_millis: 100\n",
      "retry_max_millis: 1000\n");
  TRUC_RETURN_IF_ERROR(WriteFileDurably(JoinPath(dir, "agent.conf"), conf));
  auto p = std::make_unique<Process>(
      std::vector<std::string>{TRUC_AGENT_BIN, "run", "--config",
                               JoinPath(dir, "agent.conf")},
      JoinPath(dir, "agent.log"));
  if (!p->running()) {
    return absl::UnavailableError(absl::StrCat("truc-agent for ", code,
                                               " did not start; see ",
                                               JoinPath(dir, "agent.log")));
  }
  agents_[code] = std::move(p);
  return absl::OkStatus();
}

void World::StopAgents() {
  for (auto& [code, p] : agents_) p->Signal(SIGTERM);
  for (auto& [code, p] : agents_) p->Stop(std::chrono::seconds(5));
  agents_.clear();
}

std::vector<Process*> World::Agents() {
  std::vector<Process*> out;
  for (auto& [code, p] : agents_) out.push_back(p.get());
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
