#include "hub/store/rocksdb_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "hub/store/rocksdb_options.h"

namespace truc::hub {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument() || s.IsNotSupported())
    return absl::InvalidArgumentError(message);
  // IO errors, no space, busy, timed out, lock held by another process: the
  // caller may retry once the cause is gone.
  return absl::UnavailableError(message);
}

}  // namespace

struct RocksDbStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::shared_ptr<rocksdb::Statistics> stats;
  std::atomic<uint64_t> synced_writes{0};
};

RocksDbStore::RocksDbStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

RocksDbStore::~RocksDbStore() {
  if (impl_ && impl_->db) {
    (void)impl_->db->Close();
  }
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(
    const std::string& dir, size_t cache_bytes) {
  rocksdb::Options options = StoreOptions(cache_bytes);
  auto impl = std::make_unique<Impl>();
  impl->stats = rocksdb::CreateDBStatistics();
  options.statistics = impl->stats;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open store ", dir));
  impl->db.reset(db);
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(impl)));
}

absl::StatusOr<std::string> RocksDbStore::Get(absl::string_view key) {
  std::string value;
  rocksdb::Status s = impl_->db->Get(
      rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no key ", key));
  if (!s.ok()) return FromRocks(s, "store read failed");
  return value;
}

absl::Status RocksDbStore::Write(const WriteBatch& batch,
                                 const WriteOptions& options) {
  rocksdb::WriteBatch wb = ToRocksBatch(batch);
  rocksdb::WriteOptions wo;
  wo.sync = options.sync;
  if (options.sync)
    impl_->synced_writes.fetch_add(1, std::memory_order_relaxed);
  return FromRocks(impl_->db->Write(wo, &wb), "store write failed");
}

absl::Status RocksDbStore::Scan(absl::string_view start,
                                absl::string_view limit, const ScanFn& fn) {
  rocksdb::ReadOptions ro;
  std::string upper(limit);
  rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid();
       it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    if (!fn(absl::string_view(k.data(), k.size()),
            absl::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "store scan failed");
}

absl::Status RocksDbStore::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(impl_->db->CompactRange(options, nullptr, nullptr),
                   "store compaction failed");
}

uint64_t RocksDbStore::ApproximateSizeBytes() {
  uint64_t sst = 0, mem = 0, blob = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables,
                            &mem);
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kTotalBlobFileSize, &blob);
  return sst + mem + blob;
}

uint64_t RocksDbStore::WalSyncs() const {
  return impl_->stats->getTickerCount(rocksdb::WAL_FILE_SYNCED);
}

uint64_t RocksDbStore::SyncedWrites() const {
  return impl_->synced_writes.load(std::memory_order_relaxed);
}

}  // namespace truc::hub
