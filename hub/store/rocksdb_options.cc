#include "hub/store/rocksdb_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>

namespace truc::hub {

rocksdb::Options StoreOptions(size_t cache_bytes) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 16 << 20;
  options.max_write_buffer_number = 3;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 5;
  options.max_manifest_file_size = 64 << 20;
  options.enable_pipelined_write = true;
  rocksdb::BlockBasedTableOptions table;
  // Index and filter blocks live in the cache, so that memory has one
  // bound; a store of a million documents has about 25 MB of them, which a
  // small cache would keep evicting along with the data blocks.
  table.block_cache = rocksdb::NewLRUCache(cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kLZ4Compression;
  // Every acknowledgement deletes a queue entry and a "not yet received"
  // entry, so those ranges fill with tombstones that each poll and each
  // pending scan must step over until compaction drops them. Files dense
  // in deletions are marked for compaction at once instead of waiting for
  // their level to fill.
  options.table_properties_collector_factories.emplace_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(1000, 500));
  return options;
}

rocksdb::WriteBatch ToRocksBatch(const WriteBatch& batch) {
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops()) {
    if (op.is_delete) {
      wb.Delete(op.key);
    } else {
      wb.Put(op.key, op.value);
    }
  }
  return wb;
}

}  // namespace truc::hub
