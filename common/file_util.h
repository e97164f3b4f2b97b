// The one place that reads and writes files durably. Everything that must
// survive a crash (the hub's attachment files, the agent's inbox and state,
// keys and certificates) is written through here: a temporary file in the
// same directory, fsync, rename over the final name, fsync of the directory.
//
// Thread-safety: free functions are thread-safe for distinct paths;
// DurableFileWriter is not thread-safe (one writer per object).
#ifndef TRUC_COMMON_FILE_UTIL_H_
#define TRUC_COMMON_FILE_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

// An absl::Status for a failed system call: `what` names the operation and
// path, the errno text follows. ENOENT maps to NOT_FOUND, EACCES/EPERM to
// PERMISSION_DENIED, ENOSPC/EDQUOT to RESOURCE_EXHAUSTED, others to INTERNAL.
absl::Status ErrnoStatus(int err, absl::string_view what);

// Writes `contents` to `path` atomically and durably with `mode`. On failure
// `path` is unchanged (old contents or absent) and no temporary file is left.
absl::Status WriteFileDurably(const std::string& path,
                              absl::string_view contents, mode_t mode = 0644);

// Reads a whole file. Fails NOT_FOUND if absent, RESOURCE_EXHAUSTED if it is
// larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     uint64_t max_bytes = 64 << 20);

// fsync of a directory, so that entries created or renamed in it persist.
absl::Status SyncDirectory(const std::string& dir);

// mkdir -p with `mode` for the directories it creates; fsyncs each parent
// it adds an entry to.
absl::Status MakeDirectories(const std::string& dir, mode_t mode = 0755);

// rename(2) then fsync of both parent directories. Works for files and
// directories on one filesystem. Fails if `to` is a non-empty directory.
absl::Status RenameDurably(const std::string& from, const std::string& to);

// Removes a file or a directory tree; absent is OK.
absl::Status RemoveAll(const std::string& path);

bool PathExists(const std::string& path);

// The directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);

// Joins `dir` and `name` with one '/'.
std::string JoinPath(absl::string_view dir, absl::string_view name);

// The names in `dir` that do not start with '.' and for which `keep` (given
// the entry) is true, sorted. An unreadable `dir` lists nothing.
std::vector<std::string> ListVisible(
    const std::string& dir,
    const std::function<bool(const std::filesystem::directory_entry&)>& keep);

// `path` if absolute, else `base_dir`/`path`. Empty stays empty.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// Writes a large file in pieces, durably: Append as often as needed, then
// Commit. Until Commit the data lives in a temporary file beside `path`,
// which the destructor removes if Commit was not reached.
class DurableFileWriter {
 public:
  // Creates the temporary file. Fails with the errno of open(2).
  static absl::StatusOr<DurableFileWriter> Create(const std::string& path,
                                                  mode_t mode = 0644);
  DurableFileWriter(DurableFileWriter&& other) noexcept;
  DurableFileWriter& operator=(DurableFileWriter&& other) noexcept;
  DurableFileWriter(const DurableFileWriter&) = delete;
  DurableFileWriter& operator=(const DurableFileWriter&) = delete;
  ~DurableFileWriter();

  // Appends bytes. On failure the writer is unusable; the destructor cleans.
  absl::Status Append(absl::string_view data);
  // fsync, rename over `path`, fsync of the directory.
  absl::Status Commit();
  // Drops the temporary file.
  void Abandon();

  uint64_t bytes_written() const { return bytes_written_; }
  const std::string& path() const { return path_; }

 private:
  DurableFileWriter(std::string path, std::string tmp_path, int fd)
      : path_(std::move(path)), tmp_path_(std::move(tmp_path)), fd_(fd) {}

  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
  uint64_t bytes_written_ = 0;
};

// A file appended to in place, for downloads that resume where an earlier
// attempt stopped (the agent's part files). Unlike DurableFileWriter the
// bytes sit under the file's own name as they arrive; Sync makes what was
// appended durable. Closed by the destructor.
class AppendFile {
 public:
  // Opens `path` for appending, creating it (with `mode`) if missing.
  static absl::StatusOr<AppendFile> Open(const std::string& path,
                                         mode_t mode = 0644);
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&&) = delete;
  AppendFile(const AppendFile&) = delete;
  ~AppendFile();

  // Calls `fn` on the bytes already in the file, from the start, in pieces
  // of up to 1 MiB (to hash what an earlier attempt left). Returns their
  // count.
  absl::StatusOr<uint64_t> ReadExisting(
      const std::function<void(absl::string_view)>& fn);
  absl::Status Append(absl::string_view data);
  // fdatasync: what was appended survives a crash.
  absl::Status Sync();
  const std::string& path() const { return path_; }

 private:
  AppendFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace truc

#endif  // TRUC_COMMON_FILE_UTIL_H_
