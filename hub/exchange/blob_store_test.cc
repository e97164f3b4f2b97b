#include "hub/exchange/blob_store.h"

#include <filesystem>

#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

size_t FilesUnder(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) ++n;
  }
  return n;
}

TEST(BlobStoreTest, BytesArePlacedOnceUnderTheirDigest) {
  TempDir tmp;
  auto blobs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(blobs.ok()) << blobs.status();
  const std::string content = "Công văn 45/UBND-VP về ứng phó bão số 9";
  const std::string sha = Sha256::Of(content);
  auto up = (*blobs)->StartUpload(sha);
  ASSERT_TRUE(up.ok());
  TRUC_ASSERT_OK((*up)->Append(content.substr(0, 10)));
  TRUC_ASSERT_OK((*up)->Append(content.substr(10)));
  EXPECT_EQ((*up)->size(), content.size());
  TRUC_ASSERT_OK((*up)->Commit(sha));
  EXPECT_FALSE((*blobs)->Exists(sha)) << "not visible before Place";
  TRUC_ASSERT_OK((*up)->Place());
  EXPECT_TRUE((*blobs)->Exists(sha));
  EXPECT_EQ(*ReadFile((*blobs)->PathOf(sha)), content);
  const std::string hex = HexEncode(sha);
  EXPECT_EQ((*blobs)->PathOf(sha),
            JoinPath(tmp.path(), "blobs/" + hex.substr(0, 2) + "/" + hex));

  // The same bytes again are only hashed: one file, the same size.
  auto again = (*blobs)->StartUpload(sha);
  TRUC_ASSERT_OK((*again)->Append(content));
  TRUC_ASSERT_OK((*again)->Commit(sha));
  TRUC_ASSERT_OK((*again)->Place());
  EXPECT_EQ(FilesUnder(JoinPath(tmp.path(), "blobs")), 1u);
  EXPECT_EQ((*blobs)->TotalBytes(), content.size());
  EXPECT_EQ(FilesUnder(JoinPath(tmp.path(), "staging")), 0u);
}

TEST(BlobStoreTest, BytesThatDoNotHashAsDeclaredLeaveNothing) {
  TempDir tmp;
  auto blobs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(blobs.ok());
  const std::string declared = Sha256::Of("what the sender declared");
  auto up = (*blobs)->StartUpload(declared);
  TRUC_ASSERT_OK((*up)->Append("other bytes"));
  EXPECT_THAT((*up)->Commit(declared),
              StatusIs(absl::StatusCode::kInvalidArgument, "not the declared"));
  EXPECT_FALSE((*blobs)->Exists(declared));
  EXPECT_EQ(FilesUnder(tmp.path()), 0u);
}

TEST(BlobStoreTest, AnUploadDroppedBeforePlaceLeavesNothing) {
  TempDir tmp;
  auto blobs = BlobStore::Open(tmp.path());
  const std::string sha = Sha256::Of("Phụ lục");
  {
    auto up = (*blobs)->StartUpload(sha);
    TRUC_ASSERT_OK((*up)->Append("Phụ lục"));
    TRUC_ASSERT_OK((*up)->Commit(sha));
  }
  EXPECT_FALSE((*blobs)->Exists(sha));
  EXPECT_EQ(FilesUnder(tmp.path()), 0u);
}

TEST(BlobStoreTest, OpeningEmptiesWhatACrashLeftInStaging) {
  TempDir tmp;
  TRUC_ASSERT_OK(MakeDirectories(JoinPath(tmp.path(), "staging")));
  TRUC_ASSERT_OK(
      WriteFileDurably(JoinPath(tmp.path(), "staging/left.part"), "half"));
  auto blobs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(blobs.ok());
  EXPECT_EQ(FilesUnder(JoinPath(tmp.path(), "staging")), 0u);
}

}  // namespace
}  // namespace truc::hub
