#include "hub/blob_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace truc::hub {
namespace {

// A failure of the hub's own disk is the hub's problem, not the sender's:
// UNAVAILABLE (retry later), whatever errno said (ENOSPC included).
absl::Status StorageError(const absl::Status& s) {
  if (s.ok()) return s;
  return absl::UnavailableError(
      absl::StrCat("attachment storage failed: ", s.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(
    const std::string& dir) {
  TRUC_RETURN_IF_ERROR(MakeDirectories(JoinPath(dir, "blobs")));
  TRUC_RETURN_IF_ERROR(RemoveAll(JoinPath(dir, "staging")));
  TRUC_RETURN_IF_ERROR(MakeDirectories(JoinPath(dir, "staging")));
  return std::unique_ptr<BlobStore>(new BlobStore(dir));
}

std::string BlobStore::PathOf(const std::string& sha256) const {
  std::string hex = HexEncode(sha256);
  return JoinPath(JoinPath(JoinPath(dir_, "blobs"), hex.substr(0, 2)), hex);
}

bool BlobStore::Exists(const std::string& sha256) const {
  return PathExists(PathOf(sha256));
}

uint64_t BlobStore::TotalBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           JoinPath(dir_, "blobs"), ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

absl::StatusOr<std::unique_ptr<BlobStore::Upload>> BlobStore::StartUpload(
    const std::string& sha256) {
  auto upload = std::make_unique<Upload>();
  upload->store_ = this;
  if (!Exists(sha256)) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string staging = JoinPath(JoinPath(dir_, "staging"),
                                   absl::StrCat(absl::Hex(rng()), ".part"));
    auto writer = DurableFileWriter::Create(staging, 0640);
    if (!writer.ok()) return StorageError(writer.status());
    upload->writer_.emplace(std::move(*writer));
  }
  return upload;
}

absl::Status BlobStore::Upload::Append(absl::string_view data) {
  sha_.Update(data);
  size_ += data.size();
  if (writer_) return StorageError(writer_->Append(data));
  return absl::OkStatus();
}

absl::Status BlobStore::Upload::Commit(const std::string& expected_sha256) {
  std::string got = sha_.Finish();
  if (got != expected_sha256) {
    if (writer_) writer_->Abandon();
    return absl::InvalidArgumentError(
        absl::StrCat("bytes hash to SHA-256 ", HexEncode(got),
                     ", not the declared ", HexEncode(expected_sha256)));
  }
  if (!writer_) return absl::OkStatus();
  std::string final_path = store_->PathOf(expected_sha256);
  TRUC_RETURN_IF_ERROR(StorageError(writer_->Commit()));  // durable in staging/
  TRUC_RETURN_IF_ERROR(StorageError(MakeDirectories(DirName(final_path))));
  return StorageError(RenameDurably(writer_->path(), final_path));
}

}  // namespace truc::hub
