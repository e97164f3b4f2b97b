// Attachment bytes, stored once per distinct SHA-256 as files under
// <data_dir>/blobs/<first two hex digits>/<hex digest>, outside RocksDB.
//
// Why files and not RocksDB blob files: a synced RocksDB write carries every
// byte through the WAL as well (2x the bytes written, measured), and a value
// must be whole in memory to be put. A file written in 1 MiB pieces, synced
// and renamed into place before the send's WriteBatch commits, is written
// once, never whole in memory, and a download resumes with pread from any
// offset. A blob is made visible only by the DocumentRecord that names it,
// so a send that fails after its blob was placed leaves an unreferenced
// file, reused if the same bytes are sent again.
//
// Thread-safety: all methods are thread-safe; an Upload is used by one
// thread at a time.
#ifndef TRUC_HUB_EXCHANGE_BLOB_STORE_H_
#define TRUC_HUB_EXCHANGE_BLOB_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/file_util.h"
#include "common/sha256.h"

namespace truc::hub {

class BlobStore {
 public:
  // Uses (and creates) <dir>/blobs and <dir>/staging. Leftover staging
  // files of a crashed process are removed.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(
      const std::string& dir);

  // An attachment being received. Append bytes, Commit with the digest the
  // sender declared (the bytes must hash to it), then Place once the whole
  // send checked out. An upload dropped before Place leaves nothing.
  class Upload {
   public:
    ~Upload();
    absl::Status Append(absl::string_view data);
    uint64_t size() const { return size_; }
    // Checks the digest and makes the staged file durable. INVALID_ARGUMENT
    // on a mismatch; UNAVAILABLE if the hub's disk failed.
    absl::Status Commit(const std::string& expected_sha256);
    // Moves the committed file under blobs/ durably (or drops it if those
    // bytes are stored already). UNAVAILABLE if the hub's disk failed.
    absl::Status Place();

   private:
    friend class BlobStore;
    BlobStore* store_ = nullptr;
    std::optional<DurableFileWriter> writer_;  // absent: already stored
    Sha256 sha_;
    uint64_t size_ = 0;
    std::string sha256_;       // set by Commit
    std::string staged_path_;  // committed, not yet placed
  };

  // Starts an upload of bytes declared to hash to `sha256`. If those bytes
  // are stored already, the upload only hashes what it is given.
  absl::StatusOr<std::unique_ptr<Upload>> StartUpload(
      const std::string& sha256);

  bool Exists(const std::string& sha256) const;
  std::string PathOf(const std::string& sha256) const;
  // Total bytes under blobs/ (walks the directory: for tests and tools).
  uint64_t TotalBytes() const;

 private:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_BLOB_STORE_H_
