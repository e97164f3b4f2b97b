// Agencies beyond the hub, across real processes: the operator registers
// them with the bridge that reaches them; the office sends one document to
// a local department and to the Government Office beyond; a bridge (played
// here by the test, with its own certificate) takes the remote copy,
// forwards it and brings back its statuses; `truc status`, `truc pending`
// and `truc agency list` show, at each step, who has and who has not
// received it and where it waits.
#include <future>

#include "absl/strings/str_cat.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/identity.h"
#include "common/pki.h"
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

TEST_F(BridgeEndToEnd, ADocumentFromBeyondIsBroughtInOnceAndItsStatusesGoBack) {
  bridge_ = p_.Bridge("bridge-quoc-gia");
  p_.StartAgent(kHealth);
  // The Government Office's document, signed by its sender under another
  // CA, brought in by the bridge as carrier for Sở Y tế.
  auto foreign_ca = CreateCertificateAuthority("CA Chính phủ");
  ASSERT_TRUE(foreign_ca.ok());
  auto sender_kc = IssueCertificate(
      *foreign_ca, {Role::kAgency, kGovOffice, "Văn phòng Chính phủ"});
  auto sender = Signer::FromPem(sender_kc->key_pem, sender_kc->cert_pem);
  auto carrier = Signer::FromFiles(p_.Path("bridge-quoc-gia.key"),
                                   p_.Path("bridge-quoc-gia.crt"));
  ASSERT_TRUE(sender.ok() && carrier.ok());
  truc::v1::DocumentHeader h =
      ClerkHeader(kGovOffice, {kHealth, "000.00.00.G17"},
                  "V/v tăng cường phòng chống dịch sốt xuất huyết",
                  truc::v1::URGENCY_EXPRESS);
  auto* date = h.mutable_promulgation()->mutable_promulgation_date();
  date->set_year(2026);
  date->set_month(12);
  date->set_day(7);
  h.mutable_code()->set_code_number("12");
  h.mutable_code()->set_code_notation("CT-TTg");
  const std::string content = "%PDF chỉ thị";
  auto* a = h.add_attachments();
  a->set_name("Chỉ thị.pdf");
  a->set_content_type("application/pdf");
  a->set_size(content.size());
  a->set_sha256(Sha256::Of(content));
  auto bring_in = [&](const std::vector<std::string>& deliver_to,
                      std::string* id) {
    truc::v1::SendRequest begin;
    auto* b = begin.mutable_begin();
    b->set_idempotency_key("20261207-0a1b2c3d4e5f");  // its id at its origin
    for (const auto& r : deliver_to) b->add_deliver_to(r);
    auto* env = b->mutable_envelope();
    h.SerializeToString(env->mutable_header());
    *env->mutable_signature() = *(*sender)->Sign(kHeaderContext, env->header());
    env->set_carried_by_bridge("quoc-gia");
    *env->mutable_carrier_signature() =
        *(*carrier)->Sign(kBridgedHeaderContext, env->header());
    truc::v1::SendRequest chunk;
    chunk.mutable_chunk()->set_data(content);
    grpc::ClientContext ctx;
    truc::v1::SendResponse resp;
    auto writer = bridge_->Send(&ctx, &resp);
    writer->Write(begin);
    writer->Write(chunk);
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    if (id != nullptr) *id = resp.document_id();
    return st;
  };
  // Never back the way it came, and only recipients of the header.
  RunResult added =
      p_.Truc(p_.Profile("operator"), {"agency", "add", "000.00.00.G18",
                                       "Bộ Tài chính", "--bridge", "quoc-gia"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  h.add_to()->set_organ_id("000.00.00.G18");
  auto back = bring_in({kHealth, "000.00.00.G18"}, nullptr);
  EXPECT_EQ(back.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(back.error_message(),
              HasSubstr("never goes back the way it came"));
  auto stranger = bring_in({kYTich}, nullptr);
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(stranger.error_message(),
              HasSubstr("not a recipient in the header"));
  // Brought in twice (a retry): one document.
  std::string id, again;
  ASSERT_TRUE(bring_in({kHealth}, &id).ok());
  ASSERT_TRUE(bring_in({kHealth}, &again).ok());
  EXPECT_EQ(again, id);
  // Sở Y tế's agent checks the bridge's signature and stores it.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = p_.Status(id);
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(p_.Inbox(kHealth).size(), 1u);
  // Its arrival waits for the bridge to carry it back, under the
  // document's id at its origin.
  truc::v1::BridgeStatusesRequest list;
  truc::v1::BridgeStatusesResponse statuses;
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::Statuses, list, &statuses).ok());
  // Only its arrival: the notice of where it waited here went with it.
  ASSERT_EQ(statuses.statuses_size(), 1);
  const auto& st = statuses.statuses(0);
  EXPECT_EQ(st.document_id(), id);
  EXPECT_EQ(st.origin_document_id(), "20261207-0a1b2c3d4e5f");
  EXPECT_EQ(st.sender(), kGovOffice);
  EXPECT_EQ(st.recipient(), kHealth);
  EXPECT_EQ(st.status(), truc::v1::EDXML_STATUS_ARRIVED);
  truc::v1::BridgeClearRequest clear;
  clear.set_document_id(id);
  clear.set_recipient(kHealth);
  clear.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  truc::v1::BridgeClearResponse cleared;
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::ClearStatus, clear, &cleared).ok());
  ASSERT_TRUE(Call(&truc::v1::Bridge::Stub::Statuses, list, &statuses).ok());
  EXPECT_EQ(statuses.statuses_size(), 0);
  // The bridge waits for the next (a long poll of up to 15 s): the clerk's
  // 03 wakes it, long before its wait runs out.
  auto waited = std::async(std::launch::async, [&] {
    truc::v1::BridgeStatusesRequest wait;
    wait.set_wait_seconds(15);
    truc::v1::BridgeStatusesResponse got;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    const auto start = std::chrono::steady_clock::now();
    grpc::Status st = bridge_->Statuses(&ctx, wait, &got);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return std::make_pair(got, std::chrono::steady_clock::now() - start);
  });
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(1)),
            std::future_status::timeout)
      << "answered at once with nothing to carry";
  RunResult accepted = RunCommand({TRUC_AGENT_BIN, "report", "--config",
                                   p_.AgentDir(kHealth) + "/agent.conf", id,
                                   "03", "--staff", "Trần Thị Bình"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  auto [woken, after] = waited.get();
  ASSERT_EQ(woken.statuses_size(), 1);
  EXPECT_EQ(woken.statuses(0).status(), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_LT(after, std::chrono::seconds(12));
  // The operator's view names the bridge as the sender's carrier.
  RunResult evidence =
      p_.Truc(p_.Profile("operator"), {"status", id, "--evidence"});
  EXPECT_EQ(evidence.exit_code, 0) << evidence.out << evidence.err;
  EXPECT_THAT(evidence.out, HasSubstr("bridge quoc-gia"));
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
