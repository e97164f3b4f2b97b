// The console's log-in sessions, kept in memory only: a restart of the hub
// logs everyone out, which is the safe side for a government console.
//
// A session is known by a random 256-bit token (the cookie's value), kept
// hashed (SHA-256) so that a memory dump does not hand out live cookies.
// Each has its own CSRF token, which every change must carry. A session
// ends on log-out, after `idle_micros` without a request, after
// `absolute_micros` whatever the use, and when its account is disabled,
// reset or changes its password (EndAccount). An account holds at most
// `max_per_account` sessions; a new one ends its oldest.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_CONSOLE_SESSIONS_H_
#define TRUC_HUB_CONSOLE_SESSIONS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace truc::hub {

struct SessionPolicy {
  int64_t idle_micros = 30LL * 60 * 1'000'000;        // 30 min
  int64_t absolute_micros = 12LL * 3600 * 1'000'000;  // a working day
  size_t max_per_account = 10;
};

struct Session {
  std::string account;
  std::string csrf_token;
  int64_t created_micros = 0;
  int64_t last_seen_micros = 0;
};

// A new session's secrets, given to the browser once.
struct NewSession {
  std::string token;  // the cookie's value
  std::string csrf_token;
};

class SessionTable {
 public:
  explicit SessionTable(std::function<int64_t()> clock,
                        SessionPolicy policy = {});

  // A new session for `account`. INTERNAL if the random generator fails.
  absl::StatusOr<NewSession> Create(const std::string& account);
  // The live session of `token`, its idle time restarted; nullopt for an
  // unknown, ended or expired token (an expired one is removed).
  std::optional<Session> Touch(const std::string& token);
  // Whether `token`'s session is live, without counting this as use (a
  // live board's stream asks this every second).
  bool Alive(const std::string& token) const;
  // Ends the session of `token`, if any.
  void End(const std::string& token);
  // Ends every session of `account`.
  void EndAccount(const std::string& account);
  size_t size() const;

 private:
  bool Expired(const Session& s, int64_t now) const;

  const std::function<int64_t()> clock_;
  const SessionPolicy policy_;
  mutable absl::Mutex mu_;
  // By SHA-256 of the token.
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_CONSOLE_SESSIONS_H_
