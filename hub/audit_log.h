// AuditLog: the hub's tamper-evident record of what happened, kept as an
// RFC 6962 Merkle tree (common/merkle.h) in the hub's store. Each event is
// a leaf (v/e/<index>, an AuditEvent); the hash of every complete subtree
// is stored beside it (v/n/<level><index>), so that roots and proofs of
// any earlier size take O(log n) reads; v/size is the log's size.
//
// An event is written in the same store write as the change it records
// (Commit): no change without its record, no record without its change.
// Concurrent commits are grouped into one synced write, in the order they
// joined the group, so that the log keeps one order and the WAL's syncs
// stay shared (group commit) although each leaf's place depends on the
// ones before it.
//
// Verify recomputes the tree from the stored events and names the first
// event that was altered, removed or moved, or the first stored hash or
// size that disagrees with the events.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_AUDIT_LOG_H_
#define TRUC_HUB_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/merkle.h"
#include "hub/store.h"
#include "truc/internal/records.pb.h"

namespace truc::hub {

class AuditLog {
 public:
  // Opens the log kept in `store` (which must outlive it): reads its size
  // and the right edge of its tree. An empty store is an empty log. Fails
  // with the store's error, or DATA_LOSS if the stored size and hashes do
  // not fit together.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      Store* store, std::function<int64_t()> now_micros);

  // Writes `batch` and appends `events` (their index and time are set
  // here) in one synced store write, grouped with concurrent commits.
  // Returns the index of the first event. On failure (the store's error)
  // neither the batch nor the events are stored and the log is as before.
  absl::StatusOr<uint64_t> Commit(
      const WriteBatch& batch, std::vector<truc::internal::AuditEvent> events);

  // The log as committed so far.
  uint64_t size() const;
  std::string root() const;

  // The stored event at `index`: NOT_FOUND past the end, DATA_LOSS if it
  // does not parse.
  absl::StatusOr<truc::internal::AuditEvent> Event(uint64_t index) const;
  // The root of the log when it had `size` events, and proofs against it
  // (common/merkle.h). INVALID_ARGUMENT for a size beyond the log's.
  absl::StatusOr<std::string> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index,
                                                          uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(
      uint64_t size1, uint64_t size2) const;

  // Recomputes the whole tree from the stored events. OK if the events run
  // 0..size-1 without a gap, each carries its own index, and every stored
  // hash and the size agree with them; otherwise DATA_LOSS naming the
  // first event (or stored hash) that does not.
  absl::Status Verify() const;

 private:
  // A commit waiting for its group's write.
  struct Pending {
    const WriteBatch* batch;
    std::vector<truc::internal::AuditEvent> events;
    bool done = false;
    absl::Status status;
    uint64_t first = 0;
  };
  class StoredNodes;

  AuditLog(Store* store, std::function<int64_t()> now_micros,
           merkle::Frontier frontier);
  // INVALID_ARGUMENT if the log has fewer than `at` events.
  absl::Status CheckSize(uint64_t at) const;
  bool LeaderFree() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !leader_active_;
  }

  Store* const store_;
  const std::function<int64_t()> now_micros_;

  mutable absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leader_active_ ABSL_GUARDED_BY(mu_) = false;
  // Changed only by the leader, under mu_, after its write succeeded.
  merkle::Frontier frontier_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_AUDIT_LOG_H_
