// One contract, every Store: RocksDB, in-memory, and the fault-injecting
// wrapper when it is not failing. Includes close-and-reopen.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/test_util.h"
#include "hub/store/memory_store.h"
#include "hub/store/rocksdb_store.h"
#include "hub/testing/fault_store.h"

namespace truc::hub {
namespace {

using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

// Opens and reopens one kind of store over the same durable contents.
class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  virtual std::unique_ptr<Store> Open() = 0;
};

class RocksFactory : public StoreFactory {
 public:
  std::unique_ptr<Store> Open() override {
    auto s = RocksDbStore::Open(dir_.Sub("db"));
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }
  TempDir dir_;
};

class MemoryFactory : public StoreFactory {
 public:
  std::unique_ptr<Store> Open() override {
    return std::make_unique<MemoryStore>(data_);
  }
  std::shared_ptr<MemoryStore::Data> data_ =
      std::make_shared<MemoryStore::Data>();
};

// A fault-injecting wrapper that owns its base.
class FaultWrapped : public FaultInjectingStore {
 public:
  explicit FaultWrapped(std::unique_ptr<Store> base)
      : FaultInjectingStore(base.get()), base_(std::move(base)) {}

 private:
  std::unique_ptr<Store> base_;
};

class FaultFactory : public StoreFactory {
 public:
  std::unique_ptr<Store> Open() override {
    return std::make_unique<FaultWrapped>(inner_.Open());
  }
  RocksFactory inner_;
};

using FactoryMaker = std::function<std::unique_ptr<StoreFactory>()>;

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocksdb") factory_ = std::make_unique<RocksFactory>();
    if (GetParam() == "memory") factory_ = std::make_unique<MemoryFactory>();
    if (GetParam() == "fault") factory_ = std::make_unique<FaultFactory>();
    store_ = factory_->Open();
  }
  void Reopen() {
    store_.reset();
    store_ = factory_->Open();
  }
  std::vector<std::string> Keys(absl::string_view prefix) {
    std::vector<std::string> keys;
    TRUC_EXPECT_OK(store_->ScanPrefix(prefix, [&](auto k, auto) {
      keys.emplace_back(k);
      return true;
    }));
    return keys;
  }
  std::unique_ptr<StoreFactory> factory_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, GetMissingIsNotFound) {
  EXPECT_THAT(store_->Get("nope"), StatusIs(absl::StatusCode::kNotFound, ""));
}

TEST_P(StoreContract, BatchIsAppliedWhole) {
  WriteBatch b;
  b.Put("a/1", "Sở Y tế");
  b.Put("a/2", std::string("\0bin\xff", 5));
  b.Put("a/3", "x");
  b.Delete("a/3");
  TRUC_ASSERT_OK(store_->Write(b, {}));
  EXPECT_EQ(*store_->Get("a/1"), "Sở Y tế");
  EXPECT_EQ(*store_->Get("a/2"), std::string("\0bin\xff", 5));
  EXPECT_FALSE(store_->Get("a/3").ok());
}

TEST_P(StoreContract, ScanIsOrderedAndBounded) {
  WriteBatch b;
  for (const char* k : {"q/b/2", "q/a/1", "q/b/1", "q/c", "r/x", "q"})
    b.Put(k, k);
  b.Put(std::string("q/\xff\xff", 4), "high");
  TRUC_ASSERT_OK(store_->Write(b, {}));
  EXPECT_EQ(Keys("q/b/"), (std::vector<std::string>{"q/b/1", "q/b/2"}));
  EXPECT_EQ(Keys("q/").size(), 5u);
  std::vector<std::string> first_two;
  TRUC_ASSERT_OK(store_->Scan("q/", "r", [&](auto k, auto) {
    first_two.emplace_back(k);
    return first_two.size() < 2;
  }));
  EXPECT_EQ(first_two, (std::vector<std::string>{"q/a/1", "q/b/1"}));
  std::vector<std::string> to_end;
  TRUC_ASSERT_OK(store_->Scan("r", "", [&](auto k, auto) {
    to_end.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(to_end, (std::vector<std::string>{"r/x"}));
}

TEST_P(StoreContract, CloseAndReopenKeepsEverythingWritten) {
  for (int i = 0; i < 100; ++i) {
    WriteBatch b;
    b.Put("k/" + std::to_string(1000 + i),
          "UBND xã Y Tịch " + std::to_string(i));
    if (i % 10 == 9) b.Delete("k/" + std::to_string(1000 + i - 1));
    TRUC_ASSERT_OK(store_->Write(b, {}));
  }
  Reopen();
  auto keys = Keys("k/");
  EXPECT_EQ(keys.size(), 90u);
  EXPECT_EQ(*store_->Get("k/1000"), "UBND xã Y Tịch 0");
  EXPECT_FALSE(store_->Get("k/1008").ok());
  EXPECT_EQ(*store_->Get("k/1099"), "UBND xã Y Tịch 99");
}

TEST_P(StoreContract, ConcurrentBatchesAreEachWhole) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        WriteBatch b;
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        b.Put("d/" + id, id);
        b.Put("r/" + id + "/1", id);
        b.Put("r/" + id + "/2", id);
        ASSERT_TRUE(store_->Write(b, {}).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  Reopen();
  EXPECT_EQ(Keys("d/").size(), 400u);
  EXPECT_EQ(Keys("r/").size(), 800u);
}

// store.h: a scan reads a consistent snapshot. A writer that changes the
// range while a scan is under way (it may have to wait for the scan to end)
// is not seen by that scan.
TEST_P(StoreContract, AScanReadsASnapshot) {
  WriteBatch b;
  for (int i = 0; i < 20; ++i) b.Put(absl::StrCat("s/", 100 + i), "cũ");
  TRUC_ASSERT_OK(store_->Write(b, {}));
  std::vector<std::string> seen;
  std::thread writer;
  std::atomic<bool> written{false};
  TRUC_ASSERT_OK(store_->Scan("s/", "s0", [&](auto k, auto v) {
    if (seen.empty()) {
      writer = std::thread([&] {
        WriteBatch change;
        change.Delete("s/119");
        change.Put("s/110", "mới");
        change.Put("s/150", "mới");
        EXPECT_TRUE(store_->Write(change, {}).ok());
        written = true;
      });
      // Give the writer its chance before the scan goes on.
      for (int i = 0; i < 50 && !written; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    seen.emplace_back(absl::StrCat(k, "=", v));
    return true;
  }));
  writer.join();
  ASSERT_EQ(seen.size(), 20u);
  EXPECT_EQ(seen.back(), "s/119=cũ");
  EXPECT_EQ(seen[10], "s/110=cũ");
  // Afterwards the change is there, whole.
  EXPECT_EQ(*store_->Get("s/110"), "mới");
  EXPECT_FALSE(store_->Get("s/119").ok());
  EXPECT_EQ(Keys("s/").size(), 20u);
}

// No reader ever sees half a batch: each batch puts x/a/<i> and x/b/<i>
// together, and every scan that sees one sees the other.
TEST_P(StoreContract, NoReaderSeesHalfABatch) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      WriteBatch b;
      b.Put(absl::StrCat("x/a/", 1000 + i), "1");
      b.Put(absl::StrCat("x/b/", 1000 + i), "1");
      if (i >= 10) {
        b.Delete(absl::StrCat("x/a/", 1000 + i - 10));
        b.Delete(absl::StrCat("x/b/", 1000 + i - 10));
      }
      ASSERT_TRUE(store_->Write(b, {.sync = false}).ok());
    }
    done = true;
  });
  int scans = 0;
  while (!done || scans == 0) {
    std::vector<std::string> a, b;
    TRUC_ASSERT_OK(store_->ScanPrefix("x/", [&](auto k, auto) {
      (absl::StartsWith(k, "x/a/") ? a : b).emplace_back(k.substr(4));
      return true;
    }));
    ASSERT_EQ(a, b) << "scan " << scans << " saw half a batch";
    ++scans;
  }
  writer.join();
  EXPECT_GT(scans, 0);
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreContract,
                         ::testing::Values("rocksdb", "memory", "fault"),
                         [](const auto& info) { return info.param; });

TEST(FaultInjectingStore, FailedWriteLeavesNothing) {
  MemoryStore base;
  FaultInjectingStore store(&base);
  store.FailWrites(1);
  WriteBatch b;
  b.Put("a", "1");
  b.Put("b", "2");
  EXPECT_THAT(store.Write(b, {}),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_FALSE(store.Get("a").ok());
  EXPECT_FALSE(store.Get("b").ok());
  TRUC_EXPECT_OK(store.Write(b, {}));
  EXPECT_EQ(*store.Get("b"), "2");
  EXPECT_EQ(store.failed_writes(), 1);
}

TEST(RocksDbStore, SecondOpenOfSameDirectoryIsRefused) {
  TempDir dir;
  auto first = RocksDbStore::Open(dir.Sub("db"));
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(RocksDbStore::Open(dir.Sub("db")),
              StatusIs(absl::StatusCode::kUnavailable, "lock"));
}

// Group commit: concurrent synced writes share the WAL's syncs. Fails if
// the store serialises its synced writes (one sync each).
TEST(RocksDbStore, ConcurrentSyncedWritersShareSyncs) {
  TempDir dir;
  auto store = RocksDbStore::Open(dir.Sub("db"));
  ASSERT_TRUE(store.ok());
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // All eight start together, so that their writes overlap.
      ready.fetch_add(1);
      while (ready.load() < 8) std::this_thread::yield();
      for (int i = 0; i < 40; ++i) {
        WriteBatch b;
        b.Put("k/" + std::to_string(t) + "/" + std::to_string(i),
              std::string(512, 'x'));
        ASSERT_TRUE((*store)->Write(b, {.sync = true}).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*store)->SyncedWrites(), 320u);
  // Every synced write is covered by a WAL sync, and with 8 writers some
  // share one. How many is the machine's timing: printed for the record.
  std::printf("synced writes %lu, WAL syncs %lu\n",
              (unsigned long)(*store)->SyncedWrites(),
              (unsigned long)(*store)->WalSyncs());
  EXPECT_GT((*store)->WalSyncs(), 0u);
  EXPECT_LT((*store)->WalSyncs(), 320u) << "no sync was shared";
}

}  // namespace
}  // namespace truc::hub
