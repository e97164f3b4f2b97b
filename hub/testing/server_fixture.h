// The hub in-process over real mutual TLS on a loopback port, for the
// server tests: a fresh province CA and certificates (the hub's, four
// agencies', an unregistered agency's, an operator's, and for the refusal
// tests one from another CA, one expired and one to revoke), a HubServer
// on port 0, and clients that sign as the real ones do.
#ifndef TRUC_HUB_TESTING_SERVER_FIXTURE_H_
#define TRUC_HUB_TESTING_SERVER_FIXTURE_H_

#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/grpc_status.h"
#include "common/pki.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/time_util.h"
#include "common/tls.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/server/config.h"
#include "hub/server/server.h"
#include "hub/testing/hub_fixture.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::hub::testing {

// An unregistered agency, with a valid certificate.
inline constexpr char kUnregistered[] = "000.50.00.H99";

// Members are public: table-driven tests call them from free functions.
class ServerFixture : public ::testing::Test {
 public:
  void SetUp() override {
    auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    Write("ca.crt", ca_.cert_pem);
    Issue("hub",
          {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}, 30});
    for (const char* code :
         {kOffice, kHealth, kFinance, kYTich, kUnregistered}) {
      Issue(code, {Role::kAgency, code, code, {}, {}, 30});
    }
    Issue("operator", {Role::kOperator, "van-thu", "Văn thư", {}, {}, 30});
    // A certificate for the same agency from another CA.
    auto other = CreateCertificateAuthority("CA lạ");
    auto foreign =
        IssueCertificate(*other, {Role::kAgency, kHealth, "", {}, {}, 30});
    Write("foreign.crt", foreign->cert_pem);
    Write("foreign.key", foreign->key_pem);
    // Sở Y tế's certificate that expired yesterday.
    IssueRequest old{Role::kAgency, kHealth, "Sở Y tế (cũ)"};
    const int64_t now = NowMicros() / 1'000'000;
    old.not_before_unix = now - 400 * 86400;
    old.not_after_unix = now - 86400;
    Issue("expired", old);
    // A second certificate of Sở Y tế, revoked by the tests that need it.
    Issue("revoked", {Role::kAgency, kHealth, "Sở Y tế (lộ khóa)", {}, {}, 30});
    StartHub();
  }

  void StartHub(Store* store = nullptr, const truc::v1::SendLimits& limits = {},
                const std::string& extra = "") {
    truc::v1::HubConfig config;
    *config.mutable_send_limits() = limits;
    config.set_listen_address("127.0.0.1:0");
    config.mutable_tls()->set_ca_cert("ca.crt");
    config.mutable_tls()->set_cert("hub.crt");
    config.mutable_tls()->set_key("hub.key");
    config.set_lease_seconds(2);
    config.set_tls_reload_seconds(1);
    if (!extra.empty()) {
      ASSERT_TRUE(google::protobuf::TextFormat::MergeFromString(extra, &config))
          << extra;
    }
    auto finished = FinishHubConfig(config, dir_.path());
    ASSERT_TRUE(finished.ok()) << finished.status();
    hub_.reset();
    auto hub = HubServer::Start(*finished, store);
    ASSERT_TRUE(hub.ok()) << hub.status();
    hub_ = std::move(*hub);
    auto* d = hub_->directory();
    if (d->List().empty()) {
      const Identity setup = SetupOperator();
      ASSERT_TRUE(
          d->Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn", "", setup).ok());
      ASSERT_TRUE(d->Register(kHealth, "Sở Y tế", "", setup).ok());
      ASSERT_TRUE(d->Register(kFinance, "Sở Tài chính", "", setup).ok());
      ASSERT_TRUE(d->Register(kYTich, "UBND xã Y Tịch", "", setup).ok());
    }
  }

  // Who registers the test province: the operator's certificate.
  Identity SetupOperator() {
    return *IdentityFromCertificatePem(*ReadFile(dir_.Sub("operator.crt")));
  }

  void Write(const std::string& name, const std::string& data) {
    dir_.Write(name, data);
  }
  void Issue(const std::string& name, IssueRequest req) {
    dir_.Issue(ca_, name, req);
  }
  // The serial of the certificate <name>.crt.
  std::string SerialOf(const std::string& name) {
    return IdentityFromCertificatePem(*ReadFile(dir_.Sub(name + ".crt")))
        ->serial_hex;
  }
  // The signing key of <name> (its TLS key and certificate).
  const Signer& SignerOf(const std::string& name) {
    auto& s = signers_[name];
    if (!s) {
      auto loaded =
          Signer::FromFiles(dir_.Sub(name + ".key"), dir_.Sub(name + ".crt"));
      EXPECT_TRUE(loaded.ok()) << loaded.status();
      s = std::move(*loaded);
    }
    return *s;
  }
  TrustAnchor Anchor() { return *TrustAnchor::FromPem(ca_.cert_pem); }

  std::shared_ptr<grpc::Channel> Channel(const std::string& name,
                                         const std::string& ca = "ca.crt") {
    truc::v1::TlsFiles files;
    files.set_ca_cert(dir_.Sub(ca));
    files.set_cert(dir_.Sub(name + ".crt"));
    files.set_key(dir_.Sub(name + ".key"));
    return *MakeChannel(absl::StrCat("127.0.0.1:", hub_->port()), files);
  }
  std::unique_ptr<truc::v1::Exchange::Stub> Exchange(const std::string& name) {
    return truc::v1::Exchange::NewStub(Channel(name));
  }
  std::unique_ptr<truc::v1::Operator::Stub> OperatorStub(
      const std::string& name = "operator") {
    return truc::v1::Operator::NewStub(Channel(name));
  }
  std::unique_ptr<truc::v1::Audit::Stub> AuditStub(const std::string& name) {
    return truc::v1::Audit::NewStub(Channel(name));
  }

  // Sends a document with attachments from `from` through the real client,
  // signed with `signer_name`'s key (the sender's own by default).
  absl::StatusOr<truc::v1::SendResponse> Send(
      const std::string& from, const std::vector<std::string>& to,
      const std::vector<std::pair<std::string, std::string>>& attachments = {},
      truc::v1::Urgency urgency = truc::v1::URGENCY_EXPRESS,
      const std::string& key = "", const std::string& tls_name = "") {
    std::vector<AttachmentFile> files;
    for (const auto& [name, bytes] : attachments) {
      std::string path = dir_.Sub("att-" + std::to_string(files.size()));
      EXPECT_TRUE(WriteFileDurably(path, bytes).ok());
      files.push_back({path, name, "", ""});
    }
    auto header = MakeHeader(from, to, urgency);
    EXPECT_TRUE(CompleteHeader(from, files, &header).ok());
    const std::string who = tls_name.empty() ? from : tls_name;
    auto stub = Exchange(who);
    return SendDocument(stub.get(), SignerOf(who), header, files,
                        key.empty() ? NewIdempotencyKey() : key);
  }

  // A begin message for `header`, signed by its sender.
  truc::v1::SendRequest SignedBegin(const truc::v1::DocumentHeader& header,
                                    const std::string& key) {
    truc::v1::SendRequest begin;
    begin.mutable_begin()->set_idempotency_key(key);
    *begin.mutable_begin()->mutable_envelope() =
        SignedEnvelope(header, SignerOf(header.from().organ_id()));
    return begin;
  }

  // `agency`'s agent's signed statement about `id`.
  truc::v1::Receipt Statement(const std::string& agency, const std::string& id,
                              truc::v1::EdxmlStatus status,
                              const std::string& description = "") {
    auto doc = hub_->ledger()->GetDocument(id);
    const std::string digest =
        doc.ok() ? Sha256::Of(doc->envelope().header()) : std::string(32, '\0');
    return *SignStatusStatement(SignerOf(agency), id, digest, status,
                                description, NowMicros());
  }
  truc::v1::AcknowledgeRequest AckRequest(const std::string& agency,
                                          const std::string& id) {
    truc::v1::AcknowledgeRequest ack;
    ack.set_document_id(id);
    *ack.mutable_receipt() =
        Statement(agency, id, truc::v1::EDXML_STATUS_ARRIVED);
    return ack;
  }
  truc::v1::ReportStatusRequest ReportRequest(const std::string& agency,
                                              const std::string& id,
                                              truc::v1::EdxmlStatus status) {
    truc::v1::ReportStatusRequest rep;
    rep.set_document_id(id);
    rep.set_status(status);
    *rep.mutable_receipt() = Statement(agency, id, status);
    return rep;
  }

  // One unary call with a 20 s deadline, its status as absl::Status.
  template <typename Stub, typename Req, typename Resp>
  static absl::Status Call(Stub& stub,
                           grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                        const Req&, Resp*),
                           const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return FromGrpcStatus((stub.*method)(&ctx, req, resp));
  }

  absl::StatusOr<std::string> DownloadAll(const std::string& agency,
                                          const std::string& id, uint32_t index,
                                          uint64_t offset = 0,
                                          uint64_t length = 0) {
    grpc::ClientContext ctx;
    truc::v1::DownloadRequest req;
    req.set_document_id(id);
    req.set_attachment_index(index);
    req.set_offset(offset);
    req.set_length(length);
    auto stub = Exchange(agency);
    auto reader = stub->Download(&ctx, req);
    std::string out;
    truc::v1::DownloadChunk chunk;
    while (reader->Read(&chunk)) out += chunk.data();
    auto status = FromGrpcStatus(reader->Finish());
    if (!status.ok()) return status;
    return out;
  }

  ::truc::testing::TempDir dir_;
  KeyAndCert ca_;
  std::unique_ptr<HubServer> hub_;
  std::map<std::string, std::unique_ptr<Signer>> signers_;
};

// Waits up to 10 s for `cond`.
template <typename Cond>
bool Eventually(Cond cond) {
  for (int i = 0; i < 1000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

}  // namespace truc::hub::testing

#endif  // TRUC_HUB_TESTING_SERVER_FIXTURE_H_
