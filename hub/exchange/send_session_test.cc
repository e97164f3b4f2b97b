#include "hub/exchange/send_session.h"

#include <google/protobuf/unknown_field_set.h>

#include <filesystem>

#include "common/status_macros.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

class SendSessionTest : public HubFixture {
 protected:
  std::unique_ptr<SendSession> NewSession(const std::string& caller = kOffice) {
    return std::make_unique<SendSession>(ledger_.get(), directory_.get(),
                                         blobs_.get(), trust_.get(), limits_,
                                         Who(caller));
  }
  // A begin whose envelope the header's sender signed.
  truc::v1::SendRequest Begin(const truc::v1::DocumentHeader& h,
                              const std::string& key = "key-1") {
    const std::string from =
        h.from().organ_id().empty() ? kOffice : h.from().organ_id();
    truc::v1::SendRequest r;
    r.mutable_begin()->set_idempotency_key(key);
    *r.mutable_begin()->mutable_envelope() =
        SignedEnvelope(h, keys_.signer(from));
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
  EXPECT_EQ(ledger_->StatusOf(done->document_id())->recipient_count(), 2u);
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
      directory_->SetState(kYTich, truc::v1::AGENCY_STATE_SUSPENDED, Operator())
          .ok());
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

// The envelope's signature: checked at begin, before any attachment byte.
class SignedSendTest : public SendSessionTest {
 protected:
  // What a send of `begin` (then its one attachment, "scan") gives.
  absl::Status SendWith(const truc::v1::SendRequest& begin,
                        const std::string& scan = "bản quét công văn") {
    auto s = NewSession();
    auto early = s->OnMessage(begin);
    if (!early.ok()) return early.status();
    TRUC_RETURN_IF_ERROR(s->OnMessage(Chunk(0, 0, scan)).status());
    return s->Finish().status();
  }
  truc::v1::DocumentHeader Header() {
    auto h = MakeHeader(kOffice, {kHealth, kYTich});
    *h.add_attachments() = Describe("scan.pdf", "bản quét công văn");
    return h;
  }
};

TEST_F(SignedSendTest, ASignedEnvelopeIsStoredWithItsSignatureAndReceipt) {
  auto s = NewSession();
  ASSERT_TRUE(s->OnMessage(Begin(Header())).ok());
  ASSERT_TRUE(s->OnMessage(Chunk(0, 0, "bản quét công văn")).ok());
  auto sent = s->Finish();
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto doc = ledger_->GetDocument(sent->document_id());
  EXPECT_EQ(doc->envelope().signature().certificate(),
            keys_.signer(kOffice).certificate().Der());
  // The hub's receipt names the document, its header and its recipients.
  auto receipt = VerifyReceipt(keys_.anchor(), sent->receipt());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->signer.role, Role::kHub);
  EXPECT_EQ(receipt->body.document_id(), sent->document_id());
  EXPECT_EQ(receipt->body.header_sha256(),
            Sha256::Of(doc->envelope().header()));
  EXPECT_EQ(receipt->body.recipients_size(), 2);
  EXPECT_EQ(receipt->body.at().unix_micros(),
            sent->accepted_at().unix_micros());
}

TEST_F(SignedSendTest, AnUnsignedEnvelopeIsRefused) {
  auto begin = Begin(Header());
  begin.mutable_begin()->mutable_envelope()->clear_signature();
  EXPECT_THAT(SendWith(begin),
              StatusIs(absl::StatusCode::kInvalidArgument, "not signed"));
}

TEST_F(SignedSendTest, EveryBitFlippedInTheHeaderIsRefused) {
  const auto good = Begin(Header());
  const std::string header = good.begin().envelope().header();
  const auto before = AllKeys();
  for (size_t bit = 0; bit < header.size() * 8; ++bit) {
    auto begin = good;
    std::string* h =
        begin.mutable_begin()->mutable_envelope()->mutable_header();
    (*h)[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_FALSE(SendWith(begin).ok()) << "bit " << bit;
  }
  EXPECT_EQ(AllKeys(), before) << "nothing of a refused send is stored";
  // A changed subject, still a valid header, fails the signature.
  auto altered = good;
  auto h = Header();
  h.set_subject("V/v phòng chống bão số 10");
  h.SerializeToString(
      altered.mutable_begin()->mutable_envelope()->mutable_header());
  EXPECT_THAT(SendWith(altered),
              StatusIs(absl::StatusCode::kUnauthenticated, "does not match"));
}

TEST_F(SignedSendTest, ABitFlippedInAnAttachmentIsRefused) {
  std::string scan = "bản quét công văn";
  for (size_t bit = 0; bit < scan.size() * 8; bit += 7) {
    std::string altered = scan;
    altered[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_THAT(SendWith(Begin(Header(), "k" + std::to_string(bit)), altered),
                StatusIs(absl::StatusCode::kInvalidArgument, "SHA-256"))
        << "bit " << bit;
  }
  EXPECT_EQ(blobs_->TotalBytes(), 0u);
}

TEST_F(SignedSendTest, EveryByteChangedInTheSignatureOrCertificateIsRefused) {
  const auto good = Begin(Header());
  const auto& sig = good.begin().envelope().signature();
  for (size_t i = 0; i < sig.value().size(); ++i) {
    auto begin = good;
    (*begin.mutable_begin()
          ->mutable_envelope()
          ->mutable_signature()
          ->mutable_value())[i] ^= 0x01;
    EXPECT_FALSE(SendWith(begin).ok()) << "signature byte " << i;
  }
  for (size_t i = 0; i < sig.certificate().size(); ++i) {
    auto begin = good;
    (*begin.mutable_begin()
          ->mutable_envelope()
          ->mutable_signature()
          ->mutable_certificate())[i] ^= 0x01;
    EXPECT_FALSE(SendWith(begin).ok()) << "certificate byte " << i;
  }
  EXPECT_EQ(ledger_->ListPending({})->documents_size(), 0);
  EXPECT_TRUE(SendWith(good).ok()) << "the unaltered send goes through";
}

TEST_F(SignedSendTest, OnlyTheSendersCurrentCertificateSigns) {
  // Sở Y tế's signature over the office's header.
  auto begin = Begin(Header());
  *begin.mutable_begin()->mutable_envelope()->mutable_signature() =
      *keys_.signer(kHealth).Sign(kHeaderContext,
                                  begin.begin().envelope().header());
  EXPECT_THAT(SendWith(begin),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "the header names 000.01.00.H99 as its sender but is "
                       "signed by agency 000.07.00.H99"));
  // The office's certificate from another CA.
  auto other_ca = CreateCertificateAuthority(
      "CA khác", 3650, kFixtureStart / 1000000 - 30 * 86400);
  IssueRequest req{Role::kAgency, kOffice, "giả mạo"};
  req.not_before_unix = kFixtureStart / 1000000 - 86400;
  req.not_after_unix = kFixtureStart / 1000000 + 86400;
  auto forged = IssueCertificate(*other_ca, req);
  auto forger = Signer::FromPem(forged->key_pem, forged->cert_pem);
  *begin.mutable_begin()->mutable_envelope()->mutable_signature() =
      *(*forger)->Sign(kHeaderContext, begin.begin().envelope().header());
  EXPECT_THAT(SendWith(begin), StatusIs(absl::StatusCode::kUnauthenticated,
                                        "not issued by the province CA"));
  // An expired certificate of the office.
  IssueRequest old{Role::kAgency, kOffice, "cũ"};
  old.not_before_unix = kFixtureStart / 1000000 - 900 * 86400;
  old.not_after_unix = kFixtureStart / 1000000 - 86400;
  auto expired = keys_.Issue(old);
  auto old_signer = Signer::FromPem(expired.key_pem, expired.cert_pem);
  *begin.mutable_begin()->mutable_envelope()->mutable_signature() =
      *(*old_signer)->Sign(kHeaderContext, begin.begin().envelope().header());
  EXPECT_THAT(SendWith(begin),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
  // A revoked one.
  ASSERT_TRUE(
      registry_->Revoke(keys_.who(kOffice).serial_hex, "lộ khóa", Operator())
          .ok());
  EXPECT_THAT(SendWith(Begin(Header())),
              StatusIs(absl::StatusCode::kUnauthenticated, "was revoked"));
  EXPECT_EQ(ledger_->ListPending({})->documents_size(), 0);
}

TEST_F(SignedSendTest, RsaSignaturesVerifyToo) {
  IssueRequest req{Role::kAgency, kOffice, "Văn phòng UBND tỉnh"};
  req.key_type = KeyType::kRsa2048;
  auto rsa = keys_.Issue(req);
  auto signer = Signer::FromPem(rsa.key_pem, rsa.cert_pem);
  ASSERT_TRUE(signer.ok()) << signer.status();
  truc::v1::SendRequest begin;
  begin.mutable_begin()->set_idempotency_key("rsa");
  *begin.mutable_begin()->mutable_envelope() =
      SignedEnvelope(Header(), **signer);
  TRUC_EXPECT_OK(SendWith(begin));
}

}  // namespace
}  // namespace truc::hub

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

// A document a bridge brings in: its sender's own signature, made under
// another CA, checked end to end once the hub is given that CA.
TEST_F(SendSessionTest, FederatedCasCheckABridgedSendersOwnSignature) {
  constexpr char kGov[] = "000.00.00.G22";
  ASSERT_TRUE(
      directory_->Register(kGov, "Văn phòng Chính phủ", "", Operator(), "qg")
          .ok());
  // Valid at the fixture's time, like the province's own.
  const int64_t from = kFixtureStart / 1'000'000 - 86400;
  auto national = CreateCertificateAuthority("CA trục quốc gia", 3650, from);
  auto stranger = CreateCertificateAuthority("CA không rõ", 3650, from);
  ASSERT_TRUE(national.ok() && stranger.ok());
  IssueRequest req{Role::kAgency, kGov, "Văn phòng Chính phủ"};
  req.not_before_unix = from;
  req.not_after_unix = from + 365 * 86400;
  auto genuine = IssueCertificate(*national, req);
  auto forged = IssueCertificate(*stranger, req);
  ASSERT_TRUE(genuine.ok() && forged.ok());
  auto bring_in = [&](const KeyAndCert& kc,
                      const std::string& key) -> absl::StatusOr<std::string> {
    auto sender = Signer::FromPem(kc.key_pem, kc.cert_pem);
    TRUC_RETURN_IF_ERROR(sender.status());
    truc::v1::SendRequest r;
    r.mutable_begin()->set_idempotency_key(key);
    r.mutable_begin()->add_deliver_to(kHealth);
    auto* env = r.mutable_begin()->mutable_envelope();
    *env = SignedEnvelope(MakeHeader(kGov, {kHealth}), **sender);
    env->set_carried_by_bridge("qg");
    TRUC_ASSIGN_OR_RETURN(
        *env->mutable_carrier_signature(),
        keys_.signer("bridge:qg").Sign(kBridgedHeaderContext, env->header()));
    auto s = NewSession("bridge:qg");
    TRUC_RETURN_IF_ERROR(s->OnMessage(r).status());
    TRUC_ASSIGN_OR_RETURN(auto sent, s->Finish());
    return sent.document_id();
  };
  // No federated CA: the bridge's signature decides; the sender's is kept.
  auto id = bring_in(*forged, "20261207-aa");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(ledger_->GetDocument(*id)->origin_checked_under(), "");
  // Given the national CA: checked end to end, and said so.
  auto anchor = TrustAnchor::FromPem(national->cert_pem);
  ASSERT_TRUE(anchor.ok());
  trust_->SetFederatedAnchors({*anchor});
  id = bring_in(*genuine, "20261207-bb");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(ledger_->GetDocument(*id)->origin_checked_under(),
            "CA trục quốc gia");
  EXPECT_EQ(ledger_->StatusOf(*id)->origin_checked_under(), "CA trục quốc gia");
  // A signature no federated CA vouches for is refused, naming each.
  EXPECT_THAT(bring_in(*forged, "20261207-cc"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "does not check out under any CA this hub federates "
                       "with (CA tỉnh Lạng Sơn: "));
  EXPECT_THAT(
      bring_in(*forged, "20261207-cc"),
      StatusIs(absl::StatusCode::kUnauthenticated, "CA trục quốc gia: "));
}

// From the national axis's API a document carries no sender's signature:
// its bridge vouches for it, and it keeps the axes it crossed.
TEST_F(SendSessionTest, ABridgedDocumentWithoutASendersSignatureAndItsTrace) {
  constexpr char kGov[] = "000.00.00.G22";
  ASSERT_TRUE(
      directory_->Register(kGov, "Văn phòng Chính phủ", "", Operator(), "qg")
          .ok());
  auto bring_in = [&](const std::string& key) -> absl::StatusOr<std::string> {
    truc::v1::SendRequest r;
    r.mutable_begin()->set_idempotency_key(key);
    r.mutable_begin()->add_deliver_to(kHealth);
    auto* t = r.mutable_begin()->add_trace();
    t->set_organ_id("000.00.00.A00");
    t->mutable_at()->set_unix_micros(kFixtureStart);
    auto* env = r.mutable_begin()->mutable_envelope();
    env->set_header(MakeHeader(kGov, {kHealth}).SerializeAsString());
    env->set_carried_by_bridge("qg");
    TRUC_ASSIGN_OR_RETURN(
        *env->mutable_carrier_signature(),
        keys_.signer("bridge:qg").Sign(kBridgedHeaderContext, env->header()));
    auto s = NewSession("bridge:qg");
    TRUC_RETURN_IF_ERROR(s->OnMessage(r).status());
    TRUC_ASSIGN_OR_RETURN(auto sent, s->Finish());
    return sent.document_id();
  };
  auto id = bring_in("axis-1");
  ASSERT_TRUE(id.ok()) << id.status();
  auto doc = ledger_->GetDocument(*id);
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(doc->envelope().has_signature());
  ASSERT_EQ(doc->trace_size(), 1);
  EXPECT_EQ(doc->trace(0).organ_id(), "000.00.00.A00");
  // What the hub hands on names the axes before it, then its own.
  auto trace = TraceOf(*doc, "000.00.00.H99");
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].organ_id(), "000.00.00.A00");
  EXPECT_EQ(trace[1].organ_id(), "000.00.00.H99");
  EXPECT_EQ(trace[1].at().unix_micros(), doc->accepted_at_micros());
  // A hub that checks senders' own signatures end to end cannot take it.
  auto anchor = TrustAnchor::FromPem(keys_.ca().cert_pem);
  ASSERT_TRUE(anchor.ok());
  trust_->SetFederatedAnchors({*anchor});
  EXPECT_THAT(bring_in("axis-2"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "carries no signature of its sender"));
  // An agency has no trace to give.
  truc::v1::SendRequest own;
  own.mutable_begin()->set_idempotency_key("own-1");
  *own.mutable_begin()->mutable_envelope() =
      SignedEnvelope(MakeHeader(kOffice, {kHealth}), keys_.signer(kOffice));
  own.mutable_begin()->add_trace()->set_organ_id("000.00.00.A00");
  EXPECT_THAT(NewSession(kOffice)->OnMessage(own).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "deliver_to, trace and original_edxml are not "));
}

}  // namespace
}  // namespace truc::hub
