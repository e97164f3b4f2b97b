// ConsoleApi: the web console's JSON API as plain logic, with no server:
// an HttpRequest in, an HttpResponse out, so that every rule (who is
// logged in, what a clerk may see, CSRF, content types, sizes, every
// error) is tested without a socket. The HTTPS server (console/server.h)
// only moves requests and answers to and from it, and streams the live
// events.
//
// Endpoints (docs/CONSOLE.md):
//   POST /api/login                 {name, password} -> SessionInfo + cookie
//   POST /api/logout
//   GET  /api/session               SessionInfo (with the CSRF token)
//   POST /api/password              {current_password, new_password}
//   GET  /api/board?days=N          Board
//   GET  /api/documents/ID          DocumentPage
//   POST /api/documents/ID/resend   ResendResult
//   POST /api/documents/ID/paper    PaperCopyRequest -> RecipientStatus
//   GET  /api/service?month=yyyy-MM ServiceTable (a clerk: its documents)
//   GET  /api/agencies              AgencyTable
//   POST /api/agencies              RegisterAgencyRequest -> Agency (op.)
//   POST /api/agencies/CODE/suspend|resume                -> Agency (op.)
//   GET  /api/accounts              ListAccountsResult (operators)
//   POST /api/accounts              AddAccountRequest -> AccountPassword
//   POST /api/accounts/NAME/disable|enable|reset
//
// Rules every call meets: the session cookie (HttpOnly, Secure,
// SameSite=Strict, __Host- prefixed) names a live session of an enabled
// account, else 401; every POST but the log-in carries the session's
// X-CSRF-Token, else 403, and has Content-Type application/json (a form
// cannot forge one), else 415; bodies are at most kMaxBodyBytes, else 413;
// an account whose password must change may only read its session, change
// its password and log out (403); a clerk sees and acts on the documents
// its agency sent and nothing else: another agency's document is "not
// found" (404), as if it did not exist. Who may read or change what is
// Operations' rule (hub/operations/operations.h), the same as for the
// gRPC services; each change carries its audit event naming the account.
//
// Thread-safety: thread-safe; Handle may run on many threads at once.
#ifndef TRUC_HUB_CONSOLE_API_H_
#define TRUC_HUB_CONSOLE_API_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/console/sessions.h"
#include "hub/exchange/change_feed.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/http/http_types.h"
#include "hub/operations/operations.h"
#include "hub/ops/accounts.h"
#include "hub/ops/alerts.h"

namespace truc::hub {

struct ConsoleDeps {
  Operations* operations;  // every read and change of the hub's state
  Directory* directory;    // names, liveness and the silence threshold
  AccountStore* accounts;  // log-ins and the users' own passwords
  SessionTable* sessions;
  std::function<int64_t()> clock;  // Unix micros
  AlertEngine* alerts = nullptr;   // the alerts on the board, if any
};

class ConsoleApi {
 public:
  static constexpr size_t kMaxBodyBytes = 64 * 1024;
  static constexpr char kCookieName[] = "__Host-truc_session";

  explicit ConsoleApi(ConsoleDeps deps) : d_(deps) {}

  // Answers one request under /api/. Never fails: an error is an ApiError
  // body with its HTTP status.
  HttpResponse Handle(const HttpRequest& request);

  // The logged-in user of `request` (its session cookie), as the account
  // is now. UNAUTHENTICATED without a live session or for a disabled
  // account; PERMISSION_DENIED (403) while its password must change.
  absl::StatusOr<ConsoleUser> Authenticate(const HttpRequest& request);

  // The session token a request carries in its cookie, or "".
  static std::string SessionToken(const HttpRequest& request);

  // Whether `user` may see `change` (a clerk: its agency's documents and
  // the directory).
  static bool Visible(const ConsoleUser& user, const Change& change);

  // The error body for `status`, and its HTTP status; INTERNAL, UNKNOWN
  // and DATA_LOSS say only "internal error" (the log has the detail).
  static HttpResponse Error(const absl::Status& status);

 private:
  struct Caller {
    ConsoleUser user;
    Session session;
    std::string token;
    // What Operations acts as: the account, concealing others' documents.
    Actor actor() const { return Actor::ForAccount(user); }
  };
  // The caller of a request that needs a session; with `change`, also its
  // CSRF token. `may_have_old_password` lets an account whose password
  // must change through.
  absl::StatusOr<Caller> RequireSession(const HttpRequest& request, bool change,
                                        bool may_have_old_password);
  absl::StatusOr<HttpResponse> Route(const HttpRequest& request);

  absl::StatusOr<HttpResponse> Login(const HttpRequest& request);
  absl::StatusOr<HttpResponse> Logout(const HttpRequest& request);
  absl::StatusOr<HttpResponse> SessionOf(const HttpRequest& request);
  absl::StatusOr<HttpResponse> ChangePassword(const HttpRequest& request);
  absl::StatusOr<HttpResponse> Board(const HttpRequest& request);
  absl::StatusOr<HttpResponse> Document(const HttpRequest& request,
                                        const std::string& id);
  absl::StatusOr<HttpResponse> Resend(const HttpRequest& request,
                                      const std::string& id);
  absl::StatusOr<HttpResponse> Paper(const HttpRequest& request,
                                     const std::string& id);
  absl::StatusOr<HttpResponse> Service(const HttpRequest& request);
  absl::StatusOr<HttpResponse> Agencies(const HttpRequest& request);
  absl::StatusOr<HttpResponse> RegisterAgency(const HttpRequest& request);
  absl::StatusOr<HttpResponse> SetAgencyState(const HttpRequest& request,
                                              const std::string& code,
                                              const std::string& action);
  absl::StatusOr<HttpResponse> Accounts(const HttpRequest& request);
  absl::StatusOr<HttpResponse> AddAccount(const HttpRequest& request);
  absl::StatusOr<HttpResponse> AccountAction(const HttpRequest& request,
                                             const std::string& name,
                                             const std::string& action);

  // SessionInfo for `user`, with a Set-Cookie for `fresh` if given.
  HttpResponse SessionAnswer(const ConsoleUser& user,
                             const std::string& csrf_token,
                             const NewSession* fresh);

  const ConsoleDeps d_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_CONSOLE_API_H_
