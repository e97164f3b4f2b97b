#include "hub/console/api.h"

#include "absl/strings/match.h"
#include "common/text_proto.h"
#include "hub/testing/hub_fixture.h"
#include "truc/v1/console.pb.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::testing::HasSubstr;

constexpr char kPassword[] = "mat-khau-du-dai-2026";

class ConsoleApiTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    auto accounts =
        AccountStore::Load(faulty_.get(), audit_.get(), directory_.get(),
                           [this] { return now_.load(); });
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    accounts_ = std::move(*accounts);
    sessions_ = std::make_unique<SessionTable>([this] { return now_.load(); });
    accounts_->AddOnRevoked(
        [this](const std::string& name) { sessions_->EndAccount(name); });
    operations_ = std::make_unique<Operations>(OperationsDeps{
        ledger_.get(), directory_.get(), registry_.get(), accounts_.get(),
        audit_.get(), trust_.get(), nullptr, [this] { return now_.load(); }});
    api_ = std::make_unique<ConsoleApi>(
        ConsoleDeps{operations_.get(), directory_.get(), accounts_.get(),
                    sessions_.get(), [this] { return now_.load(); }});
    AddAccount("an.op", truc::v1::ACCOUNT_ROLE_OPERATOR, "", kPassword);
    AddAccount("lan.vp", truc::v1::ACCOUNT_ROLE_CLERK, kOffice, kPassword);
    AddAccount("minh.syt", truc::v1::ACCOUNT_ROLE_CLERK, kHealth, kPassword);
  }

  std::string AddAccount(const std::string& name, truc::v1::AccountRole role,
                         const std::string& agency,
                         const std::string& password) {
    truc::v1::AddAccountRequest req;
    req.set_name(name);
    req.set_display_name("Nguyễn Thị Lan");
    req.set_role(role);
    req.set_agency(agency);
    req.set_password(password);
    auto added = accounts_->Add(req, Operator());
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? added->password() : "";
  }

  // A browser: it keeps the session cookie and the CSRF token.
  struct Browser {
    std::string cookie;
    std::string csrf;
  };

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const Browser* as = nullptr,
                    const std::string& content_type = "application/json") {
    HttpRequest r;
    r.method = method;
    size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
      std::string query = path.substr(q + 1);
      size_t eq = query.find('=');
      r.query[query.substr(0, eq)] = query.substr(eq + 1);
    }
    r.body = body;
    r.remote = "127.0.0.1:5000";
    if (method == "POST") r.headers["content-type"] = content_type;
    if (as != nullptr) {
      r.headers["cookie"] = "theme=dark; " + as->cookie;
      if (!as->csrf.empty()) r.headers["x-csrf-token"] = as->csrf;
    }
    return api_->Handle(r);
  }

  static std::string SetCookie(const HttpResponse& r) {
    for (const auto& [name, value] : r.headers)
      if (name == "Set-Cookie") return value;
    return "";
  }

  absl::StatusOr<Browser> LogIn(const std::string& name,
                                const std::string& password = kPassword) {
    HttpResponse r = Call("POST", "/api/login",
                          absl::StrCat(R"({"name":")", name,
                                       R"(","password":")", password, "\"}"));
    if (r.status != 200) return absl::UnknownError(r.body);
    truc::v1::SessionInfo info;
    EXPECT_TRUE(ParseJson(r.body, &info).ok()) << r.body;
    std::string cookie = SetCookie(r);
    return Browser{cookie.substr(0, cookie.find(';')), info.csrf_token()};
  }

  template <typename T>
  T Parse(const HttpResponse& r) {
    T message;
    auto parsed = ParseJson(r.body, &message);
    EXPECT_TRUE(parsed.ok()) << parsed << ": " << r.body;
    return message;
  }

  static std::string ErrorCode(const HttpResponse& r) {
    truc::v1::ApiError e;
    (void)ParseJson(r.body, &e);
    return e.error().code();
  }

  std::string Send(const std::string& from, const std::vector<std::string>& to,
                   truc::v1::Urgency urgency, const std::string& key) {
    auto sent = Accept(MakeHeader(from, to, urgency), key);
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }

  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<SessionTable> sessions_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<ConsoleApi> api_;
};

TEST_F(ConsoleApiTest, ALogInGivesASecureSessionCookieAndACsrfToken) {
  HttpResponse r =
      Call("POST", "/api/login",
           R"({"name":"lan.vp","password":"mat-khau-du-dai-2026"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string cookie = SetCookie(r);
  EXPECT_TRUE(absl::StartsWith(cookie, "__Host-truc_session=")) << cookie;
  for (const char* attribute :
       {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_THAT(cookie, HasSubstr(attribute));
  }
  auto info = Parse<truc::v1::SessionInfo>(r);
  EXPECT_EQ(info.account(), "lan.vp");
  EXPECT_EQ(info.agency_name(), "Văn phòng UBND tỉnh Lạng Sơn");
  EXPECT_EQ(info.role(), truc::v1::ACCOUNT_ROLE_CLERK);
  EXPECT_EQ(info.csrf_token().size(), 43u);
  EXPECT_EQ(info.silence_threshold_seconds(), 900u);

  Browser b{cookie.substr(0, cookie.find(';')), ""};
  auto again =
      Parse<truc::v1::SessionInfo>(Call("GET", "/api/session", "", &b));
  EXPECT_EQ(again.csrf_token(), info.csrf_token());
  EXPECT_THAT(r.body, Not(HasSubstr(kPassword)));
}

TEST_F(ConsoleApiTest, WrongPasswordsLockTheAccount) {
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = Call("POST", "/api/login",
                          R"({"name":"lan.vp","password":"sai-mat-khau-123"})");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_THAT(r.body, HasSubstr("wrong account name or password"));
  }
  HttpResponse r =
      Call("POST", "/api/login",
           R"({"name":"lan.vp","password":"mat-khau-du-dai-2026"})");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_THAT(r.body, HasSubstr("locked"));
  EXPECT_TRUE(SetCookie(r).find("Max-Age=0") != std::string::npos ||
              SetCookie(r).empty());
  // An unknown name is answered the same way as a wrong password.
  r = Call("POST", "/api/login",
           R"({"name":"khong.co","password":"mat-khau-du-dai-2026"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr("wrong account name or password"));
}

TEST_F(ConsoleApiTest, EveryEndpointRefusesACallerWithoutASession) {
  const std::string id =
      Send(kOffice, {kHealth}, truc::v1::URGENCY_EXPRESS, "k");
  const auto before = AllKeys();
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"POST", "/api/logout"},
      {"GET", "/api/session"},
      {"POST", "/api/password"},
      {"GET", "/api/board"},
      {"GET", "/api/documents/" + id},
      {"POST", "/api/documents/" + id + "/resend"},
      {"POST", "/api/documents/" + id + "/paper"},
      {"GET", "/api/agencies"},
      {"POST", "/api/agencies"},
      {"POST", "/api/agencies/000.07.00.H99/suspend"},
      {"GET", "/api/accounts"},
      {"POST", "/api/accounts"},
      {"POST", "/api/accounts/lan.vp/disable"},
      {"POST", "/api/accounts/lan.vp/reset"},
  };
  Browser forged{
      "__Host-truc_session=bm90LWEtcmVhbC1zZXNzaW9uLXRva2VuLWF0LWFsbA", "x"};
  for (const auto& [method, path] : endpoints) {
    for (const Browser* as : {static_cast<const Browser*>(nullptr),
                              static_cast<const Browser*>(&forged)}) {
      HttpResponse r = Call(method, path, "{}", as);
      EXPECT_EQ(r.status, 401) << method << " " << path << ": " << r.body;
      EXPECT_EQ(ErrorCode(r), "UNAUTHENTICATED") << r.body;
      EXPECT_THAT(r.body, HasSubstr("log in")) << path;
    }
  }
  EXPECT_EQ(AllKeys(), before);
}

TEST_F(ConsoleApiTest, BadRequestsAreRefusedWithTheirReasonAndChangeNothing) {
  const std::string id =
      Send(kOffice, {kHealth}, truc::v1::URGENCY_EXPRESS, "k");
  auto op = LogIn("an.op");
  ASSERT_TRUE(op.ok()) << op.status();
  const auto before = AllKeys();
  const std::string paper = absl::StrCat("/api/documents/", id, "/paper");
  const std::string good =
      R"({"recipient":"000.07.00.H99","carried_by":"Nguyễn Văn An","signed_by":"Trần Thị Bình"})";

  // No CSRF token, or another session's.
  Browser no_csrf{op->cookie, ""};
  HttpResponse r = Call("POST", paper, good, &no_csrf);
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("X-CSRF-Token"));
  auto other = LogIn("lan.vp");
  Browser crossed{op->cookie, other->csrf};
  EXPECT_EQ(Call("POST", paper, good, &crossed).status, 403);
  // A form post (what a forged cross-site request can send).
  r = Call("POST", paper, "recipient=000.07.00.H99", &*op,
           "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 415);
  EXPECT_THAT(r.body, HasSubstr("application/json"));
  r = Call("POST", paper, good, &*op, "text/plain");
  EXPECT_EQ(r.status, 415);
  // Malformed, unknown fields, wrong types, empty.
  r = Call("POST", paper, R"({"recipient": )", &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("malformed JSON for PaperCopyRequest"));
  r = Call("POST", paper, R"({"recipient":"000.07.00.H99","admin":true})",
           &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("admin"));
  r = Call("POST", paper, R"({"recipient":42})", &*op);
  EXPECT_EQ(r.status, 400);
  r = Call("POST", paper, "", &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("no body"));
  // A required field missing, a time in the wrong form.
  r = Call("POST", paper, R"({"recipient":"000.07.00.H99","carried_by":"An"})",
           &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("signed_by"));
  r = Call(
      "POST", paper,
      R"({"recipient":"000.07.00.H99","carried_by":"An","signed_by":"B","carried_at":"2026-13-45"})",
      &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("dd/MM/yyyy HH:mm"));
  // Oversize.
  r = Call("POST", paper, std::string(ConsoleApi::kMaxBodyBytes + 1, ' '),
           &*op);
  EXPECT_EQ(r.status, 413);
  // Unknown endpoints and methods, bad parameters.
  EXPECT_EQ(Call("GET", "/api/nothing", "", &*op).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/board", "", &*op).status, 405);
  EXPECT_EQ(Call("GET", "/api/documents/" + id + "/resend", "", &*op).status,
            404);
  r = Call("GET", "/api/board?days=abc", "", &*op);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("days"));
  EXPECT_EQ(Call("GET", "/api/documents/nope", "", &*op).status, 404);
  EXPECT_EQ(AllKeys(), before);
}

TEST_F(ConsoleApiTest, EveryChangeRefusesABadBodyAndChangesNothing) {
  const std::string id =
      Send(kOffice, {kHealth}, truc::v1::URGENCY_EXPRESS, "k");
  auto op = LogIn("an.op");
  ASSERT_TRUE(op.ok());
  const auto before = AllKeys();
  for (const std::string& path :
       {std::string("/api/password"), "/api/documents/" + id + "/resend",
        "/api/documents/" + id + "/paper", std::string("/api/agencies"),
        std::string("/api/agencies/000.07.00.H99/suspend"),
        std::string("/api/accounts"),
        std::string("/api/accounts/lan.vp/disable"),
        std::string("/api/accounts/lan.vp/reset"),
        std::string("/api/logout")}) {
    HttpResponse r = Call("POST", path, "{", &*op);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr("malformed JSON")) << path;
    r = Call("POST", path, R"({"unexpected":1})", &*op);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    r = Call("POST", path, "{}", &*op, "text/plain");
    EXPECT_EQ(r.status, 415) << path;
    r = Call("POST", path, std::string(ConsoleApi::kMaxBodyBytes + 1, '{'),
             &*op);
    EXPECT_EQ(r.status, 413) << path;
  }
  EXPECT_EQ(AllKeys(), before);
  EXPECT_EQ(Call("GET", "/api/board", "", &*op).status, 200)
      << "the session outlived every bad request";
}

TEST_F(ConsoleApiTest, TheBoardPutsTheMostUrgentOutstandingFirst) {
  const std::string normal =
      Send(kOffice, {kHealth, kFinance}, truc::v1::URGENCY_NORMAL, "n");
  now_ += 60'000'000;
  const std::string express = Send(kOffice, {kHealth, kFinance, kYTich},
                                   truc::v1::URGENCY_EXPRESS, "e");
  now_ += 60'000'000;
  const std::string done =
      Send(kHealth, {kOffice}, truc::v1::URGENCY_EXPRESS, "d");
  ASSERT_TRUE(Ack(kOffice, done).ok());
  ASSERT_TRUE(Ack(kHealth, express).ok());
  ASSERT_TRUE(Ack(kFinance, express).ok());

  auto op = LogIn("an.op");
  ASSERT_TRUE(op.ok());
  auto board = Parse<truc::v1::Board>(Call("GET", "/api/board", "", &*op));
  ASSERT_EQ(board.documents_size(), 3);
  EXPECT_EQ(board.documents(0).document_id(), express);
  ASSERT_EQ(board.documents(0).recipients_size(), 1);
  EXPECT_EQ(board.documents(0).recipients(0).organ_id(), kYTich);
  EXPECT_EQ(board.documents(0).recipients(0).name(), "UBND xã Y Tịch");
  EXPECT_EQ(board.documents(0).recipient_count(), 3u);
  EXPECT_EQ(board.documents(1).document_id(), normal);
  EXPECT_EQ(board.documents(2).document_id(), done);
  // Nobody has polled: every outstanding recipient is silent.
  ASSERT_GE(board.silent_agencies_size(), 1);
  EXPECT_EQ(board.now().unix_micros(), now_.load());

  // A clerk's board holds its own agency's documents only.
  auto clerk = LogIn("minh.syt");
  board = Parse<truc::v1::Board>(Call("GET", "/api/board", "", &*clerk));
  ASSERT_EQ(board.documents_size(), 1);
  EXPECT_EQ(board.documents(0).document_id(), done);
}

// The board: a unit whose agent refused the document on arrival is among
// those that have not received it, with its state and reason; a unit that
// received and refused it is named apart, and counted as received.
TEST_F(ConsoleApiTest, TheBoardTellsTheTwoRefusalsApart) {
  const std::string id = Send(kOffice, {kHealth, kFinance, kYTich},
                              truc::v1::URGENCY_EXPRESS, "e");
  TRUC_ASSERT_OK(
      Refuse(kYTich, id, "the sender's signature does not check out"));
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  TRUC_ASSERT_OK(Refuse(kHealth, id, "Không thuộc thẩm quyền"));
  TRUC_ASSERT_OK(Ack(kFinance, id).status());
  auto op = LogIn("an.op");
  ASSERT_TRUE(op.ok());
  auto board = Parse<truc::v1::Board>(Call("GET", "/api/board", "", &*op));
  ASSERT_EQ(board.documents_size(), 1);
  const auto& d = board.documents(0);
  ASSERT_EQ(d.recipients_size(), 1) << "Y Tịch has not received it";
  EXPECT_EQ(d.recipients(0).organ_id(), kYTich);
  EXPECT_EQ(d.recipients(0).state(),
            truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  EXPECT_EQ(d.recipients(0).refusal_reason(),
            "the sender's signature does not check out");
  ASSERT_EQ(d.refused_size(), 1);
  EXPECT_EQ(d.refused(0).organ_id(), kHealth);
  EXPECT_EQ(d.refused(0).refusal_reason(), "Không thuộc thẩm quyền");
  // The document's page counts Sở Y tế and Sở Tài chính as received.
  auto page = Parse<truc::v1::DocumentPage>(
      Call("GET", "/api/documents/" + id, "", &*op));
  EXPECT_EQ(page.status().received_count(), 2u);
  EXPECT_EQ(page.status().refused_count(), 1u);
  EXPECT_EQ(page.status().refused_on_arrival_count(), 1u);
}

TEST_F(ConsoleApiTest, AClerkCannotSeeOrActOnAnotherAgencysDocument) {
  const std::string id =
      Send(kOffice, {kHealth, kYTich}, truc::v1::URGENCY_EXPRESS, "k");
  auto health = LogIn("minh.syt");  // a recipient, not the sender
  ASSERT_TRUE(health.ok());
  const auto before = AllKeys();
  HttpResponse r = Call("GET", "/api/documents/" + id, "", &*health);
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("no document " + id));
  EXPECT_EQ(
      Call("POST", "/api/documents/" + id + "/resend", "{}", &*health).status,
      404);
  EXPECT_EQ(
      Call("POST", "/api/documents/" + id + "/paper",
           R"({"recipient":"000.21.30.H99","carried_by":"A","signed_by":"B"})",
           &*health)
          .status,
      404);
  // Operator-only actions.
  EXPECT_EQ(Call("POST", "/api/agencies/000.21.30.H99/suspend", "{}", &*health)
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/agencies",
                 R"({"code":"000.40.00.H99","name":"Sở Nội vụ"})", &*health)
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/accounts", "", &*health).status, 403);
  EXPECT_EQ(Call("POST", "/api/accounts/an.op/disable", "{}", &*health).status,
            403);
  EXPECT_EQ(AllKeys(), before);

  // Its sender's clerk sees it.
  auto office = LogIn("lan.vp");
  auto page = Parse<truc::v1::DocumentPage>(
      Call("GET", "/api/documents/" + id, "", &*office));
  EXPECT_EQ(page.status().recipient_count(), 2u);
  EXPECT_EQ(page.header().subject(), "V/v phòng chống bão số 9");
  EXPECT_EQ(page.header().signer().full_name(), "Nguyễn Văn An");
  EXPECT_TRUE(page.sender_signed());
  EXPECT_TRUE(page.accepted_receipt());
  EXPECT_EQ(page.header_sha256(), HexEncode(HeaderDigest(id)));
  EXPECT_TRUE(page.status().envelope().header().empty());
}

TEST_F(ConsoleApiTest, ResendAndAPaperCopyAreRecordedWithTheAccount) {
  const std::string id =
      Send(kOffice, {kHealth, kYTich}, truc::v1::URGENCY_EXPRESS, "k");
  ASSERT_TRUE(Ack(kHealth, id).ok());
  auto office = LogIn("lan.vp");
  ASSERT_TRUE(office.ok());
  auto resent = Parse<truc::v1::ResendResult>(
      Call("POST", "/api/documents/" + id + "/resend", "{}", &*office));
  ASSERT_EQ(resent.recipients_size(), 1);
  EXPECT_EQ(resent.recipients(0), kYTich);

  now_ += 3LL * 3600 * 1'000'000;  // 10:03 in Vietnam
  office = LogIn("lan.vp");        // the session went idle meanwhile
  HttpResponse r = Call(
      "POST", "/api/documents/" + id + "/paper",
      R"({"recipient":"000.21.30.H99","carried_by":"Nguyễn Văn An, văn thư","signed_by":"Hoàng Thị Mai","carried_at":"22/11/2026 10:00","note":"Bản giấy"})",
      &*office);
  ASSERT_EQ(r.status, 200) << r.body;
  auto recipient = Parse<truc::v1::RecipientStatus>(r);
  EXPECT_EQ(recipient.state(), truc::v1::DELIVERY_STATE_PAPER);
  EXPECT_EQ(recipient.paper().recorded_by(), "account:lan.vp");
  EXPECT_EQ(recipient.paper().signed_by(), "Hoàng Thị Mai");
  // Again: already recorded.
  r = Call("POST", "/api/documents/" + id + "/paper",
           R"({"recipient":"000.21.30.H99","carried_by":"A","signed_by":"B"})",
           &*office);
  EXPECT_EQ(r.status, 409) << r.body;
  // Nobody lacks it now, by either way.
  auto board = Parse<truc::v1::Board>(Call("GET", "/api/board", "", &*office));
  ASSERT_EQ(board.documents_size(), 1);
  EXPECT_EQ(board.documents(0).recipients_size(), 0);
  EXPECT_EQ(board.documents(0).paper_size(), 1);
  // The audit log names the account.
  bool named = false;
  for (uint64_t i = 0; i < audit_->size(); ++i) {
    auto e = audit_->Event(i);
    if (e->kind() == "paper_copy" && e->actor() == "account:lan.vp")
      named = true;
  }
  EXPECT_TRUE(named);
}

TEST_F(ConsoleApiTest, ADrawnPasswordMustBeChangedBeforeAnythingElse) {
  const std::string drawn =
      AddAccount("hoa.op", truc::v1::ACCOUNT_ROLE_OPERATOR, "", "");
  auto b = LogIn("hoa.op", drawn);
  ASSERT_TRUE(b.ok()) << b.status();
  HttpResponse r = Call("GET", "/api/board", "", &*b);
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("password must be changed"));
  auto info =
      Parse<truc::v1::SessionInfo>(Call("GET", "/api/session", "", &*b));
  EXPECT_TRUE(info.must_change_password());
  r = Call("POST", "/api/password",
           absl::StrCat(R"({"current_password":")", drawn,
                        R"(","new_password":"short"})"),
           &*b);
  EXPECT_EQ(r.status, 400);
  r = Call("POST", "/api/password",
           absl::StrCat(R"({"current_password":")", drawn,
                        R"(","new_password":"mot-mat-khau-moi-2026"})"),
           &*b);
  ASSERT_EQ(r.status, 200) << r.body;
  info = Parse<truc::v1::SessionInfo>(r);
  EXPECT_FALSE(info.must_change_password());
  // The change gave a new session; the old cookie is dead.
  EXPECT_EQ(Call("GET", "/api/board", "", &*b).status, 401);
  std::string cookie = SetCookie(r);
  Browser renewed{cookie.substr(0, cookie.find(';')), info.csrf_token()};
  EXPECT_EQ(Call("GET", "/api/board", "", &renewed).status, 200);
}

TEST_F(ConsoleApiTest, LoggingOutOrDisablingTheAccountEndsTheSession) {
  auto b = LogIn("lan.vp");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(Call("GET", "/api/board", "", &*b).status, 200);
  HttpResponse r = Call("POST", "/api/logout", "{}", &*b);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(SetCookie(r), HasSubstr("Max-Age=0"));
  EXPECT_EQ(Call("GET", "/api/board", "", &*b).status, 401);

  auto again = LogIn("lan.vp");
  auto op = LogIn("an.op");
  ASSERT_EQ(Call("POST", "/api/accounts/lan.vp/disable", "{}", &*op).status,
            200);
  EXPECT_EQ(Call("GET", "/api/board", "", &*again).status, 401);
  EXPECT_FALSE(LogIn("lan.vp").ok());
  auto accounts = Parse<truc::v1::ListAccountsResult>(
      Call("GET", "/api/accounts", "", &*op));
  bool disabled = false;
  for (const auto& a : accounts.accounts())
    if (a.name() == "lan.vp") disabled = a.disabled();
  EXPECT_TRUE(disabled);
}

TEST_F(ConsoleApiTest, OperatorsManageTheDirectory) {
  auto op = LogIn("an.op");
  ASSERT_TRUE(op.ok());
  HttpResponse r = Call(
      "POST", "/api/agencies",
      R"({"code":"000.40.00.H99","name":"Sở Nội vụ","parent_code":"000.00.00.H99"})",
      &*op);
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call("POST", "/api/agencies/000.40.00.H99/suspend", "{}", &*op);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse<truc::v1::Agency>(r).state(),
            truc::v1::AGENCY_STATE_SUSPENDED);
  r = Call("POST", "/api/agencies/000.99.00.H99/suspend", "{}", &*op);
  EXPECT_EQ(r.status, 404);
  r = Call("POST", "/api/agencies", R"({"code":"7","name":"x"})", &*op);
  EXPECT_EQ(r.status, 400);

  const std::string id =
      Send(kOffice, {kHealth, kYTich}, truc::v1::URGENCY_EXPRESS, "k");
  auto table =
      Parse<truc::v1::AgencyTable>(Call("GET", "/api/agencies", "", &*op));
  uint32_t waiting_ytich = 0;
  for (const auto& row : table.agencies())
    if (row.agency().code() == kYTich) waiting_ytich = row.waiting_express();
  EXPECT_EQ(waiting_ytich, 1u);
}

TEST_F(ConsoleApiTest, AClerkSeesItsOwnAgencysChangesOnly) {
  ConsoleUser clerk{"lan.vp", "Lan", truc::v1::ACCOUNT_ROLE_CLERK, kOffice};
  ConsoleUser op{"an.op", "An", truc::v1::ACCOUNT_ROLE_OPERATOR, ""};
  Change mine{.kind = Change::Kind::kArrived, .sender = kOffice};
  Change theirs{.kind = Change::Kind::kArrived, .sender = kHealth};
  Change directory{.kind = Change::Kind::kAgency, .agency = kYTich};
  Change silent{.kind = Change::Kind::kAlert,
                .agency = kYTich,
                .alert_id = "silent/000.21.30.H99"};
  Change late_theirs{.kind = Change::Kind::kAlert,
                     .sender = kHealth,
                     .alert_id = "late/x/000.21.30.H99"};
  EXPECT_TRUE(ConsoleApi::Visible(clerk, silent));
  EXPECT_FALSE(ConsoleApi::Visible(clerk, late_theirs));
  EXPECT_TRUE(ConsoleApi::Visible(clerk, mine));
  EXPECT_FALSE(ConsoleApi::Visible(clerk, theirs));
  EXPECT_TRUE(ConsoleApi::Visible(clerk, directory));
  EXPECT_TRUE(ConsoleApi::Visible(op, theirs));
}

TEST_F(ConsoleApiTest, TheBoardShowsTheAlertsOfWhatItShows) {
  auto queue = NotificationQueue::Load(faulty_.get(), {});
  ASSERT_TRUE(queue.ok());
  auto engine = AlertEngine::Load(
      faulty_.get(), audit_.get(), directory_.get(), ledger_.get(), nullptr,
      [this] { return now_.load(); },
      AlertThresholds{.express = 600, .silent_agency = 0}, queue->get(),
      "hub:hub");
  ASSERT_TRUE(engine.ok()) << engine.status();
  api_ = std::make_unique<ConsoleApi>(ConsoleDeps{
      operations_.get(), directory_.get(), accounts_.get(), sessions_.get(),
      [this] { return now_.load(); }, engine->get()});
  const std::string id =
      Send(kOffice, {kYTich}, truc::v1::URGENCY_EXPRESS, "k");
  now_ += 11 * 60 * 1'000'000LL;
  ASSERT_EQ((*engine)->Evaluate()->raised, 1u);
  for (const auto& [name, count] : std::vector<std::pair<std::string, int>>{
           {"an.op", 1}, {"lan.vp", 1}, {"minh.syt", 0}}) {
    auto b = LogIn(name);
    ASSERT_TRUE(b.ok());
    auto board = Parse<truc::v1::Board>(Call("GET", "/api/board", "", &*b));
    ASSERT_EQ(board.alerts_size(), count) << name;
    if (count == 1) {
      EXPECT_EQ(board.alerts(0).id(), absl::StrCat("late/", id, "/", kYTich));
      EXPECT_THAT(board.alerts(0).summary(), HasSubstr("UBND xã Y Tịch"));
    }
  }
}

TEST_F(ConsoleApiTest, TheServiceTableOfAClerkHoldsItsOwnDocuments) {
  Send(kOffice, {kYTich}, truc::v1::URGENCY_EXPRESS, "a");
  Send(kHealth, {kFinance}, truc::v1::URGENCY_NORMAL, "b");
  auto op = LogIn("an.op");
  auto table =
      Parse<truc::v1::ServiceTable>(Call("GET", "/api/service", "", &*op));
  EXPECT_EQ(table.month(), "2026-11") << "this month by default";
  EXPECT_EQ(table.documents(), 2u);
  auto clerk = LogIn("minh.syt");
  table = Parse<truc::v1::ServiceTable>(
      Call("GET", "/api/service?month=2026-11", "", &*clerk));
  EXPECT_EQ(table.documents(), 1u);
  ASSERT_EQ(table.units_size(), 1);
  EXPECT_EQ(table.units(0).agency(), kFinance);
  HttpResponse r = Call("GET", "/api/service?month=11-2026", "", &*clerk);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("yyyy-MM"));
}

TEST_F(ConsoleApiTest, InternalErrorsSayNoMoreThanThat) {
  HttpResponse r = ConsoleApi::Error(absl::DataLossError("key d/x at 0x7f..."));
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, HasSubstr("internal error"));
  EXPECT_THAT(r.body, Not(HasSubstr("0x7f")));
}

}  // namespace
}  // namespace truc::hub
