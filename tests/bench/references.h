// The references truc's figures are compared with, measured in the same run
// on the same machine: the disk (synced appends and synced sequential
// writes), raw RocksDB with the hub's options and batches, and a bare gRPC
// byte stream over the same mutual TLS. RabbitMQ is in rabbit.h.
//
// Thread-safety: each function runs on its own and may start threads.
#ifndef TRUC_TESTS_BENCH_REFERENCES_H_
#define TRUC_TESTS_BENCH_REFERENCES_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/store/store.h"
#include "truc/v1/config.pb.h"

namespace truc::bench {

// One writer appends `record_bytes` to a file in `dir` and fdatasyncs, over
// and over for `duration`: syncs per second. Fails with the file error.
absl::StatusOr<double> FdatasyncRate(const std::string& dir,
                                     size_t record_bytes,
                                     absl::Duration duration);

// Writes `total_bytes` to a new file in `dir` in 1 MiB writes, fdatasyncing
// every 8 MiB and at the end: MB/s (10^6 bytes) including the last sync.
// The file is removed afterwards. Fails with the file error.
absl::StatusOr<double> SyncedSequentialWriteRate(const std::string& dir,
                                                 uint64_t total_bytes);

// A batch for writer `writer`'s `i`-th write.
using BatchFn = std::function<hub::WriteBatch(int writer, uint64_t i)>;

// Opens a fresh RocksDB in `dir` with the hub's options and runs `writers`
// threads, each writing make(writer, i) as one synced rocksdb::WriteBatch
// in a loop, for `duration` after a 0.3 s warm-up: batches per second. The
// database is removed afterwards. Fails with the store error.
absl::StatusOr<double> RawRocksDbRate(const std::string& dir, int writers,
                                      absl::Duration duration,
                                      const BatchFn& make);

// Serves truc.bench.Pipe in this process with `server_tls` on a free
// loopback port and streams `total_bytes` to it in 1 MiB chunks from a
// client presenting `client_tls`: MB/s. Fails UNAVAILABLE if the stream
// breaks or fewer bytes arrive.
absl::StatusOr<double> TlsStreamRate(const truc::v1::TlsFiles& server_tls,
                                     const truc::v1::TlsFiles& client_tls,
                                     uint64_t total_bytes);

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_REFERENCES_H_
