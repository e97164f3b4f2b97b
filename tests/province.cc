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

Province::Province() : Province(LoopbackOptions{}) {}

Province::Province(const LoopbackOptions& options) {
  auto loopback = Loopback::Create(tmp_.path(), options);
  if (!loopback.ok()) {
    ADD_FAILURE() << "cannot set up the province: " << loopback.status();
    std::abort();
  }
  loopback_ = *std::move(loopback);
  WriteHubConfig();
}

Province::~Province() = default;

void Province::IssueAgency(const std::string& code) {
  absl::Status s = loopback_->IssueAgency(code);
  ASSERT_TRUE(s.ok()) << s;
}

void Province::IssueFile(const std::string& file, const IssueRequest& request) {
  absl::Status s = loopback_->Issue(file, request);
  ASSERT_TRUE(s.ok()) << s;
}

void Province::WriteHubConfig(const std::string& extra) {
  absl::Status s = loopback_->WriteHubConfig(absl::StrCat(
      "lease_seconds: 5\n", "silence_threshold_seconds: 30\n", extra));
  ASSERT_TRUE(s.ok()) << s;
}

void Province::StartHub(std::map<std::string, std::string> env) {
  absl::Status s =
      loopback_->StartHub(std::move(env), std::chrono::seconds(20));
  ASSERT_TRUE(s.ok()) << s;
}

void Province::KillHub() { loopback_->KillHub(); }

int Province::StopHub() { return loopback_->StopHub(std::chrono::seconds(5)); }

std::unique_ptr<truc::v1::Exchange::Stub> Province::Exchange(
    const std::string& code) {
  return loopback_->Exchange(code);
}

std::unique_ptr<truc::v1::Operator::Stub> Province::Operator() {
  return loopback_->Operator();
}

std::unique_ptr<truc::v1::Bridge::Stub> Province::Bridge(
    const std::string& cert) {
  return loopback_->Bridge(cert);
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
  absl::Status s = loopback_->Register(code, name);
  ASSERT_TRUE(s.ok()) << s;
}

void Province::RegisterRemote(const std::string& code, const std::string& name,
                              const std::string& bridge) {
  absl::Status s = loopback_->Register(code, name, bridge);
  ASSERT_TRUE(s.ok()) << s;
}

std::string Province::AgentDir(const std::string& code) const {
  return loopback_->AgentDir(code);
}

void Province::StartAgent(const std::string& code,
                          std::map<std::string, std::string> env,
                          const std::string& cert_name) {
  absl::Status s =
      loopback_->StartAgent(code, AgentTimings{}, std::move(env), cert_name);
  ASSERT_TRUE(s.ok()) << s;
}

void Province::KillAgent(const std::string& code) {
  loopback_->KillAgent(code);
}

int Province::StopAgent(const std::string& code) {
  return loopback_->StopAgent(code, std::chrono::seconds(5));
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
