#include "hub/console/api.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/event_log.h"
#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/time_util.h"
#include "common/urgency.h"
#include "hub/ops/monthly_report.h"
#include "truc/v1/console.pb.h"

namespace truc::hub {
namespace {

using truc::v1::PendingDocument;

constexpr int64_t kSecond = 1'000'000;

HttpResponse Json(const google::protobuf::Message& message, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = ToJson(message, /*pretty=*/false);
  return r;
}

std::string Header(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

// The value of cookie `name` in the Cookie header, or "".
std::string CookieValue(const HttpRequest& request, absl::string_view name) {
  for (absl::string_view part :
       absl::StrSplit(Header(request, "cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

std::string SessionCookie(const std::string& value, bool clear) {
  return absl::StrCat(ConsoleApi::kCookieName, "=", value,
                      "; Path=/; Secure; HttpOnly; SameSite=Strict",
                      clear ? "; Max-Age=0" : "");
}

template <typename T>
absl::StatusOr<T> ParseBody(const HttpRequest& request) {
  T message;
  if (request.body.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request has no body: send a JSON ",
                     message.GetDescriptor()->name()));
  }
  TRUC_RETURN_IF_ERROR(ParseJson(request.body, &message));
  return message;
}

// An action that takes nothing: its body is empty or "{}", never anything
// else a client might think it sent.
absl::Status RequireEmptyBody(const HttpRequest& request) {
  if (request.body.empty()) return absl::OkStatus();
  truc::v1::Empty empty;
  TRUC_RETURN_IF_ERROR(ParseJson(request.body, &empty));
  return absl::OkStatus();
}

// Outstanding documents first, the most urgent and the oldest of them
// first; then those every recipient has, newest first.
void SortForTheBoard(std::vector<PendingDocument>* docs) {
  std::stable_sort(
      docs->begin(), docs->end(),
      [](const PendingDocument& a, const PendingDocument& b) {
        const bool a_out = a.recipients_size() > 0;
        const bool b_out = b.recipients_size() > 0;
        if (a_out != b_out) return a_out;
        if (a_out) {
          if (a.urgency() != b.urgency()) return a.urgency() > b.urgency();
          return a.accepted_at().unix_micros() < b.accepted_at().unix_micros();
        }
        return a.accepted_at().unix_micros() > b.accepted_at().unix_micros();
      });
}

// Counted apart on the agencies' page: express and very urgent.
bool IsUrgentEnough(truc::v1::Urgency u) { return UrgencyRank(u) <= 1; }

}  // namespace

HttpResponse ConsoleApi::Error(const absl::Status& status) {
  truc::v1::ApiError error;
  error.mutable_error()->set_code(absl::StatusCodeToString(status.code()));
  const int http = HttpStatusFor(status.code());
  error.mutable_error()->set_message(
      http == 500 ? "internal error" : std::string(status.message()));
  return Json(error, http);
}

HttpResponse ConsoleApi::Handle(const HttpRequest& request) {
  absl::StatusOr<HttpResponse> answer = Route(request);
  if (answer.ok()) return *std::move(answer);
  if (HttpStatusFor(answer.status().code()) == 500) {
    LogEvent("console_error", {{"method", request.method},
                               {"path", request.path},
                               {"reason", answer.status().ToString()}});
  }
  HttpResponse error = Error(answer.status());
  if (error.status == 401) {
    // The browser forgets a session the hub no longer knows.
    error.headers.emplace_back("Set-Cookie", SessionCookie("", true));
  }
  return error;
}

absl::StatusOr<HttpResponse> ConsoleApi::Route(const HttpRequest& request) {
  // These three answer with their own HTTP status (413, 405, 415).
  const auto refuse = [](int http, absl::Status why) {
    HttpResponse r = Error(why);
    r.status = http;
    return r;
  };
  if (request.body.size() > kMaxBodyBytes) {
    return refuse(413,
                  absl::InvalidArgumentError(absl::StrCat(
                      "the body is ", request.body.size(),
                      " bytes; the console takes at most ", kMaxBodyBytes)));
  }
  const bool post = request.method == "POST";
  if (!post && request.method != "GET") {
    return refuse(405, absl::InvalidArgumentError(absl::StrCat(
                           "method ", request.method,
                           " is not served; the console answers GET and "
                           "POST")));
  }
  if (post) {
    std::string type = Header(request, "content-type");
    type = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
    if (type != "application/json") {
      return refuse(415,
                    absl::InvalidArgumentError(absl::StrCat(
                        "Content-Type is \"", Header(request, "content-type"),
                        "\"; the console takes application/json")));
    }
  }
  std::vector<std::string> parts =
      absl::StrSplit(request.path, '/', absl::SkipEmpty());
  if (parts.empty() || parts[0] != "api") {
    return absl::NotFoundError(absl::StrCat("no such page: ", request.path));
  }
  parts.erase(parts.begin());
  const auto is = [&](std::initializer_list<const char*> shape,
                      const char* method) {
    if (parts.size() != shape.size() || request.method != method) return false;
    size_t i = 0;
    for (const char* s : shape) {
      if (*s != '*' && parts[i] != s) return false;
      ++i;
    }
    return true;
  };
  if (is({"login"}, "POST")) return Login(request);
  if (is({"logout"}, "POST")) return Logout(request);
  if (is({"session"}, "GET")) return SessionOf(request);
  if (is({"password"}, "POST")) return ChangePassword(request);
  if (is({"board"}, "GET")) return Board(request);
  if (is({"documents", "*"}, "GET")) return Document(request, parts[1]);
  if (is({"documents", "*", "resend"}, "POST"))
    return Resend(request, parts[1]);
  if (is({"documents", "*", "paper"}, "POST")) return Paper(request, parts[1]);
  if (is({"agencies"}, "GET")) return Agencies(request);
  if (is({"service"}, "GET")) return Service(request);
  if (is({"agencies"}, "POST")) return RegisterAgency(request);
  if (is({"agencies", "*", "*"}, "POST"))
    return SetAgencyState(request, parts[1], parts[2]);
  if (is({"accounts"}, "GET")) return Accounts(request);
  if (is({"accounts"}, "POST")) return AddAccount(request);
  if (is({"accounts", "*", "*"}, "POST"))
    return AccountAction(request, parts[1], parts[2]);
  return absl::NotFoundError(
      absl::StrCat("no such endpoint: ", request.method, " ", request.path));
}

absl::StatusOr<ConsoleUser> ConsoleApi::Authenticate(
    const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  return caller.user;
}

absl::StatusOr<ConsoleApi::Caller> ConsoleApi::RequireSession(
    const HttpRequest& request, bool change, bool may_have_old_password) {
  Caller caller;
  caller.token = CookieValue(request, kCookieName);
  std::optional<Session> session = d_.sessions->Touch(caller.token);
  if (!session.has_value()) {
    return absl::UnauthenticatedError(
        "not logged in, or the session has ended: log in again");
  }
  caller.session = *session;
  absl::StatusOr<ConsoleUser> user = d_.accounts->Current(session->account);
  if (!user.ok()) {
    d_.sessions->End(caller.token);
    return absl::UnauthenticatedError(
        absl::StrCat("the account ", session->account,
                     " can no longer log in: ", user.status().message()));
  }
  caller.user = *std::move(user);
  if (change && !ConstantTimeEquals(Header(request, "x-csrf-token"),
                                    session->csrf_token)) {
    return absl::PermissionDeniedError(
        "the request lacks this session's X-CSRF-Token: reload the page");
  }
  if (caller.user.must_change_password && !may_have_old_password) {
    return absl::PermissionDeniedError(
        "this account's password must be changed before anything else");
  }
  return caller;
}

std::string ConsoleApi::SessionToken(const HttpRequest& request) {
  return CookieValue(request, kCookieName);
}

bool ConsoleApi::Visible(const ConsoleUser& user, const Change& change) {
  if (user.is_operator()) return true;
  if (change.kind == Change::Kind::kAgency) return true;
  // A silent agency concerns every sender (the board shows it when the
  // clerk waits on that agency).
  if (change.kind == Change::Kind::kAlert && change.sender.empty()) return true;
  return !user.agency.empty() && change.sender == user.agency;
}

HttpResponse ConsoleApi::SessionAnswer(const ConsoleUser& user,
                                       const std::string& csrf_token,
                                       const NewSession* fresh) {
  truc::v1::SessionInfo info;
  info.set_account(user.account);
  info.set_display_name(user.display_name);
  info.set_role(user.role);
  info.set_agency(user.agency);
  info.set_agency_name(d_.directory->NameOf(user.agency));
  info.set_must_change_password(user.must_change_password);
  info.set_csrf_token(fresh != nullptr ? fresh->csrf_token : csrf_token);
  info.set_silence_threshold_seconds(static_cast<uint32_t>(
      d_.directory->silence_threshold_micros() / kSecond));
  HttpResponse r = Json(info);
  if (fresh != nullptr) {
    r.headers.emplace_back("Set-Cookie", SessionCookie(fresh->token, false));
  }
  return r;
}

absl::StatusOr<HttpResponse> ConsoleApi::Login(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(auto login, ParseBody<truc::v1::LoginRequest>(request));
  absl::StatusOr<ConsoleUser> user =
      d_.accounts->Login(login.name(), login.password());
  if (!user.ok()) {
    LogEvent("console_login_failed",
             {{"account", login.name()},
              {"remote", request.remote},
              {"reason", std::string(user.status().message())}});
    return user.status();
  }
  TRUC_ASSIGN_OR_RETURN(NewSession fresh, d_.sessions->Create(user->account));
  // A session cookie the browser already held is ended: a log-in never
  // keeps a session someone else may have set (session fixation).
  const std::string old = CookieValue(request, kCookieName);
  if (!old.empty()) d_.sessions->End(old);
  LogEvent("console_login",
           {{"account", user->account}, {"remote", request.remote}});
  return SessionAnswer(*user, "", &fresh);
}

absl::StatusOr<HttpResponse> ConsoleApi::Logout(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, true));
  TRUC_RETURN_IF_ERROR(RequireEmptyBody(request));
  d_.sessions->End(caller.token);
  LogEvent("console_logout", {{"account", caller.user.account}});
  HttpResponse r = Json(truc::v1::Empty());
  r.headers.emplace_back("Set-Cookie", SessionCookie("", true));
  return r;
}

absl::StatusOr<HttpResponse> ConsoleApi::SessionOf(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, true));
  return SessionAnswer(caller.user, caller.session.csrf_token, nullptr);
}

absl::StatusOr<HttpResponse> ConsoleApi::ChangePassword(
    const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, true));
  TRUC_ASSIGN_OR_RETURN(auto change,
                        ParseBody<truc::v1::ChangePasswordRequest>(request));
  TRUC_RETURN_IF_ERROR(d_.accounts->ChangePassword(
      caller.user.account, change.current_password(), change.new_password()));
  // The change ended every session of the account; this one goes on anew.
  TRUC_ASSIGN_OR_RETURN(ConsoleUser user,
                        d_.accounts->Current(caller.user.account));
  TRUC_ASSIGN_OR_RETURN(NewSession fresh, d_.sessions->Create(user.account));
  return SessionAnswer(user, "", &fresh);
}

absl::StatusOr<HttpResponse> ConsoleApi::Board(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  truc::v1::ListSentRequest list;
  uint64_t days = 7;
  if (auto it = request.query.find("days"); it != request.query.end()) {
    if (!absl::SimpleAtoi(it->second, &days) || days < 1 || days > 366) {
      return absl::InvalidArgumentError(absl::StrCat(
          "days=\"", it->second, "\": give a number of days from 1 to 366"));
    }
  }
  list.set_since_seconds(days * 86400);
  list.set_limit(1000);
  absl::StatusOr<truc::v1::ListSentResponse> sent =
      d_.operations->ListSent(caller.actor(), list);
  TRUC_RETURN_IF_ERROR(sent.status());
  std::vector<PendingDocument> docs(sent->documents().begin(),
                                    sent->documents().end());
  SortForTheBoard(&docs);
  truc::v1::Board board;
  board.set_truncated(sent->truncated());
  std::set<std::string> silent;
  for (auto& doc : docs) {
    for (const auto& r : doc.recipients()) {
      if (r.silent()) silent.insert(r.organ_id());
    }
    *board.add_documents() = std::move(doc);
  }
  for (const std::string& code : silent) {
    if (auto agency = d_.directory->Describe(code)) {
      *board.add_silent_agencies() = *std::move(agency);
    }
  }
  // The alerts raised now: all of them for an operator; for a clerk, its
  // own documents' and those of the silent units it is waiting on.
  if (d_.alerts != nullptr) {
    for (auto& alert : d_.alerts->Active()) {
      const bool mine = caller.user.is_operator() ||
                        alert.sender() == caller.user.agency ||
                        (alert.kind() == truc::v1::Alert::KIND_SILENT_AGENCY &&
                         silent.contains(alert.agency()));
      if (mine) *board.add_alerts() = std::move(alert);
    }
  }
  board.mutable_now()->set_unix_micros(d_.clock());
  return Json(board);
}

absl::StatusOr<HttpResponse> ConsoleApi::Document(const HttpRequest& request,
                                                  const std::string& id) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  truc::v1::GetDocumentStatusRequest ask;
  ask.set_document_id(id);
  ask.set_evidence(true);
  TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentStatus status,
                        d_.operations->StatusOf(caller.actor(), ask));
  truc::v1::DocumentPage page;
  if (!page.mutable_header()->ParseFromString(status.envelope().header())) {
    return absl::DataLossError(absl::StrCat("document ", id,
                                            ": its stored header does not "
                                            "parse"));
  }
  page.set_sender_signed(!status.envelope().signature().value().empty());
  page.set_accepted_receipt(
      !status.acceptance_receipt().signature().value().empty());
  page.set_header_sha256(HexEncode(Sha256::Of(status.envelope().header())));
  status.clear_envelope();
  *page.mutable_status() = std::move(status);
  return Json(page);
}

absl::StatusOr<HttpResponse> ConsoleApi::Resend(const HttpRequest& request,
                                                const std::string& id) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(
      d_.operations->SentDocument(caller.actor(), id, "resend it").status());
  TRUC_RETURN_IF_ERROR(RequireEmptyBody(request));
  truc::v1::ResendRequest ask;
  ask.set_document_id(id);
  TRUC_ASSIGN_OR_RETURN(truc::v1::ResendResponse again,
                        d_.operations->Resend(caller.actor(), ask));
  truc::v1::ResendResult result;
  *result.mutable_recipients() = std::move(*again.mutable_recipients());
  return Json(result);
}

absl::StatusOr<HttpResponse> ConsoleApi::Paper(const HttpRequest& request,
                                               const std::string& id) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(
      d_.operations
          ->SentDocument(caller.actor(), id, "record a paper copy of it")
          .status());
  TRUC_ASSIGN_OR_RETURN(auto ask,
                        ParseBody<truc::v1::PaperCopyRequest>(request));
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::RecipientStatus recipient,
      d_.operations->RecordPaperCopy(caller.actor(), id, ask));
  return Json(recipient);
}

absl::StatusOr<HttpResponse> ConsoleApi::Service(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  truc::v1::ServiceTableRequest ask;
  if (auto month = request.query.find("month"); month != request.query.end())
    ask.set_month(month->second);
  TRUC_ASSIGN_OR_RETURN(auto table,
                        d_.operations->MonthlyReport(caller.actor(), ask));
  return Json(table);
}

absl::StatusOr<HttpResponse> ConsoleApi::Agencies(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  // What waits for each agency: the province's outstanding documents for
  // an operator, the clerk's own agency's for a clerk.
  std::vector<PendingDocument> outstanding;
  bool truncated = false;
  if (caller.user.is_operator()) {
    truc::v1::ListPendingRequest pending;
    pending.set_limit(1000);
    TRUC_ASSIGN_OR_RETURN(auto list,
                          d_.operations->ListPending(caller.actor(), pending));
    outstanding.assign(list.documents().begin(), list.documents().end());
    truncated = list.truncated();
  } else {
    truc::v1::ListSentRequest sent;
    sent.set_since_seconds(366 * 86400);
    sent.set_outstanding_only(true);
    sent.set_limit(1000);
    TRUC_ASSIGN_OR_RETURN(auto list,
                          d_.operations->ListSent(caller.actor(), sent));
    outstanding.assign(list.documents().begin(), list.documents().end());
    truncated = list.truncated();
  }
  std::map<std::string, std::pair<uint32_t, uint32_t>> waiting;
  for (const auto& doc : outstanding) {
    for (const auto& r : doc.recipients()) {
      auto& [all, urgent] = waiting[r.organ_id()];
      ++all;
      if (IsUrgentEnough(doc.urgency())) ++urgent;
    }
  }
  truc::v1::AgencyTable table;
  table.set_waiting_truncated(truncated);
  for (auto& agency : d_.directory->List()) {
    auto* row = table.add_agencies();
    if (auto it = waiting.find(agency.code()); it != waiting.end()) {
      row->set_waiting(it->second.first);
      row->set_waiting_express(it->second.second);
    }
    *row->mutable_agency() = std::move(agency);
  }
  return Json(table);
}

absl::StatusOr<HttpResponse> ConsoleApi::RegisterAgency(
    const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(Operations::RequireOperator(caller.actor()));
  TRUC_ASSIGN_OR_RETURN(auto ask,
                        ParseBody<truc::v1::RegisterAgencyRequest>(request));
  TRUC_ASSIGN_OR_RETURN(truc::v1::Agency agency,
                        d_.operations->RegisterAgency(caller.actor(), ask));
  return Json(agency);
}

absl::StatusOr<HttpResponse> ConsoleApi::SetAgencyState(
    const HttpRequest& request, const std::string& code,
    const std::string& action) {
  if (action != "suspend" && action != "resume") {
    return absl::NotFoundError(absl::StrCat(
        "no such action: ", action, " (an agency is suspended or resumed)"));
  }
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(Operations::RequireOperator(caller.actor()));
  TRUC_RETURN_IF_ERROR(RequireEmptyBody(request));
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::Agency agency,
      d_.operations->SetAgencyState(caller.actor(), code,
                                    action == "suspend"
                                        ? truc::v1::AGENCY_STATE_SUSPENDED
                                        : truc::v1::AGENCY_STATE_ACTIVE));
  return Json(agency);
}

absl::StatusOr<HttpResponse> ConsoleApi::Accounts(const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, false, false));
  TRUC_ASSIGN_OR_RETURN(auto accounts,
                        d_.operations->ListAccounts(caller.actor()));
  truc::v1::ListAccountsResult result;
  *result.mutable_accounts() = std::move(*accounts.mutable_accounts());
  return Json(result);
}

absl::StatusOr<HttpResponse> ConsoleApi::AddAccount(
    const HttpRequest& request) {
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(Operations::RequireOperator(caller.actor()));
  TRUC_ASSIGN_OR_RETURN(auto ask,
                        ParseBody<truc::v1::AddAccountRequest>(request));
  TRUC_ASSIGN_OR_RETURN(auto added,
                        d_.operations->AddAccount(caller.actor(), ask));
  return Json(added);
}

absl::StatusOr<HttpResponse> ConsoleApi::AccountAction(
    const HttpRequest& request, const std::string& name,
    const std::string& action) {
  if (action != "disable" && action != "enable" && action != "reset") {
    return absl::NotFoundError(
        absl::StrCat("no such action: ", action,
                     " (an account is disabled, enabled or reset)"));
  }
  TRUC_ASSIGN_OR_RETURN(Caller caller, RequireSession(request, true, false));
  TRUC_RETURN_IF_ERROR(Operations::RequireOperator(caller.actor()));
  TRUC_RETURN_IF_ERROR(RequireEmptyBody(request));
  if (action == "reset") {
    // The console draws the password: none travels in the request.
    truc::v1::ResetAccountRequest ask;
    ask.set_name(name);
    TRUC_ASSIGN_OR_RETURN(auto reset,
                          d_.operations->ResetAccount(caller.actor(), ask));
    return Json(reset);
  }
  TRUC_ASSIGN_OR_RETURN(auto account,
                        d_.operations->SetAccountDisabled(caller.actor(), name,
                                                          action == "disable"));
  return Json(account);
}

}  // namespace truc::hub
