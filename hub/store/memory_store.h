// An in-memory Store: a std::map under a mutex. "Durable" for as long as
// its MemoryStore::Data lives, so a test can close a store and open a new
// one over the same Data to check what a reopen keeps.
//
// Thread-safety: as Store.
#ifndef TRUC_HUB_STORE_MEMORY_STORE_H_
#define TRUC_HUB_STORE_MEMORY_STORE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hub/store/store.h"

namespace truc::hub {

class MemoryStore : public Store {
 public:
  // The contents, shared by the stores opened over it.
  struct Data {
    absl::Mutex mu;
    std::map<std::string, std::string, std::less<>> map ABSL_GUARDED_BY(mu);
  };

  MemoryStore() : data_(std::make_shared<Data>()) {}
  explicit MemoryStore(std::shared_ptr<Data> data) : data_(std::move(data)) {}

  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override;
  absl::Status Scan(absl::string_view start, absl::string_view limit,
                    const ScanFn& fn) override;

  const std::shared_ptr<Data>& data() const { return data_; }

 private:
  std::shared_ptr<Data> data_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_STORE_MEMORY_STORE_H_
