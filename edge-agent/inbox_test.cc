#include "edge-agent/inbox.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "common/text_proto.h"
#include "common/crash_point.h"
#include "edge-agent/fake_exchange.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using testing::Blob;
using ::testing::ElementsAre;
using testing::FakeHub;
using ::testing::HasSubstr;
using testing::MakeDelivery;
using testing::RandomBytes;
using testing::SampleHeader;
using truc::testing::StatusIs;
using truc::testing::TempDir;

std::string Read(const std::string& path) {
  auto s = ReadFile(path, 1 << 30);
  return s.ok() ? *s
                : std::string("<") + std::string(s.status().message()) + ">";
}

class InboxTest : public ::testing::Test {
 protected:
  InboxTest()
      : log_("truc-agent", "000.00.12.H42",
             [this](const std::string& line) {
               absl::MutexLock lock(&log_mu_);
               log_text_ += line;
             }),
        keys_(testing::TestPki::Get().Keys("000.00.12.H42")),
        writer_(Folders(), hub_.stub().get(), &log_, keys_.get()),
        receiver_(ReceiverOptions(), hub_.stub().get(), &writer_, &log_,
                  &stop_) {
    folders_ = Folders();
    EXPECT_TRUE(CreateFolders(folders_).ok());
  }

  AgentFolders Folders() const {
    AgentFolders f;
    f.inbox = tmp_.Sub("inbox");
    f.outbox = tmp_.Sub("outbox");
    f.sent = tmp_.Sub("sent");
    f.failed = tmp_.Sub("failed");
    f.state = tmp_.Sub("state");
    return f;
  }
  static Receiver::Options ReceiverOptions() {
    Receiver::Options o;
    o.poll_wait_seconds = 1;
    return o;
  }
  std::string LogText() {
    absl::MutexLock lock(&log_mu_);
    return log_text_;
  }
  // Offers a document with these attachments and serves their bytes.
  truc::v1::Delivery OfferDocument(
      const std::string& id,
      const std::vector<std::pair<std::string, std::string>>& attachments) {
    truc::v1::Delivery d = MakeDelivery(id, SampleHeader(attachments));
    for (size_t i = 0; i < attachments.size(); ++i) {
      hub_.service().SetAttachment(id, i, Blob::Of(attachments[i].second));
    }
    hub_.service().Offer(d);
    return d;
  }

  TempDir tmp_;
  FakeHub hub_;
  absl::Mutex log_mu_;
  std::string log_text_;
  EventLog log_;
  StopSignal stop_;
  AgentFolders folders_;
  std::unique_ptr<AgentKeys> keys_;
  InboxWriter writer_;
  Receiver receiver_;
};

TEST_F(InboxTest, StoresDocumentWithVietnameseAttachments) {
  const std::string pdf = RandomBytes(300 * 1024 + 17, 1);
  const std::string annex = RandomBytes(5000, 2);
  truc::v1::Delivery d = OfferDocument(
      "D100", {{"Công văn 123.pdf", pdf}, {"Phụ lục kèm theo.docx", annex}});

  TRUC_ASSERT_OK(receiver_.PollOnce());

  const std::string doc = JoinPath(folders_.inbox, "D100");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/Công văn 123.pdf")), pdf);
  EXPECT_EQ(Read(JoinPath(doc, "attachments/Phụ lục kèm theo.docx")), annex);
  EXPECT_EQ(Read(JoinPath(doc, "header.bin")), d.envelope().header());

  const std::string envelope = Read(JoinPath(doc, "envelope.txtpb"));
  EXPECT_THAT(envelope, HasSubstr("# truc document D100"));
  EXPECT_THAT(envelope, HasSubstr("organ_name: \"Sở Y tế\""));
  EXPECT_THAT(envelope, HasSubstr("organ_name: \"UBND xã Y Tịch\""));
  EXPECT_THAT(envelope, HasSubstr("name: \"Công văn 123.pdf\""));
  truc::v1::DocumentHeader parsed;
  TRUC_ASSERT_OK(ParseTextProto(envelope, "envelope.txtpb", &parsed));
  EXPECT_EQ(parsed.SerializeAsString(), d.envelope().header());

  truc::v1::Delivery info;
  TRUC_ASSERT_OK(LoadTextProtoFile(JoinPath(doc, "delivery.txtpb"), &info));
  EXPECT_EQ(info.document_id(), "D100");
  EXPECT_EQ(info.attempt(), 1u);
  EXPECT_EQ(info.accepted_at().unix_micros(), d.accepted_at().unix_micros());

  EXPECT_TRUE(PathExists(JoinPath(folders_.received(), "D100")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D100")));
  EXPECT_THAT(hub_.service().acks(), ElementsAre("D100"));
  EXPECT_THAT(LogText(),
              HasSubstr("agency=000.00.12.H42 event=stored document=D100 "
                        "attachments=2 bytes=312217"));
  EXPECT_THAT(LogText(), HasSubstr("event=acknowledged document=D100"));
}

TEST_F(InboxTest, RedeliveryIsOnlyAcknowledged) {
  OfferDocument("D7", {{"Công văn 123.pdf", "nội dung"}});
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().downloads().size(), 1u);
  // A clerk's note in the folder shows whether it is rewritten.
  TRUC_ASSERT_OK(WriteFileDurably(
      JoinPath(JoinPath(folders_.inbox, "D7"), "ghi chú.txt"), "đã xem"));

  truc::v1::Delivery again =
      MakeDelivery("D7", SampleHeader({{"Công văn 123.pdf", "nội dung"}}));
  again.set_attempt(2);
  hub_.service().Offer(again);
  TRUC_ASSERT_OK(receiver_.PollOnce());

  EXPECT_THAT(hub_.service().acks(), ElementsAre("D7", "D7"));
  EXPECT_EQ(hub_.service().downloads().size(), 1u);
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D7")));
  EXPECT_EQ(Read(JoinPath(JoinPath(folders_.inbox, "D7"), "ghi chú.txt")),
            "đã xem");
  EXPECT_THAT(LogText(), HasSubstr("event=redelivered document=D7"));
}

// A crash while the document folder was being built (step 3): there is no
// marker, so it is built again from scratch (from the verified part,
// downloading nothing) and stored.
TEST_F(InboxTest, AHalfBuiltDocumentFolderIsBuiltAgain) {
  const std::string pdf = RandomBytes(5000, 31);
  truc::v1::Delivery d =
      MakeDelivery("D31", SampleHeader({{"Công văn 31.pdf", pdf}}));
  hub_.service().SetAttachment("D31", 0, Blob::Of(pdf));
  const std::string staging = JoinPath(folders_.incoming(), "D31");
  TRUC_ASSERT_OK(MakeDirectories(JoinPath(staging, "document/attachments")));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(staging, "document/rác.txt"), "cũ"));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(staging, "0.part"), pdf));
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_THAT(hub_.service().acks(), ElementsAre("D31"));
  EXPECT_TRUE(hub_.service().downloads().empty());  // the part was complete
  const std::string doc = JoinPath(folders_.inbox, "D31");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/Công văn 31.pdf")), pdf);
  EXPECT_FALSE(PathExists(JoinPath(doc, "rác.txt")));
  EXPECT_TRUE(PathExists(JoinPath(folders_.received(), "D31")));
  EXPECT_FALSE(PathExists(staging));
  EXPECT_THAT(LogText(), HasSubstr("event=stored document=D31"));
}

// A crash after the marker, before the rename (the "after_download" crash
// point): the next offer finishes the rename, downloading nothing.
TEST_F(InboxTest, MarkedButNotRenamedIsMovedIntoTheInbox) {
  const std::string pdf = RandomBytes(5000, 32);
  truc::v1::Delivery d =
      MakeDelivery("D32", SampleHeader({{"Công văn 32.pdf", pdf}}));
  hub_.service().SetAttachment("D32", 0, Blob::Of(pdf));
  TRUC_ASSERT_OK(writer_.Store(d).status());
  ASSERT_EQ(hub_.service().downloads().size(), 1u);
  // Back to the moment of the crash: the marker written, the complete
  // document still in staging.
  const std::string staging = JoinPath(folders_.incoming(), "D32");
  const std::string stored = JoinPath(folders_.inbox, "D32");
  TRUC_ASSERT_OK(MakeDirectories(staging));
  TRUC_ASSERT_OK(RenameDurably(stored, JoinPath(staging, "document")));
  ASSERT_TRUE(PathExists(JoinPath(folders_.received(), "D32")));

  const size_t log_before = LogText().size();
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_THAT(hub_.service().acks(), ElementsAre("D32"));
  EXPECT_EQ(hub_.service().downloads().size(), 1u) << "nothing fetched again";
  EXPECT_EQ(Read(JoinPath(stored, "attachments/Công văn 32.pdf")), pdf);
  EXPECT_TRUE(PathExists(JoinPath(stored, "envelope.txtpb")));
  EXPECT_FALSE(PathExists(staging));
  EXPECT_THAT(LogText().substr(log_before),
              HasSubstr("event=stored document=D32"));
}

TEST_F(InboxTest, ShaMismatchIsNotStoredNorAcknowledged) {
  truc::v1::Delivery d =
      MakeDelivery("D9", SampleHeader({{"Công văn 123.pdf", "bản gốc"}}));
  hub_.service().SetAttachment("D9", 0, Blob::Of("bản sửa"));  // same size
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, "D9")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.received(), "D9")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D9/0.part")));
  EXPECT_TRUE(hub_.service().acks().empty());
  EXPECT_THAT(LogText(), HasSubstr("event=store_failed document=D9"));
}

TEST_F(InboxTest, SameSizeWrongBytesFailsSha256) {
  const std::string good = RandomBytes(200000, 3);
  std::string bad = good;
  bad[123456] ^= 1;
  truc::v1::Delivery d =
      MakeDelivery("D10", SampleHeader({{"Công văn 123.pdf", good}}));
  hub_.service().SetAttachment("D10", 0, Blob::Of(bad));
  EXPECT_THAT(writer_.Store(d),
              StatusIs(absl::StatusCode::kDataLoss, "SHA-256"));
  EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, "D10")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D10/0.part")));
}

TEST_F(InboxTest, ShortOrLongAttachmentFailsSize) {
  const std::string good = RandomBytes(100000, 4);
  truc::v1::Delivery d =
      MakeDelivery("D11", SampleHeader({{"Công văn 123.pdf", good}}));
  hub_.service().SetAttachment("D11", 0, Blob::Of(good.substr(0, 99999)));
  EXPECT_THAT(writer_.Store(d),
              StatusIs(absl::StatusCode::kDataLoss, "the header declares"));
  // A hub that ignores the range and streams past the declared size.
  hub_.service().IgnoreDownloadLength();
  hub_.service().SetAttachment("D11", 0, Blob::Of(good + "x"));
  EXPECT_THAT(writer_.Store(d),
              StatusIs(absl::StatusCode::kDataLoss, "more than the declared"));
  EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, "D11")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D11/0.part")));
}

struct HostileName {
  const char* label;  // the test's name
  const char* name;   // the second attachment's name
};

void PrintTo(const HostileName& h, std::ostream* os) { *os << h.label; }

class HostileNameTest : public InboxTest,
                        public ::testing::WithParamInterface<HostileName> {};

TEST_P(HostileNameTest, IsRefusedAndNothingIsWritten) {
  OfferDocument("D12", {{"ok.pdf", "a"}, {GetParam().name, "b"}});
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_TRUE(hub_.service().acks().empty());
  EXPECT_TRUE(hub_.service().downloads().empty());
  EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, "D12")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.incoming(), "D12")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.received(), "D12")));
  EXPECT_FALSE(PathExists(tmp_.Sub("x")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, "x")));
  // Refused (02), with the reason, so that the hub stops offering it.
  auto reports = hub_.service().reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status(), truc::v1::EDXML_STATUS_REFUSED);
  EXPECT_THAT(reports[0].description(), HasSubstr("attachment 1"));
  EXPECT_THAT(LogText(), HasSubstr("event=refused document=D12"));
}

INSTANTIATE_TEST_SUITE_P(Names, HostileNameTest,
                         ::testing::Values(HostileName{"DotDotSlash", "../x"},
                                           HostileName{"Slash", "a/b"},
                                           HostileName{"DotDot", ".."},
                                           HostileName{"Dot", "."},
                                           HostileName{"Backslash", "a\\b"},
                                           HostileName{"Newline", "dòng\nmới"},
                                           HostileName{"Empty", ""},
                                           HostileName{"Duplicate", "ok.pdf"}),
                         [](const ::testing::TestParamInfo<HostileName>& info) {
                           return std::string(info.param.label);
                         });

// The agent's own files and the attachments are in separate folders, so an
// attachment may have any name the hub accepts, those of the agent's files
// included.
TEST_F(InboxTest, AttachmentsNamedLikeTheAgentsFilesAreDelivered) {
  truc::v1::Delivery d = OfferDocument("D22", {{"envelope.txtpb", "phong bì"},
                                               {"header.bin", "tiêu đề"},
                                               {"delivery.txtpb", "giao"},
                                               {"attachments", "thư mục"}});
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_THAT(hub_.service().acks(), ElementsAre("D22"));
  const std::string doc = JoinPath(folders_.inbox, "D22");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/envelope.txtpb")), "phong bì");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/header.bin")), "tiêu đề");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/delivery.txtpb")), "giao");
  EXPECT_EQ(Read(JoinPath(doc, "attachments/attachments")), "thư mục");
  // The agent's own files are intact.
  EXPECT_THAT(Read(JoinPath(doc, "envelope.txtpb")),
              HasSubstr("# truc document D22"));
  EXPECT_EQ(Read(JoinPath(doc, "header.bin")), d.envelope().header());
  truc::v1::Delivery info;
  TRUC_ASSERT_OK(LoadTextProtoFile(JoinPath(doc, "delivery.txtpb"), &info));
  EXPECT_EQ(info.document_id(), "D22");
}

// An envelope that does not check out end to end is refused (02), with its
// reason, and nothing of it is written.
class RefusedEnvelopeTest : public InboxTest {
 protected:
  void ExpectRefused(const truc::v1::Delivery& d, absl::string_view reason) {
    hub_.service().SetAttachment(d.document_id(), 0, Blob::Of("nội dung"));
    hub_.service().Offer(d);
    TRUC_ASSERT_OK(receiver_.PollOnce());
    EXPECT_TRUE(hub_.service().acks().empty());
    EXPECT_TRUE(hub_.service().downloads().empty());
    EXPECT_FALSE(PathExists(JoinPath(folders_.inbox, d.document_id())));
    EXPECT_FALSE(PathExists(JoinPath(folders_.received(), d.document_id())));
    auto reports = hub_.service().reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status(), truc::v1::EDXML_STATUS_REFUSED);
    EXPECT_THAT(reports[0].description(), HasSubstr(std::string(reason)));
    // The refusal is the agent's signed statement about the bytes it got.
    auto v = VerifyReceipt(keys_->anchor, reports[0].receipt());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->body.status(), truc::v1::EDXML_STATUS_REFUSED);
    EXPECT_EQ(v->body.header_sha256(), Sha256::Of(d.envelope().header()));
    EXPECT_EQ(v->body.description(), reports[0].description());
  }
  truc::v1::Delivery Good(const std::string& id) {
    return MakeDelivery(id, SampleHeader({{"Công văn.pdf", "nội dung"}}));
  }
};

TEST_F(RefusedEnvelopeTest, AHeaderAlteredAfterSigning) {
  auto d = Good("D20");
  truc::v1::DocumentHeader h;
  ASSERT_TRUE(h.ParseFromString(d.envelope().header()));
  h.set_subject("Về việc báo cáo tình hình dịch bệnh tháng 12");
  h.SerializeToString(d.mutable_envelope()->mutable_header());
  ExpectRefused(d, "does not match");
}

TEST_F(RefusedEnvelopeTest, AnEnvelopeWithoutSignature) {
  auto d = Good("D21");
  d.mutable_envelope()->clear_signature();
  ExpectRefused(d, "carries no signature");
}

TEST_F(RefusedEnvelopeTest, SignedByAnotherAgencyThanItsSender) {
  auto d = Good("D22");
  *d.mutable_envelope()->mutable_signature() =
      *testing::TestPki::Get()
           .SignerOf("000.03.00.H99")
           .Sign(kHeaderContext, d.envelope().header());
  ExpectRefused(d, "is signed by agency 000.03.00.H99");
}

TEST_F(RefusedEnvelopeTest, SignedWithACertificateOfAnotherCa) {
  auto other = CreateCertificateAuthority("CA lạ");
  auto forged =
      IssueCertificate(*other, {Role::kAgency, "000.07.00.H99", "Sở Y tế"});
  auto signer = Signer::FromPem(forged->key_pem, forged->cert_pem);
  auto d = Good("D23");
  *d.mutable_envelope()->mutable_signature() =
      *(*signer)->Sign(kHeaderContext, d.envelope().header());
  ExpectRefused(d, "not issued by the province CA");
}

TEST_F(InboxTest, TheMarkerAndTheAcknowledgementCarryTheSignedArrival) {
  truc::v1::Delivery d = OfferDocument("D24", {{"Công văn.pdf", "nội dung"}});
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().ack_receipts().size(), 1u);
  const truc::v1::Receipt sent = hub_.service().ack_receipts()[0];
  auto v = VerifyReceipt(keys_->anchor, sent);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.document_id(), "D24");
  EXPECT_EQ(v->body.recipient(), "000.00.12.H42");
  EXPECT_EQ(v->body.status(), truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_EQ(v->body.header_sha256(), Sha256::Of(d.envelope().header()));
  // The marker is that same statement, as a receipt file.
  auto marker =
      Dearmor(kReceiptLabel, Read(JoinPath(folders_.received(), "D24")));
  ASSERT_TRUE(marker.ok()) << marker.status();
  EXPECT_EQ(*marker, sent.SerializeAsString());
  // A redelivery is acknowledged with the same statement.
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().ack_receipts().size(), 2u);
  EXPECT_EQ(hub_.service().ack_receipts()[1].SerializeAsString(),
            sent.SerializeAsString());
}

TEST_F(InboxTest, ARedeliveryAfterARotationIsStatedWithTheNewCertificate) {
  truc::v1::Delivery d = OfferDocument("D26", {{"Công văn.pdf", "nội dung"}});
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().ack_receipts().size(), 1u);
  const truc::v1::Receipt before = hub_.service().ack_receipts()[0];
  auto old_body = VerifyReceipt(keys_->anchor, before);
  ASSERT_TRUE(old_body.ok()) << old_body.status();
  // The agent restarts with a new certificate (the old one may be revoked
  // at the hub); the acknowledgement was lost, and the hub offers again.
  IssueRequest req{Role::kAgency, "000.00.12.H42", "UBND xã Y Tịch"};
  req.not_before_unix = absl::ToUnixSeconds(absl::Now()) - 60;
  req.not_after_unix = req.not_before_unix + 365 * 86400;
  auto fresh = IssueCertificate(testing::TestPki::Get().ca(), req);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  keys_->signer = std::move(*Signer::FromPem(fresh->key_pem, fresh->cert_pem));
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().ack_receipts().size(), 2u);
  const truc::v1::Receipt after = hub_.service().ack_receipts()[1];
  EXPECT_EQ(after.signature().certificate(),
            keys_->signer->certificate().Der());
  auto v = VerifyReceipt(keys_->anchor, after);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.status(), truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_EQ(v->body.header_sha256(), old_body->body.header_sha256());
  EXPECT_EQ(v->body.at().unix_micros(), old_body->body.at().unix_micros())
      << "still the time it arrived";
  EXPECT_EQ(hub_.service().downloads().size(), 1u) << "nothing fetched again";
  // The marker now holds the new statement, offered again as it is.
  auto marker =
      Dearmor(kReceiptLabel, Read(JoinPath(folders_.received(), "D26")));
  ASSERT_TRUE(marker.ok()) << marker.status();
  EXPECT_EQ(*marker, after.SerializeAsString());
  hub_.service().Offer(d);
  TRUC_ASSERT_OK(receiver_.PollOnce());
  ASSERT_EQ(hub_.service().ack_receipts().size(), 3u);
  EXPECT_EQ(hub_.service().ack_receipts()[2].SerializeAsString(),
            after.SerializeAsString());
}

TEST_F(InboxTest, HostileDocumentIdIsRefused) {
  truc::v1::Delivery d = MakeDelivery("../D13", SampleHeader({}));
  EXPECT_THAT(writer_.Store(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "document id"));
  EXPECT_FALSE(PathExists(tmp_.Sub("D13")));
}

TEST_F(InboxTest, ResumesFromPartialPartFile) {
  const std::string pdf = RandomBytes(500000, 5);
  truc::v1::Delivery d =
      MakeDelivery("D14", SampleHeader({{"Công văn 123.pdf", pdf}}));
  hub_.service().SetAttachment("D14", 0, Blob::Of(pdf));
  TRUC_ASSERT_OK(MakeDirectories(JoinPath(folders_.incoming(), "D14")));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(folders_.incoming(), "D14/0.part"),
                                  pdf.substr(0, 123457)));

  absl::StatusOr<InboxWriter::Stored> stored = writer_.Store(d);
  TRUC_ASSERT_OK(stored.status());
  EXPECT_EQ(stored->downloaded, 500000u - 123457u);
  auto calls = hub_.service().downloads();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].offset, 123457u);
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D14/attachments/Công văn 123.pdf")),
            pdf);
}

TEST_F(InboxTest, InterruptedDownloadResumesOnNextOffer) {
  const std::string pdf = RandomBytes(600000, 6);
  truc::v1::Delivery d3 =
      MakeDelivery("D17", SampleHeader({{"Công văn 123.pdf", pdf}}));
  hub_.service().SetAttachment("D17", 0, Blob::Of(pdf));
  hub_.service().FailNextDownloadAfter(200000);
  EXPECT_THAT(writer_.Store(d3),
              StatusIs(absl::StatusCode::kUnavailable, "connection lost"));
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(folders_.incoming(), "D17/0.part").c_str(), &st),
            0);
  const uint64_t kept = static_cast<uint64_t>(st.st_size);
  EXPECT_GE(kept, 200000u);
  EXPECT_LT(kept, 600000u);
  TRUC_ASSERT_OK(writer_.Store(d3).status());
  auto calls = hub_.service().downloads();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].offset, 0u);
  EXPECT_EQ(calls[1].offset, kept);
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D17/attachments/Công văn 123.pdf")),
            pdf);
}

TEST_F(InboxTest, AttachmentIsFetchedOneRangeAtATime) {
  const std::string pdf = RandomBytes(350000, 21);
  truc::v1::Delivery d =
      MakeDelivery("D31", SampleHeader({{"Công văn 123.pdf", pdf}}));
  hub_.service().SetAttachment("D31", 0, Blob::Of(pdf));
  InboxWriter ranged(folders_, hub_.stub().get(), &log_, keys_.get(), 100000);
  // Broken inside the first range, after one 64 KiB chunk: what arrived is
  // kept, and the next offer goes on from there, a range at a time.
  hub_.service().FailNextDownloadAfter(50000);
  EXPECT_THAT(ranged.Store(d),
              StatusIs(absl::StatusCode::kUnavailable, "connection lost"));
  absl::StatusOr<InboxWriter::Stored> stored = ranged.Store(d);
  TRUC_ASSERT_OK(stored.status());
  EXPECT_EQ(stored->downloaded, 350000u - 65536u);
  auto calls = hub_.service().downloads();
  ASSERT_EQ(calls.size(), 4u);
  const uint64_t offsets[] = {0, 65536, 165536, 265536};
  const uint64_t lengths[] = {100000, 100000, 100000, 84464};
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].offset, offsets[i]) << i;
    EXPECT_EQ(calls[i].length, lengths[i]) << i;
  }
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D31/attachments/Công văn 123.pdf")),
            pdf);
}

TEST_F(InboxTest, HubWithoutRangesStreamsTheWholeAttachment) {
  const std::string pdf = RandomBytes(350000, 22);
  truc::v1::Delivery d =
      MakeDelivery("D32", SampleHeader({{"Công văn 123.pdf", pdf}}));
  hub_.service().SetAttachment("D32", 0, Blob::Of(pdf));
  hub_.service().IgnoreDownloadLength();
  InboxWriter ranged(folders_, hub_.stub().get(), &log_, keys_.get(), 100000);
  TRUC_ASSERT_OK(ranged.Store(d).status());
  EXPECT_EQ(hub_.service().downloads().size(), 1u);
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D32/attachments/Công văn 123.pdf")),
            pdf);
}

TEST_F(InboxTest, OversizedStalePartIsReplaced) {
  const std::string pdf = RandomBytes(1000, 8);
  truc::v1::Delivery d =
      MakeDelivery("D18", SampleHeader({{"Công văn 123.pdf", pdf}}));
  hub_.service().SetAttachment("D18", 0, Blob::Of(pdf));
  TRUC_ASSERT_OK(MakeDirectories(JoinPath(folders_.incoming(), "D18")));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(folders_.incoming(), "D18/0.part"),
                                  RandomBytes(5000, 9)));
  TRUC_ASSERT_OK(writer_.Store(d).status());
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D18/attachments/Công văn 123.pdf")),
            pdf);
}

TEST_F(InboxTest, DocumentWithoutAttachmentsAndEmptyAttachment) {
  hub_.service().Offer(MakeDelivery("D19", SampleHeader({})));
  hub_.service().SetAttachment("D20", 0, Blob::Of(""));
  hub_.service().Offer(MakeDelivery("D20", SampleHeader({{"trống.txt", ""}})));
  TRUC_ASSERT_OK(receiver_.PollOnce());
  EXPECT_TRUE(PathExists(JoinPath(folders_.inbox, "D19/envelope.txtpb")));
  EXPECT_EQ(Read(JoinPath(folders_.inbox, "D20/attachments/trống.txt")), "");
  EXPECT_THAT(hub_.service().acks(), ElementsAre("D19", "D20"));
}

TEST_F(InboxTest, StopCancelsTheLongPollPromptly) {
  Receiver::Options options;
  options.poll_wait_seconds = 30;
  Receiver receiver(options, hub_.stub().get(), &writer_, &log_, &stop_);
  std::thread running([&] { receiver.Run(); });
  while (hub_.service().polls() == 0) absl::SleepFor(absl::Milliseconds(5));
  absl::SleepFor(absl::Milliseconds(100));
  absl::Time start = absl::Now();
  stop_.Stop();
  running.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

// Resident memory of this process, bytes.
uint64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      return std::stoull(line.substr(6)) * 1024;
    }
  }
  return 0;
}

TEST_F(InboxTest, LargeAttachmentStreamsInBoundedMemory) {
  constexpr uint64_t kSize = 200ull << 20;
  // Generated bytes: neither the fake nor the test holds 200 MB.
  auto gen = [](uint64_t offset, size_t n) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) {
      uint64_t x = (offset + i) * 0x9e3779b97f4a7c15ULL;
      out[i] = static_cast<char>(x >> 56);
    }
    return out;
  };
  Sha256 sha;
  for (uint64_t off = 0; off < kSize; off += 1 << 20)
    sha.Update(gen(off, 1 << 20));
  truc::v1::DocumentHeader h = SampleHeader({});
  auto* a = h.add_attachments();
  a->set_name("Bản scan hồ sơ.pdf");
  a->set_size(kSize);
  a->set_sha256(sha.Finish());
  hub_.service().SetAttachment("D21", 0, Blob{kSize, gen});

  const uint64_t baseline = ResidentBytes();
  std::atomic<uint64_t> peak{baseline};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      uint64_t now = ResidentBytes();
      if (now > peak) peak = now;
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  absl::StatusOr<InboxWriter::Stored> stored =
      writer_.Store(MakeDelivery("D21", h));
  done = true;
  sampler.join();
  TRUC_ASSERT_OK(stored.status());
  struct stat st;
  ASSERT_EQ(
      ::stat(JoinPath(folders_.inbox, "D21/attachments/Bản scan hồ sơ.pdf")
                 .c_str(),
             &st),
      0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), kSize);
  RecordProperty("peak_rss_bytes", std::to_string(peak.load()));
  EXPECT_LT(peak.load(), 100ull << 20)
      << "baseline " << baseline << ", peak " << peak.load();
}

TEST(CrashPointTest, DoesNothingUnlessNamed) {
  ::unsetenv(kCrashPointEnv);
  CrashPoint("after_download");
  ::setenv(kCrashPointEnv, "after_inbox", 1);
  CrashPoint("after_download");
  ::unsetenv(kCrashPointEnv);
}

TEST(CrashPointDeathTest, KillsWhenNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv(kCrashPointEnv, "after_inbox", 1);
        CrashPoint("after_inbox");
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

}  // namespace
}  // namespace truc::agent
