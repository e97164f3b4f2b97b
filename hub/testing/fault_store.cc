#include "hub/testing/fault_store.h"

namespace truc::hub {

void FaultInjectingStore::FailWrites(int count, absl::Status error) {
  error_ = std::move(error);
  remaining_.store(count);
}

absl::Status FaultInjectingStore::Write(const WriteBatch& batch,
                                        const WriteOptions& options) {
  writes_.fetch_add(1);
  int r = remaining_.load();
  while (r > 0) {
    if (remaining_.compare_exchange_weak(r, r - 1)) {
      failed_.fetch_add(1);
      return error_;
    }
  }
  return base_->Write(batch, options);
}

}  // namespace truc::hub
