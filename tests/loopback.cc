#include "tests/loopback.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/tls.h"

namespace truc::testing {
namespace {

// The end of a log, for a process that did not start.
std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::string text = ReadFile(path).value_or("");
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Loopback>> Loopback::Create(
    const std::string& dir, const LoopbackOptions& options) {
  std::unique_ptr<Loopback> l(new Loopback());
  l->dir_ = dir;
  l->options_ = options;
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir));
  TRUC_ASSIGN_OR_RETURN(l->ca_, CreateCertificateAuthority(options.ca_name));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(l->Path("ca.crt"), l->ca_.cert_pem));
  TRUC_RETURN_IF_ERROR(l->Issue(
      "hub",
      {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}, 30}));
  TRUC_RETURN_IF_ERROR(l->Issue("operator", {Role::kOperator,
                                             options.operator_name,
                                             options.operator_common_name,
                                             {},
                                             {},
                                             30}));
  l->port_ = FreePort();
  return l;
}

Loopback::~Loopback() {
  for (auto& [code, p] : agents_) {
    if (p) p->Stop(std::chrono::seconds(3));
  }
  if (hub_) hub_->Stop(std::chrono::seconds(10));
}

std::string Loopback::Path(const std::string& name) const {
  return JoinPath(dir_, name);
}

std::string Loopback::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status Loopback::Issue(const std::string& file,
                             const IssueRequest& request) {
  TRUC_ASSIGN_OR_RETURN(KeyAndCert kc, IssueCertificate(ca_, request));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(Path(file + ".crt"), kc.cert_pem));
  return WriteFileDurably(Path(file + ".key"), kc.key_pem, 0600);
}

absl::Status Loopback::IssueAgency(const std::string& code,
                                   const std::string& name) {
  return Issue(code,
               {Role::kAgency, code, name.empty() ? code : name, {}, {}, 30});
}

absl::Status Loopback::WriteHubConfig(const std::string& extra) {
  std::string conf = absl::StrCat(
      "listen_address: \"", address(), "\"\n", "data_dir: \"hub-data\"\n",
      "port_file: \"hub.port\"\n",
      "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n",
      extra);
  return WriteFileDurably(Path("hub.conf"), conf);
}

absl::Status Loopback::StartHub(std::map<std::string, std::string> env,
                                std::chrono::seconds timeout) {
  (void)RemoveAll(Path("hub.port"));
  hub_ = std::make_unique<Process>(
      std::vector<std::string>{options_.hub_bin, "--config", Path("hub.conf")},
      Path("hub.log"), std::move(env));
  bool up =
      WaitFor([&] { return PathExists(Path("hub.port")) || !hub_->running(); },
              timeout);
  if (!up || !hub_->running()) {
    return absl::UnavailableError(
        absl::StrCat("truc-hub did not start; the end of ", Path("hub.log"),
                     ":\n", Tail(Path("hub.log"))));
  }
  return absl::OkStatus();
}

int Loopback::StopHub(std::chrono::seconds timeout) {
  if (!hub_) return -1;
  return hub_->Stop(timeout);
}

void Loopback::KillHub() {
  if (hub_) hub_->Kill9();
}

absl::Status Loopback::Register(const std::string& code,
                                const std::string& name,
                                const std::string& bridge) {
  auto op = Operator();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  truc::v1::RegisterAgencyRequest req;
  req.set_code(code);
  req.set_name(name);
  req.set_bridge(bridge);
  truc::v1::Agency agency;
  return FromGrpcStatus(op->RegisterAgency(&ctx, req, &agency));
}

std::string Loopback::AgentDir(const std::string& code) const {
  return Path("agents/" + code);
}

absl::Status Loopback::StartAgent(const std::string& code,
                                  const AgentTimings& timings,
                                  std::map<std::string, std::string> env,
                                  const std::string& cert_name) {
  std::string dir = AgentDir(code);
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir));
  const std::string cert = cert_name.empty() ? code : cert_name;
  std::string conf = absl::StrCat(
      "hub_address: \"", address(), "\"\n", "tls { ca_cert: \"", Path("ca.crt"),
      "\" cert: \"", Path(cert + ".crt"), "\" key: \"", Path(cert + ".key"),
      "\" }\n", "base_dir: \".\"\n",
      "poll_wait_seconds: ", timings.poll_wait_seconds, "\n",
      "outbox_scan_millis: ", timings.outbox_scan_millis, "\n",
      "retry_initial_millis: ", timings.retry_initial_millis, "\n",
      "retry_max_millis: ", timings.retry_max_millis, "\n");
  const std::string conf_path = JoinPath(dir, "agent.conf");
  const std::string log_path = JoinPath(dir, "agent.log");
  TRUC_RETURN_IF_ERROR(WriteFileDurably(conf_path, conf));
  auto p = std::make_unique<Process>(
      std::vector<std::string>{options_.agent_bin, "run", "--config",
                               conf_path},
      log_path, std::move(env));
  const bool running = p->running();
  agents_[code] = std::move(p);
  if (!running) {
    return absl::UnavailableError(
        absl::StrCat("truc-agent for ", code, " did not start; the end of ",
                     log_path, ":\n", Tail(log_path)));
  }
  return absl::OkStatus();
}

int Loopback::StopAgent(const std::string& code, std::chrono::seconds timeout) {
  Process* p = agent(code);
  return p ? p->Stop(timeout) : -1;
}

void Loopback::KillAgent(const std::string& code) {
  if (Process* p = agent(code)) p->Kill9();
}

void Loopback::StopAgents(std::chrono::seconds timeout) {
  for (auto& [code, p] : agents_) p->Signal(SIGTERM);
  for (auto& [code, p] : agents_) p->Stop(timeout);
  agents_.clear();
}

Process* Loopback::agent(const std::string& code) {
  auto it = agents_.find(code);
  return it == agents_.end() ? nullptr : it->second.get();
}

truc::v1::TlsFiles Loopback::Tls(const std::string& principal) const {
  truc::v1::TlsFiles files;
  files.set_ca_cert(Path("ca.crt"));
  files.set_cert(Path(principal + ".crt"));
  files.set_key(Path(principal + ".key"));
  return files;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Loopback::Channel(
    const std::string& principal) const {
  return MakeChannel(address(), Tls(principal));
}

namespace {

std::shared_ptr<grpc::Channel> MustChannel(
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel) {
  if (!channel.ok()) {
    std::fprintf(stderr, "loopback harness: %s\n",
                 channel.status().ToString().c_str());
    std::abort();
  }
  return *std::move(channel);
}

}  // namespace

std::unique_ptr<truc::v1::Exchange::Stub> Loopback::Exchange(
    const std::string& code) const {
  return truc::v1::Exchange::NewStub(MustChannel(Channel(code)));
}

std::unique_ptr<truc::v1::Operator::Stub> Loopback::Operator() const {
  return truc::v1::Operator::NewStub(MustChannel(Channel("operator")));
}

std::unique_ptr<truc::v1::Bridge::Stub> Loopback::Bridge(
    const std::string& cert) const {
  return truc::v1::Bridge::NewStub(MustChannel(Channel(cert)));
}

}  // namespace truc::testing
