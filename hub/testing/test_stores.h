// The stores the hub's tests run on: the in-memory store (fast, and the
// reference for the contract) and RocksDB (what the hub runs on). Tests of
// logic over the store run on both (INSTANTIATE_TEST_SUITE_P with
// kBothStores).
#ifndef TRUC_HUB_TESTING_TEST_STORES_H_
#define TRUC_HUB_TESTING_TEST_STORES_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "hub/store/memory_store.h"
#include "hub/store/rocksdb_store.h"

namespace truc::hub::testing {

enum class StoreKind { kMemory, kRocksDb };

inline const auto kBothStores =
    ::testing::Values(StoreKind::kMemory, StoreKind::kRocksDb);

// "Memory" or "RocksDb", for the tests' names.
inline std::string StoreKindName(
    const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kMemory ? "Memory" : "RocksDb";
}

// A store of `kind` over the contents of `memory` (kMemory) or of the
// database under `dir` (kRocksDb, which must not be open elsewhere).
// Opening again over the same gives what was written.
inline std::unique_ptr<Store> OpenTestStore(
    StoreKind kind, const std::shared_ptr<MemoryStore::Data>& memory,
    const std::string& dir) {
  if (kind == StoreKind::kMemory) return std::make_unique<MemoryStore>(memory);
  auto rocks = RocksDbStore::Open(dir);
  EXPECT_TRUE(rocks.ok()) << rocks.status();
  return rocks.ok() ? std::unique_ptr<Store>(std::move(*rocks)) : nullptr;
}

}  // namespace truc::hub::testing

#endif  // TRUC_HUB_TESTING_TEST_STORES_H_
