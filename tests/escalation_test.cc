// Escalation across processes: a real truc-hub with short rules, a real
// agent that stops, a webhook receiver (an HTTP server in this test) and a
// real SMTP server (tests/smtp_sink). A stopped agent must bring exactly
// one webhook call and one e-mail, and the alert must clear, and say so,
// when the agent comes back.
#include <httplib.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "gtest/gtest.h"
#include "tests/process.h"
#include "tests/province.h"

namespace truc::testing {
namespace {

class EscalationEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    hook_.Post("/hook",
               [this](const httplib::Request& req, httplib::Response& res) {
                 std::lock_guard<std::mutex> lock(mu_);
                 calls_.push_back(req.body);
                 res.status = 200;
               });
    hook_port_ = hook_.bind_to_any_port("127.0.0.1");
    hook_thread_ = std::thread([this] { hook_.listen_after_bind(); });

    std::filesystem::create_directories(p_.Path("mail"));
    sink_ = std::make_unique<Process>(
        std::vector<std::string>{TRUC_SMTP_SINK_BIN, "--dir", p_.Path("mail"),
                                 "--port-file", p_.Path("smtp.port")},
        p_.Path("smtp.log"));
    ASSERT_TRUE(WaitFor([&] { return p_.PortIn("smtp.port") != 0; },
                        std::chrono::seconds(10)));
    smtp_port_ = p_.PortIn("smtp.port");
    WriteConfig(/*digests=*/false);
    p_.StartHub();
    p_.SmallProvince();
  }
  // Short rules; digests from midnight (so at the first check), or none.
  void WriteConfig(bool digests) {
    // With digests, no alert: what the channels get is the digests alone.
    p_.WriteHubConfig(absl::StrCat(
        "alerts { express_arrival_seconds: 0 very_urgent_arrival_seconds: 0 "
        "silent_agency_seconds: ",
        digests ? 0 : 3, " check_seconds: 1 }\n",
        "notify { webhook_urls: \"http://127.0.0.1:", hook_port_,
        "/hook\" smtp_url: \"smtp://127.0.0.1:", smtp_port_,
        "\" smtp_from: \"truc@langson.gov.vn\" smtp_to: "
        "\"vanphong@langson.gov.vn\" retry_initial_seconds: 1 "
        "console_url: \"https://127.0.0.1:8443/\" ",
        digests ? "daily_digests: true digest_hour: 0" : "daily_digests: false",
        " }\n"));
  }

  void TearDown() override {
    hook_.stop();
    if (hook_thread_.joinable()) hook_thread_.join();
  }

  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  size_t CallsWith(const std::string& what) {
    size_t n = 0;
    for (const auto& c : Calls())
      if (absl::StrContains(c, what)) ++n;
    return n;
  }
  std::vector<std::string> Mails() {
    std::vector<std::string> mails;
    for (int i = 1;; ++i) {
      auto m = ReadFile(p_.Path(absl::StrCat("mail/mail-", i, ".eml")));
      if (!m.ok()) return mails;
      mails.push_back(*m);
    }
  }

  Province p_;
  httplib::Server hook_;
  int hook_port_ = 0;
  int smtp_port_ = 0;
  std::thread hook_thread_;
  std::mutex mu_;
  std::vector<std::string> calls_;
  std::unique_ptr<Process> sink_;
};

TEST_F(EscalationEndToEnd, AStoppedAgentRaisesOneAlertThatClearsWhenItReturns) {
  p_.StartAgent(kHealth);
  // The agent polls; its agency is not silent yet.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = RunCommand({TRUC_CLI_BIN, "agency", "list"},
                            {{"TRUC_PROFILE", p_.Profile("operator")}});
        for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
          if (absl::StrContains(line, kHealth))
            return !absl::StrContains(line, "never");
        }
        return false;
      },
      std::chrono::seconds(10)));
  p_.StopAgent(kHealth);

  const std::string raised = R"("event":"alert_raised")";
  ASSERT_TRUE(
      WaitFor([&] { return CallsWith(raised) >= 1 && Mails().size() >= 1; },
              std::chrono::seconds(20)))
      << Calls().size() << " webhook calls, " << Mails().size() << " e-mails";
  // Checked every second for a while more: still one of each.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(CallsWith(raised), 1u);
  EXPECT_EQ(CallsWith("silent/000.07.00.H99"), 1u);
  ASSERT_EQ(Mails().size(), 1u);
  const std::string mail = Mails()[0];
  EXPECT_TRUE(absl::StrContains(mail, "RCPT TO:<vanphong@langson.gov.vn>"))
      << mail;
  EXPECT_TRUE(absl::StrContains(mail, "Subject: =?UTF-8?B?")) << mail;
  // Agencies that never polled and that nothing waits for stay quiet.
  EXPECT_EQ(CallsWith("silent/000.21.30.H99"), 0u);

  auto listed = RunCommand({TRUC_CLI_BIN, "alert", "list"},
                           {{"TRUC_PROFILE", p_.Profile("operator")}});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(absl::StrContains(listed.out, "Sở Y tế")) << listed.out;

  // The agent comes back: the alert clears, and the channels are told.
  p_.StartAgent(kHealth);
  ASSERT_TRUE(WaitFor(
      [&] {
        return CallsWith(R"("event":"alert_cleared")") == 1 &&
               Mails().size() == 2;
      },
      std::chrono::seconds(20)))
      << Calls().size() << " webhook calls, " << Mails().size() << " e-mails";
  EXPECT_EQ(CallsWith(raised), 1u);
  listed = RunCommand({TRUC_CLI_BIN, "alert", "list"},
                      {{"TRUC_PROFILE", p_.Profile("operator")}});
  EXPECT_TRUE(absl::StrContains(listed.out, "No alert")) << listed.out;
}

TEST_F(EscalationEndToEnd, TheDaysDigestsGoOutOnceThroughEveryChannel) {
  auto sent = p_.Send(kOffice, {kYTich}, "Công văn hỏa tốc số 45");
  ASSERT_TRUE(sent.ok()) << sent.status();
  // Digests turned on, from midnight: due at the hub's first check.
  p_.StopHub();
  WriteConfig(/*digests=*/true);
  p_.StartHub();
  const std::string digest = R"("event":"digest")";
  ASSERT_TRUE(
      WaitFor([&] { return CallsWith(digest) == 2 && Mails().size() == 2; },
              std::chrono::seconds(20)))
      << Calls().size() << " webhook calls, " << Mails().size() << " e-mails";
  // One for UBND xã Y Tịch (what it has not picked up), one for the office
  // (what its units lack).
  EXPECT_EQ(CallsWith(R"("kind":"KIND_RECIPIENT")"), 1u);
  EXPECT_EQ(CallsWith(R"("kind":"KIND_SENDER")"), 1u);
  EXPECT_EQ(CallsWith(sent->document_id()), 2u);
  // Once a day, even across a restart.
  p_.StopHub();
  p_.StartHub();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(CallsWith(digest), 2u);
  EXPECT_EQ(Mails().size(), 2u);
}

}  // namespace
}  // namespace truc::testing
