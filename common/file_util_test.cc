#include "common/file_util.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/test_util.h"

namespace truc {
namespace {

using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

TEST(FileUtil, WriteDurablyThenRead) {
  TempDir dir;
  std::string path = dir.Sub("Sở Y tế.txt");
  TRUC_ASSERT_OK(WriteFileDurably(path, "UBND xã Y Tịch"));
  auto back = ReadFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "UBND xã Y Tịch");
  TRUC_ASSERT_OK(WriteFileDurably(path, "again"));
  EXPECT_EQ(*ReadFile(path), "again");
}

TEST(FileUtil, KeyModeIsKeptDespiteUmask) {
  TempDir dir;
  std::string path = dir.Sub("key.pem");
  TRUC_ASSERT_OK(WriteFileDurably(path, "secret", 0600));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileUtil, AbandonedWriterLeavesNothing) {
  TempDir dir;
  std::string path = dir.Sub("big.bin");
  {
    auto w = DurableFileWriter::Create(path);
    ASSERT_TRUE(w.ok());
    TRUC_ASSERT_OK(w->Append("partial"));
  }
  EXPECT_FALSE(PathExists(path));
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 0);
}

TEST(FileUtil, AppendFileResumesWhereItStopped) {
  TempDir dir;
  std::string path = dir.Sub("a.part");
  {
    auto f = AppendFile::Open(path);
    ASSERT_TRUE(f.ok());
    TRUC_ASSERT_OK(f->Append("Sở Y "));
    TRUC_ASSERT_OK(f->Sync());
  }
  auto f = AppendFile::Open(path);
  ASSERT_TRUE(f.ok());
  std::string seen;
  auto n = f->ReadExisting([&](absl::string_view piece) {
    seen.append(piece.data(), piece.size());
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, seen.size());
  EXPECT_EQ(seen, "Sở Y ");
  TRUC_ASSERT_OK(f->Append("tế"));
  TRUC_ASSERT_OK(f->Sync());
  EXPECT_EQ(*ReadFile(path), "Sở Y tế");
}

TEST(FileUtil, ReadMissingIsNotFound) {
  TempDir dir;
  EXPECT_THAT(ReadFile(dir.Sub("nope")),
              StatusIs(absl::StatusCode::kNotFound, "nope"));
}

TEST(FileUtil, ReadTooLarge) {
  TempDir dir;
  TRUC_ASSERT_OK(WriteFileDurably(dir.Sub("f"), std::string(100, 'x')));
  EXPECT_THAT(ReadFile(dir.Sub("f"), 10),
              StatusIs(absl::StatusCode::kResourceExhausted, "larger than 10"));
}

TEST(FileUtil, MakeDirectoriesAndRename) {
  TempDir dir;
  TRUC_ASSERT_OK(MakeDirectories(dir.Sub("a/b/c")));
  TRUC_ASSERT_OK(WriteFileDurably(dir.Sub("a/b/c/f"), "x"));
  TRUC_ASSERT_OK(RenameDurably(dir.Sub("a/b/c"), dir.Sub("a/d")));
  EXPECT_EQ(*ReadFile(dir.Sub("a/d/f")), "x");
  TRUC_ASSERT_OK(WriteFileDurably(dir.Sub("file"), "x"));
  EXPECT_THAT(
      MakeDirectories(dir.Sub("file/sub")),
      StatusIs(absl::StatusCode::kFailedPrecondition, "not a directory"));
}

TEST(FileUtil, Paths) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(ResolvePath("/etc/truc", "hub.key"), "/etc/truc/hub.key");
  EXPECT_EQ(ResolvePath("/etc/truc", "/abs"), "/abs");
  EXPECT_EQ(ResolvePath("agents/x", "."), "agents/x");
  EXPECT_EQ(ResolvePath("agents/x", "../../ca/ca.crt"), "ca/ca.crt");
  EXPECT_EQ(DirName("file"), ".");
}

}  // namespace
}  // namespace truc
