// The authorization matrix: every RPC of the hub's services, called by
// each kind of caller, answers with the status its row says. The table is
// the one place this is written; a service method without a row fails the
// test, so a new RPC cannot ship without its decision.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>

#include <functional>
#include <future>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/evidence.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "hub/exchange/cert_registry.h"
#include "hub/ops/accounts.h"
#include "hub/ops/axis_systems.h"
#include "hub/testing/server_fixture.h"
#include "truc/v1/bridge.grpc.pb.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using grpc::StatusCode;

// Who calls, relative to the party that owns what the request touches.
enum Caller {
  kOwn,       // the owner itself (the agency's or the operator's cert)
  kOther,     // another registered agency (Sở Tài chính)
  kOperator,  // an operator
  kNoCert,    // a TLS client without a certificate
  kOtherCa,   // the owner's identity in a certificate of another CA
  kRevoked,   // the owner's certificate, revoked
  kExpired,   // the owner's certificate, expired yesterday
  kBridge,    // a bridge that does not reach the owner ("xa")
  kCallerCount
};
const char* const kCallerNames[] = {"own agency",
                                    "another agency",
                                    "operator",
                                    "no certificate",
                                    "another CA",
                                    "revoked",
                                    "expired certificate",
                                    "a bridge reaching none of it"};

// A remote agency, beyond the hub, reached through bridge "qg"; the owner
// of the Bridge service's rows is that bridge's certificate.
constexpr char kRemote[] = "000.00.00.G22";
constexpr char kBridgeOwner[] = "bridge-qg";

class AuthorizationTest;
// Makes the call as `cert` (a certificate name of the fixture, or "" for
// none), after any setup it needs, and returns its status.
using Invoke =
    std::function<grpc::Status(AuthorizationTest* t, const std::string& cert)>;

struct Row {
  std::string method;  // "truc.v1.Exchange/Send"
  std::string owner;   // an agency code, or "operator"
  Invoke invoke;
  StatusCode expect[kCallerCount];
};

class AuthorizationTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    const int64_t now = NowMicros() / 1'000'000;
    for (const std::string owner : {kOffice, kHealth}) {
      Issue(owner + "-revoked", {Role::kAgency, owner, owner, {}, {}, 30});
      IssueRequest old{Role::kAgency, owner, owner};
      old.not_before_unix = now - 400 * 86400;
      old.not_after_unix = now - 86400;
      Issue(owner + "-expired", old);
      auto other = CreateCertificateAuthority("CA lạ");
      auto foreign = IssueCertificate(*other, {Role::kAgency, owner, owner});
      Write(owner + "-foreign.crt", foreign->cert_pem);
      Write(owner + "-foreign.key", foreign->key_pem);
    }
    // The bridge "qg" that reaches kRemote, its revoked, expired and
    // foreign twins, and a bridge "xa" that reaches nothing here.
    Issue(kBridgeOwner, {Role::kBridge, "qg", "Cầu nối trục quốc gia"});
    Issue("bridge-xa", {Role::kBridge, "xa", "Cầu nối khác"});
    Issue(absl::StrCat(kBridgeOwner, "-revoked"),
          {Role::kBridge, "qg", "", {}, {}, 30});
    {
      IssueRequest expired{Role::kBridge, "qg", ""};
      expired.not_before_unix = now - 400 * 86400;
      expired.not_after_unix = now - 86400;
      Issue(absl::StrCat(kBridgeOwner, "-expired"), expired);
      auto other_ca = CreateCertificateAuthority("CA lạ");
      auto foreign_bridge =
          IssueCertificate(*other_ca, {Role::kBridge, "qg", ""});
      Write(absl::StrCat(kBridgeOwner, "-foreign.crt"),
            foreign_bridge->cert_pem);
      Write(absl::StrCat(kBridgeOwner, "-foreign.key"),
            foreign_bridge->key_pem);
    }
    Issue("operator-revoked", {Role::kOperator, "van-thu", "", {}, {}, 30});
    IssueRequest old{Role::kOperator, "van-thu", ""};
    old.not_before_unix = now - 400 * 86400;
    old.not_after_unix = now - 86400;
    Issue("operator-expired", old);
    auto other = CreateCertificateAuthority("CA lạ");
    auto foreign = IssueCertificate(*other, {Role::kOperator, "van-thu", ""});
    Write("operator-foreign.crt", foreign->cert_pem);
    Write("operator-foreign.key", foreign->key_pem);
    const Identity op = SetupOperator();
    ASSERT_TRUE(hub_->directory()
                    ->Register(kRemote, "Văn phòng Chính phủ", "", op, "qg")
                    .ok());
    for (const char* name : {"000.01.00.H99-revoked", "000.07.00.H99-revoked",
                             "operator-revoked", "bridge-qg-revoked"}) {
      ASSERT_TRUE(hub_->certificates()
                      ->Revoke(SerialOf(name), "phân quyền: thử thu hồi", op)
                      .ok());
    }
  }

 public:
  // A channel presenting certificate `cert` ("" for none).
  std::shared_ptr<grpc::Channel> As(const std::string& cert) {
    if (!cert.empty()) return Channel(cert);
    grpc::SslCredentialsOptions anon;
    anon.pem_root_certs = ca_.cert_pem;
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", hub_->port()),
                               grpc::SslCredentials(anon));
  }
  std::unique_ptr<truc::v1::Exchange::Stub> Ex(const std::string& cert) {
    return truc::v1::Exchange::NewStub(As(cert));
  }
  std::unique_ptr<truc::v1::Operator::Stub> Op(const std::string& cert) {
    return truc::v1::Operator::NewStub(As(cert));
  }
  std::unique_ptr<truc::v1::Audit::Stub> Au(const std::string& cert) {
    return truc::v1::Audit::NewStub(As(cert));
  }
  // A fresh document from the office to kRemote, beyond the hub.
  std::string RemoteDoc() {
    auto sent = Send(kOffice, {kRemote}, {{"Báo cáo.pdf", "nội dung"}});
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }
  std::unique_ptr<truc::v1::Bridge::Stub> Br(const std::string& cert) {
    return truc::v1::Bridge::NewStub(As(cert));
  }
  // A begin message of a document from kRemote to Sở Y tế, brought in by
  // bridge "qg" as carrier (its sender's own signature is of another CA).
  truc::v1::SendRequest BridgedBegin() {
    const truc::v1::DocumentHeader header = MakeHeader(kRemote, {kHealth});
    truc::v1::SendRequest begin;
    begin.mutable_begin()->set_idempotency_key(NewIdempotencyKey());
    begin.mutable_begin()->add_deliver_to(kHealth);
    auto* env = begin.mutable_begin()->mutable_envelope();
    *env = SignedEnvelope(header,
                          SignerOf(absl::StrCat(kBridgeOwner, "-foreign")));
    env->set_carried_by_bridge("qg");
    *env->mutable_carrier_signature() =
        *SignerOf(kBridgeOwner).Sign(kBridgedHeaderContext, env->header());
    return begin;
  }
  // Brings that document in as `cert`; its status.
  grpc::Status BringIn(const std::string& cert, std::string* id = nullptr) {
    auto stub = Br(cert);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    truc::v1::SendResponse resp;
    auto writer = stub->Send(&ctx, &resp);
    writer->Write(BridgedBegin());
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (id != nullptr) *id = resp.document_id();
    return status;
  }
  // The statement bridge "qg" makes, as carrier, of kRemote's `status`.
  truc::v1::BridgeStatusRequest BridgeReport(const std::string& id,
                                             truc::v1::EdxmlStatus status) {
    truc::v1::BridgeStatusRequest req;
    req.set_document_id(id);
    req.set_recipient(kRemote);
    req.set_status(status);
    auto doc = hub_->ledger()->GetDocument(id);
    *req.mutable_receipt() = *SignBridgedStatement(
        SignerOf(kBridgeOwner), id,
        doc.ok() ? Sha256::Of(doc->envelope().header()) : std::string(32, '\0'),
        kRemote, status, "", NowMicros());
    return req;
  }
  // A fresh document from the office to Sở Y tế, with one attachment.
  std::string Doc() {
    auto sent = Send(kOffice, {kHealth}, {{"Công văn.pdf", "nội dung"}});
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }
  // A fresh clerk's account of the office, added directly.
  std::string Account() {
    truc::v1::AddAccountRequest req;
    req.set_name(absl::StrCat("acct-", ++registered_));
    req.set_display_name("Trần Văn Bình");
    req.set_role(truc::v1::ACCOUNT_ROLE_CLERK);
    req.set_agency(kOffice);
    auto added = hub_->accounts()->Add(req, SetupOperator());
    EXPECT_TRUE(added.ok()) << added.status();
    return req.name();
  }
  // A fresh system of the national-axis API for the office.
  std::string System() {
    auto added = hub_->systems()->Add(
        kOffice, "", absl::StrCat("QLVB ", ++registered_), SetupOperator());
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? added->system().id() : "";
  }
  std::string NextCode() {
    return absl::StrFormat("000.%02d.40.H99", ++registered_);
  }
  // Reads the first attachment of `id` to its end.
  template <typename Stub>
  static grpc::Status DownloadAll(Stub* stub, const std::string& id) {
    grpc::ClientContext ctx;
    truc::v1::DownloadRequest req;
    req.set_document_id(id);
    auto reader = stub->Download(&ctx, req);
    truc::v1::DownloadChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish();
  }
  template <typename Stub, typename Req, typename Resp>
  static grpc::Status Unary(Stub* stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                         const Req&, Resp*),
                            const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return (stub->*method)(&ctx, req, resp);
  }
  // The same, the answer dropped.
  template <typename Stub, typename Req, typename Resp>
  static grpc::Status Unary(Stub* stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                         const Req&, Resp*),
                            const Req& req) {
    Resp resp;
    return Unary(stub, method, req, &resp);
  }
  // A document bridge "qg" brought in, acknowledged by Sở Y tế: the
  // arrival's notice waits for "qg" to carry it back. Its id.
  std::string ArrivalForQg() {
    std::string id;
    EXPECT_TRUE(BringIn(kBridgeOwner, &id).ok());
    EXPECT_TRUE(Unary(Ex(kHealth).get(), &truc::v1::Exchange::Stub::Acknowledge,
                      AckRequest(kHealth, id))
                    .ok());
    return id;
  }

  int registered_ = 0;
};

using Ex = truc::v1::Exchange::Stub;
using Op = truc::v1::Operator::Stub;
using Au = truc::v1::Audit::Stub;
using Br = truc::v1::Bridge::Stub;

// The decisions. A TLS client without a certificate, or with one the
// handshake refuses (another CA, expired), never reaches a service: its
// call fails UNAVAILABLE. A revoked certificate passes the handshake and is
// refused at its first call, UNAUTHENTICATED.
std::vector<Row> Table() {
  constexpr StatusCode OK = StatusCode::OK;
  constexpr StatusCode DENIED = StatusCode::PERMISSION_DENIED;
  constexpr StatusCode UNAVAIL = StatusCode::UNAVAILABLE;
  constexpr StatusCode UNAUTH = StatusCode::UNAUTHENTICATED;
  constexpr StatusCode NOT_FOUND = StatusCode::NOT_FOUND;
  return {
      {"truc.v1.Exchange/Send",
       kOffice,
       [](AuthorizationTest* t, const std::string& cert) {
         auto stub = t->Ex(cert);
         grpc::ClientContext ctx;
         ctx.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
         truc::v1::SendResponse resp;
         auto writer = stub->Send(&ctx, &resp);
         writer->Write(t->SignedBegin(MakeHeader(kOffice, {kHealth}),
                                      NewIdempotencyKey()));
         writer->WritesDone();
         return writer->Finish();
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/Poll",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::PollRequest req;
         req.set_wait_seconds(0);
         return AuthorizationTest::Unary(t->Ex(cert).get(), &Ex::Poll, req);
       },
       // Another agency polls its own queue.
       {OK, OK, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/Download",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->Doc();
         return AuthorizationTest::DownloadAll(t->Ex(cert).get(), id);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/Acknowledge",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->Doc();
         return AuthorizationTest::Unary(t->Ex(cert).get(), &Ex::Acknowledge,
                                         t->AckRequest(kHealth, id));
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/ReportStatus",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->Doc();
         auto health = t->Ex(kHealth);
         EXPECT_TRUE(AuthorizationTest::Unary(health.get(), &Ex::Acknowledge,
                                              t->AckRequest(kHealth, id))
                         .ok());
         return AuthorizationTest::Unary(
             t->Ex(cert).get(), &Ex::ReportStatus,
             t->ReportRequest(kHealth, id, truc::v1::EDXML_STATUS_ACCEPTED));
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/GetDocumentStatus",
       kOffice,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::GetDocumentStatusRequest req;
         req.set_document_id(t->Doc());
         return AuthorizationTest::Unary(t->Ex(cert).get(),
                                         &Ex::GetDocumentStatus, req);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/ListSent",
       kOffice,
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Ex(cert).get(), &Ex::ListSent,
                                         truc::v1::ListSentRequest());
       },
       // Another agency lists what it sent itself.
       {OK, OK, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Exchange/Resend",
       kOffice,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ResendRequest req;
         req.set_document_id(t->Doc());
         return AuthorizationTest::Unary(t->Ex(cert).get(), &Ex::Resend, req);
       },
       // Only its sender; another agency may not resend it.
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/RegisterAgency",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::RegisterAgencyRequest req;
         req.set_code(t->NextCode());
         req.set_name("Sở Du lịch");
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::RegisterAgency,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListAgencies",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ListAgencies,
                                         truc::v1::ListAgenciesRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/SuspendAgency",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::SetAgencyStateRequest req;
         req.set_code(kYTich);
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::SuspendAgency,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ResumeAgency",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::SetAgencyStateRequest req;
         req.set_code(kYTich);
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ResumeAgency,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/GetDocumentStatus",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::GetDocumentStatusRequest req;
         req.set_document_id(t->Doc());
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::GetDocumentStatus, req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/Resend",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ResendRequest req;
         req.set_document_id(t->Doc());
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::Resend, req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListPending",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ListPending,
                                         truc::v1::ListPendingRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/RevokeCertificate",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string name = absl::StrCat("lost-", ++t->registered_);
         t->Issue(name, {Role::kAgency, kYTich, "", {}, {}, 30});
         truc::v1::RevokeCertificateRequest req;
         req.set_serial(t->SerialOf(name));
         req.set_reason("máy tính xã bị mất");
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::RevokeCertificate, req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListCertificates",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::ListCertificates,
                                         truc::v1::ListCertificatesRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/AddAccount",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::AddAccountRequest req;
         req.set_name(absl::StrCat("clerk-", ++t->registered_));
         req.set_display_name("Nguyễn Thị Lan");
         req.set_role(truc::v1::ACCOUNT_ROLE_CLERK);
         req.set_agency(kOffice);
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::AddAccount,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/GetServiceTable",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ServiceTableRequest req;
         req.set_month("2026-11");
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::GetServiceTable, req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListAlerts",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ListAlerts,
                                         truc::v1::ListAlertsRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListAccounts",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ListAccounts,
                                         truc::v1::ListAccountsRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/DisableAccount",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::AccountRequest req;
         req.set_name(t->Account());
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::DisableAccount,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/EnableAccount",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::AccountRequest req;
         req.set_name(t->Account());
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::EnableAccount,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ResetAccount",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ResetAccountRequest req;
         req.set_name(t->Account());
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::ResetAccount,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/AddAxisSystem",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::AddAxisSystemRequest req;
         req.set_agency(kOffice);
         req.set_name("Phần mềm QLVB của Văn phòng");
         return AuthorizationTest::Unary(t->Op(cert).get(), &Op::AddAxisSystem,
                                         req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/ListAxisSystems",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::ListAxisSystems,
                                         truc::v1::ListAxisSystemsRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Operator/RevokeAxisSystem",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::RevokeAxisSystemRequest req;
         req.set_id(t->System());
         req.set_reason("máy chủ cũ");
         return AuthorizationTest::Unary(t->Op(cert).get(),
                                         &Op::RevokeAxisSystem, req);
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Audit/GetCheckpoint",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::GetCheckpointRequest req;
         req.set_fresh(true);
         return AuthorizationTest::Unary(t->Au(cert).get(), &Au::GetCheckpoint,
                                         req);
       },
       {OK, OK, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Audit/GetConsistencyProof",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::GetConsistencyProofRequest req;
         req.set_old_size(1);
         req.set_new_size(t->hub_->audit()->size());
         return AuthorizationTest::Unary(t->Au(cert).get(),
                                         &Au::GetConsistencyProof, req);
       },
       {OK, OK, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Audit/ProveDocument",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ProveDocumentRequest req;
         req.set_document_id(t->Doc());
         return AuthorizationTest::Unary(t->Au(cert).get(), &Au::ProveDocument,
                                         req);
       },
       // Its sender, its recipients and operators; not another agency.
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Audit/VerifyLog",
       "operator",
       [](AuthorizationTest* t, const std::string& cert) {
         return AuthorizationTest::Unary(t->Au(cert).get(), &Au::VerifyLog,
                                         truc::v1::VerifyLogRequest());
       },
       {OK, DENIED, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      // Health checking is open to every certificate of the province, and
      // refuses a revoked one like every other call.
      // The Bridge service: the bridge that reaches the remote recipient
      // takes, forwards and reports for it; another bridge sees nothing of
      // it (and polls its own, empty, queue); no agency or operator calls
      // it.
      {"truc.v1.Bridge/Poll",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         t->RemoteDoc();
         truc::v1::PollRequest req;
         req.set_wait_seconds(0);
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::Poll, req);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, OK}},
      {"truc.v1.Bridge/Download",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->RemoteDoc();
         return AuthorizationTest::DownloadAll(t->Br(cert).get(), id);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/Forward",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::ForwardRequest req;
         req.set_document_id(t->RemoteDoc());
         req.add_recipients(kRemote);
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::Forward, req);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/ReportStatus",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->RemoteDoc();
         return AuthorizationTest::Unary(
             t->Br(cert).get(), &Br::ReportStatus,
             t->BridgeReport(id, truc::v1::EDXML_STATUS_ARRIVED));
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/ReportStatuses",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::BridgeStatusBatch req;
         *req.add_statuses() =
             t->BridgeReport(t->RemoteDoc(), truc::v1::EDXML_STATUS_ARRIVED);
         truc::v1::BridgeStatusBatchResponse resp;
         grpc::Status st = AuthorizationTest::Unary(
             t->Br(cert).get(), &Br::ReportStatuses, req, &resp);
         // Each status is answered on its own: the one status's answer.
         if (!st.ok() || resp.outcomes_size() != 1) return st;
         return grpc::Status(
             static_cast<grpc::StatusCode>(resp.outcomes(0).code()),
             resp.outcomes(0).message());
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/Send",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         return t->BringIn(cert);
       },
       // Another bridge does not reach the sender.
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/Statuses",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::BridgeStatusesRequest req;
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::Statuses, req);
       },
       // Another bridge lists its own (none).
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, OK}},
      {"truc.v1.Bridge/ClearStatus",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->ArrivalForQg();
         truc::v1::BridgeClearRequest req;
         req.set_document_id(id);
         req.set_recipient(kHealth);
         req.set_status(truc::v1::EDXML_STATUS_ARRIVED);
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::ClearStatus,
                                         req);
       },
       // Another bridge has no such status to clear.
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, NOT_FOUND}},
      {"truc.v1.Bridge/ClearStatuses",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         const std::string id = t->ArrivalForQg();
         truc::v1::BridgeClearBatch req;
         auto* c = req.add_clears();
         c->set_document_id(id);
         c->set_recipient(kHealth);
         c->set_status(truc::v1::EDXML_STATUS_ARRIVED);
         grpc::Status st = AuthorizationTest::Unary(t->Br(cert).get(),
                                                    &Br::ClearStatuses, req);
         if (!st.ok()) return st;
         // A notice already gone is no error here: whether it went.
         auto left = t->hub_->ledger()->ListStatusNotices("@qg", 1000);
         for (const auto& n : *left) {
           if (n.document_id() == id) {
             return grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 "the bridge's notice is still there");
           }
         }
         return st;
       },
       // Another bridge clears nothing of it.
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, NOT_FOUND}},
      {"truc.v1.Bridge/ReportLocation",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::BridgeLocationRequest req;
         req.set_document_id(t->RemoteDoc());
         req.set_recipient(kRemote);
         req.mutable_location()->set_hub("Trục quốc gia");
         req.mutable_location()->set_waits_for(
             truc::v1::RemoteLocation::WAITS_FOR_AGENT);
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::ReportLocation,
                                         req);
       },
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, DENIED}},
      {"truc.v1.Bridge/Directory",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::BridgeDirectoryRequest req;
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::Directory,
                                         req);
       },
       // Every bridge may mirror the directory below.
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, OK}},
      {"truc.v1.Bridge/SyncDirectory",
       kBridgeOwner,
       [](AuthorizationTest* t, const std::string& cert) {
         truc::v1::SyncDirectoryRequest req;
         auto* a = req.add_agencies();
         a->set_code(kRemote);
         a->set_name("Văn phòng Chính phủ");
         return AuthorizationTest::Unary(t->Br(cert).get(), &Br::SyncDirectory,
                                         req);
       },
       // Another bridge is answered, but cannot take the agency over: it
       // is named among the conflicts (ledger_bridge_test).
       {OK, DENIED, DENIED, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, OK}},
      {"grpc.health.v1.Health/Check",
       kHealth,
       [](AuthorizationTest* t, const std::string& cert) {
         grpc::GenericStub generic(t->As(cert));
         grpc::ClientContext ctx;
         ctx.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
         grpc::Slice empty("");
         grpc::ByteBuffer request(&empty, 1), response;
         std::promise<grpc::Status> done;
         generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check",
                           grpc::StubOptions(), &request, &response,
                           [&](grpc::Status s) { done.set_value(s); });
         return done.get_future().get();
       },
       {OK, OK, OK, UNAVAIL, UNAVAIL, UNAUTH, UNAVAIL, OK}},
  };
}

// The certificate file a caller presents for a row.
std::string CertOf(const Row& row, Caller caller) {
  switch (caller) {
    case kOwn:
      return row.owner;
    case kOther:
      return kFinance;
    case kOperator:
      return "operator";
    case kNoCert:
      return "";
    case kOtherCa:
      return row.owner + "-foreign";
    case kRevoked:
      return row.owner + "-revoked";
    case kExpired:
      return row.owner + "-expired";
    case kBridge:
      return "bridge-xa";
    default:
      return "";
  }
}

TEST_F(AuthorizationTest, EveryRpcAnswersEveryCallerAsItsRowSays) {
  for (const Row& row : Table()) {
    for (int c = 0; c < kCallerCount; ++c) {
      const grpc::Status got = row.invoke(this, CertOf(row, Caller(c)));
      EXPECT_EQ(got.error_code(), row.expect[c])
          << row.method << " called by " << kCallerNames[c] << " ("
          << CertOf(row, Caller(c)) << "): " << got.error_message();
    }
  }
}

TEST_F(AuthorizationTest, EveryMethodOfEveryServiceHasARow) {
  std::set<std::string> rows;
  for (const Row& row : Table()) rows.insert(row.method);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* service : {"truc.v1.Exchange", "truc.v1.Operator",
                              "truc.v1.Audit", "truc.v1.Bridge"}) {
    const auto* s = pool->FindServiceByName(service);
    ASSERT_NE(s, nullptr) << service;
    for (int i = 0; i < s->method_count(); ++i) {
      const std::string name = absl::StrCat(service, "/", s->method(i)->name());
      EXPECT_TRUE(rows.count(name))
          << name << " has no row in the authorization table: decide who "
          << "may call it, and add the row";
    }
  }
}

}  // namespace
}  // namespace truc::hub
