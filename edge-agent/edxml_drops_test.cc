#include "edge-agent/edxml_drops.h"

#include "absl/strings/str_cat.h"
#include "common/edxml/mapping.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "edge-agent/fake_exchange.h"
#include "edge-agent/inbox.h"
#include "edge-agent/names.h"
#include "edge-agent/outbox.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using ::testing::HasSubstr;
using truc::testing::TempDir;

constexpr char kAgency[] = "000.07.00.H99";  // Sở Y tế
constexpr char kYTich[] = "000.21.30.H99";   // UBND xã Y Tịch

truc::v1::DocumentHeader Header(const std::string& from) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id(from);
  h.mutable_from()->set_organ_name("Sở Y tế");
  h.add_to()->set_organ_id(kYTich);
  h.mutable_code()->set_code_number("88");
  h.mutable_code()->set_code_notation("SYT-NVY");
  auto* d = h.mutable_promulgation()->mutable_promulgation_date();
  d->set_year(2026);
  d->set_month(12);
  d->set_day(6);
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("Về việc tiêm chủng mở rộng");
  h.mutable_signer()->set_full_name("Trần Thị Bình");
  h.set_urgency(truc::v1::URGENCY_EXPRESS_TIMED);
  h.mutable_express_deadline()->set_unix_micros(1796557800000000);
  return h;
}

class EdxmlDropsTest : public ::testing::Test {
 protected:
  EdxmlDropsTest()
      : log_("truc-agent", kAgency,
             [this](const std::string& line) { log_text_ += line; }) {
    folders_ = testing::TestFolders(tmp_.path());
    EdxmlDrops::Options o;
    o.settle_time = absl::ZeroDuration();
    drops_ = std::make_unique<EdxmlDrops>(folders_, kAgency, hub_.stub().get(),
                                          keys_.get(), &log_, o);
  }

  // Writes outbox/<name> as the agency's software would: edXML with the
  // attachment `bytes`.
  void Drop(const std::string& name, truc::v1::DocumentHeader h,
            const std::string& bytes) {
    const std::string src = tmp_.Sub("src-" + name);
    ASSERT_TRUE(WriteFileDurably(src, bytes).ok());
    auto* a = h.add_attachments();
    a->set_name("Công văn 88.pdf");
    a->set_content_type("application/pdf");
    a->set_size(bytes.size());
    a->set_sha256(Sha256::Of(bytes));
    ASSERT_TRUE(
        edxml::WriteDocumentFile(h, {src}, JoinPath(folders_.outbox, name))
            .ok());
  }

  TempDir tmp_;
  std::string log_text_;
  EventLog log_;
  AgentFolders folders_;
  testing::FakeHub hub_;
  std::unique_ptr<AgentKeys> keys_ = testing::TestPki::Get().Keys(kAgency);
  std::unique_ptr<EdxmlDrops> drops_;
};

TEST_F(EdxmlDropsTest, ADocumentBecomesAFolderThatIsSentWithItsUrgency) {
  const std::string pdf = testing::RandomBytes(300'000, 5);
  Drop("cong-van-88.edxml", Header(kAgency), pdf);
  std::string folder;
  EXPECT_EQ(drops_->Take("cong-van-88.edxml", &folder),
            EdxmlDrops::Outcome::kAdopted);
  EXPECT_EQ(folder, "cong-van-88");
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "cong-van-88.edxml")));
  const std::string dir = JoinPath(folders_.outbox, folder);
  EXPECT_TRUE(PathExists(JoinPath(dir, kEdxmlFile)));
  EXPECT_EQ(*ReadFile(JoinPath(dir, "Công văn 88.pdf")), pdf);

  OutboxSender::Options so;
  so.settle_time = absl::ZeroDuration();
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_, so,
                      keys_->signer.get());
  ASSERT_EQ(sender.SendFolder(folder), OutboxSender::Outcome::kSent)
      << log_text_;
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 1u);
  const auto& h = sends[0].header;
  EXPECT_EQ(h.urgency(), truc::v1::URGENCY_EXPRESS_TIMED);
  EXPECT_EQ(h.express_deadline().unix_micros(), 1796557800000000);
  EXPECT_EQ(h.subject(), "Về việc tiêm chủng mở rộng");
  ASSERT_EQ(h.attachments_size(), 1);
  EXPECT_EQ(h.attachments(0).content_id(), "cid:1");
  EXPECT_EQ(sends[0].attachments[0], pdf);
}

TEST_F(EdxmlDropsTest, AnInterruptedAdoptionIsFinishedOrRedone) {
  Drop("a.edxml", Header(kAgency), "PDF");
  // A crash after step 3: the file is gone, the hidden folder complete.
  ASSERT_EQ(drops_->Take("a.edxml"), EdxmlDrops::Outcome::kAdopted);
  ASSERT_TRUE(RenameDurably(JoinPath(folders_.outbox, "a"),
                            JoinPath(folders_.outbox, ".a.edxml.adopting"))
                  .ok());
  drops_->ScanOnce(absl::Now());
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "a/envelope.txtpb")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, ".a.edxml.adopting")));
  // A crash during step 2: the file is still there; the folder is redone.
  Drop("b.edxml", Header(kAgency), "PDF");
  ASSERT_TRUE(
      MakeDirectories(JoinPath(folders_.outbox, ".b.edxml.adopting/x")).ok());
  drops_->ScanOnce(absl::Now());
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "b/envelope.txtpb")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "b/x")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "b.edxml")));
}

TEST_F(EdxmlDropsTest, AnotherSendersDocumentIsMovedToFailedWithTheReason) {
  Drop("khac.edxml", Header("000.03.00.H99"), "PDF");
  EXPECT_EQ(drops_->Take("khac.edxml"), EdxmlDrops::Outcome::kFailed);
  const std::string failed = JoinPath(folders_.failed, "khac.edxml");
  EXPECT_TRUE(PathExists(JoinPath(failed, "khac.edxml")));
  EXPECT_THAT(*ReadFile(JoinPath(failed, "error.txt")),
              HasSubstr("its sender (MessageHeader/From/OrganId) is "
                        "000.03.00.H99"));
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "khac.edxml")));
  ASSERT_TRUE(WriteFileDurably(JoinPath(folders_.outbox, "hong.edxml"),
                               "<edXML xmlns=\"http://www.mic.gov.vn/TBT/"
                               "QCVN_102_2016\"><edXML:edXMLEnvelope")
                  .ok());
  EXPECT_EQ(drops_->Take("hong.edxml"), EdxmlDrops::Outcome::kFailed);
  EXPECT_THAT(*ReadFile(JoinPath(folders_.failed, "hong.edxml/error.txt")),
              HasSubstr("not well-formed XML"));
}

TEST_F(EdxmlDropsTest, AStatusFromTheSoftwareIsReportedForItsDocument) {
  // The agent stored document D7 (its header's edXML DocumentId noted).
  truc::v1::DocumentHeader received = Header("000.01.00.H99");
  const std::string header_bytes = received.SerializeAsString();
  testing::WriteReceivedMarker(folders_.received(), "D7", kAgency,
                               Sha256::Of(header_bytes));
  ASSERT_TRUE(
      WriteEdxmlIdNote(folders_, edxml::DocumentIdOf(received), "D7").ok());

  truc::v1::EdxmlStatusMessage s;
  s.mutable_from()->set_organ_id(kAgency);
  s.mutable_response_for()->set_organ_id("000.01.00.H99");
  s.mutable_response_for()->set_document_id(edxml::DocumentIdOf(received));
  s.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  s.set_description("Văn thư đã vào sổ");
  s.mutable_staff()->set_staff("Lê Văn Cường");
  ASSERT_TRUE(
      edxml::WriteStatusFile(s, JoinPath(folders_.outbox, "tt-03.edxml")).ok());
  EXPECT_EQ(drops_->Take("tt-03.edxml"), EdxmlDrops::Outcome::kReported)
      << log_text_;
  auto reports = hub_.service().reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].document_id(), "D7");
  EXPECT_EQ(reports[0].status(), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_EQ(reports[0].description(), "Văn thư đã vào sổ");
  EXPECT_EQ(reports[0].staff().staff(), "Lê Văn Cường");
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "status-D7-3/tt-03.edxml")));

  // 01 is the agent's own; an unknown document is refused.
  s.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  ASSERT_TRUE(
      edxml::WriteStatusFile(s, JoinPath(folders_.outbox, "tt-01.edxml")).ok());
  EXPECT_EQ(drops_->Take("tt-01.edxml"), EdxmlDrops::Outcome::kFailed);
  s.set_status(truc::v1::EDXML_STATUS_COMPLETED);
  s.mutable_response_for()->set_document_id("000.01.00.H99,2026/01/01,1/X");
  ASSERT_TRUE(
      edxml::WriteStatusFile(s, JoinPath(folders_.outbox, "tt-06.edxml")).ok());
  EXPECT_EQ(drops_->Take("tt-06.edxml"), EdxmlDrops::Outcome::kFailed);
  EXPECT_THAT(*ReadFile(JoinPath(folders_.failed, "tt-06.edxml/error.txt")),
              HasSubstr("no document with the edXML DocumentId"));
  EXPECT_EQ(hub_.service().reports().size(), 1u);
}

TEST_F(EdxmlDropsTest, AStoredDocumentIsWrittenAsEdxmlInTheInbox) {
  const std::string pdf = "%PDF Kế hoạch";
  auto header = testing::SampleHeader({{"ke-hoach.pdf", pdf}});
  const auto delivery = testing::MakeDelivery("D9", header);
  hub_.service().SetAttachment("D9", 0, testing::Blob::Of(pdf));
  auto keys = testing::TestPki::Get().Keys(header.to(0).organ_id());
  InboxWriter writer(folders_, hub_.stub().get(), &log_, keys.get(),
                     InboxWriter::kDownloadRange, /*write_edxml=*/true);
  auto stored = writer.Store(delivery);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string edxml_path = JoinPath(folders_.inbox, "D9/document.edxml");
  ASSERT_TRUE(PathExists(edxml_path));
  auto parsed = edxml::ReadEdxmlFile(edxml_path, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto doc = edxml::DocumentFromEdxml(*std::move(parsed));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->header.subject(), header.subject());
  EXPECT_EQ(doc->header.attachments(0).sha256(), Sha256::Of(pdf));
  // Its edXML DocumentId finds it again.
  auto found = FindByEdxmlId(folders_, edxml::DocumentIdOf(header));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, "D9");
}

}  // namespace
}  // namespace truc::agent
