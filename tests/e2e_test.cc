// End to end over loopback mTLS with real truc-hub and truc-agent processes.
#include <algorithm>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/text_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/province.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.StartHub();
    p_.Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn");
    p_.Register(kHealth, "Sở Y tế");
    p_.Register(kFinance, "Sở Tài chính");
    p_.Register(kYTich, "UBND xã Y Tịch");
  }

  bool InInbox(const std::string& code, const std::string& id) {
    auto ids = p_.Inbox(code);
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  Province p_;
};

TEST_F(EndToEnd, ThreeAgenciesReceiveByteIdenticalAttachments) {
  for (const char* code : {kHealth, kFinance, kYTich}) p_.StartAgent(code);
  std::string scan;
  for (uint32_t i = 0; i < 3'000'000; ++i) {
    scan.push_back(static_cast<char>((i * 7919u) >> 3));
  }
  const std::string appendix =
      "Danh sách xã bị ảnh hưởng: Y Tịch, Vân An, Chi Lăng";
  auto sent =
      p_.Send(kOffice, {kHealth, kFinance, kYTich}, "V/v ứng phó bão số 9",
              {{"Công văn 45.pdf", scan}, {"Phụ lục.txt", appendix}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  for (const char* code : {kHealth, kFinance, kYTich}) {
    ASSERT_TRUE(
        WaitFor([&] { return InInbox(code, id); }, std::chrono::seconds(30)))
        << code << " did not receive " << id;
    std::string folder = p_.AgentDir(code) + "/inbox/" + id;
    std::string files = folder + "/attachments";
    EXPECT_EQ(*ReadFile(files + "/Công văn 45.pdf"), scan) << code;
    EXPECT_EQ(*ReadFile(files + "/Phụ lục.txt"), appendix) << code;
    std::string envelope = *ReadFile(folder + "/envelope.txtpb");
    EXPECT_NE(envelope.find("V/v ứng phó bão số 9"), std::string::npos)
        << envelope;
  }
  // The operator sees all three arrived, each with its time.
  ASSERT_TRUE(WaitFor([&] { return p_.Status(id)->received_count() == 3; },
                      std::chrono::seconds(10)));
  auto status = p_.Status(id);
  for (const auto& r : status->recipients()) {
    EXPECT_EQ(r.state(), truc::v1::DELIVERY_STATE_ARRIVED) << r.organ_id();
    EXPECT_GT(r.arrived_at().unix_micros(), 0);
    EXPECT_FALSE(r.silent());
  }
  // The sender sees the same through the exchange service.
  auto office = p_.Exchange(kOffice);
  grpc::ClientContext ctx;
  truc::v1::GetDocumentStatusRequest req;
  req.set_document_id(id);
  truc::v1::DocumentStatus mine;
  ASSERT_TRUE(office->GetDocumentStatus(&ctx, req, &mine).ok());
  EXPECT_EQ(mine.received_count(), 3u);
  EXPECT_EQ(mine.subject(), "V/v ứng phó bão số 9");
}

TEST_F(EndToEnd, OfflineAgentReceivesEverythingQueuedExpressFirst) {
  const std::vector<std::pair<truc::v1::Urgency, std::string>> sends = {
      {truc::v1::URGENCY_NORMAL, "thường 1"},
      {truc::v1::URGENCY_URGENT, "khẩn"},
      {truc::v1::URGENCY_EXPRESS, "hỏa tốc 1"},
      {truc::v1::URGENCY_NORMAL, "thường 2"},
      {truc::v1::URGENCY_VERY_URGENT, "thượng khẩn"},
      {truc::v1::URGENCY_EXPRESS, "hỏa tốc 2"}};
  std::vector<std::string> ids;
  for (const auto& [urgency, subject] : sends) {
    auto sent =
        p_.Send(kOffice, {kYTich}, subject, {{"vb.txt", subject}}, urgency);
    ASSERT_TRUE(sent.ok()) << sent.status();
    ids.push_back(sent->document_id());
  }
  // While its agent is off, Y Tịch is silent and every document waits.
  auto before = p_.Status(ids[2]);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->recipients(0).silent());
  EXPECT_EQ(before->recipients(0).state(), truc::v1::DELIVERY_STATE_QUEUED);

  p_.StartAgent(kYTich);
  ASSERT_TRUE(WaitFor([&] { return p_.Inbox(kYTich).size() == ids.size(); },
                      std::chrono::seconds(30)));
  std::vector<std::pair<int64_t, std::string>> arrivals;
  for (const auto& id : ids) {
    auto status = p_.Status(id);
    ASSERT_TRUE(status.ok());
    arrivals.emplace_back(status->recipients(0).arrived_at().unix_micros(),
                          status->subject());
  }
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<std::string> order;
  for (const auto& [t, subject] : arrivals) order.push_back(subject);
  EXPECT_EQ(order,
            (std::vector<std::string>{"hỏa tốc 1", "hỏa tốc 2", "thượng khẩn",
                                      "khẩn", "thường 1", "thường 2"}));
}

TEST_F(EndToEnd, StatusReportsFromTheAgentCommandLineReachTheSender) {
  p_.StartAgent(kHealth);
  auto sent = p_.Send(kOffice, {kHealth}, "Giấy mời họp", {});
  ASSERT_TRUE(sent.ok());
  const std::string id = sent->document_id();
  ASSERT_TRUE(
      WaitFor([&] { return InInbox(kHealth, id); }, std::chrono::seconds(30)));
  std::string conf = p_.AgentDir(kHealth) + "/agent.conf";
  auto r = RunCommand({TRUC_AGENT_BIN, "report", "--config", conf, id, "03",
                       "--description", "Đã vào sổ văn bản đến", "--staff",
                       "Trần Thị Bình"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand({TRUC_AGENT_BIN, "report", "--config", conf, id, "07"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("07"), std::string::npos) << r.err;
  auto status = p_.Status(id);
  ASSERT_TRUE(status.ok());
  const auto& rec = status->recipients(0);
  EXPECT_EQ(rec.state(), truc::v1::DELIVERY_STATE_ACCEPTED);
  EXPECT_GT(rec.accepted_at().unix_micros(), 0);
  ASSERT_EQ(rec.history_size(), 2);
  EXPECT_EQ(rec.history(1).staff().staff(), "Trần Thị Bình");
}

TEST_F(EndToEnd, OutboxFolderWaitsForTheHubThenGoesOnce) {
  p_.StartAgent(kHealth);
  p_.StartAgent(kOffice);
  // The hub goes down; a clerk drops a document into the office's outbox.
  p_.StopHub();
  const std::string folder = p_.AgentDir(kOffice) + "/outbox/cong-van-46";
  ASSERT_TRUE(MakeDirectories(folder).ok());
  ASSERT_TRUE(
      WriteFileDurably(folder + "/Công văn 46.pdf", "Nội dung công văn 46")
          .ok());
  ASSERT_TRUE(
      WriteFileDurably(folder + "/envelope.txtpb", absl::StrCat(R"(
to { organ_id: ")",
                                                                kHealth, R"(" }
code { code_number: "46" code_notation: "UBND-VP" }
promulgation { place: "Lạng Sơn" promulgation_date { year: 2026 month: 11 day: 22 } }
document_type { type_name: "Công văn" }
subject: "V/v kiểm tra công tác phòng chống dịch"
signer { full_name: "Nguyễn Văn An" }
urgency: URGENCY_EXPRESS
attachments { name: "Công văn 46.pdf" }
)"))
          .ok());
  // It stays in the outbox while the hub is unreachable.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_TRUE(PathExists(folder));
  p_.StartHub();
  std::string sent_id;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(
                 p_.AgentDir(kOffice) + "/sent", ec)) {
          sent_id = e.path().filename().string();
        }
        return !sent_id.empty();
      },
      std::chrono::seconds(30)))
      << ReadFile(p_.AgentDir(kOffice) + "/agent.log").value_or("");
  EXPECT_FALSE(PathExists(folder));
  ASSERT_TRUE(WaitFor([&] { return InInbox(kHealth, sent_id); },
                      std::chrono::seconds(30)));
  EXPECT_EQ(*ReadFile(p_.AgentDir(kHealth) + "/inbox/" + sent_id +
                      "/attachments/Công văn 46.pdf"),
            "Nội dung công văn 46");
  EXPECT_EQ(p_.Inbox(kHealth).size(), 1u);
}

TEST_F(EndToEnd, MalformedHubConfigStopsTheHubNamingTheField) {
  ASSERT_TRUE(
      WriteFileDurably(
          p_.Path("bad.conf"),
          "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n"
          "lease_seconds: 0\nsilence_treshold_seconds: 60\n")
          .ok());
  auto r = RunCommand({TRUC_HUB_BIN, "--config", p_.Path("bad.conf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("silence_treshold_seconds"), std::string::npos) << r.err;
  ASSERT_TRUE(
      WriteFileDurably(
          p_.Path("bad2.conf"),
          "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n"
          "max_poll_wait_seconds: 9999\n")
          .ok());
  r = RunCommand({TRUC_HUB_BIN, "--config", p_.Path("bad2.conf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("max_poll_wait_seconds is 9999"), std::string::npos)
      << r.err;
  // A second hub on the same data directory is refused: the store is locked.
  r = RunCommand({TRUC_HUB_BIN, "--config", p_.Path("hub.conf")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lock"), std::string::npos) << r.err;
}

// Every wrong field of a hub's configuration stops it at start with exit
// code 2 and a line naming the field, before anything is served: ports
// out of range or not numbers, on every listen address; a URL of the wrong
// scheme; a TLS file that is not there.
TEST_F(EndToEnd, EveryWrongHubFieldExitsTwoNamingIt) {
  const std::string tls =
      "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: \"hub.key\" }\n";
  struct Case {
    std::string config;
    std::string named;
  };
  const std::vector<Case> cases = {
      {tls + "listen_address: \"127.0.0.1:99999\"\n",
       "listen_address \"127.0.0.1:99999\": the port must be at most 65535"},
      {tls + "listen_address: \"127.0.0.1:65536\"\n",
       "listen_address \"127.0.0.1:65536\": the port must be at most 65535"},
      {tls + "listen_address: \"127.0.0.1:\"\n",
       "listen_address \"127.0.0.1:\": no port"},
      {tls + "listen_address: \"127.0.0.1:abc\"\n",
       "listen_address \"127.0.0.1:abc\": the port must be a number"},
      {tls + "console { listen_address: \"127.0.0.1:70000\" }\n",
       "console.listen_address \"127.0.0.1:70000\""},
      {tls + "metrics_listen_address: \"127.0.0.1:-1\"\n",
       "metrics_listen_address \"127.0.0.1:-1\""},
      {tls + "notify { webhook_urls: \"ftp://x\" }\n",
       "notify.webhook_urls \"ftp://x\" must begin with http:// or https://"},
      {"tls { ca_cert: \"ca.crt\" cert: \"none.crt\" key: \"hub.key\" }\n",
       "tls.cert: open " + p_.Path("none.crt")},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = p_.Path(absl::StrCat("wrong-", i, ".conf"));
    ASSERT_TRUE(
        WriteFileDurably(path, absl::StrCat(cases[i].config,
                                            "data_dir: \"wrong-", i, "\"\n"))
            .ok());
    auto r = RunCommand({TRUC_HUB_BIN, "--config", path});
    EXPECT_EQ(r.exit_code, 2) << cases[i].config << r.err;
    EXPECT_THAT(r.err, HasSubstr(cases[i].named)) << cases[i].config;
    EXPECT_THAT(r.err, HasSubstr("truc-hub: error: bad config"));
    // Nothing else was printed first (no library's log line), and nothing
    // was served or created.
    EXPECT_EQ(r.err.rfind("truc-hub: error: bad config", 0), 0u) << r.err;
    EXPECT_FALSE(PathExists(p_.Path(absl::StrCat("wrong-", i))));
  }
}

// The same for an agent's configuration and a command-line profile.
TEST_F(EndToEnd, WrongAgentConfigAndProfileExitTwoNamingTheField) {
  ASSERT_TRUE(
      WriteFileDurably(p_.Path("agent-wrong.conf"),
                       "hub_address: \"127.0.0.1:99999\"\n"
                       "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: "
                       "\"hub.key\" }\nbase_dir: \"agent-wrong\"\n")
          .ok());
  auto r = RunCommand(
      {TRUC_AGENT_BIN, "run", "--config", p_.Path("agent-wrong.conf")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("hub_address \"127.0.0.1:99999\""));
  EXPECT_FALSE(PathExists(p_.Path("agent-wrong")));
  ASSERT_TRUE(
      WriteFileDurably(p_.Path("agent-nocert.conf"),
                       "hub_address: \"127.0.0.1:7443\"\n"
                       "tls { ca_cert: \"ca.crt\" cert: \"gone.crt\" key: "
                       "\"hub.key\" }\nbase_dir: \"agent-nocert\"\n")
          .ok());
  r = RunCommand(
      {TRUC_AGENT_BIN, "run", "--config", p_.Path("agent-nocert.conf")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("tls.cert: open " + p_.Path("gone.crt")));

  ASSERT_TRUE(
      WriteFileDurably(p_.Path("wrong.profile"),
                       "hub_address: \"127.0.0.1:abc\"\n"
                       "tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: "
                       "\"hub.key\" }\n")
          .ok());
  r = p_.Truc(p_.Path("wrong.profile"), {"pending"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("hub_address \"127.0.0.1:abc\""));
  r = p_.Truc(p_.Path("nowhere.profile"), {"pending"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace truc::testing
