// Agencies beyond the hub, across real processes: the operator registers
// them with the bridge that reaches them; the office sends one document to
// a local department and to the Government Office beyond; a bridge (played
// here by the test, with its own certificate) takes the remote copy,
// forwards it and brings back its statuses; `truc status`, `truc pending`
// and `truc agency list` show, at each step, who has and who has not
// received it and where it waits.
#include "absl/strings/str_cat.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/identity.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/time_util.h"
#include "gtest/gtest.h"
#include "tests/province.h"
#include "truc/v1/bridge.grpc.pb.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kGovOffice[] = "000.00.00.G22";  // beyond, via "quoc-gia"

class BridgeEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.WriteHubConfig();
    p_.StartHub();
    p_.SmallProvince();
    p_.IssueFile("bridge-quoc-gia",
                 {Role::kBridge, "quoc-gia", "Cầu nối trục quốc gia"});
    RunResult added = p_.Truc(p_.Profile("operator"),
                              {"agency", "add", kGovOffice,
                               "Văn phòng Chính phủ", "--bridge", "quoc-gia"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    EXPECT_THAT(added.out,
                HasSubstr("beyond this hub through bridge quoc-gia"));
  }

  // One unary call as the bridge, 20 s at most.
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::Status (truc::v1::Bridge::Stub::*method)(
                        grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return (bridge_.get()->*method)(&ctx, req, resp);
  }

  // The bridge's statement of `status` at the Government Office.
  truc::v1::BridgeStatusRequest Report(const std::string& id,
                                       const std::string& header,
                                       truc::v1::EdxmlStatus status) {
    auto signer = Signer::FromFiles(p_.Path("bridge-quoc-gia.key"),
                                    p_.Path("bridge-quoc-gia.crt"));
    EXPECT_TRUE(signer.ok()) << signer.status();
    truc::v1::BridgeStatusRequest req;
    req.set_document_id(id);
    req.set_recipient(kGovOffice);
    req.set_status(status);
    *req.mutable_receipt() = *SignBridgedStatement(
        **signer, id, Sha256::Of(header), kGovOffice, status, "", NowMicros());
    return req;
  }

  Province p_;
  std::unique_ptr<truc::v1::Bridge::Stub> bridge_;
};

TEST_F(BridgeEndToEnd,
       ARemoteRecipientIsTrackedUntilTheBridgeBringsItsArrival) {
  bridge_ = p_.Bridge("bridge-quoc-gia");
  p_.StartAgent(kHealth);
  auto sent = p_.Send(kOffice, {kHealth, kGovOffice},
                      "V/v báo cáo công tác phòng chống lũ",
                      {{"Báo cáo.pdf", "%PDF báo cáo lũ"}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  const std::string office = p_.Profile(kOffice);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = p_.Status(id);
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(30)));
  RunResult status = p_.Truc(office, {"status", id});
  EXPECT_THAT(status.out,
              HasSubstr("via bridge quoc-gia; waits for the bridge"));
  EXPECT_THAT(status.out,
              HasSubstr("1 of 2 received; not yet: 000.00.00.G22 (Văn phòng "
                        "Chính phủ)"));

  // The bridge polls its queue: the document, for the Government Office.
  truc::v1::PollRequest poll;
  poll.set_wait_seconds(5);
  truc::v1::PollResponse offered;
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::Poll, poll, &offered).ok());
  ASSERT_EQ(offered.deliveries_size(), 1);
  const auto& delivery = offered.deliveries(0);
  EXPECT_EQ(delivery.document_id(), id);
  ASSERT_EQ(delivery.recipients_size(), 1);
  EXPECT_EQ(delivery.recipients(0), kGovOffice);
  // It downloads the attachment, byte for byte.
  {
    grpc::ClientContext ctx;
    truc::v1::DownloadRequest req;
    req.set_document_id(id);
    auto reader = bridge_->Download(&ctx, req);
    std::string bytes;
    truc::v1::DownloadChunk chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(bytes, "%PDF báo cáo lũ");
  }
  // The next hop has it: forwarded, and still not received.
  truc::v1::ForwardRequest forward;
  forward.set_document_id(id);
  truc::v1::ForwardResponse forwarded;
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::Forward, forward, &forwarded).ok());
  status = p_.Truc(office, {"status", id});
  EXPECT_THAT(status.out, HasSubstr("forwarded (beyond)"));
  EXPECT_THAT(status.out, HasSubstr("waits beyond this hub"));
  EXPECT_THAT(status.out, HasSubstr("1 of 2 received"));
  RunResult pending = p_.Truc(p_.Profile("operator"), {"pending"});
  EXPECT_THAT(pending.out, HasSubstr(kGovOffice));
  RunResult outstanding = p_.Truc(office, {"sent", "--outstanding"});
  EXPECT_THAT(outstanding.out, HasSubstr(id));

  // Its arrival, then its read receipt, come back through the bridge.
  const std::string header = delivery.envelope().header();
  truc::v1::BridgeStatusResponse recorded;
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::ReportStatus,
                   Report(id, header, truc::v1::EDXML_STATUS_ARRIVED),
                   &recorded)
                  .ok());
  // Carried twice (a retry after a crash): recorded once.
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::ReportStatus,
                   Report(id, header, truc::v1::EDXML_STATUS_ARRIVED),
                   &recorded)
                  .ok());
  EXPECT_TRUE(recorded.already_recorded());
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::ReportStatus,
                   Report(id, header, truc::v1::EDXML_STATUS_ACCEPTED),
                   &recorded)
                  .ok());
  status = p_.Truc(office, {"status", id});
  EXPECT_THAT(status.out, HasSubstr("2 of 2 received"));
  EXPECT_THAT(status.out, HasSubstr("accepted 03"));
  // The office checks every signature: the bridge's, as carrier.
  RunResult evidence = p_.Truc(office, {"status", id, "--evidence"});
  EXPECT_EQ(evidence.exit_code, 0) << evidence.out << evidence.err;
  EXPECT_THAT(evidence.out, HasSubstr("bridge quoc-gia"));
  EXPECT_THAT(evidence.out, ::testing::Not(HasSubstr("FAIL")));
}

TEST_F(BridgeEndToEnd, TheDirectoryAndTheDoorsKeepRemoteAgenciesApart) {
  RunResult list = p_.Truc(p_.Profile("operator"), {"agency", "list"});
  EXPECT_THAT(list.out, HasSubstr("beyond, via bridge quoc-gia"));
  EXPECT_THAT(
      list.out,
      HasSubstr("5 agencies; 0 suspended; 4 silent"));  // not the remote one
  // An agent with the remote agency's certificate is turned away here.
  p_.IssueAgency(kGovOffice);
  truc::v1::PollRequest poll;
  truc::v1::PollResponse resp;
  grpc::ClientContext ctx;
  auto status = p_.Exchange(kGovOffice)->Poll(&ctx, poll, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("reached through bridge"));
  // A bridge cannot use the agencies' service, nor report for a local one.
  bridge_ = p_.Bridge("bridge-quoc-gia");
  auto sent = p_.Send(kOffice, {kHealth}, "V/v lịch trực", {});
  ASSERT_TRUE(sent.ok()) << sent.status();
  truc::v1::BridgeStatusRequest req;
  req.set_document_id(sent->document_id());
  req.set_recipient(kHealth);
  req.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  truc::v1::BridgeStatusResponse out;
  auto refused = Call(&truc::v1::Bridge::Stub::ReportStatus, req, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("bridge quoc-gia does not reach agency"));
  // `truc ca issue --bridge` makes such a certificate.
  const std::string ca = p_.Path("ca-demo");
  RunResult init = p_.Truc("", {"ca", "init", "--dir", ca, "--name", "CA"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RunResult issued = p_.Truc("", {"ca", "issue", "--dir", ca, "--bridge",
                                  "quoc-gia", "--out", p_.Path("issued")});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  auto identity =
      IdentityFromCertificatePem(*ReadFile(p_.Path("issued/quoc-gia.crt")));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->role, Role::kBridge);
  EXPECT_EQ(identity->name, "quoc-gia");
}

}  // namespace
}  // namespace truc::testing
