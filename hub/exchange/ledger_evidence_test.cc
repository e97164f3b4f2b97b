// The ledger's evidence: every change with its audit event, the signed
// statements it checks, and what it refuses without changing anything.
#include "common/evidence.h"
#include "hub/exchange/ledger.h"
#include "hub/store/key_layout.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

class LedgerEvidenceTest : public HubFixture,
                           public ::testing::WithParamInterface<StoreKind> {
 protected:
  StoreKind store_kind() const override { return GetParam(); }
  std::vector<truc::v1::AuditEvent> EventsOf(const std::string& document_id) {
    std::vector<truc::v1::AuditEvent> out;
    auto proof = audit_->ProveDocument(document_id);
    if (!proof.ok()) return out;
    auto v = VerifyDocumentProof(keys_.anchor(), *proof);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? v->events : out;
  }
  std::vector<std::string> Kinds(const std::string& document_id) {
    std::vector<std::string> kinds;
    for (const auto& e : EventsOf(document_id)) kinds.push_back(e.kind());
    return kinds;
  }
};
INSTANTIATE_TEST_SUITE_P(Stores, LedgerEvidenceTest, kBothStores,
                         StoreKindName);

TEST_P(LedgerEvidenceTest, EachStepOfADocumentIsLoggedAndProvable) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  ASSERT_EQ(ledger_->Lease(Who(kHealth), 10)->size(), 1u);
  ASSERT_TRUE(Ack(kHealth, id).ok());
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  req.set_description("Đã vào sổ văn bản đến số 1024");
  ASSERT_TRUE(Report(kHealth, req).ok());
  EXPECT_EQ(Kinds(id), (std::vector<std::string>{"accepted", "leased",
                                                 "arrived", "status"}));
  auto events = EventsOf(id);
  EXPECT_EQ(events[0].actor(), "agency:000.01.00.H99");
  EXPECT_EQ(events[0].actor_certificate(), Who(kOffice).serial_hex);
  EXPECT_NE(
      events[0].detail().find("header_sha256=" + HexEncode(HeaderDigest(id))),
      std::string::npos)
      << events[0].detail();
  EXPECT_EQ(events[2].actor(), "agency:000.07.00.H99");
  EXPECT_NE(events[3].detail().find("status=03"), std::string::npos);
  TRUC_EXPECT_OK(audit_->Verify(&keys_.anchor()).status());

  // The evidence view carries every signed piece, each checkable offline.
  auto status = ledger_->StatusOf(id, /*evidence=*/true);
  ASSERT_TRUE(status.ok());
  TRUC_EXPECT_OK(
      VerifyReceipt(keys_.anchor(), status->acceptance_receipt()).status());
  const auto& health = status->recipients(0);
  ASSERT_EQ(health.history_size(), 2);
  for (const auto& step : health.history()) {
    auto v = VerifyReceipt(keys_.anchor(), step.receipt());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->body.recipient(), kHealth);
    EXPECT_EQ(v->body.status(), step.status());
  }
  // Without evidence the answer stays small.
  EXPECT_FALSE(ledger_->StatusOf(id)->recipients(0).history(0).has_receipt());
}

TEST_P(LedgerEvidenceTest, ARevokingDocumentIsLoggedAsARevoke) {
  auto first = Accept(MakeHeader(kOffice, {kHealth}), "k");
  auto h = MakeHeader(kOffice, {kHealth});
  h.mutable_business()->set_type(truc::v1::BUSINESS_TYPE_REVOKE);
  h.mutable_business()->set_reason("Ban hành nhầm");
  h.mutable_business()->set_target_document_id(first->document_id());
  auto revoke = Accept(h, "revoke");
  ASSERT_TRUE(revoke.ok()) << revoke.status();
  auto events = EventsOf(revoke->document_id());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), "revoke");
  EXPECT_NE(events[0].detail().find("target=" + first->document_id()),
            std::string::npos)
      << events[0].detail();
}

TEST_P(LedgerEvidenceTest, AStatementThatDoesNotFitIsRefusedAndChangesNothing) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  const std::string id = sent->document_id();
  auto other = Accept(MakeHeader(kOffice, {kHealth}), "other");
  const auto before = AllKeys();
  truc::v1::AcknowledgeRequest req;
  req.set_document_id(id);
  EXPECT_THAT(ledger_->Acknowledge(Who(kHealth), req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "must carry the agent's signed statement"));
  auto statement = [&](const std::string& signer, const std::string& doc,
                       const std::string& digest, truc::v1::EdxmlStatus st) {
    return *SignStatusStatement(keys_.signer(signer), doc, digest, st, "",
                                now_.load());
  };
  *req.mutable_receipt() = statement(kHealth, other->document_id(),
                                     HeaderDigest(other->document_id()),
                                     truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(
      ledger_->Acknowledge(Who(kHealth), req),
      StatusIs(absl::StatusCode::kInvalidArgument, "is about document"));
  *req.mutable_receipt() = statement(kHealth, id, Sha256::Of("another header"),
                                     truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(ledger_->Acknowledge(Who(kHealth), req),
              StatusIs(absl::StatusCode::kInvalidArgument, "another header"));
  *req.mutable_receipt() =
      statement(kHealth, id, HeaderDigest(id), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(ledger_->Acknowledge(Who(kHealth), req),
              StatusIs(absl::StatusCode::kInvalidArgument, "says status 03"));
  // Sở Tài chính signing for Sở Y tế.
  *req.mutable_receipt() =
      statement(kFinance, id, HeaderDigest(id), truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_FALSE(ledger_->Acknowledge(Who(kHealth), req).ok());
  auto good =
      statement(kHealth, id, HeaderDigest(id), truc::v1::EDXML_STATUS_ARRIVED);
  *req.mutable_receipt() = good;
  (*req.mutable_receipt()->mutable_body())[5] ^= 0x01;
  EXPECT_FALSE(ledger_->Acknowledge(Who(kHealth), req).ok());
  EXPECT_EQ(AllKeys(), before);
  EXPECT_EQ(ledger_->StatusOf(id)->received_count(), 0u);
  *req.mutable_receipt() = good;
  TRUC_EXPECT_OK(ledger_->Acknowledge(Who(kHealth), req).status());
}

TEST_P(LedgerEvidenceTest, ARefusalStatesWhatTheAgentReceived) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  const std::string id = sent->document_id();
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("chữ ký của bên gửi không hợp lệ");
  // The agent received other header bytes than the hub stored: it refuses
  // them, and that is what is recorded.
  *req.mutable_receipt() = *SignStatusStatement(
      keys_.signer(kHealth), id, Sha256::Of("altered"),
      truc::v1::EDXML_STATUS_REFUSED, req.description(), now_.load());
  ASSERT_TRUE(ledger_->ReportStatus(Who(kHealth), req).ok());
  auto status = ledger_->StatusOf(id, true);
  ASSERT_EQ(status->recipients(0).state(),
            truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  auto v =
      VerifyReceipt(keys_.anchor(), status->recipients(0).history(0).receipt());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->body.header_sha256(), Sha256::Of("altered"));
}

TEST_P(LedgerEvidenceTest, ARefusalAfterTheArrivalIsAboutTheStoredHeader) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  const std::string id = sent->document_id();
  ASSERT_EQ(ledger_->Lease(Who(kHealth), 10)->size(), 1u);
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("không thuộc thẩm quyền");
  // The agent acknowledged the stored header: a refusal now of other
  // bytes does not fit.
  *req.mutable_receipt() = *SignStatusStatement(
      keys_.signer(kHealth), id, Sha256::Of("altered"),
      truc::v1::EDXML_STATUS_REFUSED, req.description(), now_.load());
  EXPECT_THAT(ledger_->ReportStatus(Who(kHealth), req),
              StatusIs(absl::StatusCode::kInvalidArgument, "another header"));
  *req.mutable_receipt() = *SignStatusStatement(
      keys_.signer(kHealth), id, HeaderDigest(id),
      truc::v1::EDXML_STATUS_REFUSED, req.description(), now_.load());
  TRUC_ASSERT_OK(ledger_->ReportStatus(Who(kHealth), req).status());
  EXPECT_EQ(ledger_->StatusOf(id)->recipients(0).state(),
            truc::v1::DELIVERY_STATE_REFUSED);
}

TEST_P(LedgerEvidenceTest, NoChangeWithoutItsRecord) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  const std::string id = sent->document_id();
  const uint64_t events = audit_->size();
  // A lease whose record cannot be written is not a lease.
  faulty_->FailWrites(1);
  EXPECT_THAT(ledger_->Lease(Who(kHealth), 10),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_EQ(offers_->NextExpiry(kHealth), 0);
  auto leased = ledger_->Lease(Who(kHealth), 10);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ((*leased)[0].attempt(), 1u);
  // Nor an arrival, nor a registration.
  faulty_->FailWrites(1);
  EXPECT_THAT(Ack(kHealth, id),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_EQ(ledger_->StatusOf(id)->received_count(), 0u);
  faulty_->FailWrites(1);
  EXPECT_FALSE(
      directory_->Register("000.40.00.H99", "Sở Du lịch", "", Operator()).ok());
  EXPECT_FALSE(directory_->Find("000.40.00.H99").has_value());
  EXPECT_EQ(audit_->size(), events + 1) << "only the lease that went through";
  TRUC_EXPECT_OK(audit_->Verify().status());
}

TEST_P(LedgerEvidenceTest, OperatorActionsNameTheOperator) {
  ASSERT_TRUE(
      directory_->Register("000.40.00.H99", "Sở Du lịch", "", Operator()).ok());
  ASSERT_TRUE(directory_
                  ->SetState("000.40.00.H99", truc::v1::AGENCY_STATE_SUSPENDED,
                             Operator())
                  .ok());
  ASSERT_TRUE(
      registry_
          ->Revoke(Who(kYTich).serial_hex, "máy tính xã bị mất", Operator())
          .ok());
  const uint64_t n = audit_->size();
  auto revoked = *audit_->Event(n - 1);
  auto suspended = *audit_->Event(n - 2);
  auto registered = *audit_->Event(n - 3);
  EXPECT_EQ(registered.kind(), "agency_registered");
  EXPECT_EQ(registered.agency(), "000.40.00.H99");
  EXPECT_NE(registered.detail().find("Sở Du lịch"), std::string::npos);
  EXPECT_EQ(suspended.kind(), "agency_suspended");
  EXPECT_EQ(revoked.kind(), "certificate_revoked");
  EXPECT_EQ(revoked.agency(), kYTich);
  EXPECT_NE(revoked.detail().find("máy tính xã bị mất"), std::string::npos);
  for (const auto& e : {registered, suspended, revoked}) {
    EXPECT_EQ(e.actor(), "operator:van-thu");
    EXPECT_EQ(e.actor_certificate(), Operator().serial_hex);
  }
  // Suspending again changes nothing and records nothing.
  ASSERT_TRUE(directory_
                  ->SetState("000.40.00.H99", truc::v1::AGENCY_STATE_SUSPENDED,
                             Operator())
                  .ok());
  EXPECT_EQ(audit_->size(), n);
}

}  // namespace
}  // namespace truc::hub
