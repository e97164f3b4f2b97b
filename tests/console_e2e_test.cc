// The web console of a real truc-hub over HTTPS: log in, the board, the
// live stream that tells a board an agent acknowledged, a clerk kept to
// its own agency, and the security headers every answer carries.
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "common/text_proto.h"
#include "gtest/gtest.h"
#include "tests/province.h"
#include "truc/v1/console.pb.h"

namespace truc::testing {
namespace {

constexpr char kPassword[] = "mat-khau-du-dai-2026";

class ConsoleEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.WriteHubConfig(
        "console { listen_address: \"127.0.0.1:0\" port_file: "
        "\"console.port\" }\n");
    p_.StartHub();
    p_.SmallProvince();
    port_ = p_.PortIn("console.port");
    ASSERT_NE(port_, 0);
    AddAccount("an.op", truc::v1::ACCOUNT_ROLE_OPERATOR, "");
    AddAccount("lan.vp", truc::v1::ACCOUNT_ROLE_CLERK, kOffice);
    AddAccount("minh.syt", truc::v1::ACCOUNT_ROLE_CLERK, kHealth);
  }

  void AddAccount(const std::string& name, truc::v1::AccountRole role,
                  const std::string& agency) {
    truc::v1::AddAccountRequest req;
    req.set_name(name);
    req.set_display_name("Nguyễn Thị Lan");
    req.set_role(role);
    req.set_agency(agency);
    req.set_password(kPassword);
    grpc::ClientContext ctx;
    truc::v1::AccountPassword out;
    auto status = p_.Operator()->AddAccount(&ctx, req, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::unique_ptr<httplib::SSLClient> Client() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    c->set_ca_cert_path(p_.Path("ca.crt").c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(10, 0);
    return c;
  }

  struct Session {
    std::string cookie;
    std::string csrf;
  };
  Session LogIn(const std::string& name) {
    auto c = Client();
    auto r = c->Post("/api/login",
                     absl::StrCat(R"({"name":")", name, R"(","password":")",
                                  kPassword, "\"}"),
                     "application/json");
    EXPECT_TRUE(r) << httplib::to_string(r.error());
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    truc::v1::SessionInfo info;
    EXPECT_TRUE(ParseJson(r->body, &info).ok()) << r->body;
    std::string cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), info.csrf_token()};
  }
  httplib::Headers As(const Session& s) {
    return {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}};
  }

  Province p_;
  int port_ = 0;
};

TEST_F(ConsoleEndToEnd, TheBoardChangesLiveWhenAnAgentAcknowledges) {
  Session op = LogIn("an.op");
  auto sent =
      p_.Send(kOffice, {kHealth, kYTich}, "Về việc phòng chống bão số 3");
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();

  auto c = Client();
  auto r = c->Get("/api/board", As(op));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  truc::v1::Board board;
  ASSERT_TRUE(ParseJson(r->body, &board).ok());
  ASSERT_EQ(board.documents_size(), 1);
  EXPECT_EQ(board.documents(0).recipients_size(), 2);
  EXPECT_EQ(board.documents(0).subject(), "Về việc phòng chống bão số 3");

  // A board listens; Sở Y tế's agent comes up and acknowledges.
  std::mutex mu;
  std::string stream;
  std::atomic<bool> stop{false};
  std::thread listener([&] {
    auto sc = Client();
    sc->set_read_timeout(30, 0);
    sc->Get("/api/events", As(op), [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mu);
      stream.append(data, n);
      return !stop.load();
    });
  });
  const auto seen = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    return absl::StrContains(stream, what);
  };
  for (int i = 0; i < 100 && !seen("event: hello"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(seen("event: hello"));
  p_.StartAgent(kHealth);
  bool arrived = false;
  for (int i = 0; i < 300 && !arrived; ++i) {
    arrived = seen(absl::StrCat(R"("kind":"arrived","document_id":")", id,
                                R"(","agency":")", kHealth));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  EXPECT_TRUE(arrived) << stream;
  // Nudge the stream so the listener sees `stop` and returns.
  (void)p_.Send(kOffice, {kHealth}, "x");
  listener.join();

  r = c->Get("/api/board", As(op));
  ASSERT_TRUE(ParseJson(r->body, &board).ok());
  ASSERT_GE(board.documents_size(), 1);
  for (const auto& d : board.documents()) {
    if (d.document_id() != id) continue;
    ASSERT_EQ(d.recipients_size(), 1);
    EXPECT_EQ(d.recipients(0).organ_id(), kYTich);
    EXPECT_TRUE(d.recipients(0).silent()) << "its agent never polled";
  }
}

TEST_F(ConsoleEndToEnd, AClerkIsKeptToItsOwnAgencyOverTheWire) {
  auto sent = p_.Send(kOffice, {kHealth, kYTich}, "Công văn hỏa tốc");
  ASSERT_TRUE(sent.ok()) << sent.status();
  Session health = LogIn("minh.syt");
  auto c = Client();
  auto r = c->Get(absl::StrCat("/api/documents/", sent->document_id()).c_str(),
                  As(health));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  r = c->Post(
      absl::StrCat("/api/documents/", sent->document_id(), "/resend").c_str(),
      As(health), "{}", "application/json");
  EXPECT_EQ(r->status, 404) << r->body;
  Session office = LogIn("lan.vp");
  r = c->Post(
      absl::StrCat("/api/documents/", sent->document_id(), "/resend").c_str(),
      As(office), "{}", "application/json");
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(absl::StrContains(r->body, kYTich)) << r->body;
}

TEST_F(ConsoleEndToEnd, EveryAnswerCarriesItsSecurityHeaders) {
  auto c = Client();
  auto r = c->Get("/");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StrContains(r->body, "Trục liên thông văn bản"));
  EXPECT_TRUE(absl::StartsWith(r->get_header_value("Content-Security-Policy"),
                               "default-src 'self'"));
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(r->get_header_value("Strict-Transport-Security").empty());
  r = c->Get("/app.js");
  ASSERT_TRUE(r);
  EXPECT_TRUE(
      absl::StartsWith(r->get_header_value("Content-Type"), "text/javascript"));
  r = c->Get("/api/board");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_TRUE(absl::StrContains(r->body, "UNAUTHENTICATED")) << r->body;
  r = c->Get("/api/events");
  EXPECT_EQ(r->status, 401);
  r = c->Get("/nothing-here");
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(absl::StrContains(r->body, "NOT_FOUND")) << r->body;
  // A body over the server's own limit is refused before it is read.
  r = c->Post("/api/login", std::string(2 << 20, 'x'), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // Plain HTTP to the console's port gets no answer.
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(3, 0);
  auto p = plain.Get("/");
  EXPECT_TRUE(!p || p->status >= 400);
}

}  // namespace
}  // namespace truc::testing
