#include "cli/text.h"

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "truc/v1/status.pb.h"

namespace truc::cli {
namespace {

TEST(DisplayWidth, CountsCharactersNotBytes) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Sở Y tế"), 7u);  // 10 bytes
  EXPECT_EQ(DisplayWidth("Sở Văn hóa, Thể thao và Du lịch"), 31u);
  EXPECT_EQ(DisplayWidth("UBND xã Bắc Thủy"), 16u);
}

TEST(DisplayWidth, DecomposedVietnameseHasTheSameWidth) {
  // "Sở Y tế" written with combining marks (NFD): o + horn + hook above,
  // e + circumflex + acute.
  const std::string nfd = "So\xCC\x9B\xCC\x89 Y te\xCC\x82\xCC\x81";
  EXPECT_EQ(DisplayWidth(nfd), 7u);
}

TEST(IsValidUtf8, AcceptsVietnameseRefusesBrokenBytes) {
  EXPECT_TRUE(IsValidUtf8("Hỏa tốc hẹn giờ"));
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_FALSE(IsValidUtf8("S\xF4 Y t\xEA"));  // Latin-1 / Windows-1258
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));       // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));   // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xE1\xBB"));       // cut short
}

TEST(PadRight, PadsToDisplayedWidth) {
  EXPECT_EQ(PadRight("Sở Y tế", 9), "Sở Y tế  ");
  EXPECT_EQ(PadRight("abc", 2), "abc");
}

TEST(RenderTable, AlignsVietnameseNames) {
  std::string table = RenderTable(
      {"CODE", "NAME", "STATE"},
      {{"000.07.00.H99", "Sở Y tế", "active"},
       {"000.09.00.H99", "Sở Văn hóa, Thể thao và Du lịch", "active"},
       {"000.03.30.H99", "UBND xã Bắc Thủy", "SUSPENDED"}});
  EXPECT_EQ(table,
            "CODE           NAME                             STATE\n"
            "000.07.00.H99  Sở Y tế                          active\n"
            "000.09.00.H99  Sở Văn hóa, Thể thao và Du lịch  active\n"
            "000.03.30.H99  UBND xã Bắc Thủy                 SUSPENDED\n");
  // The third column starts at the same displayed column on every line.
  for (absl::string_view line :
       absl::StrSplit(table, '\n', absl::SkipEmpty())) {
    size_t pos = line.rfind("  ");
    EXPECT_EQ(DisplayWidth(line.substr(0, pos + 2)), 48u) << line;
  }
}

TEST(RenderTable, NoTrailingSpacesAndShortRows) {
  EXPECT_EQ(RenderTable({"A", "B", "C"}, {{"x"}, {"yy", "z", ""}}),
            "A   B  C\n"
            "x\n"
            "yy  z\n");
}

TEST(RenderTable, WithoutHeader) {
  EXPECT_EQ(RenderTable({}, {{"Subject", "Về việc"}, {"From", "x"}}),
            "Subject  Về việc\n"
            "From     x\n");
}

TEST(Printable, KeepsVietnameseAndDefusesControlCharacters) {
  EXPECT_EQ(Printable("UBND xã Y Tịch"), "UBND xã Y Tịch");
  EXPECT_EQ(Printable("Sở\nY\ttế"), "Sở Y tế");
  EXPECT_EQ(Printable("a\x1b[2Jb"), "a?[2Jb");
  EXPECT_EQ(Printable("c1:\xc2\x9b."), "c1:?.");
}

TEST(Printable, AppliesToEveryStringOfAMessage) {
  truc::v1::DocumentStatus s;
  s.set_subject("V/v\x1b[31m bão");
  auto* r = s.add_recipients();
  r->set_name("Sở\nY tế");
  r->add_history()->set_description("line1\rline2");
  MakePrintable(&s);
  EXPECT_EQ(s.subject(), "V/v?[31m bão");
  EXPECT_EQ(s.recipients(0).name(), "Sở Y tế");
  EXPECT_EQ(s.recipients(0).history(0).description(), "line1 line2");
}

}  // namespace
}  // namespace truc::cli
