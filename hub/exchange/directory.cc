#include "hub/exchange/directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/identity.h"
#include "common/status_macros.h"
#include "hub/store/key_layout.h"

namespace truc::hub {

namespace {

truc::v1::AuditEvent AgencyEvent(absl::string_view kind, const Identity& by,
                                 const std::string& code, std::string detail) {
  truc::v1::AuditEvent e = NewAuditEvent(kind, by, std::move(detail));
  e.set_agency(code);
  return e;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Directory>> Directory::Load(
    Store* store, AuditLog* audit, Clock clock,
    int64_t silence_threshold_micros) {
  std::unique_ptr<Directory> dir(
      new Directory(store, audit, std::move(clock), silence_threshold_micros));
  absl::MutexLock lock(&dir->mu_);
  absl::Status parse_error;
  TRUC_RETURN_IF_ERROR(
      store->ScanPrefix(keys::kAgencyPrefix, [&](auto k, auto v) {
        truc::internal::AgencyRecord r;
        if (!r.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse_error =
              absl::DataLossError(absl::StrCat("corrupt agency record ", k));
          return false;
        }
        dir->agencies_[r.code()] = r;
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse_error);
  auto last = store->Get(keys::kDirectoryVersion);
  if (last.ok() && last->size() == 8) {
    dir->version_ = keys::DecodeFixed64(*last);
  } else if (!last.ok() && !absl::IsNotFound(last.status())) {
    return last.status();
  }
  // Agencies registered before the change feed existed get their first
  // version now, once, so that a full synchronisation lists them.
  WriteBatch versions;
  for (auto& [code, r] : dir->agencies_) {
    if (r.version() != 0) continue;
    dir->Version(&r, &versions);
  }
  if (!versions.empty()) {
    WriteOptions synced;
    synced.sync = true;
    TRUC_RETURN_IF_ERROR(store->Write(versions, synced));
  }
  TRUC_RETURN_IF_ERROR(
      store->ScanPrefix(keys::kLastPollPrefix, [&](auto k, auto v) {
        std::string code(k.substr(keys::kLastPollPrefix.size()));
        int64_t t = static_cast<int64_t>(keys::DecodeFixed64(v));
        dir->last_poll_[code] = t;
        dir->persisted_poll_[code] = t;
        return true;
      }));
  return dir;
}

truc::v1::Agency Directory::ToAgency(
    const truc::internal::AgencyRecord& r) const {
  truc::v1::Agency a;
  a.set_code(r.code());
  a.set_name(r.name());
  a.set_parent_code(r.parent_code());
  a.set_state(r.state());
  a.set_bridge(r.bridge());
  a.mutable_registered_at()->set_unix_micros(r.registered_at_micros());
  auto it = last_poll_.find(r.code());
  int64_t last = it == last_poll_.end() ? 0 : it->second;
  if (last != 0) a.mutable_last_poll_at()->set_unix_micros(last);
  // An agency beyond this hub has no agent here to fall silent.
  a.set_silent(r.bridge().empty() &&
               (last == 0 || clock_() - last > silence_micros_));
  return a;
}

absl::StatusOr<truc::v1::Agency> Directory::Register(
    const std::string& code, const std::string& name,
    const std::string& parent_code, const Identity& by,
    const std::string& bridge) {
  TRUC_RETURN_IF_ERROR(ValidateAgencyCode(code));
  if (!bridge.empty()) {
    absl::Status valid = ValidatePrincipalName(bridge);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("agency ", code, ": bridge: ", valid.message()));
    }
  }
  if (name.empty() || name.size() > 512) {
    return absl::InvalidArgumentError(
        absl::StrCat("agency ", code, ": name must be 1 to 512 bytes"));
  }
  absl::MutexLock lock(&mu_);
  if (!parent_code.empty() && !agencies_.count(parent_code)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "agency ", code, ": parent ", parent_code, " is not registered"));
  }
  auto it = agencies_.find(code);
  if (it != agencies_.end()) {
    if (it->second.name() == name && it->second.parent_code() == parent_code &&
        it->second.bridge() == bridge) {
      return ToAgency(it->second);
    }
    return absl::AlreadyExistsError(
        absl::StrCat("agency ", code, " is already registered as \"",
                     it->second.name(), "\"",
                     it->second.bridge().empty()
                         ? std::string()
                         : absl::StrCat(", beyond this hub through bridge ",
                                        it->second.bridge())));
  }
  truc::internal::AgencyRecord r;
  r.set_code(code);
  r.set_name(name);
  r.set_parent_code(parent_code);
  r.set_bridge(bridge);
  r.set_state(truc::v1::AGENCY_STATE_ACTIVE);
  r.set_registered_at_micros(clock_());
  WriteBatch b;
  const uint64_t version_before = version_;
  Version(&r, &b);
  b.Put(keys::Agency(code), r.SerializeAsString());
  absl::Status committed =
      audit_
          ->Commit(b,
                   {AgencyEvent(
                       "agency_registered", by, code,
                       absl::StrCat("name=", name, " parent=",
                                    parent_code.empty() ? "none" : parent_code,
                                    bridge.empty() ? "" : " bridge=", bridge))})
          .status();
  if (!committed.ok()) {
    version_ = version_before;  // nothing was written
    return committed;
  }
  agencies_[code] = r;
  return ToAgency(r);
}

absl::StatusOr<Directory::RemoteSync> Directory::SyncRemote(
    const std::string& bridge, const std::vector<truc::v1::Agency>& agencies,
    uint64_t upstream_version, const Identity& by) {
  TRUC_RETURN_IF_ERROR(ValidatePrincipalName(bridge));
  if (agencies.size() > 5000) {
    return absl::InvalidArgumentError(
        absl::StrCat("a directory sync carries at most 5000 agencies, not ",
                     agencies.size()));
  }
  for (const auto& a : agencies) {
    TRUC_RETURN_IF_ERROR(ValidateAgencyCode(a.code()));
    if (!a.parent_code().empty()) {
      absl::Status parent = ValidateAgencyCode(a.parent_code());
      if (!parent.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("agency ", a.code(), ": parent: ", parent.message()));
      }
    }
    if (a.name().empty() || a.name().size() > 512) {
      return absl::InvalidArgumentError(
          absl::StrCat("agency ", a.code(), ": name must be 1 to 512 bytes"));
    }
  }
  const std::string version_key = keys::UpstreamDirectory(bridge);
  absl::MutexLock lock(&mu_);
  RemoteSync out;
  auto stored = store_->Get(version_key);
  if (stored.ok() && stored->size() == 8) {
    out.upstream_version = keys::DecodeFixed64(*stored);
  } else if (!stored.ok() && !absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  WriteBatch b;
  const uint64_t version_before = version_;
  std::map<std::string, truc::internal::AgencyRecord> updated;
  for (const auto& a : agencies) {
    auto it = agencies_.find(a.code());
    truc::internal::AgencyRecord r;
    const auto state = a.state() == truc::v1::AGENCY_STATE_SUSPENDED
                           ? truc::v1::AGENCY_STATE_SUSPENDED
                           : truc::v1::AGENCY_STATE_ACTIVE;
    if (auto u = updated.find(a.code()); u != updated.end()) {
      r = u->second;  // listed twice: the later entry wins
    } else if (it != agencies_.end()) {
      if (it->second.bridge() != bridge) {
        out.conflicts.push_back(a.code());
        continue;
      }
      r = it->second;
    } else {
      r.set_code(a.code());
      r.set_bridge(bridge);
      r.set_registered_at_micros(clock_());
      ++out.added;
    }
    if (r.version() != 0 && r.name() == a.name() &&
        r.parent_code() == a.parent_code() && r.state() == state) {
      continue;
    }
    if (r.version() != 0 && !updated.count(a.code())) ++out.changed;
    r.set_name(a.name());
    r.set_parent_code(a.parent_code());
    r.set_state(state);
    Version(&r, &b);
    b.Put(keys::Agency(r.code()), r.SerializeAsString());
    updated[r.code()] = r;
  }
  if (upstream_version != 0) {
    out.upstream_version = upstream_version;
    b.Put(version_key, keys::EncodeFixed64(upstream_version));
  }
  if (b.empty()) return out;
  absl::Status committed =
      audit_
          ->Commit(
              b, {NewAuditEvent(
                     "directory_synced", by,
                     absl::StrCat("bridge=", bridge, " added=", out.added,
                                  " changed=", out.changed,
                                  " conflicts=", out.conflicts.size(),
                                  " upstream_version=", out.upstream_version))})
          .status();
  if (!committed.ok()) {
    version_ = version_before;  // nothing was written
    return committed;
  }
  for (auto& [code, r] : updated) agencies_[code] = std::move(r);
  return out;
}

absl::StatusOr<truc::v1::Agency> Directory::SetState(
    const std::string& code, truc::v1::AgencyState state, const Identity& by) {
  absl::MutexLock lock(&mu_);
  auto it = agencies_.find(code);
  if (it == agencies_.end()) {
    return absl::NotFoundError(
        absl::StrCat("agency ", code, " is not registered"));
  }
  if (it->second.state() == state) return ToAgency(it->second);
  truc::internal::AgencyRecord r = it->second;
  r.set_state(state);
  WriteBatch b;
  const uint64_t version_before = version_;
  Version(&r, &b);
  b.Put(keys::Agency(code), r.SerializeAsString());
  absl::Status committed =
      audit_
          ->Commit(b, {AgencyEvent(state == truc::v1::AGENCY_STATE_SUSPENDED
                                       ? "agency_suspended"
                                       : "agency_resumed",
                                   by, code, absl::StrCat("name=", r.name()))})
          .status();
  if (!committed.ok()) {
    version_ = version_before;  // nothing was written
    return committed;
  }
  it->second = r;
  return ToAgency(r);
}

void Directory::Version(truc::internal::AgencyRecord* r, WriteBatch* b) {
  if (r->version() != 0)
    b->Delete(keys::DirectoryChange(r->version(), r->code()));
  r->set_version(++version_);
  r->set_modified_at_micros(clock_());
  b->Put(keys::DirectoryChange(r->version(), r->code()), "");
  b->Put(keys::kDirectoryVersion, keys::EncodeFixed64(version_));
}

std::vector<truc::internal::AgencyRecord> Directory::ChangesAfter(
    uint64_t version, size_t max, bool* more) const {
  absl::ReaderMutexLock lock(&mu_);
  if (version >= version_) {  // nothing changed since: the usual answer
    if (more != nullptr) *more = false;
    return {};
  }
  std::vector<const truc::internal::AgencyRecord*> changed;
  for (const auto& [code, r] : agencies_) {
    if (r.version() > version) changed.push_back(&r);
  }
  std::sort(changed.begin(), changed.end(), [](const auto* a, const auto* b) {
    return a->version() < b->version();
  });
  if (more != nullptr) *more = changed.size() > max;
  std::vector<truc::internal::AgencyRecord> out;
  for (size_t i = 0; i < changed.size() && i < max; ++i) {
    out.push_back(*changed[i]);
  }
  return out;
}

uint64_t Directory::version() const {
  absl::ReaderMutexLock lock(&mu_);
  return version_;
}

std::optional<truc::internal::AgencyRecord> Directory::Find(
    const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = agencies_.find(code);
  if (it == agencies_.end()) return std::nullopt;
  return it->second;
}

std::string Directory::NameOf(const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = agencies_.find(code);
  return it == agencies_.end() ? "" : it->second.name();
}

std::vector<truc::v1::Agency> Directory::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<truc::v1::Agency> out;
  for (const auto& [code, r] : agencies_) out.push_back(ToAgency(r));
  return out;
}

std::optional<truc::v1::Agency> Directory::Describe(
    const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = agencies_.find(code);
  if (it == agencies_.end()) return std::nullopt;
  return ToAgency(it->second);
}

absl::Status Directory::CheckCaller(const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = agencies_.find(code);
  if (it == agencies_.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("agency ", code,
                     " is not registered with this hub (ask an operator: "
                     "truc agency add)"));
  }
  if (it->second.state() == truc::v1::AGENCY_STATE_SUSPENDED) {
    return absl::PermissionDeniedError(absl::StrCat(
        "agency ", code, " (", it->second.name(), ") is suspended"));
  }
  if (!it->second.bridge().empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "agency ", code, " (", it->second.name(),
        ") is beyond this hub, reached through bridge ", it->second.bridge(),
        ": its agent connects to its own hub"));
  }
  return absl::OkStatus();
}

std::string Directory::BridgeOf(const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = agencies_.find(code);
  return it == agencies_.end() ? "" : it->second.bridge();
}

absl::Status Directory::CheckRecipients(
    const std::vector<std::string>& codes) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> unknown, suspended;
  for (const auto& code : codes) {
    auto it = agencies_.find(code);
    if (it == agencies_.end()) {
      unknown.push_back(code);
    } else if (it->second.state() == truc::v1::AGENCY_STATE_SUSPENDED) {
      suspended.push_back(absl::StrCat(code, " (", it->second.name(), ")"));
    }
  }
  if (unknown.empty() && suspended.empty()) return absl::OkStatus();
  std::vector<std::string> parts;
  if (!unknown.empty()) {
    parts.push_back(absl::StrCat("unknown recipient",
                                 unknown.size() > 1 ? "s" : "", ": ",
                                 absl::StrJoin(unknown, ", ")));
  }
  if (!suspended.empty()) {
    parts.push_back(absl::StrCat("suspended recipient",
                                 suspended.size() > 1 ? "s" : "", ": ",
                                 absl::StrJoin(suspended, ", ")));
  }
  return absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
}

void Directory::RecordPoll(const std::string& code) {
  int64_t now = clock_();
  bool persist = false;
  {
    absl::MutexLock lock(&mu_);
    last_poll_[code] = now;
    int64_t& persisted = persisted_poll_[code];
    if (now - persisted >= 10'000'000) {
      persisted = now;
      persist = true;
    }
  }
  if (persist) {
    WriteBatch b;
    b.Put(keys::LastPoll(code),
          keys::EncodeFixed64(static_cast<uint64_t>(now)));
    // Soft state: losing the last few seconds of it in a power cut is fine.
    (void)store_->Write(b, {.sync = false});
  }
}

int64_t Directory::LastPoll(const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = last_poll_.find(code);
  return it == last_poll_.end() ? 0 : it->second;
}

bool Directory::IsSilent(const std::string& code) const {
  if (!BridgeOf(code).empty()) return false;  // no agent here
  int64_t last = LastPoll(code);
  return last == 0 || clock_() - last > silence_micros_;
}

}  // namespace truc::hub
