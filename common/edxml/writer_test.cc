#include "common/edxml/writer.h"

#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using ::testing::HasSubstr;
using truc::testing::StatusIs;
using truc::testing::TempDir;

truc::v1::DocumentHeader Header() {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id("000.07.00.H99");
  h.add_to()->set_organ_id("000.21.30.H99");
  h.mutable_code()->set_code_number("12");
  h.mutable_code()->set_code_notation("SYT-VP");
  h.set_subject("Kế hoạch tiêm chủng");
  h.set_urgency(truc::v1::URGENCY_URGENT);
  return h;
}

void Attach(truc::v1::DocumentHeader* h, const std::string& name,
            const std::string& bytes) {
  auto* a = h->add_attachments();
  a->set_name(name);
  a->set_content_type("application/pdf");
  a->set_size(bytes.size());
  a->set_sha256(Sha256::Of(bytes));
}

TEST(EdxmlWriterTest, AttachmentsStreamFromTheirFilesAndReadBack) {
  TempDir dir;
  truc::v1::DocumentHeader h = Header();
  // Sizes around the encoder's piece (a multiple of 3) and an empty file.
  const std::vector<std::string> contents = {
      std::string(786432 + 1, 'a'), "Kế hoạch", "", std::string(786432, 'z')};
  std::vector<std::string> paths;
  for (size_t i = 0; i < contents.size(); ++i) {
    paths.push_back(dir.Sub("f" + std::to_string(i)));
    ASSERT_TRUE(WriteFileDurably(paths.back(), contents[i]).ok());
    Attach(&h, "tep-" + std::to_string(i) + ".pdf", contents[i]);
  }
  const std::string out = dir.Sub("out.edxml");
  TRUC_ASSERT_OK(WriteDocumentFile(h, paths, out));
  ReadOptions o;
  o.attachment_dir = dir.Sub("back");
  ASSERT_TRUE(MakeDirectories(o.attachment_dir).ok());
  auto parsed = ReadEdxmlFile(out, o);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto doc = DocumentFromEdxml(*parsed);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->attachments.size(), contents.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    EXPECT_EQ(*ReadFile(doc->attachments[i].path), contents[i]) << i;
    EXPECT_EQ(doc->header.attachments(i).content_id(),
              "cid:" + std::to_string(i + 1));
  }
}

TEST(EdxmlWriterTest, AFileThatIsNotItsDescriptorLeavesNothing) {
  TempDir dir;
  truc::v1::DocumentHeader h = Header();
  Attach(&h, "a.pdf", "the bytes the sender signed");
  ASSERT_TRUE(WriteFileDurably(dir.Sub("a"), "other bytes").ok());
  const std::string out = dir.Sub("out.edxml");
  EXPECT_THAT(
      WriteDocumentFile(h, {dir.Sub("a")}, out),
      StatusIs(absl::StatusCode::kFailedPrecondition, "attachment \"a.pdf\""));
  EXPECT_FALSE(PathExists(out));
  EXPECT_THAT(WriteDocumentFile(h, {}, out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "1 attachments but 0 files"));
  EXPECT_THAT(WriteDocumentFile(h, {dir.Sub("missing")}, out),
              StatusIs(absl::StatusCode::kNotFound, ""));
  EXPECT_FALSE(PathExists(out));
}

TEST(EdxmlWriterTest, AStatusIsWrittenAsTheAxisWritesIt) {
  truc::v1::EdxmlStatusMessage s;
  s.mutable_from()->set_organ_id("000.21.30.H99");
  s.mutable_from()->set_organ_name("UBND xã Y Tịch");
  s.mutable_response_for()->set_organ_id("000.01.00.H99");
  s.mutable_response_for()->set_document_id(
      "000.01.00.H99,2026/12/06,45/UBND-VP");
  s.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  s.set_description("Đã tiếp nhận");
  s.mutable_timestamp()->set_unix_micros(1796547600000000);
  auto text = StatusText(s);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("<edXML:StatusCode>03</edXML:StatusCode>"));
  EXPECT_THAT(*text, HasSubstr("<edXML:Timestamp>2026/12/06 16:00:00<"));
  EXPECT_THAT(*text, ::testing::StartsWith("<?xml version=\"1.0\" "
                                           "encoding=\"UTF-8\"?>\n<edXML "
                                           "xmlns=\"http://www.mic.gov.vn/"
                                           "TBT/QCVN_102_2016\">"));
  auto back = ReadEdxml(*text, {});
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(IsStatusMessage(*back));
  auto again = StatusFromEdxml(*back);
  ASSERT_TRUE(again.ok()) << again.status();
  s.mutable_edxml();  // read messages always carry their (empty) extras
  EXPECT_EQ(again->SerializeAsString(), s.SerializeAsString());
}

}  // namespace
}  // namespace truc::edxml
