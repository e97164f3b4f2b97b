#include "hub/ops/accounts.h"

#include <argon2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/secret.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::internal::AccountRecord;

// OWASP's first choice for Argon2id: 46 MiB, one pass, one lane.
constexpr uint32_t kArgonMemoryKiB = 47104;
constexpr uint32_t kArgonPasses = 1;
constexpr uint32_t kArgonLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  TRUC_ASSIGN_OR_RETURN(std::string salt, RandomBytes(kSaltBytes));
  std::string encoded(
      argon2_encodedlen(kArgonPasses, kArgonMemoryKiB, kArgonLanes, kSaltBytes,
                        kHashBytes, Argon2_id),
      '\0');
  int rc = argon2id_hash_encoded(kArgonPasses, kArgonMemoryKiB, kArgonLanes,
                                 password.data(), password.size(), salt.data(),
                                 salt.size(), kHashBytes, encoded.data(),
                                 encoded.size());
  if (rc != ARGON2_OK) {
    return absl::InternalError(
        absl::StrCat("argon2id: ", argon2_error_message(rc)));
  }
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size()
                                                         : encoded.find('\0'));
  return encoded;
}

bool PasswordMatches(const std::string& encoded, absl::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) ==
         ARGON2_OK;
}

absl::Status ValidateName(absl::string_view name) {
  bool ok = name.size() >= 2 && name.size() <= 64 &&
            (absl::ascii_islower(name[0]) || absl::ascii_isdigit(name[0]));
  for (char c : name) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "account name \"", name,
        "\" must be 2 to 64 of a-z 0-9 . _ -, starting with a letter or a "
        "digit (e.g. lan.nt)"));
  }
  return absl::OkStatus();
}

absl::Status NoSuchAccount(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no account ", name));
}

truc::v1::AuditEvent AccountEvent(absl::string_view kind, const Identity& by,
                                  const std::string& name,
                                  std::string detail = "") {
  return NewAuditEvent(
      kind, by,
      absl::StrCat("account=", name, detail.empty() ? "" : " ", detail));
}

}  // namespace

Identity ConsoleUser::Actor() const {
  Identity id;
  id.role = Role::kAccount;
  id.name = account;
  return id;
}

absl::StatusOr<std::unique_ptr<AccountStore>> AccountStore::Load(
    Store* store, AuditLog* audit, const Directory* directory, Clock clock,
    AccountPolicy policy) {
  std::unique_ptr<AccountStore> s(
      new AccountStore(store, audit, directory, std::move(clock), policy));
  absl::Status parse;
  absl::MutexLock lock(&s->mu_);
  TRUC_RETURN_IF_ERROR(store->ScanPrefix(
      keys::kAccountPrefix, [&](absl::string_view k, absl::string_view v) {
        AccountRecord r;
        if (!r.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse = absl::DataLossError(absl::StrCat("corrupt record at ", k));
          return false;
        }
        s->accounts_[r.name()] = std::move(r);
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse);
  return s;
}

absl::Status AccountStore::CheckPassword(const std::string& name,
                                         const std::string& password) const {
  if (password.size() < policy_.min_password_length) {
    return absl::InvalidArgumentError(
        absl::StrCat("the password must have at least ",
                     policy_.min_password_length, " characters"));
  }
  if (password.size() > 256) {
    return absl::InvalidArgumentError("the password is longer than 256 bytes");
  }
  if (absl::StrContains(absl::AsciiStrToLower(password), name)) {
    return absl::InvalidArgumentError(
        "the password must not contain the account's name");
  }
  if (password.find_first_not_of(password[0]) == std::string::npos) {
    return absl::InvalidArgumentError(
        "the password must not be one character repeated");
  }
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::AccountPassword> AccountStore::Add(
    const truc::v1::AddAccountRequest& request, const Identity& by) {
  TRUC_RETURN_IF_ERROR(ValidateName(request.name()));
  const std::string display(absl::StripAsciiWhitespace(request.display_name()));
  if (display.empty() || display.size() > 128) {
    return absl::InvalidArgumentError(
        "display_name is required (the person's name, e.g. \"Nguyễn Thị "
        "Lan\"), at most 128 bytes");
  }
  switch (request.role()) {
    case truc::v1::ACCOUNT_ROLE_OPERATOR:
      if (!request.agency().empty()) {
        return absl::InvalidArgumentError(
            "an operator account sees the whole province: give no agency");
      }
      break;
    case truc::v1::ACCOUNT_ROLE_CLERK:
      if (request.agency().empty()) {
        return absl::InvalidArgumentError(
            "a clerk's account needs its agency (agency code)");
      }
      if (!directory_->Find(request.agency())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "agency ", request.agency(), " is not in the directory"));
      }
      break;
    default:
      return absl::InvalidArgumentError("role must be operator or clerk");
  }
  truc::v1::AccountPassword out;
  std::string password = request.password();
  if (password.empty()) {
    TRUC_ASSIGN_OR_RETURN(password, NewPassword());
    out.set_password(password);
  } else {
    TRUC_RETURN_IF_ERROR(CheckPassword(request.name(), password));
  }
  TRUC_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  absl::MutexLock write(&write_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (accounts_.count(request.name())) {
      return absl::AlreadyExistsError(
          absl::StrCat("account ", request.name(), " exists already"));
    }
  }
  const int64_t now = clock_();
  AccountRecord r;
  r.set_name(request.name());
  r.set_display_name(display);
  r.set_role(request.role());
  r.set_agency(request.agency());
  r.set_password_hash(hash);
  r.set_created_at_micros(now);
  r.set_created_by(by.Principal());
  r.set_password_set_at_micros(now);
  r.set_must_change_password(request.password().empty());
  TRUC_RETURN_IF_ERROR(
      Save(r,
           AccountEvent(
               "account_added", by, r.name(),
               absl::StrCat("role=", truc::v1::AccountRole_Name(r.role()),
                            r.agency().empty() ? "" : " agency=", r.agency())),
           true));
  *out.mutable_account() = ToAccount(r);
  return out;
}

absl::StatusOr<truc::v1::Account> AccountStore::SetDisabled(
    const std::string& name, bool disabled, const Identity& by) {
  AccountRecord r;
  {
    absl::MutexLock write(&write_mu_);
    TRUC_ASSIGN_OR_RETURN(r, Record(name));
    if (r.disabled() == disabled) return ToAccount(r);
    r.set_disabled(disabled);
    TRUC_RETURN_IF_ERROR(
        Save(r,
             AccountEvent(disabled ? "account_disabled" : "account_enabled", by,
                          name),
             true));
  }
  if (disabled) Revoked(name);
  return ToAccount(r);
}

absl::StatusOr<truc::v1::AccountPassword> AccountStore::Reset(
    const std::string& name, const std::string& password_in,
    const Identity& by) {
  truc::v1::AccountPassword out;
  std::string password = password_in;
  if (password.empty()) {
    TRUC_ASSIGN_OR_RETURN(password, NewPassword());
    out.set_password(password);
  } else {
    TRUC_RETURN_IF_ERROR(CheckPassword(name, password));
  }
  TRUC_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  AccountRecord r;
  {
    absl::MutexLock write(&write_mu_);
    TRUC_ASSIGN_OR_RETURN(r, Record(name));
    r.set_password_hash(hash);
    r.set_password_set_at_micros(clock_());
    r.set_failed_logins(0);
    r.set_locked_until_micros(0);
    r.set_must_change_password(password_in.empty());
    TRUC_RETURN_IF_ERROR(
        Save(r, AccountEvent("password_reset", by, name), true));
  }
  Revoked(name);
  *out.mutable_account() = ToAccount(r);
  return out;
}

absl::StatusOr<ConsoleUser> AccountStore::Login(const std::string& name,
                                                const std::string& password) {
  static const absl::Status kWrong =
      absl::UnauthenticatedError("wrong account name or password");
  // The hash of an account that does not exist: a wrong name costs the
  // same time as a wrong password.
  static const std::string* const kDummy = [] {
    auto h = HashPassword("not an account's password");
    return new std::string(h.ok() ? *h : "");
  }();
  const int64_t now = clock_();
  absl::StatusOr<AccountRecord> found = Record(name);
  if (!found.ok()) {
    (void)PasswordMatches(*kDummy, password);
    return kWrong;
  }
  if (found->locked_until_micros() > now) {
    return absl::UnauthenticatedError(absl::StrCat(
        "account ", name, " is locked after ", policy_.max_failed_logins,
        " wrong passwords until ",
        FormatVietnamTime(found->locked_until_micros()),
        "; an operator can unlock it at once (truc account reset ", name, ")"));
  }
  const bool right = PasswordMatches(found->password_hash(), password);
  absl::MutexLock write(&write_mu_);
  absl::StatusOr<AccountRecord> latest = Record(name);
  if (!latest.ok()) return kWrong;  // removed meanwhile
  AccountRecord r = *std::move(latest);
  if (!right) {
    r.set_failed_logins(r.failed_logins() + 1);
    if (r.failed_logins() < policy_.max_failed_logins) {
      TRUC_RETURN_IF_ERROR(Save(r, std::nullopt, true));
      return kWrong;
    }
    r.set_failed_logins(0);
    r.set_locked_until_micros(now + policy_.lockout_micros);
    ConsoleUser self{.account = name};
    TRUC_RETURN_IF_ERROR(
        Save(r,
             AccountEvent("account_locked", self.Actor(), name,
                          absl::StrCat("after=", policy_.max_failed_logins,
                                       " until=", r.locked_until_micros())),
             true));
    return absl::UnauthenticatedError(absl::StrCat(
        "wrong account name or password; after ", policy_.max_failed_logins,
        " wrong passwords account ", name, " is locked until ",
        FormatVietnamTime(r.locked_until_micros())));
  }
  if (r.disabled()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "account ", name, " is disabled; an operator can enable it"));
  }
  r.set_failed_logins(0);
  r.set_last_login_micros(now);
  TRUC_RETURN_IF_ERROR(Save(r, std::nullopt, false));  // soft state
  return ConsoleUser{.account = r.name(),
                     .display_name = r.display_name(),
                     .role = r.role(),
                     .agency = r.agency(),
                     .must_change_password = r.must_change_password()};
}

absl::Status AccountStore::ChangePassword(const std::string& name,
                                          const std::string& current,
                                          const std::string& next) {
  TRUC_RETURN_IF_ERROR(CheckPassword(name, next));
  if (next == current) {
    return absl::InvalidArgumentError(
        "the new password must differ from the current one");
  }
  TRUC_RETURN_IF_ERROR(Login(name, current).status());
  TRUC_ASSIGN_OR_RETURN(std::string hash, HashPassword(next));
  {
    absl::MutexLock write(&write_mu_);
    AccountRecord r;
    TRUC_ASSIGN_OR_RETURN(r, Record(name));
    r.set_password_hash(hash);
    r.set_password_set_at_micros(clock_());
    r.set_must_change_password(false);
    ConsoleUser self{.account = name};
    TRUC_RETURN_IF_ERROR(
        Save(r, AccountEvent("password_changed", self.Actor(), name), true));
  }
  Revoked(name);
  return absl::OkStatus();
}

absl::StatusOr<AccountRecord> AccountStore::Record(
    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return NoSuchAccount(name);
  return it->second;
}

absl::StatusOr<ConsoleUser> AccountStore::Current(
    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return NoSuchAccount(name);
  const AccountRecord& r = it->second;
  if (r.disabled()) {
    return absl::PermissionDeniedError(
        absl::StrCat("account ", name, " is disabled"));
  }
  return ConsoleUser{.account = r.name(),
                     .display_name = r.display_name(),
                     .role = r.role(),
                     .agency = r.agency(),
                     .must_change_password = r.must_change_password()};
}

std::vector<truc::v1::Account> AccountStore::List() const {
  std::vector<truc::v1::Account> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, r] : accounts_) out.push_back(ToAccount(r));
  return out;
}

std::optional<truc::v1::Account> AccountStore::Describe(
    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return std::nullopt;
  return ToAccount(it->second);
}

void AccountStore::AddOnRevoked(std::function<void(const std::string&)> fn) {
  absl::MutexLock lock(&mu_);
  on_revoked_.push_back(std::move(fn));
}

truc::v1::Account AccountStore::ToAccount(const AccountRecord& r) const {
  truc::v1::Account a;
  a.set_name(r.name());
  a.set_display_name(r.display_name());
  a.set_role(r.role());
  a.set_agency(r.agency());
  if (!r.agency().empty()) a.set_agency_name(directory_->NameOf(r.agency()));
  a.set_disabled(r.disabled());
  if (r.locked_until_micros() > clock_())
    a.mutable_locked_until()->set_unix_micros(r.locked_until_micros());
  a.set_failed_logins(r.failed_logins());
  a.mutable_created_at()->set_unix_micros(r.created_at_micros());
  a.set_created_by(r.created_by());
  if (r.last_login_micros())
    a.mutable_last_login()->set_unix_micros(r.last_login_micros());
  a.set_must_change_password(r.must_change_password());
  return a;
}

absl::Status AccountStore::Save(const AccountRecord& r,
                                std::optional<truc::v1::AuditEvent> event,
                                bool sync) {
  WriteBatch b;
  b.Put(keys::Account(r.name()), r.SerializeAsString());
  if (event) {
    TRUC_RETURN_IF_ERROR(
        audit_->Commit(b, {std::move(*event)}, {.sync = sync}).status());
  } else {
    TRUC_RETURN_IF_ERROR(store_->Write(b, {.sync = sync}));
  }
  absl::MutexLock lock(&mu_);
  accounts_[r.name()] = r;
  return absl::OkStatus();
}

void AccountStore::Revoked(const std::string& name) {
  std::vector<std::function<void(const std::string&)>> fns;
  {
    absl::MutexLock lock(&mu_);
    fns = on_revoked_;
  }
  for (const auto& fn : fns) fn(name);
}

}  // namespace truc::hub
