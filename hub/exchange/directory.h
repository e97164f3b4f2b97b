// The province's directory of agencies, and when each agency's agent last
// polled. Agencies are few (thousands at most) and are all kept in memory,
// loaded once at start from the a/ and l/ key ranges (not a store scan).
// Each change (a registration, a suspension, a resumption) is written with
// its audit event, naming the operator who made it.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_EXCHANGE_DIRECTORY_H_
#define TRUC_HUB_EXCHANGE_DIRECTORY_H_

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
#include "hub/store/store.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

using Clock = std::function<int64_t()>;  // Unix micros

class Directory {
 public:
  // Loads the agencies and their last polls. `audit` (which must outlive
  // the directory) records its changes. Fails with the store's error.
  static absl::StatusOr<std::unique_ptr<Directory>> Load(
      Store* store, AuditLog* audit, Clock clock,
      int64_t silence_threshold_micros);

  // Adds an agency, on behalf of `by`: a local one (an agent of its own
  // connects here), or with `bridge`, one beyond this hub that the bridge
  // of that name reaches. INVALID_ARGUMENT for a malformed code or bridge
  // name, an empty name or an unknown parent; ALREADY_EXISTS if the code
  // is registered with another name, parent or bridge (the same again
  // returns the agency and records nothing); the store's error.
  absl::StatusOr<truc::v1::Agency> Register(const std::string& code,
                                            const std::string& name,
                                            const std::string& parent_code,
                                            const Identity& by,
                                            const std::string& bridge = "");
  // Suspends or resumes, on behalf of `by`. NOT_FOUND for an unknown code.
  // A state the agency already has is returned and nothing is recorded.
  absl::StatusOr<truc::v1::Agency> SetState(const std::string& code,
                                            truc::v1::AgencyState state,
                                            const Identity& by);

  // What a bridge's directory sync did.
  struct RemoteSync {
    uint32_t added = 0;
    uint32_t changed = 0;
    // Codes local here, or reached through another bridge: left alone.
    std::vector<std::string> conflicts;
    uint64_t upstream_version = 0;  // how far the bridge's sync reaches
  };
  // The agencies beyond this hub that `bridge` reaches, as its upstream
  // lists them (code, name, parent, state), on behalf of `by` (the
  // bridge): one new here is added as reached through `bridge`; one
  // already reached through it takes the upstream's name, parent and
  // state; a code local here or reached through another bridge is left as
  // it is and named in `conflicts`. A parent may be any well-formed code
  // (the upstream lists parents and children in the order they changed).
  // All in one write with one audit event, with `upstream_version` (when
  // not 0) recorded as how far the bridge's sync reaches. INVALID_ARGUMENT
  // naming the first malformed entry, or more than 5000 (nothing
  // written); the store's error.
  absl::StatusOr<RemoteSync> SyncRemote(
      const std::string& bridge, const std::vector<truc::v1::Agency>& agencies,
      uint64_t upstream_version, const Identity& by);

  std::optional<truc::internal::AgencyRecord> Find(
      const std::string& code) const;
  // The agency's name, or "" if unknown.
  std::string NameOf(const std::string& code) const;
  std::vector<truc::v1::Agency> List() const;
  std::optional<truc::v1::Agency> Describe(const std::string& code) const;

  // May `code` call the exchange service? PERMISSION_DENIED if it is not
  // registered, is suspended, or is beyond this hub (its agent belongs to
  // its own hub).
  absl::Status CheckCaller(const std::string& code) const;
  // The bridge that reaches `code`, an agency beyond this hub; "" for a
  // local or unknown agency.
  std::string BridgeOf(const std::string& code) const;
  // May a document be sent to all of `codes`? INVALID_ARGUMENT naming every
  // unknown and every suspended code.
  absl::Status CheckRecipients(const std::vector<std::string>& codes) const;

  // The directory's change feed: the agencies whose latest change came
  // after `version`, oldest first, at most `max`; `*more` (if given) says
  // whether more follow. Every registration, suspension and resumption
  // gives the agency the next version (y/ in the store).
  std::vector<truc::internal::AgencyRecord> ChangesAfter(uint64_t version,
                                                         size_t max,
                                                         bool* more) const;
  // The last version given.
  uint64_t version() const;

  // Records a poll now. Kept in memory at once; written to the store
  // (unsynced: soft state) at most every 10 s per agency.
  void RecordPoll(const std::string& code);
  int64_t LastPoll(const std::string& code) const;  // 0: never
  bool IsSilent(const std::string& code) const;
  int64_t silence_threshold_micros() const { return silence_micros_; }

 private:
  Directory(Store* store, AuditLog* audit, Clock clock, int64_t silence_micros)
      : store_(store),
        audit_(audit),
        clock_(std::move(clock)),
        silence_micros_(silence_micros) {}
  truc::v1::Agency ToAgency(const truc::internal::AgencyRecord& r) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Gives `r` the next version, moving its change-feed entry, in `b`.
  void Version(truc::internal::AgencyRecord* r, WriteBatch* b)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  AuditLog* const audit_;
  const Clock clock_;
  const int64_t silence_micros_;
  mutable absl::Mutex mu_;
  std::map<std::string, truc::internal::AgencyRecord> agencies_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> last_poll_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> persisted_poll_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_DIRECTORY_H_
