#include "hub/ops/notifier.h"

#include <httplib.h>

#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/test_util.h"
#include "hub/testing/hub_fixture.h"
#include "hub/store/key_layout.h"
#include "hub/store/memory_store.h"

namespace truc::hub {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kStart = 1'800'000'000'000'000;

truc::internal::NotificationRecord Raised(const std::string& channel) {
  truc::internal::NotificationRecord n;
  auto* a = n.mutable_alert();
  a->set_id("silent/000.21.30.H99");
  a->set_kind(truc::v1::Alert::KIND_SILENT_AGENCY);
  a->set_agency("000.21.30.H99");
  a->set_agency_name("UBND xã Y Tịch");
  a->set_summary("Máy trạm của UBND xã Y Tịch mất liên lạc 2h00");
  a->mutable_raised_at()->set_unix_micros(kStart);
  n.set_channel(channel);
  n.set_next_attempt_micros(kStart);
  return n;
}

class NotifierTest : public ::testing::Test {
 protected:
  std::unique_ptr<Notifier> Make(const truc::v1::NotifyConfig& extra) {
    truc::v1::NotifyConfig c = extra;
    c.set_max_attempts(3);
    c.set_retry_initial_seconds(5);
    c.set_retry_max_seconds(8);
    c.set_timeout_seconds(5);
    auto n = Notifier::Create(&store_, c, [this] { return now_; });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? std::move(*n) : nullptr;
  }
  void Queue(uint64_t seq, const truc::internal::NotificationRecord& n) {
    WriteBatch b;
    b.Put(keys::Notification(seq), n.SerializeAsString());
    ASSERT_TRUE(store_.Write(b, {}).ok());
  }
  std::vector<truc::internal::NotificationRecord> Stored() {
    return testing::QueuedNotifications(&store_);
  }
  int64_t now_ = kStart;
  MemoryStore store_;
};

TEST_F(NotifierTest, AWebhookGetsTheAlertAsJsonOnce) {
  httplib::Server server;
  std::vector<std::string> bodies;
  std::mutex mu;
  server.Post(
      "/hook", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu);
        bodies.push_back(req.body);
        EXPECT_EQ(req.get_header_value("Content-Type"), "application/json");
        res.status = 204;
      });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/hook");
  truc::v1::NotifyConfig c;
  c.add_webhook_urls(url);
  auto notifier = Make(c);
  Queue(0, Raised("webhook:" + url));
  auto sent = notifier->RunOnce();
  server.stop();
  t.join();
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 1u);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_THAT(bodies[0], HasSubstr(R"("event":"alert_raised")"));
  EXPECT_THAT(bodies[0], HasSubstr("UBND xã Y Tịch"));
  EXPECT_TRUE(Stored().empty()) << "delivered, so no longer queued";
  EXPECT_EQ(*notifier->RunOnce(), 0u);
}

TEST_F(NotifierTest, AFailingChannelBacksOffThenIsGivenUp) {
  truc::v1::NotifyConfig c;
  c.add_webhook_urls("http://127.0.0.1:1/hook");  // nothing listens
  auto notifier = Make(c);
  Queue(0, Raised("webhook:http://127.0.0.1:1/hook"));
  EXPECT_EQ(*notifier->RunOnce(), 0u);
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].attempts(), 1u);
  EXPECT_EQ(stored[0].next_attempt_micros(), kStart + 5'000'000);
  EXPECT_THAT(stored[0].last_error(), HasSubstr("127.0.0.1:1"));
  // Not due yet: not tried.
  now_ += 4'000'000;
  EXPECT_EQ(*notifier->RunOnce(), 0u);
  EXPECT_EQ(Stored()[0].attempts(), 1u);
  now_ += 1'000'000;
  EXPECT_EQ(*notifier->RunOnce(), 0u);
  EXPECT_EQ(Stored()[0].attempts(), 2u);
  EXPECT_EQ(Stored()[0].next_attempt_micros(), now_ + 8'000'000)
      << "doubled, up to the most";
  now_ += 8'000'000;
  EXPECT_EQ(*notifier->RunOnce(), 0u);
  EXPECT_TRUE(Stored().empty()) << "given up after 3 attempts";
}

TEST_F(NotifierTest, TheConfigurationIsChecked) {
  truc::v1::NotifyConfig c;
  c.add_webhook_urls("ftp://x");
  auto n = Notifier::Create(&store_, c, [] { return int64_t{0}; });
  EXPECT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()),
              HasSubstr("notify.webhook_urls"));
  c.Clear();
  c.set_smtp_url("smtp://127.0.0.1:25");
  c.set_smtp_from("truc");
  n = Notifier::Create(&store_, c, [] { return int64_t{0}; });
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("smtp_from"));
  c.set_smtp_from("truc@langson.gov.vn");
  n = Notifier::Create(&store_, c, [] { return int64_t{0}; });
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("smtp_to"));
  c.add_smtp_to("vanphong@langson.gov.vn");
  c.set_smtp_password_file("/nonexistent/password");
  n = Notifier::Create(&store_, c, [] { return int64_t{0}; });
  EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(n.status().message()),
              HasSubstr("notify.smtp_password_file: open /nonexistent"));
  c.clear_smtp_password_file();
  c.add_webhook_urls("https://alerts.langson.gov.vn/truc");
  EXPECT_TRUE(Notifier::Create(&store_, c, [] { return int64_t{0}; }).ok());
  EXPECT_EQ(Notifier::Channels(c),
            (std::vector<std::string>{
                "webhook:https://alerts.langson.gov.vn/truc", "email"}));
}

TEST(AlertMailTest, UnicodeTravelsEncodedAndDecodesBack) {
  auto n = Raised("email");
  MailText mail = AlertMail(n, "https://127.0.0.1:8443/");
  EXPECT_THAT(mail.subject, HasSubstr("CẢNH BÁO"));
  EXPECT_THAT(mail.text, HasSubstr("https://127.0.0.1:8443/#/agencies"));
  const std::string msg =
      FormatMail("truc@langson.gov.vn", {"a@langson.gov.vn"}, mail, kStart,
                 "1.truc@langson.gov.vn");
  EXPECT_THAT(msg, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(msg, HasSubstr("Content-Type: text/plain; charset=utf-8"));
  // Every line of a message is ASCII, at most 78 characters.
  for (absl::string_view line : absl::StrSplit(msg, "\r\n")) {
    EXPECT_LE(line.size(), 998u);
    for (char ch : line) EXPECT_LT(static_cast<unsigned char>(ch), 0x80);
  }
  const size_t body = msg.find("\r\n\r\n");
  std::string b64 = msg.substr(body + 4), decoded;
  b64.erase(std::remove(b64.begin(), b64.end(), '\r'), b64.end());
  b64.erase(std::remove(b64.begin(), b64.end(), '\n'), b64.end());
  ASSERT_TRUE(absl::Base64Unescape(b64, &decoded));
  EXPECT_EQ(decoded, mail.text);
  n.set_cleared(true);
  EXPECT_THAT(AlertMail(n, "").subject, HasSubstr("Đã hết cảnh báo"));
}

}  // namespace
}  // namespace truc::hub
