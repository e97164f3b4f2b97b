// The RocksDB options the hub's store runs with, in one place: RocksDbStore
// opens with them, and the bench's raw-RocksDB reference uses the same, so
// that it measures the ceiling of this very configuration.
//
// One column family; synced WAL for synced writes, which concurrent writers
// share (group commit, pipelined); a block cache (256 MiB unless the config
// says otherwise) holding index and filter blocks, those of level 0 pinned,
// and 16 MiB write buffers; Bloom filters for point lookups; LZ4; files
// dense in deletions (acknowledged queue entries) compacted early.
#ifndef TRUC_HUB_STORE_ROCKSDB_OPTIONS_H_
#define TRUC_HUB_STORE_ROCKSDB_OPTIONS_H_

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "hub/store/store.h"

namespace truc::hub {

inline constexpr size_t kDefaultStoreCacheBytes = size_t{256} << 20;

// Fresh options (create_if_missing set, no statistics attached) with a
// block cache of `cache_bytes`. Never fails.
rocksdb::Options StoreOptions(size_t cache_bytes = kDefaultStoreCacheBytes);

// `batch` as a RocksDB batch, in order. Never fails.
rocksdb::WriteBatch ToRocksBatch(const WriteBatch& batch);

}  // namespace truc::hub

#endif  // TRUC_HUB_STORE_ROCKSDB_OPTIONS_H_
