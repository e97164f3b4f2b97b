#include "common/edxml/reader.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/edxml/base64_stream.h"
#include "common/edxml/edxml_testing.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using ::testing::HasSubstr;
using truc::testing::StatusIs;
using truc::testing::TempDir;

constexpr char kOpen[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
    "<edXML:edXMLEnvelope "
    "xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
    "<edXML:edXMLHeader><edXML:MessageHeader>"
    "<edXML:Subject>Sở Y tế</edXML:Subject>"
    "</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope>";

std::string WithAttachment(const std::string& base64) {
  return absl::StrCat(kOpen,
                      "<AttachmentEncoded><Attachment>"
                      "<ContentId>cid:1</ContentId>"
                      "<AttachmentName>to-trinh.pdf</AttachmentName>"
                      "<ContentType>application/pdf</ContentType>"
                      "<edXML:ContentTransferEncoded xmlns:edXML=\"http://"
                      "www.mic.gov.vn/TBT/QCVN_102_2016\">",
                      base64,
                      "</edXML:ContentTransferEncoded></Attachment>"
                      "</AttachmentEncoded></edXML>");
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  return out;
}

TEST(EdxmlReaderTest, EverySampleReads) {
  for (const auto& name : testing::SampleNames()) {
    auto parsed = ReadEdxmlFile(testing::SamplePath(name), {});
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(parsed->root.name, "edXML");
  }
}

TEST(EdxmlReaderTest, AnAttachmentIsDecodedToAFileAndHashed) {
  TempDir dir;
  const std::string bytes = "%PDF-1.7 Tờ trình của Sở Y tế";
  ReadOptions o;
  o.attachment_dir = dir.path();
  auto parsed = ReadEdxml(WithAttachment(Base64Encode(bytes)), o);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->attachments.size(), 1u);
  const auto& a = parsed->attachments[0];
  EXPECT_EQ(a.content_id, "cid:1");
  EXPECT_EQ(a.name, "to-trinh.pdf");
  EXPECT_EQ(a.content_type, "application/pdf");
  EXPECT_EQ(a.size, bytes.size());
  EXPECT_EQ(a.sha256, Sha256::Of(bytes));
  EXPECT_EQ(*ReadFile(a.path), bytes);
}

TEST(EdxmlReaderTest, StrayBytesBeforeTheDeclarationAreSkippedAndNoted) {
  auto parsed = ReadEdxml(absl::StrCat("1212", kOpen, "</edXML>"), {});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_THAT(parsed->warnings[0], HasSubstr("4 bytes before the XML"));
  EXPECT_TRUE(
      ReadEdxml(absl::StrCat("\xEF\xBB\xBF", kOpen, "</edXML>"), {}).ok());
}

TEST(EdxmlReaderTest, MalformedXmlNamesTheLine) {
  EXPECT_THAT(ReadEdxml("<edXML xmlns=\"http://www.mic.gov.vn/TBT/"
                        "QCVN_102_2016\">\n<a></b></edXML>",
                        {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not well-formed XML at line 2"));
  EXPECT_THAT(ReadEdxml(absl::StrCat(kOpen), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(ReadEdxml("", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

TEST(EdxmlReaderTest, AWrongNamespaceIsNamed) {
  EXPECT_THAT(
      ReadEdxml("<edXML xmlns=\"http://example.org/other\"></edXML>", {}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "the root element is {http://example.org/other}edXML, not "
               "edXML in the namespace "
               "http://www.mic.gov.vn/TBT/QCVN_102_2016"));
  EXPECT_THAT(ReadEdxml("<edXML></edXML>", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the root element is edXML, not edXML in the"));
}

TEST(EdxmlReaderTest, ABillionLaughsIsRefusedBeforeAnyExpansion) {
  std::string doc =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE edXML [\n"
      "<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    absl::StrAppend(&doc, "<!ENTITY lol", i, " \"");
    for (int k = 0; k < 10; ++k) {
      absl::StrAppend(&doc, "&lol", i == 1 ? "" : absl::StrCat(i - 1), ";");
    }
    doc += "\">\n";
  }
  doc +=
      "]>\n<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
      "&lol9;</edXML>";
  EXPECT_THAT(ReadEdxml(doc, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a document type declaration (<!DOCTYPE>) at line 2"));
}

TEST(EdxmlReaderTest, AnExternalEntityIsNeverResolved) {
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">&x;</edXML>";
  EXPECT_THAT(ReadEdxml(xxe, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "document type declaration"));
  const std::string external_dtd =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE edXML SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n"
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>";
  EXPECT_THAT(ReadEdxml(external_dtd, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "document type declaration"));
  // Without a DTD, an entity reference is refused, not looked up.
  EXPECT_THAT(
      ReadEdxml("<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
                "<a>&x;</a></edXML>",
                {}),
      StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

TEST(EdxmlReaderTest, DeepNestingIsRefusedAtTheLimit) {
  std::string doc = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">";
  for (int i = 0; i < 10'000; ++i) doc += "<a>";
  for (int i = 0; i < 10'000; ++i) doc += "</a>";
  doc += "</edXML>";
  EXPECT_THAT(ReadEdxml(doc, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "elements nested deeper than 64"));
}

TEST(EdxmlReaderTest, AHugeTextNodeIsRefusedAfterItsLimitNotItsEnd) {
  // 2 GB of text, generated as it is read: the reader must stop after its
  // 1 MiB limit, asking for a few pieces, not 8,000.
  const std::string head = absl::StrCat(
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
      "<edXML:edXMLEnvelope "
      "xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
      "<edXML:Subject>");
  const std::string piece(256 << 10, 'A');
  const uint64_t total = uint64_t{2} << 30;
  uint64_t given = 0;
  int calls = 0;
  auto parsed = ReadEdxmlFrom(
      [&]() -> absl::StatusOr<absl::string_view> {
        ++calls;
        if (calls == 1) return absl::string_view(head);
        if (given >= total) return absl::string_view();
        given += piece.size();
        return absl::string_view(piece);
      },
      {});
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kResourceExhausted,
                               "edXML/edXMLEnvelope/Subject (line 1) is "
                               "longer than 1 MiB"));
  EXPECT_LT(calls, 10);
}

TEST(EdxmlReaderTest, TheMessageOutsideItsAttachmentsIsBounded) {
  ReadOptions o;
  o.limits.max_message_bytes = 4096;
  std::string doc = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">";
  for (int i = 0; i < 1000; ++i) doc += "<Place>Lạng Sơn</Place>";
  doc += "</edXML>";
  EXPECT_THAT(ReadEdxml(doc, o),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "the message outside its attachments is larger than "
                       "4096 bytes"));
}

TEST(EdxmlReaderTest, BrokenBase64IsNamedAndLeavesNoFile) {
  TempDir dir;
  ReadOptions o;
  o.attachment_dir = dir.path();
  EXPECT_THAT(ReadEdxml(WithAttachment("QUJD!!!!"), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "attachment 1: its ContentTransferEncoded (line 2) is "
                       "not base64"));
  EXPECT_THAT(ReadEdxml(WithAttachment("QUJDRA"), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ends inside a group of four"));
  EXPECT_TRUE(FilesIn(dir.path()).empty());
}

TEST(EdxmlReaderTest, AFailureAfterAnAttachmentRemovesItsFile) {
  TempDir dir;
  ReadOptions o;
  o.attachment_dir = dir.path();
  std::string doc = WithAttachment(Base64Encode("Công văn"));
  doc.replace(doc.rfind("</edXML>"), 8, "<a></b></edXML>");
  EXPECT_FALSE(ReadEdxml(doc, o).ok());
  EXPECT_TRUE(FilesIn(dir.path()).empty());
}

TEST(EdxmlReaderTest, AnAttachmentOverItsLimitIsRefused) {
  ReadOptions o;
  o.limits.max_attachment_bytes = 10;
  EXPECT_THAT(ReadEdxml(WithAttachment(Base64Encode(std::string(11, 'x'))), o),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "attachment 1 (line 2) is larger than 10 bytes"));
}

TEST(EdxmlReaderTest, TextBesideElementsIsRefused) {
  EXPECT_THAT(
      ReadEdxml("<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
                "<From>Sở Y tế<OrganId>000.07.00.H99</OrganId></From>"
                "</edXML>",
                {}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "edXML/From holds both text and elements"));
}

}  // namespace
}  // namespace truc::edxml
