// The systems that may call the hub's national-axis API (hub/axis/): an
// agency's document-management software, each with an id and a secret,
// acting for one agency only; or a bridge's (a province's truc-bridge
// whose upstream is this door), acting for the agencies beyond this hub
// that the directory says the bridge reaches.
//
// The API's clients sign each request with HMAC-SHA256 under the secret
// (common/axis/signing.h), so the hub must be able to compute the secret,
// and a hash of it would not do. Instead the hub keeps no secret at all:
// each is derived, when needed, from the hub's own axis key (32 random
// bytes in a file of its own, mode 0600, made on first start) and the
// system's random salt, as HMAC-SHA256(key, "truc axis secret" 0 id 0
// salt). The store holds the salt and the secret's fingerprint; the secret
// is shown once, when the system is added. Losing the key file invalidates
// every secret; copying the store without it reveals none.
//
// Adding and revoking are written with their audit events; a system's last
// use is soft state. Systems are few and kept in memory, loaded from x/.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_OPS_AXIS_SYSTEMS_H_
#define TRUC_HUB_OPS_AXIS_SYSTEMS_H_

#include <map>
#include <memory>
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
#include "truc/v1/axis.pb.h"

namespace truc::hub {

class AxisSystems {
 public:
  // Loads the systems, and the key from `key_file` (made if missing).
  // Fails with the store's or the file's error; DATA_LOSS for a record
  // that does not parse or a key file that is not 32 bytes.
  static absl::StatusOr<std::unique_ptr<AxisSystems>> Open(
      Store* store, AuditLog* audit, const Directory* directory, Clock clock,
      const std::string& key_file);

  // Adds a system for `agency`, or for `bridge` (exactly one), on behalf
  // of `by`: its id and its secret, shown this once. INVALID_ARGUMENT for
  // both or neither, an agency that is not registered, a bridge through
  // which no agency is reached, or a name that is empty or over 200
  // bytes; the store's error (nothing added).
  absl::StatusOr<truc::v1::AxisSystemSecret> Add(const std::string& agency,
                                                 const std::string& bridge,
                                                 const std::string& name,
                                                 const Identity& by);
  // Revokes a system at once, on behalf of `by`. NOT_FOUND; INVALID_ARGUMENT
  // without a reason. Revoking again returns it unchanged.
  absl::StatusOr<truc::v1::AxisSystem> Revoke(const std::string& id,
                                              const std::string& reason,
                                              const Identity& by);
  // Every system, by agency then id.
  std::vector<truc::v1::AxisSystem> List() const;

  // What a request of system `id` is checked with: its agency (or its
  // bridge) and its secret. UNAUTHENTICATED for an unknown or revoked system
  // (the same words for both, so that ids cannot be probed).
  struct Credentials {
    std::string agency;
    std::string secret;
    std::string bridge;  // a bridge's system: agency is empty
  };
  absl::StatusOr<Credentials> CredentialsOf(const std::string& id) const;
  // Records a use now: kept in memory, written (unsynced) at most once a
  // minute per system.
  void RecordUse(const std::string& id);
  // Whether `agency` has a system in use (its software then gets status
  // notices: hub/exchange/ledger.h).
  bool HasActiveSystem(const std::string& agency) const;

 private:
  AxisSystems(Store* store, AuditLog* audit, const Directory* directory,
              Clock clock, std::string key)
      : store_(store),
        audit_(audit),
        directory_(directory),
        clock_(std::move(clock)),
        key_(std::move(key)) {}
  std::string SecretOf(const truc::internal::AxisSystemRecord& r) const;
  truc::v1::AxisSystem ToSystem(
      const truc::internal::AxisSystemRecord& r) const;

  Store* const store_;
  AuditLog* const audit_;
  const Directory* const directory_;
  const Clock clock_;
  const std::string key_;
  mutable absl::Mutex mu_;
  std::map<std::string, truc::internal::AxisSystemRecord> systems_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> persisted_use_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_AXIS_SYSTEMS_H_
