#include "edge-agent/agent.h"

#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "common/tls.h"
#include "edge-agent/fake_exchange.h"
#include "edge-agent/status_report.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using testing::Blob;
using ::testing::ElementsAre;
using testing::FakeHub;
using ::testing::HasSubstr;
using testing::MakeDelivery;
using testing::SampleHeader;
using truc::testing::TempDir;

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 1000 && !done(); ++i)
    absl::SleepFor(absl::Milliseconds(10));
  return done();
}

TEST(AgentTest, ReceivesSendsAndStopsWithinASecond) {
  TempDir tmp;
  FakeHub hub;
  AgentSettings settings;
  settings.hub_address = "fake";
  settings.folders.inbox = tmp.Sub("inbox");
  settings.folders.outbox = tmp.Sub("outbox");
  settings.folders.sent = tmp.Sub("sent");
  settings.folders.failed = tmp.Sub("failed");
  settings.folders.state = tmp.Sub("state");
  settings.poll_wait_seconds = 30;
  settings.outbox_scan = absl::Milliseconds(20);
  settings.outbox_settle = absl::ZeroDuration();
  auto log_text = std::make_shared<std::string>();
  auto log_mu = std::make_shared<absl::Mutex>();
  auto log =
      std::make_unique<EventLog>("truc-agent", "000.00.12.H42",
                                 [log_text, log_mu](const std::string& line) {
                                   absl::MutexLock lock(log_mu.get());
                                   *log_text += line;
                                 });
  auto agent = Agent::CreateForTest(
      settings, "000.00.12.H42", testing::TestPki::Get().Keys("000.00.12.H42"),
      hub.stub(), std::move(log));
  TRUC_ASSERT_OK(agent.status());

  std::thread running([&] { (*agent)->Run(); });

  hub.service().SetAttachment("D5", 0, Blob::Of("nội dung công văn"));
  hub.service().Offer(MakeDelivery(
      "D5", SampleHeader({{"Công văn 5.pdf", "nội dung công văn"}})));
  const std::string out = JoinPath(settings.folders.outbox, "tra-loi");
  TRUC_ASSERT_OK(MakeDirectories(out));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(out, "Trả lời.pdf"), "trả lời"));
  TRUC_ASSERT_OK(WriteFileDurably(
      JoinPath(out, "envelope.txtpb"),
      "to { organ_id: \"000.07.00.H99\" organ_name: \"Sở Y tế\" }\n"
      "subject: \"Trả lời công văn 123\"\nurgency: URGENCY_NORMAL\n"
      "attachments { name: \"Trả lời.pdf\" }\n"));

  EXPECT_TRUE(WaitUntil([&] { return hub.service().acks().size() == 1; }));
  EXPECT_TRUE(WaitUntil([&] {
    return PathExists(JoinPath(settings.folders.sent, "D1/Trả lời.pdf"));
  }));
  EXPECT_TRUE(PathExists(
      JoinPath(settings.folders.inbox, "D5/attachments/Công văn 5.pdf")));

  // The receiver is now parked in a 30 s long poll.
  absl::SleepFor(absl::Milliseconds(100));
  absl::Time start = absl::Now();
  (*agent)->Stop();
  running.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_THAT(hub.service().acks(), ElementsAre("D5"));
  absl::MutexLock lock(log_mu.get());
  EXPECT_THAT(*log_text, HasSubstr("event=started"));
  EXPECT_THAT(*log_text, HasSubstr("event=stopped"));
}

TEST(AgentTest, TakesItsAgencyFromItsCertificateOverMutualTls) {
  TempDir tmp;
  // The province CA that also issued the sample sender's key.
  absl::StatusOr<KeyAndCert> ca = testing::TestPki::Get().ca();
  IssueRequest hub_request;
  hub_request.role = Role::kHub;
  hub_request.name = "hub";
  hub_request.common_name = "truc hub";
  hub_request.dns_names = {"localhost"};
  hub_request.ip_addresses = {"127.0.0.1"};
  auto hub_cert = IssueCertificate(*ca, hub_request);
  TRUC_ASSERT_OK(hub_cert.status());
  absl::StatusOr<KeyAndCert> agent_cert =
      testing::TestPki::Get().Issued("000.00.12.H42");
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("ca.pem"), ca->cert_pem));
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("hub.pem"), hub_cert->cert_pem));
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("hub.key"), hub_cert->key_pem));
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("agent.pem"), agent_cert->cert_pem));
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("agent.key"), agent_cert->key_pem));

  truc::v1::TlsFiles hub_files;
  hub_files.set_ca_cert(tmp.Sub("ca.pem"));
  hub_files.set_cert(tmp.Sub("hub.pem"));
  hub_files.set_key(tmp.Sub("hub.key"));
  auto creds = MakeServerCredentials(hub_files);
  TRUC_ASSERT_OK(creds.status());
  FakeHub hub(*creds);

  TRUC_ASSERT_OK(WriteFileDurably(
      tmp.Sub("agent.conf"),
      absl::StrCat("hub_address: \"127.0.0.1:", hub.port(), "\"\n",
                   "tls { ca_cert: \"ca.pem\" cert: \"agent.pem\" "
                   "key: \"agent.key\" }\n",
                   "base_dir: \"UBND xã Y Tịch\"\npoll_wait_seconds: 5\n")));
  auto settings = LoadAgentConfig(tmp.Sub("agent.conf"));
  TRUC_ASSERT_OK(settings.status());
  auto agent = Agent::Create(*settings);
  TRUC_ASSERT_OK(agent.status());
  EXPECT_EQ((*agent)->agency(), "000.00.12.H42");
  // One agent per base_dir.
  EXPECT_THAT(
      Agent::Create(*settings),
      truc::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                              absl::StrCat("another truc-agent is running on ",
                                           settings->folders.state)));

  hub.service().SetAttachment("D6", 0, Blob::Of("văn bản"));
  hub.service().Offer(
      MakeDelivery("D6", SampleHeader({{"Công văn 6.pdf", "văn bản"}})));
  std::thread running([&] { (*agent)->Run(); });
  EXPECT_TRUE(WaitUntil([&] { return hub.service().acks().size() == 1; }));
  (*agent)->Stop();
  running.join();
  EXPECT_TRUE(PathExists(
      JoinPath(settings->folders.inbox, "D6/attachments/Công văn 6.pdf")));
  // Its statement of arrival is signed with its own key (the TLS one).
  auto statement = hub.service().ack_receipts();
  ASSERT_EQ(statement.size(), 1u);
  auto v = VerifyReceipt(*TrustAnchor::FromPem(ca->cert_pem), statement[0]);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.recipient(), "000.00.12.H42");
  EXPECT_EQ(v->body.status(), truc::v1::EDXML_STATUS_ARRIVED);
}

AgentSettings LocalSettings(const TempDir& tmp) {
  AgentSettings settings;
  settings.hub_address = "fake";
  settings.folders.inbox = tmp.Sub("inbox");
  settings.folders.outbox = tmp.Sub("outbox");
  settings.folders.sent = tmp.Sub("sent");
  settings.folders.failed = tmp.Sub("failed");
  settings.folders.state = tmp.Sub("state");
  return settings;
}

TEST(AgentTest, OnlyOneAgentPerFolders) {
  TempDir tmp;
  FakeHub hub;
  const AgentSettings settings = LocalSettings(tmp);
  auto first = Agent::CreateForTest(
      settings, "000.00.12.H42", testing::TestPki::Get().Keys("000.00.12.H42"),
      hub.stub());
  TRUC_ASSERT_OK(first.status());
  EXPECT_TRUE(PathExists(JoinPath(settings.folders.state, "agent.lock")));
  auto second = Agent::CreateForTest(
      settings, "000.00.12.H42", testing::TestPki::Get().Keys("000.00.12.H42"),
      hub.stub());
  EXPECT_THAT(second, truc::testing::StatusIs(
                          absl::StatusCode::kFailedPrecondition,
                          absl::StrCat("another truc-agent is running on ",
                                       settings.folders.state)));
  EXPECT_THAT(second,
              truc::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                      absl::StrCat("process ", ::getpid())));

  // `truc-agent report` does not take the lock: it works beside the agent.
  testing::WriteReceivedMarker(settings.folders.received(), "D5",
                               "000.00.12.H42", std::string(32, 'h'));
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D5");
  request.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  TRUC_EXPECT_OK(ReportStatus(hub.stub().get(), settings.folders,
                              *testing::TestPki::Get().Keys("000.00.12.H42"),
                              request)
                     .status());
  EXPECT_EQ(hub.service().reports().size(), 1u);

  // Other folders are another agent's.
  TempDir other;
  TRUC_EXPECT_OK(Agent::CreateForTest(
                     LocalSettings(other), "000.00.13.H42",
                     testing::TestPki::Get().Keys("000.00.13.H42"), hub.stub())
                     .status());

  // Once the first agent is gone, the lock is free.
  first->reset();
  TRUC_EXPECT_OK(Agent::CreateForTest(
                     settings, "000.00.12.H42",
                     testing::TestPki::Get().Keys("000.00.12.H42"), hub.stub())
                     .status());
}

TEST(AgentTest, RefusesACertificateThatIsNotAnAgency) {
  TempDir tmp;
  auto ca = CreateCertificateAuthority("CA");
  TRUC_ASSERT_OK(ca.status());
  IssueRequest request;
  request.role = Role::kOperator;
  request.name = "an";
  request.common_name = "Trần An";
  auto cert = IssueCertificate(*ca, request);
  TRUC_ASSERT_OK(cert.status());
  TRUC_ASSERT_OK(WriteFileDurably(tmp.Sub("op.pem"), cert->cert_pem));
  AgentSettings settings;
  settings.tls.set_cert(tmp.Sub("op.pem"));
  EXPECT_THAT(AgencyFromCertificate(settings),
              truc::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                      "not of an agency"));
  settings.tls.set_cert(tmp.Sub("none.pem"));
  EXPECT_THAT(AgencyFromCertificate(settings),
              truc::testing::StatusIs(absl::StatusCode::kNotFound, "tls.cert"));
}

}  // namespace
}  // namespace truc::agent
