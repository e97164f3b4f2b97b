#include "hub/store/memory_store.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace truc::hub {

absl::StatusOr<std::string> MemoryStore::Get(absl::string_view key) {
  absl::MutexLock lock(&data_->mu);
  auto it = data_->map.find(key);
  if (it == data_->map.end()) {
    return absl::NotFoundError(absl::StrCat("no key ", key));
  }
  return it->second;
}

absl::Status MemoryStore::Write(const WriteBatch& batch, const WriteOptions&) {
  absl::MutexLock lock(&data_->mu);
  for (const auto& op : batch.ops()) {
    if (op.is_delete) {
      data_->map.erase(op.key);
    } else {
      data_->map[op.key] = op.value;
    }
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::Scan(absl::string_view start, absl::string_view limit,
                               const ScanFn& fn) {
  absl::ReaderMutexLock lock(&data_->mu);
  auto it = data_->map.lower_bound(start);
  auto end = limit.empty() ? data_->map.end() : data_->map.lower_bound(limit);
  for (; it != end; ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return absl::OkStatus();
}

}  // namespace truc::hub
