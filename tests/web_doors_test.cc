// The hub's web doors (the console, the metrics, the national axis's API)
// under a crowd of idle and slow connections from one machine: each door
// still answers a real client within a second, the console's live board
// keeps receiving changes, the server's deadlines drop the crowd, and the
// console holds a thousand live boards without a thread each and refuses
// the next one with a clear answer.
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/text_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/province.h"
#include "tests/web_abuse.h"
#include "truc/v1/console.pb.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kPassword[] = "mat-khau-du-dai-2026";
// What one client never gets past: a real request is answered within this
// while the crowd is at the door.
constexpr absl::Duration kServedWithin = absl::Seconds(1);

class WebDoors : public ::testing::Test {
 protected:
  void SetUp() override {
    RaiseOpenFileLimit();
    p_.WriteHubConfig(
        "console { listen_address: \"127.0.0.1:0\" port_file: "
        "\"console.port\" }\n"
        "metrics_listen_address: \"127.0.0.1:0\" metrics_port_file: "
        "\"metrics.port\"\n"
        "axis_api { listen_address: \"127.0.0.1:0\" port_file: "
        "\"axis.port\" }\n");
    p_.StartHub();
    p_.SmallProvince();
    console_ = p_.PortIn("console.port");
    metrics_ = p_.PortIn("metrics.port");
    axis_ = p_.PortIn("axis.port");
    ASSERT_NE(console_, 0);
    ASSERT_NE(metrics_, 0);
    ASSERT_NE(axis_, 0);
    truc::v1::AddAccountRequest req;
    req.set_name("an.op");
    req.set_display_name("Nguyễn Văn An");
    req.set_role(truc::v1::ACCOUNT_ROLE_OPERATOR);
    req.set_password(kPassword);
    grpc::ClientContext ctx;
    truc::v1::AccountPassword out;
    auto status = p_.Operator()->AddAccount(&ctx, req, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::unique_ptr<httplib::SSLClient> Https(int port) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    c->set_ca_cert_path(p_.Path("ca.crt").c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(10, 0);
    return c;
  }

  struct Session {
    std::string cookie;
    std::string csrf;
  };
  Session LogIn() {
    auto r = Https(console_)->Post(
        "/api/login",
        absl::StrCat(R"({"name":"an.op","password":")", kPassword, "\"}"),
        "application/json");
    EXPECT_TRUE(r) << httplib::to_string(r.error());
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    truc::v1::SessionInfo info;
    EXPECT_TRUE(ParseJson(r->body, &info).ok()) << r->body;
    const std::string cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), info.csrf_token()};
  }

  // The crowd at a door: 1,000 connections that never send a byte and 200
  // that send a header byte every 2 s, started and fully open.
  void Crowds(Door door, std::unique_ptr<Crowd>* idle,
              std::unique_ptr<Crowd>* slow) {
    *idle =
        std::make_unique<Crowd>(door, Crowd::Options{.kind = Crowd::Kind::kIdle,
                                                     .connections = 1000,
                                                     .per_address = 50,
                                                     .first_address = 10});
    *slow = std::make_unique<Crowd>(
        door, Crowd::Options{.kind = Crowd::Kind::kSlow,
                             .connections = 200,
                             .per_address = 50,
                             .first_address = 40,
                             .byte_every = absl::Seconds(2)});
    (*idle)->Start();
    (*slow)->Start();
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline && ((*idle)->counts().opened < 1000 ||
                                      (*slow)->counts().opened < 200)) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_GE((*idle)->counts().opened, 1000u);
    ASSERT_GE((*slow)->counts().opened, 200u);
    // Past the first deadlines: the crowd has been dropped and came back.
    absl::SleepFor(absl::Seconds(7));
  }

  // The crowd was dropped by the door's deadlines (5 s for a handshake or
  // for headers, by default), not held.
  void ExpectDropped(const Crowd& idle, const Crowd& slow) {
    const Crowd::Counts i = idle.counts();
    const Crowd::Counts s = slow.counts();
    std::printf(
        "crowd: idle %lu opened, %lu dropped by the hub (kept at most "
        "%s); slow %lu opened, %lu dropped (kept at most %s)\n",
        static_cast<unsigned long>(i.opened),
        static_cast<unsigned long>(i.dropped),
        absl::FormatDuration(i.longest_kept).c_str(),
        static_cast<unsigned long>(s.opened),
        static_cast<unsigned long>(s.dropped),
        absl::FormatDuration(s.longest_kept).c_str());
    EXPECT_GE(i.dropped, 1000u);
    EXPECT_GE(s.dropped, 200u);
    EXPECT_LE(i.longest_kept, absl::Seconds(8));
    EXPECT_LE(s.longest_kept, absl::Seconds(8));
  }

  Province p_;
  int console_ = 0;
  int metrics_ = 0;
  int axis_ = 0;
};

// What `fn` returns, and in `took` how long it took.
template <class Fn>
auto Timed(absl::Duration* took, Fn fn) {
  const absl::Time start = absl::Now();
  auto result = fn();
  *took = absl::Now() - start;
  return result;
}

TEST_F(WebDoors, TheConsoleServesItsPeopleWhileACrowdIsAtTheDoor) {
  Session op = LogIn();
  // A board listens before the crowd comes.
  std::mutex mu;
  std::string stream;
  std::atomic<bool> stop{false};
  std::thread listener;
  // Whatever fails below, the listener ends (at the next heartbeat at the
  // latest) before the test does.
  struct Joiner {
    std::atomic<bool>* stop;
    std::thread* t;
    ~Joiner() {
      *stop = true;
      if (t->joinable()) t->join();
    }
  } joiner{&stop, &listener};
  listener = std::thread([&] {
    auto c = Https(console_);
    c->set_read_timeout(30, 0);
    c->Get("/api/events", {{"Cookie", op.cookie}, {"X-CSRF-Token", op.csrf}},
           [&](const char* data, size_t n) {
             std::lock_guard<std::mutex> lock(mu);
             stream.append(data, n);
             return !stop.load();
           });
  });
  const auto seen = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    return absl::StrContains(stream, what);
  };
  for (int i = 0; i < 200 && !seen("event: hello"); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(seen("event: hello"));

  std::unique_ptr<Crowd> idle, slow;
  Crowds(Door{console_, true}, &idle, &slow);

  absl::Duration login, board_time, action;
  const Session again = Timed(&login, [&] { return LogIn(); });
  httplib::Result board = Timed(&board_time, [&] {
    return Https(console_)->Get(
        "/api/board", {{"Cookie", again.cookie}, {"X-CSRF-Token", again.csrf}});
  });
  ASSERT_TRUE(board) << httplib::to_string(board.error());
  EXPECT_EQ(board->status, 200) << board->body;

  // An action: a document is sent, and its resend asked from the console.
  auto sent =
      p_.Send(kOffice, {kHealth, kYTich}, "Về việc phòng chống bão số 3");
  ASSERT_TRUE(sent.ok()) << sent.status();
  httplib::Result resend = Timed(&action, [&] {
    return Https(console_)->Post(
        absl::StrCat("/api/documents/", sent->document_id(), "/resend"),
        {{"Cookie", again.cookie}, {"X-CSRF-Token", again.csrf}}, "",
        "application/json");
  });
  ASSERT_TRUE(resend) << httplib::to_string(resend.error());
  EXPECT_EQ(resend->status, 200) << resend->body;

  // The board that listened sees the new document.
  bool live = false;
  for (int i = 0; i < 100 && !live; ++i) {
    live = seen(absl::StrCat(R"("kind":"accepted","document_id":")",
                             sent->document_id()));
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::printf(
      "console under 1,000 idle and 200 slow connections: login %s, board "
      "%s, resend %s\n",
      absl::FormatDuration(login).c_str(),
      absl::FormatDuration(board_time).c_str(),
      absl::FormatDuration(action).c_str());
  EXPECT_TRUE(live) << "the open board received no change";
  EXPECT_LE(login, kServedWithin);
  EXPECT_LE(board_time, kServedWithin);
  EXPECT_LE(action, kServedWithin);
  ExpectDropped(*idle, *slow);
  stop = true;
  (void)p_.Send(kOffice, {kHealth}, "x");
}

TEST_F(WebDoors, TheMetricsAndTheAxisApiAnswerWhileACrowdIsAtEachDoor) {
  {
    std::unique_ptr<Crowd> idle, slow;
    Crowds(Door{metrics_, false}, &idle, &slow);
    httplib::Client c("127.0.0.1", metrics_);
    c.set_read_timeout(10, 0);
    absl::Duration took;
    httplib::Result r = Timed(&took, [&] { return c.Get("/metrics"); });
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_THAT(r->body, HasSubstr("truc_"));
    std::printf("metrics under the crowd: %s\n",
                absl::FormatDuration(took).c_str());
    EXPECT_LE(took, kServedWithin);
    ExpectDropped(*idle, *slow);
  }
  {
    std::unique_ptr<Crowd> idle, slow;
    Crowds(Door{axis_, true}, &idle, &slow);
    // Not signed: the door answers, and refuses it by name.
    absl::Duration took;
    httplib::Result r = Timed(&took, [&] {
      return Https(axis_)->Post("/countReceiveEdoc", "", "text/plain");
    });
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 401) << r->body;
    std::printf("axis API under the crowd: %s\n",
                absl::FormatDuration(took).c_str());
    EXPECT_LE(took, kServedWithin);
    ExpectDropped(*idle, *slow);
  }
}

TEST_F(WebDoors, AThousandLiveBoardsCostNoThreadEachAndTheNextIsRefused) {
  Session op = LogIn();
  auto before = SizeOf(p_.hub()->pid());
  ASSERT_TRUE(before.ok()) << before.status();
  Boards boards(Door{console_, true}, op.cookie);
  const int opened = boards.Open(1000);
  EXPECT_EQ(opened, 1000) << boards.refused();
  auto after = SizeOf(p_.hub()->pid());
  ASSERT_TRUE(after.ok()) << after.status();
  std::printf(
      "hub with %d live boards: %lu MiB resident, %d threads (before: %lu "
      "MiB, %d threads)\n",
      opened, static_cast<unsigned long>(after->rss_kib / 1024), after->threads,
      static_cast<unsigned long>(before->rss_kib / 1024), before->threads);
  EXPECT_LE(after->threads, before->threads + 4);

  Boards next(Door{console_, true}, op.cookie);
  EXPECT_EQ(next.Open(1), 0);
  EXPECT_THAT(next.refused(), HasSubstr("HTTP/1.1 503"));
  EXPECT_THAT(next.refused(), HasSubstr("already serves 1000 live boards "
                                        "(console.max_event_streams)"));

  // A board closed (a tab closed) frees its place at once.
  boards.CloseOne();
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    reopened = next.Open(1) == 1;
  }
  EXPECT_TRUE(reopened) << "a closed board's place was not freed within 5 s";

  // The boards still get what happens.
  auto sent = p_.Send(kOffice, {kHealth}, "Về việc trực bão");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(boards.Heard(absl::StrCat(R"("kind":"accepted","document_id":")",
                                      sent->document_id()),
                         absl::Seconds(10)),
            999);
}

}  // namespace
}  // namespace truc::testing
