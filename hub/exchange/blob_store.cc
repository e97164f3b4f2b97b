#include "hub/exchange/blob_store.h"

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
    writer_.reset();  // drops the temporary file
    return absl::InvalidArgumentError(
        absl::StrCat("bytes hash to SHA-256 ", HexEncode(got),
                     ", not the declared ", HexEncode(expected_sha256)));
  }
  sha256_ = expected_sha256;
  if (!writer_) return absl::OkStatus();
  TRUC_RETURN_IF_ERROR(StorageError(writer_->Commit()));  // durable in staging/
  staged_path_ = writer_->path();
  writer_.reset();
  return absl::OkStatus();
}

absl::Status BlobStore::Upload::Place() {
  if (staged_path_.empty()) return absl::OkStatus();  // stored already
  std::string final_path = store_->PathOf(sha256_);
  TRUC_RETURN_IF_ERROR(StorageError(MakeDirectories(DirName(final_path))));
  TRUC_RETURN_IF_ERROR(StorageError(RenameDurably(staged_path_, final_path)));
  staged_path_.clear();
  return absl::OkStatus();
}

BlobStore::Upload::~Upload() {
  if (!staged_path_.empty()) (void)RemoveAll(staged_path_);
}

}  // namespace truc::hub
