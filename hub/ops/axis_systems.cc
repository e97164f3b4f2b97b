#include "hub/ops/axis_systems.h"

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr int64_t kUseWriteMicros = 60'000'000;

truc::v1::AuditEvent SystemEvent(absl::string_view kind, const Identity& by,
                                 const truc::internal::AxisSystemRecord& r,
                                 absl::string_view detail = "") {
  truc::v1::AuditEvent e =
      NewAuditEvent(kind, by,
                    absl::StrCat("system=", r.id(), " name=", r.name(),
                                 detail.empty() ? "" : " ", detail));
  e.set_agency(r.agency());
  if (!r.bridge().empty()) {
    e.set_detail(absl::StrCat(e.detail(), " bridge=", r.bridge()));
  }
  return e;
}

// The key file: read, or made with fresh random bytes (0600, durably).
absl::StatusOr<std::string> LoadOrMakeKey(const std::string& path) {
  auto existing = ReadFile(path, 4096);
  if (existing.ok()) {
    if (existing->size() != kKeyBytes) {
      return absl::DataLossError(absl::StrCat(
          path,
          " is not a national-axis API key (32 bytes); remove it to "
          "make a new one, which invalidates every system's secret"));
    }
    return *existing;
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  TRUC_ASSIGN_OR_RETURN(std::string key, RandomBytes(kKeyBytes));
  TRUC_RETURN_IF_ERROR(MakeDirectories(DirName(path)));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(path, key, 0600));
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AxisSystems>> AxisSystems::Open(
    Store* store, AuditLog* audit, const Directory* directory, Clock clock,
    const std::string& key_file) {
  TRUC_ASSIGN_OR_RETURN(std::string key, LoadOrMakeKey(key_file));
  std::unique_ptr<AxisSystems> self(
      new AxisSystems(store, audit, directory, std::move(clock), key));
  absl::MutexLock lock(&self->mu_);
  absl::Status parse_error;
  TRUC_RETURN_IF_ERROR(
      store->ScanPrefix(keys::kAxisSystemPrefix, [&](auto k, auto v) {
        truc::internal::AxisSystemRecord r;
        if (!r.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse_error =
              absl::DataLossError(absl::StrCat("corrupt system record ", k));
          return false;
        }
        self->persisted_use_[r.id()] = r.last_used_micros();
        self->systems_[r.id()] = std::move(r);
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse_error);
  return self;
}

std::string AxisSystems::SecretOf(
    const truc::internal::AxisSystemRecord& r) const {
  const std::string mac =
      HmacSha256(key_, absl::StrCat("truc axis secret", std::string(1, '\0'),
                                    r.id(), std::string(1, '\0'), r.salt()));
  return HexEncode(mac).substr(0, 40);  // 160 bits
}

truc::v1::AxisSystem AxisSystems::ToSystem(
    const truc::internal::AxisSystemRecord& r) const {
  truc::v1::AxisSystem s;
  s.set_id(r.id());
  s.set_agency(r.agency());
  s.set_bridge(r.bridge());
  s.set_name(r.name());
  s.mutable_created_at()->set_unix_micros(r.created_micros());
  s.set_created_by(r.created_by());
  if (r.revoked_micros() != 0) {
    s.mutable_revoked_at()->set_unix_micros(r.revoked_micros());
    s.set_revoked_by(r.revoked_by());
    s.set_revocation_reason(r.revocation_reason());
  }
  if (r.last_used_micros() != 0) {
    s.mutable_last_used_at()->set_unix_micros(r.last_used_micros());
  }
  s.set_secret_fingerprint(r.secret_fingerprint());
  return s;
}

absl::StatusOr<truc::v1::AxisSystemSecret> AxisSystems::Add(
    const std::string& agency, const std::string& bridge,
    const std::string& name, const Identity& by) {
  if (agency.empty() == bridge.empty()) {
    return absl::InvalidArgumentError(
        "a system acts for one agency (--agency) or for one bridge "
        "(--bridge), exactly one of them");
  }
  if (!agency.empty() && !directory_->Find(agency)) {
    return absl::InvalidArgumentError(
        absl::StrCat("agency ", agency, " is not registered"));
  }
  if (!bridge.empty()) {
    bool reaches = false;
    for (const auto& a : directory_->List()) {
      if (a.bridge() == bridge) {
        reaches = true;
        break;
      }
    }
    if (!reaches) {
      return absl::InvalidArgumentError(absl::StrCat(
          "no agency is reached through bridge ", bridge,
          ": register the agencies beyond this hub with it first (truc "
          "agency add ... --bridge ",
          bridge, ")"));
    }
  }
  const std::string trimmed(absl::StripAsciiWhitespace(name));
  if (trimmed.empty() || trimmed.size() > 200) {
    return absl::InvalidArgumentError(
        "a system needs a name of 1 to 200 bytes, e.g. \"Phần mềm QLVB của "
        "Sở Y tế\"");
  }
  TRUC_ASSIGN_OR_RETURN(std::string id_bytes, RandomBytes(8));
  TRUC_ASSIGN_OR_RETURN(std::string salt, RandomBytes(16));
  truc::internal::AxisSystemRecord r;
  r.set_id(absl::StrCat("sys-", HexEncode(id_bytes)));
  r.set_agency(agency);
  r.set_bridge(bridge);
  r.set_name(trimmed);
  r.set_salt(salt);
  const std::string secret = SecretOf(r);
  r.set_secret_fingerprint(HexEncode(Sha256::Of(secret)).substr(0, 16));
  r.set_created_micros(clock_());
  r.set_created_by(by.Principal());
  absl::MutexLock lock(&mu_);
  WriteBatch b;
  b.Put(keys::AxisSystem(r.id()), r.SerializeAsString());
  TRUC_RETURN_IF_ERROR(
      audit_->Commit(b, {SystemEvent("axis_system_added", by, r)}).status());
  systems_[r.id()] = r;
  truc::v1::AxisSystemSecret out;
  *out.mutable_system() = ToSystem(r);
  out.set_secret(secret);
  return out;
}

absl::StatusOr<truc::v1::AxisSystem> AxisSystems::Revoke(
    const std::string& id, const std::string& reason, const Identity& by) {
  const std::string why(absl::StripAsciiWhitespace(reason));
  if (why.empty()) {
    return absl::InvalidArgumentError(
        "say why the system is revoked (--reason)");
  }
  absl::MutexLock lock(&mu_);
  auto it = systems_.find(id);
  if (it == systems_.end()) {
    return absl::NotFoundError(absl::StrCat("no system ", id));
  }
  if (it->second.revoked_micros() != 0) return ToSystem(it->second);
  truc::internal::AxisSystemRecord r = it->second;
  r.set_revoked_micros(clock_());
  r.set_revoked_by(by.Principal());
  r.set_revocation_reason(why);
  WriteBatch b;
  b.Put(keys::AxisSystem(id), r.SerializeAsString());
  TRUC_RETURN_IF_ERROR(
      audit_
          ->Commit(b, {SystemEvent("axis_system_revoked", by, r,
                                   absl::StrCat("reason=", why))})
          .status());
  it->second = r;
  return ToSystem(r);
}

std::vector<truc::v1::AxisSystem> AxisSystems::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<truc::v1::AxisSystem> out;
  for (const auto& [id, r] : systems_) out.push_back(ToSystem(r));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.agency() < b.agency();
  });
  return out;
}

absl::StatusOr<AxisSystems::Credentials> AxisSystems::CredentialsOf(
    const std::string& id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = systems_.find(id);
  if (it == systems_.end() || it->second.revoked_micros() != 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("system ", id, " is unknown or revoked"));
  }
  return Credentials{it->second.agency(), SecretOf(it->second),
                     it->second.bridge()};
}

void AxisSystems::RecordUse(const std::string& id) {
  const int64_t now = clock_();
  std::string record;
  {
    absl::MutexLock lock(&mu_);
    auto it = systems_.find(id);
    if (it == systems_.end()) return;
    it->second.set_last_used_micros(now);
    if (now - persisted_use_[id] < kUseWriteMicros) return;
    persisted_use_[id] = now;
    record = it->second.SerializeAsString();
  }
  WriteBatch b;
  b.Put(keys::AxisSystem(id), record);
  WriteOptions soft;
  soft.sync = false;
  (void)store_->Write(b, soft);  // soft state: a lost write loses a time
}

bool AxisSystems::HasActiveSystem(const std::string& agency) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [id, r] : systems_) {
    if (r.agency() == agency && r.revoked_micros() == 0) return true;
  }
  return false;
}

}  // namespace truc::hub
