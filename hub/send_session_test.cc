#include "hub/send_session.h"

#include <google/protobuf/unknown_field_set.h>

#include <filesystem>

#include "hub/hub_test_util.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

class SendSessionTest : public HubFixture {
 protected:
  std::unique_ptr<SendSession> NewSession(const std::string& caller = kOffice) {
    return std::make_unique<SendSession>(ledger_.get(), directory_.get(),
                                         blobs_.get(), limits_, caller);
  }
  static truc::v1::SendRequest Begin(const truc::v1::DocumentHeader& h,
                                     const std::string& key = "key-1") {
    truc::v1::SendRequest r;
    r.mutable_begin()->set_idempotency_key(key);
    h.SerializeToString(
        r.mutable_begin()->mutable_envelope()->mutable_header());
    return r;
  }
  static truc::v1::SendRequest Chunk(uint32_t index, uint64_t offset,
                                     const std::string& data) {
    truc::v1::SendRequest r;
    r.mutable_chunk()->set_attachment_index(index);
    r.mutable_chunk()->set_offset(offset);
    r.mutable_chunk()->set_data(data);
    return r;
  }
  absl::Status BeginError(const truc::v1::DocumentHeader& h,
                          const std::string& caller = kOffice) {
    auto s = NewSession(caller);
    return s->OnMessage(Begin(h)).status();
  }
  HeaderLimits limits_;
};

TEST_F(SendSessionTest, SendsTwoAttachmentsInChunks) {
  std::string a(3'000'000, 'a'), b = "Báo cáo tình hình mưa lũ";
  auto h = MakeHeader(kOffice, {kHealth, kYTich});
  *h.add_attachments() = Describe("Công văn 123.pdf", a);
  *h.add_attachments() = Describe("Phụ lục.txt", b);
  auto s = NewSession();
  ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
  for (size_t off = 0; off < a.size(); off += 1 << 20) {
    auto r = s->OnMessage(Chunk(0, off, a.substr(off, 1 << 20)));
    ASSERT_TRUE(r.ok()) << r.status();
  }
  ASSERT_TRUE(s->OnMessage(Chunk(1, 0, b)).ok());
  auto done = s->Finish();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(blobs_->Exists(Sha256::Of(a)));
  EXPECT_EQ(*ReadFile(blobs_->PathOf(Sha256::Of(b))), b);
  EXPECT_EQ(ledger_->Status(done->document_id())->recipient_count(), 2u);
}

TEST_F(SendSessionTest, SameBytesAreStoredOnce) {
  std::string a(100'000, 'z');
  for (const char* key : {"one", "two"}) {
    auto h = MakeHeader(kOffice, {kHealth});
    *h.add_attachments() = Describe("scan.pdf", a);
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h, key)).ok());
    ASSERT_TRUE(s->OnMessage(Chunk(0, 0, a)).ok());
    ASSERT_TRUE(s->Finish().ok());
  }
  EXPECT_EQ(blobs_->TotalBytes(), a.size());
}

TEST_F(SendSessionTest, EmptyAttachmentNeedsNoChunk) {
  auto h = MakeHeader(kOffice, {kHealth});
  *h.add_attachments() = Describe("empty.txt", "");
  *h.add_attachments() = Describe("b.txt", "b");
  auto s = NewSession();
  ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
  ASSERT_TRUE(s->OnMessage(Chunk(1, 0, "b")).ok());
  EXPECT_TRUE(s->Finish().ok());
}

TEST_F(SendSessionTest, RepeatedKeyAnswersAtBegin) {
  auto h = MakeHeader(kOffice, {kHealth});
  auto first = NewSession();
  ASSERT_TRUE(first->OnMessage(Begin(h)).ok());
  auto sent = first->Finish();
  ASSERT_TRUE(sent.ok());
  auto second = NewSession();
  auto early = second->OnMessage(Begin(h));
  ASSERT_TRUE(early.ok());
  ASSERT_TRUE(early->has_value());
  EXPECT_TRUE((*early)->duplicate());
  EXPECT_EQ((*early)->document_id(), sent->document_id());
}

TEST_F(SendSessionTest, WrongBytesAreRefusedAndNothingStored) {
  auto before = AllKeys();
  auto h = MakeHeader(kOffice, {kHealth});
  *h.add_attachments() = Describe("scan.pdf", "the real bytes");
  {
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
    ASSERT_TRUE(s->OnMessage(Chunk(0, 0, "the fake bytes")).ok());
    EXPECT_THAT(s->Finish(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "attachment 0 (\"scan.pdf\"): bytes hash to SHA-256"));
  }
  {
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
    EXPECT_THAT(s->OnMessage(Chunk(0, 0, "the real bytes and more")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "more bytes than its declared size"));
  }
  {
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
    ASSERT_TRUE(s->OnMessage(Chunk(0, 0, "the real")).ok());
    EXPECT_THAT(s->Finish(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "ended after 8 of its declared 14 bytes"));
  }
  {
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
    EXPECT_THAT(s->OnMessage(Chunk(0, 5, "x")),
                StatusIs(absl::StatusCode::kInvalidArgument, "offset 5"));
    EXPECT_THAT(NewSession()->OnMessage(Chunk(0, 0, "x")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "first message must be `begin`"));
  }
  {
    // The first attachment is whole and right, the second is not: the
    // first must not stay behind in the store either.
    auto h2 = MakeHeader(kOffice, {kHealth});
    *h2.add_attachments() = Describe("a.pdf", std::string(50'000, 'a'));
    *h2.add_attachments() = Describe("b.pdf", "real");
    auto s = NewSession();
    ASSERT_TRUE(s->OnMessage(Begin(h2)).ok());
    ASSERT_TRUE(s->OnMessage(Chunk(0, 0, std::string(50'000, 'a'))).ok());
    ASSERT_TRUE(s->OnMessage(Chunk(1, 0, "fake")).ok());
    EXPECT_THAT(s->Finish(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "attachment 1 (\"b.pdf\")"));
  }
  EXPECT_EQ(AllKeys(), before);
  EXPECT_EQ(blobs_->TotalBytes(), 0u);
  EXPECT_TRUE(std::filesystem::is_empty(tmp_.Sub("staging")));
}

TEST_F(SendSessionTest, RecipientSuspendedDuringTheUploadIsRefused) {
  auto h = MakeHeader(kOffice, {kHealth, kYTich});
  *h.add_attachments() = Describe("a.pdf", "abc");
  auto s = NewSession();
  ASSERT_TRUE(s->OnMessage(Begin(h)).ok());
  ASSERT_TRUE(s->OnMessage(Chunk(0, 0, "abc")).ok());
  ASSERT_TRUE(
      directory_->SetState(kYTich, truc::v1::AGENCY_STATE_SUSPENDED).ok());
  EXPECT_THAT(s->Finish(), StatusIs(absl::StatusCode::kInvalidArgument,
                                    "suspended recipient: 000.21.30.H99"));
  EXPECT_EQ(blobs_->TotalBytes(), 0u);
}

TEST_F(SendSessionTest, OnlyTheHeaderBytesOfTheEnvelopeAreKept) {
  auto h = MakeHeader(kOffice, {kHealth});
  auto begin = Begin(h);
  // An unknown field padding the envelope with 1 MB.
  auto* envelope = begin.mutable_begin()->mutable_envelope();
  envelope->GetReflection()->MutableUnknownFields(envelope)->AddLengthDelimited(
      99, std::string(1 << 20, 'x'));
  ASSERT_GT(envelope->ByteSizeLong(), 1u << 20);
  auto s = NewSession();
  ASSERT_TRUE(s->OnMessage(begin).ok());
  auto sent = s->Finish();
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto doc = ledger_->GetDocument(sent->document_id());
  ASSERT_TRUE(doc.ok());
  EXPECT_LT(doc->envelope().ByteSizeLong(), 4096u);
}

TEST_F(SendSessionTest, HeaderProblemsAreNamed) {
  auto h = MakeHeader(kOffice, {kHealth});
  h.clear_subject();
  EXPECT_THAT(BeginError(h), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "required field missing: subject"));
  h = MakeHeader(kOffice, {});
  EXPECT_THAT(BeginError(h),
              StatusIs(absl::StatusCode::kInvalidArgument, "no recipient"));
  h = MakeHeader(kOffice, {kHealth, "000.77.00.H99", "000.78.00.H99"});
  EXPECT_THAT(BeginError(h),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown recipients: 000.77.00.H99, 000.78.00.H99"));
  h = MakeHeader(kOffice, {kHealth});
  h.set_secrecy(truc::v1::SECRECY_CONFIDENTIAL);
  EXPECT_THAT(BeginError(h), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "never travel on the axis"));
  h = MakeHeader(kOffice, {kHealth});
  EXPECT_THAT(BeginError(h, kHealth),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "from.organ_id is 000.01.00.H99"));
  h = MakeHeader(kOffice, {kHealth}, truc::v1::URGENCY_UNSPECIFIED);
  EXPECT_THAT(BeginError(h), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "required field missing: urgency"));
  h = MakeHeader(kOffice, {kHealth}, truc::v1::URGENCY_EXPRESS_TIMED);
  EXPECT_THAT(BeginError(h),
              StatusIs(absl::StatusCode::kInvalidArgument, "express_deadline"));
  h = MakeHeader(kOffice, {kHealth});
  h.set_content(std::string(300 << 10, 'x'));
  EXPECT_THAT(BeginError(h), StatusIs(absl::StatusCode::kResourceExhausted,
                                      "the limit is 262144"));
  h = MakeHeader(kOffice, {kHealth});
  *h.add_attachments() = Describe("../../etc/passwd", "x");
  EXPECT_THAT(BeginError(h),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not allowed"));
  h = MakeHeader(kOffice, {kHealth});
  h.mutable_promulgation()->mutable_promulgation_date()->set_day(31);  // 31/11
  EXPECT_THAT(BeginError(h),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a valid date"));
  truc::v1::SendRequest garbage;
  garbage.mutable_begin()->set_idempotency_key("k");
  garbage.mutable_begin()->mutable_envelope()->set_header("\xff\xff\xff");
  EXPECT_THAT(NewSession()->OnMessage(garbage).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a serialized"));
  EXPECT_TRUE(AllKeys().size() > 0);
  EXPECT_EQ(ledger_->ListPending({})->documents_size(), 0);
}

}  // namespace
}  // namespace truc::hub
