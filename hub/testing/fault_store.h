// A Store that forwards to another and fails on purpose: the next N writes
// (or every write while armed) return the injected error and apply nothing,
// as a failed WAL write or sync would. For tests of what a failed write
// leaves behind.
//
// Thread-safety: as Store.
#ifndef TRUC_HUB_TESTING_FAULT_STORE_H_
#define TRUC_HUB_TESTING_FAULT_STORE_H_

#include <atomic>

#include "hub/store/store.h"

namespace truc::hub {

class FaultInjectingStore : public Store {
 public:
  explicit FaultInjectingStore(Store* base) : base_(base) {}

  // The next `count` calls to Write fail with `error`.
  void FailWrites(int count, absl::Status error = absl::UnavailableError(
                                 "store write failed: injected sync error"));
  int failed_writes() const { return failed_.load(); }
  // Calls to Write so far, failed or not.
  int writes() const { return writes_.load(); }

  absl::StatusOr<std::string> Get(absl::string_view key) override {
    return base_->Get(key);
  }
  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override;
  absl::Status Scan(absl::string_view start, absl::string_view limit,
                    const ScanFn& fn) override {
    return base_->Scan(start, limit, fn);
  }

 private:
  Store* base_;
  std::atomic<int> remaining_{0};
  std::atomic<int> failed_{0};
  std::atomic<int> writes_{0};
  absl::Status error_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_TESTING_FAULT_STORE_H_
