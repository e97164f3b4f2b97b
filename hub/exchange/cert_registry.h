// The certificates the hub has met: each one seen in use (a call, or a
// signature on an envelope or a statement), whom it names and until when,
// and those revoked. A province has thousands at most: all are kept in
// memory, loaded at start from the c/ key range (not a store scan).
//
// A revocation is a change of the hub's state like any other: one write
// with its audit event (certificate_revoked), through the audit log. That
// a certificate was seen is soft state, kept in memory and written
// unsynced by Flush: one lost in a power cut is seen again at its next
// call.
//
// Thread-safety: all methods are thread-safe. Admit never waits for the
// store. On-revoked callbacks run on the revoking thread, outside the
// registry's locks (another revocation may run meanwhile).
#ifndef TRUC_HUB_EXCHANGE_CERT_REGISTRY_H_
#define TRUC_HUB_EXCHANGE_CERT_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
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

class CertificateRegistry {
 public:
  // Loads what the store holds. `warning_micros`: how close to its expiry
  // a certificate is warned about. Fails with the store's error, or
  // DATA_LOSS for a record that does not parse.
  static absl::StatusOr<std::unique_ptr<CertificateRegistry>> Load(
      Store* store, AuditLog* audit, Clock clock, int64_t warning_micros);

  // May this certificate be used now? UNAUTHENTICATED naming the serial if
  // it was revoked (with when and why) or is outside its validity. Records
  // the first sighting and the last use in memory, for Flush.
  absl::Status Admit(const Identity& id);
  bool IsRevoked(const std::string& serial_hex) const;

  // Revokes the certificate with this serial (any case, with or without
  // colons or leading zeros), at once, with an audit event naming `by`.
  // INVALID_ARGUMENT for a serial that is not hexadecimal or an empty
  // reason; FAILED_PRECONDITION for `by`'s own certificate. Revoking again
  // returns the first revocation. Then calls every on-revoked callback.
  absl::StatusOr<truc::v1::CertificateInfo> Revoke(const std::string& serial,
                                                   const std::string& reason,
                                                   const Identity& by);

  // The certificates of `principal` ("agency:<code>", or a bare agency
  // code), or all when empty; soonest to expire first.
  std::vector<truc::v1::CertificateInfo> List(
      const std::string& principal = "") const;
  // The latest expiry (Unix seconds) of the principal's certificates seen
  // and not revoked; 0 if none.
  int64_t LatestExpiry(const std::string& principal) const;
  // The same for every principal at once (one pass): principal -> expiry.
  std::map<std::string, int64_t> LatestExpiries() const;
  // Principals whose latest certificate (as LatestExpiry) expires within
  // the warning period, with that certificate.
  std::vector<truc::v1::CertificateInfo> Expiring() const;
  int64_t warning_micros() const { return warning_micros_; }

  // Writes the sightings and last-use times that changed since the last
  // flush (unsynced). Fails with the store's error.
  absl::Status Flush();

  // Called with the revocation after each new one.
  void AddOnRevoked(
      std::function<void(const truc::v1::CertificateInfo& revoked)> fn);

  // "3f24..." from what an operator types ("3F:24", "0x3f24", "003F24").
  // INVALID_ARGUMENT if it is not 1 to 40 hexadecimal digits.
  static absl::StatusOr<std::string> NormalizeSerial(absl::string_view text);

 private:
  CertificateRegistry(Store* store, AuditLog* audit, Clock clock,
                      int64_t warning_micros)
      : store_(store),
        audit_(audit),
        clock_(std::move(clock)),
        warning_micros_(warning_micros) {}
  truc::v1::CertificateInfo ToInfo(
      const truc::internal::CertificateRecord& r) const;
  int64_t LatestExpiryLocked(const std::string& principal) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Store* const store_;
  AuditLog* const audit_;
  const Clock clock_;
  const int64_t warning_micros_;

  mutable absl::Mutex mu_;
  std::map<std::string, truc::internal::CertificateRecord> records_
      ABSL_GUARDED_BY(mu_);
  std::set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const truc::v1::CertificateInfo&)>> on_revoked_
      ABSL_GUARDED_BY(mu_);
  // Serialises revocations and flushes, so that two revocations of one
  // serial write once and a flush never lands an older copy over a
  // revocation.
  absl::Mutex revoke_mu_ ABSL_ACQUIRED_BEFORE(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_CERT_REGISTRY_H_
