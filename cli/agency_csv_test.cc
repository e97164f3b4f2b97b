#include "cli/agency_csv.h"

#include "common/test_util.h"

namespace truc::cli {
namespace {

using ::truc::testing::StatusIs;

// The start of /work/shared/reference/sample-province.csv.
constexpr char kSample[] =
    "# Illustrative directory for demos and tests. Names follow a real "
    "province (Lạng Sơn), codes are invented.\n"
    "# a second comment, with, commas\n"
    "code,name,parent,kind\n"
    "000.00.00.H99,UBND tỉnh Lạng Sơn,,province\n"
    "000.07.00.H99,Sở Y tế,000.00.00.H99,department\n"
    "000.09.00.H99,\"Sở Văn hóa, Thể thao và Du lịch\",000.00.00.H99,"
    "department\n"
    "000.00.30.H99,UBND huyện Chi Lăng,000.00.00.H99,district\n"
    "000.03.30.H99,UBND xã Bắc Thủy,000.00.30.H99,commune\n";

TEST(SplitCsvLine, QuotesAndEscapes) {
  auto f = SplitCsvLine("a,\"b, c\",\"say \"\"hi\"\"\",, d ");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, (std::vector<std::string>{"a", "b, c", "say \"hi\"", "", "d"}));
  EXPECT_EQ(*SplitCsvLine(""), std::vector<std::string>{""});
  EXPECT_THAT(SplitCsvLine("a,\"b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unterminated"));
  EXPECT_THAT(SplitCsvLine("a,\"b\"c"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "after a closing quote in field 2"));
}

TEST(ParseAgencyCsv, SampleWithQuotedNameAndComments) {
  auto rows = ParseAgencyCsv(kSample, "sample.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[0].code, "000.00.00.H99");
  EXPECT_EQ((*rows)[0].name, "UBND tỉnh Lạng Sơn");
  EXPECT_EQ((*rows)[0].parent, "");
  EXPECT_EQ((*rows)[0].kind, "province");
  EXPECT_EQ((*rows)[0].line, 4);
  EXPECT_EQ((*rows)[2].name, "Sở Văn hóa, Thể thao và Du lịch");
  EXPECT_EQ((*rows)[2].parent, "000.00.00.H99");
  EXPECT_EQ((*rows)[2].kind, "department");
  EXPECT_EQ((*rows)[4].parent, "000.00.30.H99");
  EXPECT_EQ((*rows)[4].line, 8);
}

TEST(ParseAgencyCsv, ByteOrderMarkCrlfBlankLinesAndColumnOrder) {
  auto rows = ParseAgencyCsv(
      "\xEF\xBB\xBFname,code\r\n\r\n\"Sở Y tế\",000.07.00.H99\r\n", "x.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].code, "000.07.00.H99");
  EXPECT_EQ((*rows)[0].name, "Sở Y tế");
  EXPECT_EQ((*rows)[0].line, 3);
}

TEST(ParseAgencyCsv, WithoutHeaderAssumesTheUsualOrder) {
  auto rows = ParseAgencyCsv("000.07.00.H99,Sở Y tế,000.00.00.H99,department\n",
                             "x.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].parent, "000.00.00.H99");
}

TEST(ParseAgencyCsv, MalformedLineReportedWithItsNumber) {
  // An unquoted name with a comma: five fields on line 5.
  std::string text =
      std::string(kSample, 0, std::string(kSample).find("000.07"));
  text +=
      "000.07.00.H99,Sở Y tế,000.00.00.H99,department\n"
      "000.09.00.H99,Sở Văn hóa, Thể thao và Du lịch,000.00.00.H99,"
      "department\n";
  EXPECT_THAT(ParseAgencyCsv(text, "p.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "p.csv:6: expected 4 fields, found 5"));
}

TEST(ParseAgencyCsv, RefusesBadLines) {
  const std::string header = "code,name,parent,kind\n";
  struct Case {
    std::string body;
    std::string error;
  } cases[] = {
      {"000.07.00.H99,\"Sở Y tế,000.00.00.H99,department\n",
       "f.csv:2: unterminated quote"},
      {"000.07.00.h99,Sở Y tế,,department\n",
       "f.csv:2: malformed agency code \"000.07.00.h99\""},
      {"000.07.00.H99,Sở Y tế,7,department\n",
       "f.csv:2: parent: malformed agency code \"7\""},
      {"000.07.00.H99,  ,,department\n", "f.csv:2: 000.07.00.H99: empty name"},
      {"000.07.00.H99,S\xF4 Y t\xEA,,department\n", "f.csv:2: not UTF-8"},
      {"000.07.00.H99,Sở Y tế,,department\n# x\n000.07.00.H99,Sở Y tế 2,,x\n",
       "f.csv:4: 000.07.00.H99 is already listed on line 2"},
      {"000.07.00.H99,Sở Y tế,000.07.00.H99,department\n", "is its own parent"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseAgencyCsv(header + c.body, "f.csv"),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.body;
  }
  EXPECT_THAT(ParseAgencyCsv("code,name,region\n", "f.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "f.csv:1: unknown or repeated column \"region\""));
}

TEST(ParseAgencyCsv, SpreadsheetLeftoversAndSemicolons) {
  auto rows = ParseAgencyCsv(
      "code,name,parent,kind\n000.07.00.H99,Sở Y tế,,department\n,,,\n , ,,\n",
      "f.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 1u);
  EXPECT_THAT(ParseAgencyCsv(
                  "code,name,parent,kind\n000.07.00.H99;Sở Y tế;;department\n",
                  "f.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, "seems to use ';'"));
}

TEST(ParseAgencyCsv, EmptyFileHasNoRows) {
  auto rows = ParseAgencyCsv("# nothing\n\n", "f.csv");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

}  // namespace
}  // namespace truc::cli
