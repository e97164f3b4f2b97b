// The hub's key-value store: an ordered map of byte strings with atomic,
// durable batches. Everything the hub knows lives in one Store; the key
// layout is in key_layout.h and docs/ARCHITECTURE.md.
//
// Implementations: RocksDbStore (production), MemoryStore (tests, and a
// reference for the contract), and, for tests only, FaultInjectingStore
// (hub/testing/fault_store.h: wraps another to fail writes on purpose).
// store_contract_test.cc runs against all of them.
//
// Thread-safety: every method may be called concurrently from any thread.
// Concurrent Write calls are applied in some serial order, each whole.
#ifndef TRUC_HUB_STORE_STORE_H_
#define TRUC_HUB_STORE_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc::hub {

// A group of puts and deletes applied all together or not at all.
// One logical change to the hub's state is one WriteBatch.
class WriteBatch {
 public:
  struct Op {
    bool is_delete;
    std::string key;
    std::string value;
  };
  void Put(absl::string_view key, absl::string_view value) {
    ops_.push_back({false, std::string(key), std::string(value)});
  }
  void Delete(absl::string_view key) {
    ops_.push_back({true, std::string(key), ""});
  }
  // Appends every operation of `other`, in order.
  void Append(const WriteBatch& other) {
    ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

struct WriteOptions {
  // true: the write is on disk (WAL synced) when Write returns. Concurrent
  // synced writes share syncs (group commit). false: survives a process
  // crash but maybe not a power loss; used only for soft state.
  bool sync = true;
};

// Called for each key in order; return false to stop.
using ScanFn =
    std::function<bool(absl::string_view key, absl::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  // The value of `key`. NOT_FOUND if absent; UNAVAILABLE or DATA_LOSS if
  // the storage failed.
  virtual absl::StatusOr<std::string> Get(absl::string_view key) = 0;

  // Applies `batch` atomically. On failure nothing of it is visible (and
  // the returned status is UNAVAILABLE, naming the cause).
  virtual absl::Status Write(const WriteBatch& batch,
                             const WriteOptions& options = {}) = 0;

  // Calls `fn` for each key in [start, limit) in byte order (limit empty:
  // to the end), on a consistent snapshot. Stops early when fn returns
  // false. `fn` must not call back into the same store.
  virtual absl::Status Scan(absl::string_view start, absl::string_view limit,
                            const ScanFn& fn) = 0;

  // Convenience: Scan of every key that begins with `prefix`.
  absl::Status ScanPrefix(absl::string_view prefix, const ScanFn& fn);

  // Approximate bytes on disk (0 where unknown).
  virtual uint64_t ApproximateSizeBytes() { return 0; }
};

// The smallest key greater than every key with `prefix` ("" if none).
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace truc::hub

#endif  // TRUC_HUB_STORE_STORE_H_
