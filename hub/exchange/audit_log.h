// AuditLog: the hub's tamper-evident record of what happened, kept as an
// RFC 6962 Merkle tree (common/merkle.h) in the hub's store. Each event is
// a leaf (v/e/<index>, a truc.v1.AuditEvent); the hash of every complete
// subtree is stored beside it (v/n/<level><index>), so that roots and
// proofs of any earlier size take O(log n) reads; v/size is the log's size,
// and v/d/<document>/<index> lists each document's events.
//
// An event is written in the same store write as the change it records
// (Commit): no change without its record, no record without its change.
// Concurrent commits are grouped into one synced write, in the order they
// joined the group, so that the log keeps one order and the WAL's syncs
// stay shared (group commit) although each leaf's place depends on the
// ones before it.
//
// Checkpoints: the hub signs the log's size and root (Checkpoint), at a set
// interval and whenever a proof needs one; they are kept (v/c/<size>, the
// latest also at v/cp) and outlive restarts, each extending the one before.
//
// Verify recomputes the tree from the stored events, reading them in
// order with memory bounded whatever the log's size, and names the first
// event that was altered, removed or moved, the first stored hash that
// disagrees with the events, or the first signed checkpoint whose root the
// events no longer give.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_EXCHANGE_AUDIT_LOG_H_
#define TRUC_HUB_EXCHANGE_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "common/merkle.h"
#include "common/signature.h"
#include "hub/store/store.h"
#include "truc/v1/evidence.pb.h"

namespace truc::hub {

// An event of `kind` by `actor` (its principal and certificate serial)
// with `detail`; the caller names the document or agency it concerns.
truc::v1::AuditEvent NewAuditEvent(absl::string_view kind,
                                   const Identity& actor, std::string detail);

class AuditLog {
 public:
  // The hub's current signing key (it may be replaced while the hub runs).
  using SignerFn = std::function<std::shared_ptr<const Signer>()>;

  // Opens the log kept in `store` (which must outlive it): reads its size,
  // the right edge of its tree and its latest checkpoint. An empty store is
  // an empty log. `signer` signs checkpoints; it may be null, and then
  // Checkpoint fails. Fails with the store's error, or DATA_LOSS if the
  // stored size, hashes and checkpoint do not fit together.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      Store* store, std::function<int64_t()> now_micros,
      SignerFn signer = nullptr);

  // Writes `batch` and appends `events` (their index and time are set
  // here) in one store write, grouped with concurrent commits, synced
  // unless `options` says otherwise (for events of soft state, such as a
  // lease: a group is synced if any of its commits asks). Returns the index
  // of the first event. On failure (the store's error) neither the batch
  // nor the events are stored and the log is as before. An unsynced event
  // survives a crash of the process; a power cut may lose it only with
  // every later one, so the log stays a prefix of itself, and a signed
  // checkpoint (always synced) makes every event it covers durable.
  absl::StatusOr<uint64_t> Commit(const WriteBatch& batch,
                                  std::vector<truc::v1::AuditEvent> events,
                                  const WriteOptions& options = {});

  // Adds to `b` what Commit writes for `events` appended to the log whose
  // right edge is `frontier` (advanced): each event with its index and
  // time `now_micros`, its document's index entry, the complete subtrees it
  // finishes. Not the size record. Public so the bench can write the hub's
  // very batches to a bare RocksDB. Never fails.
  static void AppendEvents(merkle::Frontier* frontier,
                           std::vector<truc::v1::AuditEvent>* events,
                           int64_t now_micros, WriteBatch* b);

  // The log as committed so far.
  uint64_t size() const;
  std::string root() const;

  // The stored event at `index`: NOT_FOUND past the end, DATA_LOSS if it
  // does not parse.
  absl::StatusOr<truc::v1::AuditEvent> Event(uint64_t index) const;
  // The root of the log when it had `size` events, and proofs against it
  // (common/merkle.h). INVALID_ARGUMENT for a size beyond the log's.
  absl::StatusOr<std::string> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index,
                                                          uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(
      uint64_t size1, uint64_t size2) const;

  // Signs and keeps a checkpoint of the log as committed now, unless the
  // latest one already covers every event (then that one is returned).
  // FAILED_PRECONDITION while the log is empty or without a signer; the
  // signer's or the store's error otherwise.
  absl::StatusOr<truc::v1::SignedCheckpoint> Checkpoint();
  // The latest checkpoint, if any was signed.
  std::optional<truc::v1::SignedCheckpoint> LatestCheckpoint() const;

  // Every committed event of `document_id` (only those `include` accepts,
  // when given), each with its proof against a signed checkpoint covering
  // them all (signed now if the latest does not). NOT_FOUND if the log has
  // no such event; DATA_LOSS for an event that does not parse; the store's
  // or Checkpoint's errors.
  absl::StatusOr<truc::v1::DocumentProof> ProveDocument(
      const std::string& document_id,
      const std::function<bool(const truc::v1::AuditEvent&)>& include = {});

  struct VerifyReport {
    uint64_t events = 0;       // events recomputed
    uint64_t checkpoints = 0;  // signed checkpoints checked
  };
  // Recomputes the whole tree from the stored events, as the log stood
  // when the check began (commits go on meanwhile). OK if the events run
  // 0..size-1 without a gap, each carries its own index, every stored hash
  // and the size agree with them, every stored checkpoint's root is the
  // events' root at its size (its signature checked against `anchor` when
  // given), and nothing is stored past the log's end. Otherwise DATA_LOSS
  // naming the first event, stored hash or checkpoint that does not hold.
  absl::StatusOr<VerifyReport> Verify(
      const TrustAnchor* anchor = nullptr) const;

 private:
  // DATA_LOSS if an event or a signed checkpoint is stored past the log's
  // size (waits for the group being written, if any); the store's error.
  absl::Status NothingPastTheEnd() const;

  // A commit waiting for its group's write.
  struct Pending {
    const WriteBatch* batch;
    std::vector<truc::v1::AuditEvent> events;
    bool sync = true;
    bool done = false;
    absl::Status status = {};
    uint64_t first = 0;
  };
  class StoredNodes;

  AuditLog(Store* store, std::function<int64_t()> now_micros, SignerFn signer,
           merkle::Frontier frontier,
           std::optional<truc::v1::SignedCheckpoint> latest,
           uint64_t latest_size);
  // INVALID_ARGUMENT if the log has fewer than `at` events.
  absl::Status CheckSize(uint64_t at) const;

  Store* const store_;
  const std::function<int64_t()> now_micros_;
  const SignerFn signer_;

  mutable absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leader_active_ ABSL_GUARDED_BY(mu_) = false;
  // Changed only by the leader, under mu_, after its write succeeded.
  merkle::Frontier frontier_ ABSL_GUARDED_BY(mu_);

  // Serialises checkpoint signing, so that two never race to be latest.
  absl::Mutex checkpoint_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::optional<truc::v1::SignedCheckpoint> latest_ ABSL_GUARDED_BY(mu_);
  uint64_t latest_size_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_AUDIT_LOG_H_
