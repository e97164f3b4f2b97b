#include "hub/exchange/cert_registry.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::internal::CertificateRecord;

// A record's last use is written again at most this often.
constexpr int64_t kLastSeenResolution = 60'000'000;

bool IsAgencyPrincipal(absl::string_view principal) {
  return absl::StartsWith(principal, "agency:");
}

}  // namespace

absl::StatusOr<std::unique_ptr<CertificateRegistry>> CertificateRegistry::Load(
    Store* store, AuditLog* audit, Clock clock, int64_t warning_micros) {
  std::unique_ptr<CertificateRegistry> r(
      new CertificateRegistry(store, audit, std::move(clock), warning_micros));
  absl::MutexLock lock(&r->mu_);
  absl::Status parse_error;
  TRUC_RETURN_IF_ERROR(store->ScanPrefix(keys::kCertificatePrefix, [&](auto k,
                                                                       auto v) {
    CertificateRecord rec;
    if (!rec.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      parse_error =
          absl::DataLossError(absl::StrCat("corrupt certificate record ", k));
      return false;
    }
    if (rec.revoked()) r->revoked_.insert(rec.serial());
    r->records_[rec.serial()] = std::move(rec);
    return true;
  }));
  TRUC_RETURN_IF_ERROR(parse_error);
  return r;
}

absl::StatusOr<std::string> CertificateRegistry::NormalizeSerial(
    absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (absl::StartsWith(s, "0x")) s = s.substr(2);
  s.erase(std::remove(s.begin(), s.end(), ':'), s.end());
  const bool hex = !s.empty() && s.size() <= 40 &&
                   s.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" is not a certificate serial: 1 to 40 hexadecimal digits, as `truc "
        "cert list` shows them"));
  }
  const size_t first = s.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : s.substr(first);
}

absl::Status CertificateRegistry::Admit(const Identity& id) {
  const int64_t now = clock_();
  bool first_sighting = false, touch = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = records_.find(id.serial_hex);
    if (it != records_.end() && it->second.revoked()) {
      const CertificateRecord& r = it->second;
      return absl::UnauthenticatedError(absl::StrCat(
          "certificate ", id.serial_hex, " (", id.ToString(),
          ") was revoked at ", FormatVietnamTime(r.revoked_at_micros()), " by ",
          r.revoked_by(), ": ", r.revocation_reason()));
    }
    first_sighting = it == records_.end() || it->second.principal().empty();
    touch = !first_sighting &&
            now - it->second.last_seen_micros() >= kLastSeenResolution;
  }
  const int64_t now_s = now / 1'000'000;
  if (id.not_before_unix != 0 && now_s < id.not_before_unix) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate ", id.serial_hex, " (", id.ToString(),
                     ") is not valid before ",
                     FormatVietnamTime(id.not_before_unix * 1'000'000)));
  }
  if (id.not_after_unix != 0 && now_s > id.not_after_unix) {
    return absl::UnauthenticatedError(absl::StrCat(
        "certificate ", id.serial_hex, " (", id.ToString(), ") expired at ",
        FormatVietnamTime(id.not_after_unix * 1'000'000),
        ": the agency needs a new one from the province CA"));
  }
  if (!first_sighting && !touch) return absl::OkStatus();
  // Soft state, written by the next Flush (never here: a call must not
  // wait behind a revocation's synced commit, which holds revoke_mu_).
  absl::MutexLock lock(&mu_);
  CertificateRecord& r = records_[id.serial_hex];
  if (r.revoked()) {  // revoked meanwhile
    return absl::UnauthenticatedError(
        absl::StrCat("certificate ", id.serial_hex, " (", id.ToString(),
                     ") was revoked: ", r.revocation_reason()));
  }
  if (r.principal().empty()) {
    r.set_serial(id.serial_hex);
    r.set_principal(id.Principal());
    r.set_common_name(id.common_name);
    r.set_not_before_unix(id.not_before_unix);
    r.set_not_after_unix(id.not_after_unix);
    r.set_first_seen_micros(now);
  }
  r.set_last_seen_micros(now);
  dirty_.insert(id.serial_hex);
  return absl::OkStatus();
}

bool CertificateRegistry::IsRevoked(const std::string& serial_hex) const {
  absl::ReaderMutexLock lock(&mu_);
  return revoked_.count(serial_hex) > 0;
}

absl::StatusOr<truc::v1::CertificateInfo> CertificateRegistry::Revoke(
    const std::string& serial_text, const std::string& reason,
    const Identity& by) {
  TRUC_ASSIGN_OR_RETURN(const std::string serial, NormalizeSerial(serial_text));
  const std::string why(absl::StripAsciiWhitespace(reason));
  if (why.empty()) {
    return absl::InvalidArgumentError(
        "a revocation needs a reason (--reason), e.g. \"key lost\"; it is "
        "kept in the audit log");
  }
  if (why.size() > 1000) {
    return absl::InvalidArgumentError("the reason is longer than 1000 bytes");
  }
  if (serial == by.serial_hex) {
    return absl::FailedPreconditionError(absl::StrCat(
        "certificate ", serial,
        " is the one this call is made with; revoke it with another "
        "operator's certificate"));
  }
  revoke_mu_.Lock();
  CertificateRecord r;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = records_.find(serial);
    if (it != records_.end()) {
      if (it->second.revoked()) {
        revoke_mu_.Unlock();
        return ToInfo(it->second);
      }
      r = it->second;
    }
  }
  r.set_serial(serial);
  r.set_revoked(true);
  r.set_revoked_at_micros(clock_());
  r.set_revocation_reason(why);
  r.set_revoked_by(by.Principal());
  WriteBatch b;
  b.Put(keys::CertificateRecord(serial), r.SerializeAsString());
  truc::v1::AuditEvent e;
  e.set_kind("certificate_revoked");
  e.set_actor(by.Principal());
  e.set_actor_certificate(by.serial_hex);
  if (IsAgencyPrincipal(r.principal())) e.set_agency(r.principal().substr(7));
  e.set_detail(absl::StrCat("serial=", serial, " principal=",
                            r.principal().empty() ? "unknown" : r.principal(),
                            " reason=", why));
  const absl::Status committed = audit_->Commit(b, {std::move(e)}).status();
  std::vector<std::function<void(const truc::v1::CertificateInfo&)>> callbacks;
  if (committed.ok()) {
    absl::MutexLock lock(&mu_);
    // A first sighting made during the commit (Admit does not wait for
    // it) is kept: the revocation is merged into the record as it is now,
    // and the merged record written by the next Flush.
    CertificateRecord& now = records_[serial];
    const bool seen_meanwhile =
        r.principal().empty() && !now.principal().empty();
    now.set_serial(serial);
    now.set_revoked(true);
    now.set_revoked_at_micros(r.revoked_at_micros());
    now.set_revocation_reason(r.revocation_reason());
    now.set_revoked_by(r.revoked_by());
    r = now;
    revoked_.insert(serial);
    if (seen_meanwhile) {
      dirty_.insert(serial);
    } else {
      dirty_.erase(serial);
    }
    callbacks = on_revoked_;
  }
  // The callbacks (ending the certificate's calls) run without it.
  revoke_mu_.Unlock();
  TRUC_RETURN_IF_ERROR(committed);
  const truc::v1::CertificateInfo info = ToInfo(r);
  for (const auto& fn : callbacks) fn(info);
  return info;
}

truc::v1::CertificateInfo CertificateRegistry::ToInfo(
    const CertificateRecord& r) const {
  truc::v1::CertificateInfo out;
  const int64_t now = clock_();
  out.set_serial(r.serial());
  out.set_principal(r.principal());
  out.set_common_name(r.common_name());
  if (r.not_before_unix())
    out.mutable_not_before()->set_unix_micros(r.not_before_unix() * 1'000'000);
  if (r.not_after_unix())
    out.mutable_not_after()->set_unix_micros(r.not_after_unix() * 1'000'000);
  if (r.first_seen_micros())
    out.mutable_first_seen()->set_unix_micros(r.first_seen_micros());
  if (r.last_seen_micros())
    out.mutable_last_seen()->set_unix_micros(r.last_seen_micros());
  out.set_revoked(r.revoked());
  if (r.revoked()) {
    out.mutable_revoked_at()->set_unix_micros(r.revoked_at_micros());
    out.set_revocation_reason(r.revocation_reason());
    out.set_revoked_by(r.revoked_by());
  }
  const int64_t expiry = r.not_after_unix() * 1'000'000;
  out.set_expired(r.not_after_unix() != 0 && now > expiry);
  out.set_expiring(!r.revoked() && r.not_after_unix() != 0 &&
                   expiry - now < warning_micros_);
  return out;
}

std::vector<truc::v1::CertificateInfo> CertificateRegistry::List(
    const std::string& principal) const {
  const std::string want =
      principal.empty() || principal.find(':') != std::string::npos
          ? principal
          : absl::StrCat("agency:", principal);
  std::vector<truc::v1::CertificateInfo> out;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [serial, r] : records_) {
      if (want.empty() || r.principal() == want) out.push_back(ToInfo(r));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.not_after().unix_micros() < b.not_after().unix_micros();
  });
  return out;
}

int64_t CertificateRegistry::LatestExpiryLocked(
    const std::string& principal) const {
  int64_t latest = 0;
  for (const auto& [serial, r] : records_) {
    if (r.principal() == principal && !r.revoked())
      latest = std::max(latest, r.not_after_unix());
  }
  return latest;
}

int64_t CertificateRegistry::LatestExpiry(const std::string& principal) const {
  absl::ReaderMutexLock lock(&mu_);
  return LatestExpiryLocked(principal);
}

std::map<std::string, int64_t> CertificateRegistry::LatestExpiries() const {
  std::map<std::string, int64_t> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [serial, r] : records_) {
    if (r.revoked() || r.principal().empty()) continue;
    int64_t& latest = out[r.principal()];
    latest = std::max(latest, r.not_after_unix());
  }
  return out;
}

std::vector<truc::v1::CertificateInfo> CertificateRegistry::Expiring() const {
  const int64_t now = clock_();
  std::map<std::string, const CertificateRecord*> latest;
  std::vector<truc::v1::CertificateInfo> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [serial, r] : records_) {
    if (r.revoked() || r.principal().empty()) continue;
    const CertificateRecord*& l = latest[r.principal()];
    if (l == nullptr || r.not_after_unix() > l->not_after_unix()) l = &r;
  }
  for (const auto& [principal, r] : latest) {
    if (r->not_after_unix() * 1'000'000 - now < warning_micros_)
      out.push_back(ToInfo(*r));
  }
  return out;
}

absl::Status CertificateRegistry::Flush() {
  absl::MutexLock serial_lock(&revoke_mu_);
  WriteBatch b;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& serial : dirty_) {
      auto it = records_.find(serial);
      if (it != records_.end())
        b.Put(keys::CertificateRecord(serial), it->second.SerializeAsString());
    }
    dirty_.clear();
  }
  if (b.empty()) return absl::OkStatus();
  return store_->Write(b, {.sync = false});
}

void CertificateRegistry::AddOnRevoked(
    std::function<void(const truc::v1::CertificateInfo&)> fn) {
  absl::MutexLock lock(&mu_);
  on_revoked_.push_back(std::move(fn));
}

}  // namespace truc::hub
