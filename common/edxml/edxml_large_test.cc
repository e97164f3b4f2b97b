// A 200 MB attachment through the edXML writer and reader, each measured
// for its peak memory (printed): neither may hold the attachment, or the
// 267 MB of its base64, whole.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using truc::testing::TempDir;

constexpr uint64_t kSize = 200'000'000;

// Resets the kernel's peak-RSS mark for this process (Linux 4.0 and later).
void ResetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;
    }
  }
  return 0;
}

uint64_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;
    }
  }
  return 0;
}

TEST(EdxmlLargeTest, TwoHundredMegabytesPassInBoundedMemory) {
  TempDir dir;
  // The attachment: 200 MB of random bytes, written and hashed in pieces.
  const std::string src = dir.Sub("ke-hoach.pdf");
  Sha256 sha;
  {
    auto file = DurableFileWriter::Create(src);
    ASSERT_TRUE(file.ok());
    std::mt19937_64 rng(2026);
    std::string piece(1 << 20, '\0');
    for (uint64_t done = 0; done < kSize; done += piece.size()) {
      piece.resize(std::min<uint64_t>(piece.size(), kSize - done));
      for (size_t i = 0; i + 8 <= piece.size(); i += 8) {
        uint64_t r = rng();
        std::memcpy(piece.data() + i, &r, 8);
      }
      sha.Update(piece);
      ASSERT_TRUE(file->Append(piece).ok());
    }
    ASSERT_TRUE(file->Commit().ok());
  }
  const std::string digest = sha.Finish();

  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id("000.07.00.H99");
  h.add_to()->set_organ_id("000.21.30.H99");
  h.set_subject("Kế hoạch phòng chống dịch (bản đầy đủ)");
  h.set_urgency(truc::v1::URGENCY_EXPRESS);
  auto* a = h.add_attachments();
  a->set_name("ke-hoach.pdf");
  a->set_content_type("application/pdf");
  a->set_size(kSize);
  a->set_sha256(digest);

  const uint64_t baseline = RssBytes();
  ResetPeak();
  const std::string out = dir.Sub("ke-hoach.edxml");
  TRUC_ASSERT_OK(WriteDocumentFile(h, {src}, out));
  const uint64_t write_peak = PeakRssBytes();

  ReadOptions o;
  o.attachment_dir = dir.Sub("in");
  ASSERT_TRUE(MakeDirectories(o.attachment_dir).ok());
  ResetPeak();
  auto parsed = ReadEdxmlFile(out, o);
  const uint64_t read_peak = PeakRssBytes();
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto doc = DocumentFromEdxml(*std::move(parsed));
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->header.attachments_size(), 1);
  EXPECT_EQ(doc->header.attachments(0).size(), kSize);
  EXPECT_EQ(doc->header.attachments(0).sha256(), digest);

  std::printf(
      "edXML with a 200 MB attachment (%.1f MB of XML): before %.1f MB "
      "resident; peak while writing %.1f MB, while reading %.1f MB\n",
      std::filesystem::file_size(out) / 1e6, baseline / 1e6, write_peak / 1e6,
      read_peak / 1e6);
  // Holding the attachment or its base64 whole would add 200 to 267 MB.
  EXPECT_LT(write_peak, baseline + 64'000'000);
  EXPECT_LT(read_peak, baseline + 64'000'000);
}

}  // namespace
}  // namespace truc::edxml
