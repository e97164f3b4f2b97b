#include "tests/province.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/signature.h"
#include "common/tls.h"

namespace truc::testing {

truc::v1::DocumentHeader ClerkHeader(const std::string& from,
                                     const std::vector<std::string>& to,
                                     const std::string& subject,
                                     truc::v1::Urgency urgency) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id(from);
  for (const auto& t : to) h.add_to()->set_organ_id(t);
  h.mutable_code()->set_code_number("45");
  h.mutable_code()->set_code_notation("UBND-VP");
  h.mutable_promulgation()->set_place("Lạng Sơn");
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject(subject);
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.mutable_signer()->set_position("Chủ tịch");
  h.set_urgency(urgency);
  return h;
}

Province::Province() {
  auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
  EXPECT_TRUE(ca.ok());
  ca_ = *ca;
  EXPECT_TRUE(WriteFileDurably(Path("ca.crt"), ca_.cert_pem).ok());
  auto write = [&](const std::string& name, const KeyAndCert& kc) {
    EXPECT_TRUE(WriteFileDurably(Path(name + ".crt"), kc.cert_pem).ok());
    EXPECT_TRUE(WriteFileDurably(Path(name + ".key"), kc.key_pem, 0600).ok());
  };
  write("hub",
        *IssueCertificate(
            ca_,
            {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}, 30}));
  write("operator",
        *IssueCertificate(ca_,
                          {Role::kOperator, "van-thu", "Văn thư", {}, {}, 30}));
  port_ = FreePort();
  WriteHubConfig();
}

Province::~Province() {
  for (auto& [code, p] : agents_) {
    if (p) p->Stop(std::chrono::seconds(3));
  }
  if (hub_) hub_->Stop(std::chrono::seconds(5));
}

std::string Province::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void Province::IssueAgency(const std::string& code) {
  auto kc = IssueCertificate(ca_, {Role::kAgency, code, code, {}, {}, 30});
  ASSERT_TRUE(kc.ok()) << kc.status();
  ASSERT_TRUE(WriteFileDurably(Path(code + ".crt"), kc->cert_pem).ok());
  ASSERT_TRUE(WriteFileDurably(Path(code + ".key"), kc->key_pem, 0600).ok());
}

void Province::IssueFile(const std::string& file, const IssueRequest& request) {
  auto kc = IssueCertificate(ca_, request);
  ASSERT_TRUE(kc.ok()) << kc.status();
  ASSERT_TRUE(WriteFileDurably(Path(file + ".crt"), kc->cert_pem).ok());
  ASSERT_TRUE(WriteFileDurably(Path(file + ".key"), kc->key_pem, 0600).ok());
}

void Province::WriteHubConfig(const std::string& extra) {
  std::string conf = absl::StrCat(
      "listen_address: \"127.0.0.1:", port_, "\"\n", "data_dir: \"hub-data\"\n",
      "port_file: \"hub.port\"\n",
      "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n",
      "lease_seconds: 5\n", "silence_threshold_seconds: 30\n", extra);
  ASSERT_TRUE(WriteFileDurably(Path("hub.conf"), conf).ok());
}

void Province::StartHub(std::map<std::string, std::string> env) {
  (void)RemoveAll(Path("hub.port"));
  hub_ = std::make_unique<Process>(
      std::vector<std::string>{TRUC_HUB_BIN, "--config", Path("hub.conf")},
      Path("hub.log"), env);
  bool up =
      WaitFor([&] { return PathExists(Path("hub.port")) || !hub_->running(); },
              std::chrono::seconds(20));
  ASSERT_TRUE(up && hub_->running())
      << "truc-hub did not start; see " << Path("hub.log") << ":\n"
      << ReadFile(Path("hub.log")).value_or("");
}

void Province::KillHub() {
  if (hub_) hub_->Kill9();
}

int Province::StopHub() { return hub_ ? hub_->Stop() : -1; }

std::unique_ptr<truc::v1::Exchange::Stub> Province::Exchange(
    const std::string& code) {
  truc::v1::TlsFiles files;
  files.set_ca_cert(Path("ca.crt"));
  files.set_cert(Path(code + ".crt"));
  files.set_key(Path(code + ".key"));
  return truc::v1::Exchange::NewStub(*MakeChannel(address(), files));
}

std::unique_ptr<truc::v1::Operator::Stub> Province::Operator() {
  truc::v1::TlsFiles files;
  files.set_ca_cert(Path("ca.crt"));
  files.set_cert(Path("operator.crt"));
  files.set_key(Path("operator.key"));
  return truc::v1::Operator::NewStub(*MakeChannel(address(), files));
}

void Province::SmallProvince() {
  for (const char* code : {kOffice, kHealth, kYTich}) IssueAgency(code);
  Register("000.00.00.H99", "UBND tỉnh Lạng Sơn");
  Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn");
  Register(kHealth, "Sở Y tế");
  Register(kYTich, "UBND xã Y Tịch");
}

int Province::PortIn(const std::string& file) const {
  auto text = ReadFile(Path(file));
  int port = 0;
  if (!text.ok() ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &port)) {
    return 0;
  }
  return port;
}

void Province::Register(const std::string& code, const std::string& name) {
  IssueAgency(code);
  auto op = Operator();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  truc::v1::RegisterAgencyRequest req;
  req.set_code(code);
  req.set_name(name);
  truc::v1::Agency agency;
  auto s = op->RegisterAgency(&ctx, req, &agency);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

std::string Province::AgentDir(const std::string& code) const {
  return tmp_.Sub("agents/" + code);
}

void Province::StartAgent(const std::string& code,
                          std::map<std::string, std::string> env,
                          const std::string& cert_name) {
  std::string dir = AgentDir(code);
  ASSERT_TRUE(MakeDirectories(dir).ok());
  const std::string cert = cert_name.empty() ? code : cert_name;
  std::string conf = absl::StrCat(
      "hub_address: \"", address(), "\"\n", "tls { ca_cert: \"", Path("ca.crt"),
      "\" cert: \"", Path(cert + ".crt"), "\" key: \"", Path(cert + ".key"),
      "\" }\n", "base_dir: \".\"\n", "poll_wait_seconds: 5\n",
      "outbox_scan_millis: 200\n", "retry_initial_millis: 100\n",
      "retry_max_millis: 1000\n");
  ASSERT_TRUE(WriteFileDurably(JoinPath(dir, "agent.conf"), conf).ok());
  agents_[code] = std::make_unique<Process>(
      std::vector<std::string>{TRUC_AGENT_BIN, "run", "--config",
                               JoinPath(dir, "agent.conf")},
      JoinPath(dir, "agent.log"), env);
}

void Province::KillAgent(const std::string& code) {
  if (agents_[code]) agents_[code]->Kill9();
}

int Province::StopAgent(const std::string& code) {
  return agents_[code] ? agents_[code]->Stop() : -1;
}

std::vector<std::string> Province::Inbox(const std::string& code) const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator(AgentDir(code) + "/inbox", ec)) {
    std::string name = e.path().filename().string();
    if (!name.empty() && name[0] != '.') ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<truc::v1::SendResponse> Province::SendFiles(
    const std::string& from, const std::vector<std::string>& to,
    const std::string& subject, const std::vector<AttachmentFile>& files,
    truc::v1::Urgency urgency, const std::string& idempotency_key) {
  auto header = ClerkHeader(from, to, subject, urgency);
  absl::Status completed = CompleteHeader(from, files, &header);
  if (!completed.ok()) return completed;
  auto signer = Signer::FromFiles(Path(from + ".key"), Path(from + ".crt"));
  if (!signer.ok()) return signer.status();
  auto stub = Exchange(from);
  return SendDocument(
      stub.get(), **signer, header, files,
      idempotency_key.empty() ? NewIdempotencyKey() : idempotency_key,
      std::chrono::seconds(600));
}

absl::StatusOr<truc::v1::SendResponse> Province::Send(
    const std::string& from, const std::vector<std::string>& to,
    const std::string& subject,
    const std::vector<std::pair<std::string, std::string>>& attachments,
    truc::v1::Urgency urgency, const std::string& idempotency_key) {
  std::vector<AttachmentFile> files;
  for (const auto& [name, bytes] : attachments) {
    std::string dir = Path(absl::StrCat("outgoing/", outgoing_++));
    EXPECT_TRUE(MakeDirectories(dir).ok());
    std::string path = JoinPath(dir, name);
    EXPECT_TRUE(WriteFileDurably(path, bytes).ok());
    files.push_back({path, name, "", ""});
  }
  return SendFiles(from, to, subject, files, urgency, idempotency_key);
}

absl::StatusOr<truc::v1::DocumentStatus> Province::Status(
    const std::string& document_id) {
  auto op = Operator();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  truc::v1::GetDocumentStatusRequest req;
  req.set_document_id(document_id);
  truc::v1::DocumentStatus status;
  auto s = op->GetDocumentStatus(&ctx, req, &status);
  if (!s.ok()) return FromGrpcStatus(s);
  return status;
}

std::string Province::Profile(const std::string& name,
                              const std::string& cert_name) {
  const std::string cert = cert_name.empty() ? name : cert_name;
  std::string path = Path(cert + ".profile");
  std::string text = absl::StrCat("hub_address: \"", address(), "\"\n",
                                  "tls { ca_cert: \"ca.crt\" cert: \"", cert,
                                  ".crt\" key: \"", cert, ".key\" }\n");
  EXPECT_TRUE(WriteFileDurably(path, text).ok());
  return path;
}

RunResult Province::Truc(const std::string& profile,
                         std::vector<std::string> args) {
  args.insert(args.begin(), TRUC_CLI_BIN);
  return RunCommand(args, {{"TRUC_PROFILE", profile}});
}

}  // namespace truc::testing
