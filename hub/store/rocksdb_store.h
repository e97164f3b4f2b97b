// The production Store: an embedded RocksDB under a directory. The only
// place that sees rocksdb::Status; it maps them to absl::Status.
//
// Options in effect: see rocksdb_options.h (synced WAL with group commit,
// small caches).
// Attachments are not stored here (see blob_store.h).
//
// Thread-safety: as Store.
#ifndef TRUC_HUB_STORE_ROCKSDB_STORE_H_
#define TRUC_HUB_STORE_ROCKSDB_STORE_H_

#include <memory>
#include <string>

#include "hub/store/rocksdb_options.h"
#include "hub/store/store.h"

namespace rocksdb {
class DB;
}

namespace truc::hub {

class RocksDbStore : public Store {
 public:
  // Opens (creating if missing) the database in `dir` with StoreOptions
  // and a block cache of `cache_bytes`. Fails UNAVAILABLE if another
  // process holds it, DATA_LOSS on corruption, naming the cause.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      const std::string& dir, size_t cache_bytes = kDefaultStoreCacheBytes);
  ~RocksDbStore() override;

  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override;
  absl::Status Scan(absl::string_view start, absl::string_view limit,
                    const ScanFn& fn) override;
  uint64_t ApproximateSizeBytes() override;

  // Compacts the whole key space and waits for it: drops every tombstone
  // and overwritten value. For the bench, which fills a store in minutes
  // and must measure it as a hub that ran for years (its background
  // compactions done) would be. Fails with the store error.
  absl::Status CompactAll();

  // Counters of the DB's statistics, for tests and the bench: how many
  // WAL syncs were made and how many synced writes were asked for.
  uint64_t WalSyncs() const;
  uint64_t SyncedWrites() const;

 private:
  struct Impl;
  explicit RocksDbStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_STORE_ROCKSDB_STORE_H_
