#include "common/edxml/mapping.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/edxml/edxml_testing.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/test_util.h"
#include "common/time_util.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using ::testing::HasSubstr;
using truc::testing::StatusIs;
using truc::testing::TempDir;

std::string Sample(const std::string& name) {
  return *ReadFile(testing::SamplePath(name));
}

absl::StatusOr<EdxmlDocument> Document(const std::string& text) {
  auto parsed = ReadEdxml(text, {});
  if (!parsed.ok()) return parsed.status();
  return DocumentFromEdxml(*std::move(parsed));
}

absl::StatusOr<truc::v1::EdxmlStatusMessage> Status(const std::string& text) {
  auto parsed = ReadEdxml(text, {});
  if (!parsed.ok()) return parsed.status();
  return StatusFromEdxml(*parsed);
}

// Replaces the first `from` in a sample by `to`.
std::string Edit(std::string text, const std::string& from,
                 const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

int64_t Vn(const std::string& text) { return *ParseVietnamDateTime(text); }

// The edXML of a header alone (its attachments' bytes were only counted).
absl::StatusOr<std::string> HeaderText(truc::v1::DocumentHeader h) {
  h.clear_attachments();
  return DocumentText(h, {});
}

// Reads `text` (attachments into a scratch folder), maps it, writes it and
// reads it again: the canonical forms before and after.
std::pair<std::string, std::string> RoundTrip(const std::string& text) {
  TempDir dir;
  ReadOptions o;
  o.attachment_dir = dir.path();
  auto parsed = ReadEdxml(text, o);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  const std::string before = testing::Canonical(*parsed);
  auto doc = DocumentFromEdxml(*parsed);
  EXPECT_TRUE(doc.ok()) << doc.status();
  if (!doc.ok()) return {};
  std::vector<std::string> paths;
  for (const auto& a : doc->attachments) paths.push_back(a.path);
  auto out = DocumentText(doc->header, paths);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  auto again = ReadEdxml(*out, {});
  EXPECT_TRUE(again.ok()) << again.status();
  if (!again.ok()) return {};
  return {before, testing::Canonical(*again)};
}

// Reads `name`, maps it, writes it, reads what was written: the two must be
// the same message, element for element and byte for byte in attachments.
TEST(EdxmlMappingTest, EverySampleRoundTrips) {
  for (const auto& name : testing::SampleNames()) {
    SCOPED_TRACE(name);
    TempDir dir;
    ReadOptions o;
    o.attachment_dir = dir.Sub("in");
    ASSERT_TRUE(MakeDirectories(o.attachment_dir).ok());
    auto parsed = ReadEdxmlFile(testing::SamplePath(name), o);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    const std::string before = testing::Canonical(*parsed);
    std::string written;
    if (IsStatusMessage(*parsed)) {
      auto status = StatusFromEdxml(*parsed);
      ASSERT_TRUE(status.ok()) << status.status();
      auto text = StatusText(*status);
      ASSERT_TRUE(text.ok()) << text.status();
      written = *text;
    } else {
      auto doc = DocumentFromEdxml(*parsed);
      ASSERT_TRUE(doc.ok()) << doc.status();
      std::vector<std::string> paths;
      for (const auto& a : doc->attachments) paths.push_back(a.path);
      auto text = DocumentText(doc->header, paths);
      ASSERT_TRUE(text.ok()) << text.status();
      written = *text;
    }
    auto again = ReadEdxml(written, {});
    ASSERT_TRUE(again.ok()) << again.status() << "\n" << written;
    EXPECT_EQ(testing::Canonical(*again), before);
    EXPECT_THAT(written, HasSubstr("<edXML:MessageHeader>"));
  }
}

TEST(EdxmlMappingTest, ANewDocumentMapsFieldForField) {
  auto doc = Document(Sample("edoc_new.edxml"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const auto& h = doc->header;
  EXPECT_EQ(h.from().organ_id(), "002.00.20.H13");
  EXPECT_EQ(h.from().organ_name(),
            "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng");
  EXPECT_EQ(h.from().organ_address(),
            "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội");
  EXPECT_EQ(h.from().email(), "vpcp@gov.vn");
  ASSERT_EQ(h.to_size(), 1);
  EXPECT_EQ(h.to(0).organ_id(), "28.22.H17");
  EXPECT_EQ(h.edxml_document_id(), "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
  EXPECT_EQ(h.code().code_number(), "74fass22");
  EXPECT_EQ(h.code().code_notation(), "VPCP-TTĐT");
  EXPECT_EQ(h.promulgation().place(), "Hà Nội");
  EXPECT_EQ(h.promulgation().promulgation_date().year(), 2019);
  EXPECT_EQ(h.promulgation().promulgation_date().day(), 16);
  EXPECT_EQ(h.document_type().type(), 1);
  ASSERT_TRUE(h.document_type().has_type_detail());
  EXPECT_EQ(h.document_type().type_detail(), 0);
  EXPECT_EQ(h.document_type().type_name(), "Công văn");
  EXPECT_EQ(h.subject(), "V/v kết nối, liên thông phần mềm quản lý văn bản");
  EXPECT_EQ(h.signer().competence(), "TL. BO TRUONG");
  EXPECT_EQ(h.signer().full_name(), "Nguyen Thanh Phuc");
  EXPECT_EQ(h.due_date().month(), 9);
  EXPECT_EQ(h.urgency(), truc::v1::URGENCY_NORMAL);
  EXPECT_EQ(h.other_info().sphere_of_promulgation(),
            "Liên thông văn bản quốc gia");
  EXPECT_EQ(h.other_info().typer_notation(), "TVC");
  EXPECT_EQ(h.other_info().promulgation_amount(), 2);
  EXPECT_EQ(h.other_info().page_amount(), 22);
  ASSERT_TRUE(h.other_info().has_direction());
  EXPECT_FALSE(h.other_info().direction());
  ASSERT_EQ(h.other_info().appendixes_size(), 1);
  EXPECT_EQ(h.steering_type(), 1);
  ASSERT_EQ(h.to_places_size(), 2);
  ASSERT_EQ(h.edxml().trace_headers_size(), 1);
  EXPECT_EQ(h.edxml().trace_headers(0).organ_id(), "000.00.00.G22");
  EXPECT_EQ(h.edxml().trace_headers(0).at().unix_micros(),
            Vn("2018/09/28 00:00:00"));
  EXPECT_EQ(h.business().type(), truc::v1::BUSINESS_TYPE_NEW);
  EXPECT_EQ(h.business().reason(), "Văn bản điện tử mới");
  EXPECT_EQ(h.business().edxml_document_id(),
            "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT");
  EXPECT_EQ(h.business().paper(), 0);
  EXPECT_EQ(h.business().staff().staff(), "Nguyễn Thị Ngọc Trâm");
  EXPECT_THAT(h.edxml().signature_xml(), HasSubstr("<Signature xmlns="));
  EXPECT_THAT(h.edxml().signature_xml(),
              HasSubstr("FwgIqsSYJshUS2+wlOM61L+q7Aw="));
  ASSERT_EQ(h.attachments_size(), 1);
  EXPECT_EQ(h.attachments(0).content_id(), "cid:209");
  EXPECT_EQ(h.attachments(0).name(), "1896_QD-TTg_m_294779.doc");
  EXPECT_EQ(h.attachments(0).content_type(), "application/zip");
  EXPECT_GT(h.attachments(0).size(), 200'000u);
  EXPECT_EQ(h.attachments(0).sha256().size(), 32u);
  ASSERT_EQ(doc->warnings.size(), 1u);
  EXPECT_THAT(doc->warnings[0], HasSubstr("before the XML declaration"));
}

TEST(EdxmlMappingTest, RevokeUpdateAndReplaceKeepTheirBusiness) {
  auto revoke = Document(Sample("edoc_revocation.edxml"));
  ASSERT_TRUE(revoke.ok()) << revoke.status();
  EXPECT_EQ(revoke->header.business().type(), truc::v1::BUSINESS_TYPE_REVOKE);
  ASSERT_EQ(revoke->header.response_for_size(), 1);
  EXPECT_EQ(revoke->header.response_for(0).organ_id(), "000.00.00.H14");
  EXPECT_EQ(revoke->header.response_for(0).code(), "267/VPCP-TTĐT");
  EXPECT_EQ(revoke->header.response_for(0).document_id(),
            "000.00.04.G14,2012/08/06,267/VPCP-TTĐT");

  auto update = Document(Sample("edoc_update.edxml"));
  ASSERT_TRUE(update.ok()) << update.status();
  const auto& info = update->header.business().document_info();
  EXPECT_EQ(update->header.business().type(), truc::v1::BUSINESS_TYPE_UPDATE);
  EXPECT_EQ(info.document_info(), 1);
  EXPECT_EQ(info.document_receiver(), 1);
  ASSERT_EQ(info.receivers_size(), 2);
  EXPECT_EQ(info.receivers(1).organ_id(), "000.00.00.H14");
  EXPECT_EQ(info.receivers(1).receiver_type(), 1);

  auto replace = Document(Sample("edoc_replacement.edxml"));
  ASSERT_TRUE(replace.ok()) << replace.status();
  const auto& b = replace->header.business();
  EXPECT_EQ(b.type(), truc::v1::BUSINESS_TYPE_REPLACE);
  ASSERT_EQ(b.replacements_size(), 2);
  EXPECT_EQ(b.replacements(0).edxml_document_id(),
            "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT");
  EXPECT_EQ(b.replacements(0).organ_ids_size(), 2);
}

TEST(EdxmlMappingTest, EveryStatusSampleMaps) {
  const std::vector<std::pair<std::string, truc::v1::EdxmlStatus>> cases = {
      {"status_inbox_01.edxml", truc::v1::EDXML_STATUS_ARRIVED},
      {"status_rejection_02.edxml", truc::v1::EDXML_STATUS_REFUSED},
      {"status_acceptance_03.edxml", truc::v1::EDXML_STATUS_ACCEPTED},
      {"status_assignment_04.edxml", truc::v1::EDXML_STATUS_ASSIGNED},
      {"status_processing_05.edxml", truc::v1::EDXML_STATUS_PROCESSING},
      {"status_finish_06.edxml", truc::v1::EDXML_STATUS_COMPLETED},
      {"status_cancellation_13.edxml", truc::v1::EDXML_STATUS_RECALL_REQUESTED},
      {"status_change-acceptance_15.edxml",
       truc::v1::EDXML_STATUS_RECALL_AGREED},
      {"status_change-rejection_16.edxml",
       truc::v1::EDXML_STATUS_RECALL_REFUSED},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    auto s = Status(Sample(name));
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->status(), code);
    EXPECT_EQ(s->response_for().document_id(),
              "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
    EXPECT_FALSE(s->from().organ_id().empty());
    EXPECT_FALSE(s->staff().staff().empty());
    EXPECT_EQ(s->timestamp().unix_micros(), Vn("2015/09/20 11:08:36"));
  }
  auto s = Status(Sample("status_rejection_02.edxml"));
  EXPECT_EQ(s->description(),
            "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận văn "
            "bản điện tử");
}

TEST(EdxmlMappingTest, PriorityZeroToFourMapsAndNothingElseDoes) {
  const std::string text = Sample("edoc_revocation.edxml");
  const std::vector<truc::v1::Urgency> urgencies = {
      truc::v1::URGENCY_NORMAL, truc::v1::URGENCY_URGENT,
      truc::v1::URGENCY_VERY_URGENT, truc::v1::URGENCY_EXPRESS,
      truc::v1::URGENCY_EXPRESS_TIMED};
  for (int p = 0; p <= 4; ++p) {
    auto doc = Document(
        Edit(text, "<edXML:Priority>0</edXML:Priority>",
             absl::StrCat("<edXML:Priority>", p, "</edXML:Priority>")));
    ASSERT_TRUE(doc.ok()) << p << ": " << doc.status();
    EXPECT_EQ(doc->header.urgency(), urgencies[p]);
    EXPECT_EQ(PriorityOf(doc->header.urgency()), p);
  }
  for (const std::string bad : {"5", "-1", "thường", ""}) {
    EXPECT_THAT(Document(Edit(text, "<edXML:Priority>0</edXML:Priority>",
                              "<edXML:Priority>" + bad + "</edXML:Priority>")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "MessageHeader/OtherInfo/Priority"))
        << bad;
  }
  EXPECT_THAT(Document(Edit(text, "<edXML:Priority>0</edXML:Priority>", "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "required element missing: "
                       "MessageHeader/OtherInfo/Priority"));
}

TEST(EdxmlMappingTest, ExpressByATimeKeepsItsDueDateBothWays) {
  const std::string text = Edit(Sample("edoc_revocation.edxml"),
                                "<edXML:Priority>0</edXML:Priority>",
                                "<edXML:Priority>4</edXML:Priority>");
  // A date and a time: the deadline, written back with its time.
  const std::string timed = Edit(text, "<edXML:DueDate>2018/09/28",
                                 "<edXML:DueDate>2026/12/07 17:00:00");
  auto doc = Document(timed);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->header.urgency(), truc::v1::URGENCY_EXPRESS_TIMED);
  EXPECT_EQ(doc->header.express_deadline().unix_micros(),
            Vn("07/12/2026 17:00:00"));
  auto out = HeaderText(doc->header);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, HasSubstr("<edXML:DueDate>2026/12/07 17:00:00<"));
  EXPECT_THAT(*out, HasSubstr("<edXML:Priority>4<"));
  // A date alone: due by the end of that day, written back as a date.
  doc = Document(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->header.express_deadline().unix_micros(),
            Vn("28/09/2018 23:59:59"));
  out = HeaderText(doc->header);
  EXPECT_THAT(*out, HasSubstr("<edXML:DueDate>2018/09/28</edXML:DueDate>"));
  // No DueDate at all: refused, never sent as untimed.
  EXPECT_THAT(
      Document(Edit(text, "<edXML:DueDate>2018/09/28</edXML:DueDate>", "")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "MessageHeader/DueDate: missing: Priority 4"));
}

TEST(EdxmlMappingTest, DatesComeInTwoOrdersAndLeaveInOne) {
  // The first PromulgationDate is PromulgationInfo's.
  const std::string text =
      Edit(Sample("edoc_revocation.edxml"),
           "<edXML:PromulgationDate>2018/09/28</edXML:PromulgationDate>",
           "<edXML:PromulgationDate>05/03/2026</edXML:PromulgationDate>");
  auto doc = Document(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->header.promulgation().promulgation_date().month(), 3);
  EXPECT_EQ(doc->header.promulgation().promulgation_date().day(), 5);
  auto out = HeaderText(doc->header);
  EXPECT_THAT(*out, HasSubstr("<edXML:PromulgationDate>2026/03/05<"));
  EXPECT_THAT(Document(Edit(text, "05/03/2026", "30/02/2026")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "MessageHeader/PromulgationInfo/PromulgationDate: "
                       "\"30/02/2026\" is not a date"));
}

TEST(EdxmlMappingTest, ATraceHeaderWithoutAnOrganIsToleratedNeverWritten) {
  const std::string traces =
      "<edXML:TraceHeader><edXML:Timestamp>2025/03/01 08:00:00"
      "</edXML:Timestamp></edXML:TraceHeader>"
      "<edXML:TraceHeader><edXML:OrganId>null</edXML:OrganId>"
      "</edXML:TraceHeader><edXML:TraceHeader>";
  auto doc = Document(
      Edit(Sample("edoc_revocation.edxml"), "<edXML:TraceHeader>", traces));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->header.edxml().trace_headers_size(), 1);
  EXPECT_EQ(doc->warnings.size(), 2u);
  auto out = HeaderText(doc->header);
  EXPECT_THAT(*out, ::testing::Not(HasSubstr(">null<")));
}

TEST(EdxmlMappingTest, UnknownElementsAreKeptVerbatim) {
  std::string text = Edit(
      Sample("edoc_revocation.edxml"), "<edXML:Appendixes>",
      "<edXML:ReferenceCodes><edXML:ReferenceCode>QĐ-12</edXML:ReferenceCode>"
      "</edXML:ReferenceCodes><edXML:Appendixes>");
  text = Edit(text, "<edXML:OrganAdd>",
              "<x:Extra xmlns:x=\"urn:example\" a=\"1\">Sở Y tế &amp; "
              "UBND</x:Extra><edXML:OrganAdd>");
  auto doc = Document(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->header.edxml().unknown_size(), 2);
  EXPECT_EQ(doc->header.edxml().unknown(0).parent(), "MessageHeader/From");
  EXPECT_EQ(doc->header.edxml().unknown(1).parent(), "MessageHeader/OtherInfo");
  auto [before, after] = RoundTrip(text);
  EXPECT_FALSE(before.empty());
  EXPECT_EQ(after, before);
  EXPECT_THAT(after, HasSubstr("{urn:example}Extra @{}a=\"1\" = \"Sở Y tế & "
                               "UBND\""));
}

TEST(EdxmlMappingTest, MissingRequiredFieldsAreNamed) {
  const std::string text = Sample("edoc_revocation.edxml");
  EXPECT_THAT(
      Document(Edit(text, "<edXML:OrganId>000.00.00.G22</edXML:OrganId>", "")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "required element missing: MessageHeader/From/OrganId"));
  std::string no_subject = text;
  no_subject.erase(no_subject.find("<edXML:Subject>"),
                   no_subject.find("</edXML:Subject>") + 16 -
                       no_subject.find("<edXML:Subject>"));
  EXPECT_THAT(Document(no_subject),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "required element missing: MessageHeader/Subject"));
  std::string no_to = text;
  while (no_to.find("<edXML:To>") != std::string::npos) {
    size_t a = no_to.find("<edXML:To>");
    no_to.erase(a, no_to.find("</edXML:To>", a) + 11 - a);
  }
  EXPECT_THAT(Document(no_to),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "required element missing: MessageHeader/To"));
  EXPECT_THAT(Document(Edit(text, "<edXML:BussinessDocType>1",
                            "<edXML:BussinessDocType>7")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "TraceHeaderList/Bussiness/BussinessDocType: 7 is not"));
}

TEST(EdxmlMappingTest, TheManifestAndTheAttachmentsMustAgree) {
  const std::string text = Sample("edoc_revocation.edxml");
  EXPECT_THAT(Document(Edit(text, "<ContentId>cid:209</ContentId>",
                            "<ContentId>cid:7</ContentId>")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the manifest lists cid:209 but no "
                       "AttachmentEncoded/Attachment carries it"));
  EXPECT_THAT(Document(Edit(text, "<edXML:ContentId>cid:209</edXML:ContentId>",
                            "<edXML:ContentId>cid:8</edXML:ContentId>")),
              StatusIs(absl::StatusCode::kInvalidArgument, "cid:8"));
  std::string no_manifest = text;
  size_t a = no_manifest.find("<edXML:Reference>");
  no_manifest.erase(a, no_manifest.find("</edXML:Reference>") + 18 - a);
  EXPECT_THAT(Document(no_manifest),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "attachment cid:209 is not in the manifest"));
}

TEST(EdxmlMappingTest, AnUnknownStatusCodeIsRefused) {
  EXPECT_THAT(
      Status(Edit(Sample("status.edxml"),
                  "<edXML:StatusCode>01</edXML:StatusCode>",
                  "<edXML:StatusCode>07</edXML:StatusCode>")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "MessageHeader/StatusCode: \"07\" is not a status code"));
}

truc::v1::DocumentHeader TrucHeader() {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id("000.01.00.H99");
  h.mutable_from()->set_organ_name("Văn phòng UBND tỉnh Lạng Sơn");
  h.add_to()->set_organ_id("000.07.00.H99");
  h.add_to()->set_organ_id("000.21.30.H99");
  h.set_edxml_document_id("000.01.00.H99,2026/12/06,45/UBND-VP");
  h.mutable_code()->set_code_number("45");
  h.mutable_code()->set_code_notation("UBND-VP");
  h.mutable_promulgation()->set_place("Lạng Sơn");
  auto* d = h.mutable_promulgation()->mutable_promulgation_date();
  d->set_year(2026);
  d->set_month(12);
  d->set_day(6);
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("Về việc ứng phó bão số 3 <khẩn> & sơ tán");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.set_urgency(truc::v1::URGENCY_EXPRESS);
  return h;
}

TEST(EdxmlMappingTest, TrucsOwnHeaderLeavesAndReturnsTheSame) {
  truc::v1::DocumentHeader h = TrucHeader();
  auto text = DocumentText(h, {});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("<edXML:Priority>3</edXML:Priority>"));
  EXPECT_THAT(*text, HasSubstr("<edXML:BussinessDocType>0<"));
  EXPECT_THAT(*text, HasSubstr("&lt;khẩn&gt; &amp; sơ tán"));
  auto doc = Document(*text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  const auto& back = doc->header;
  EXPECT_EQ(back.from().organ_id(), h.from().organ_id());
  EXPECT_EQ(back.to_size(), 2);
  EXPECT_EQ(back.subject(), h.subject());
  EXPECT_EQ(back.urgency(), truc::v1::URGENCY_EXPRESS);
  EXPECT_EQ(back.signer().full_name(), "Nguyễn Văn An");
  EXPECT_EQ(back.edxml_document_id(), h.edxml_document_id());
  // Express by a stated time, from truc: the DueDate carries the time.
  h.set_urgency(truc::v1::URGENCY_EXPRESS_TIMED);
  h.mutable_express_deadline()->set_unix_micros(Vn("06/12/2026 16:30"));
  text = DocumentText(h, {});
  EXPECT_THAT(*text, HasSubstr("<edXML:DueDate>2026/12/06 16:30:00<"));
  doc = Document(*text);
  EXPECT_EQ(doc->header.express_deadline().unix_micros(),
            Vn("06/12/2026 16:30"));
}

TEST(EdxmlMappingTest, TextXmlCannotCarryIsRefusedByField) {
  truc::v1::DocumentHeader h = TrucHeader();
  h.set_subject("bão\x01");
  EXPECT_THAT(DocumentText(h, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "MessageHeader/Subject holds a character XML cannot "
                       "carry (U+0001"));
  h = TrucHeader();
  h.mutable_edxml()->set_signature_xml("<Signature><a></Signature>");
  EXPECT_THAT(DocumentText(h, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the kept edXML Signature is not one well-formed"));
}

}  // namespace
}  // namespace truc::edxml
