// The console's accounts: who may log in to the web console, as what. An
// operator account sees and acts on the whole province; a clerk's is bound
// to one agency and sees and acts on that agency's documents only.
//
// Passwords are kept as Argon2id hashes (libargon2; 46 MiB, one pass, one
// lane: OWASP's first choice), never in clear, never logged. After
// `max_failed_logins` wrong passwords in a row an account is locked for
// `lockout_micros`; a reset unlocks it. A password the hub draws (an
// account added or reset without one) must be changed at the first log-in.
// Every change (added, disabled, enabled, reset, password changed, locked
// out) is written with its audit event, naming who made it; log-ins
// change only soft state (last log-in, failures) and are not audited.
//
// Accounts are few (hundreds) and kept in memory, loaded at start from the
// u/ key range.
//
// Thread-safety: all methods are thread-safe. Log-in checks a password
// outside the lock (it takes tens of milliseconds). Callbacks run on the
// changing thread, outside the lock.
#ifndef TRUC_HUB_OPS_ACCOUNTS_H_
#define TRUC_HUB_OPS_ACCOUNTS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/directory.h"
#include "hub/store/store.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

struct AccountPolicy {
  uint32_t max_failed_logins = 5;
  int64_t lockout_micros = 900'000'000;  // 15 min
  size_t min_password_length = 12;
};

// Who is logged in: what the console acts as.
struct ConsoleUser {
  std::string account;
  std::string display_name = {};
  truc::v1::AccountRole role = truc::v1::ACCOUNT_ROLE_UNSPECIFIED;
  std::string agency = {};  // a clerk's
  bool must_change_password = false;

  bool is_operator() const { return role == truc::v1::ACCOUNT_ROLE_OPERATOR; }
  // The actor the audit log names: "account:<name>".
  Identity Actor() const;
};

class AccountStore {
 public:
  // Loads the accounts. Fails with the store's error, or DATA_LOSS for a
  // record that does not parse.
  static absl::StatusOr<std::unique_ptr<AccountStore>> Load(
      Store* store, AuditLog* audit, const Directory* directory, Clock clock,
      AccountPolicy policy = {});

  // Adds an account on behalf of `by`. INVALID_ARGUMENT for a malformed
  // name, no display name, an unknown role, a clerk without a registered
  // agency (or an operator with one), or a weak password; ALREADY_EXISTS.
  // With no password given one is drawn, returned in `password`, and must
  // be changed at the first log-in.
  absl::StatusOr<truc::v1::AccountPassword> Add(
      const truc::v1::AddAccountRequest& request, const Identity& by);
  // NOT_FOUND for an unknown name. The same state again changes nothing.
  absl::StatusOr<truc::v1::Account> SetDisabled(const std::string& name,
                                                bool disabled,
                                                const Identity& by);
  // A new password (drawn if `password` is empty), unlocked. NOT_FOUND;
  // INVALID_ARGUMENT for a weak password.
  absl::StatusOr<truc::v1::AccountPassword> Reset(const std::string& name,
                                                  const std::string& password,
                                                  const Identity& by);

  // Logs in. UNAUTHENTICATED "wrong account name or password" for an
  // unknown name or a wrong password (the same answer, in about the same
  // time), naming the lock-out once it begins; UNAUTHENTICATED naming the
  // end of a lock-out in force (the password is not even checked);
  // PERMISSION_DENIED for a disabled account (told only to one who knows
  // its password). Failures are counted and written.
  absl::StatusOr<ConsoleUser> Login(const std::string& name,
                                    const std::string& password);
  // The user's own change: `current` must be right (counted as a log-in
  // failure if not), `next` strong and different.
  absl::Status ChangePassword(const std::string& name,
                              const std::string& current,
                              const std::string& next);

  // The account as a session should see it now: NOT_FOUND if it is gone,
  // PERMISSION_DENIED if disabled.
  absl::StatusOr<ConsoleUser> Current(const std::string& name) const;
  std::vector<truc::v1::Account> List() const;
  std::optional<truc::v1::Account> Describe(const std::string& name) const;

  // Called with the account's name after it was disabled, reset, or its
  // password changed: its sessions end.
  void AddOnRevoked(std::function<void(const std::string& name)> fn);

  // OK, or INVALID_ARGUMENT naming what makes `password` too weak for the
  // account `name`.
  absl::Status CheckPassword(const std::string& name,
                             const std::string& password) const;

 private:
  AccountStore(Store* store, AuditLog* audit, const Directory* directory,
               Clock clock, AccountPolicy policy)
      : store_(store),
        audit_(audit),
        directory_(directory),
        clock_(std::move(clock)),
        policy_(policy) {}
  truc::v1::Account ToAccount(const truc::internal::AccountRecord& r) const;
  // A copy of `name`'s record; NOT_FOUND for an unknown name.
  absl::StatusOr<truc::internal::AccountRecord> Record(
      const std::string& name) const;
  // Writes `r` with `event` (if its kind is not empty) and keeps it.
  absl::Status Save(const truc::internal::AccountRecord& r,
                    std::optional<truc::v1::AuditEvent> event, bool sync);
  void Revoked(const std::string& name);

  Store* const store_;
  AuditLog* const audit_;
  const Directory* const directory_;
  const Clock clock_;
  const AccountPolicy policy_;
  mutable absl::Mutex mu_;
  std::map<std::string, truc::internal::AccountRecord> accounts_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const std::string&)>> on_revoked_
      ABSL_GUARDED_BY(mu_);
  // Serialises changes, so that each is written from the latest record.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_ACCOUNTS_H_
