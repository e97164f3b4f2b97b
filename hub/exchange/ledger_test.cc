#include "hub/exchange/ledger.h"

#include "common/evidence.h"
#include "hub/store/key_layout.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;
using truc::v1::DeliveryState;

class LedgerTest : public HubFixture,
                   public ::testing::WithParamInterface<StoreKind> {
 protected:
  StoreKind store_kind() const override { return GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Stores, LedgerTest, kBothStores, StoreKindName);

TEST_P(LedgerTest, AcceptQueuesOneDeliveryPerRecipient) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kFinance, kYTich}), "k1");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_FALSE(sent->duplicate());
  EXPECT_EQ(sent->edxml_document_id(), "000.01.00.H99,2026/11/22,123/UBND-VP");
  auto status = ledger_->StatusOf(sent->document_id());
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->recipient_count(), 3u);
  EXPECT_EQ(status->received_count(), 0u);
  EXPECT_EQ(status->subject(), "V/v phòng chống bão số 9");
  for (const auto& r : status->recipients()) {
    EXPECT_EQ(r.state(), truc::v1::DELIVERY_STATE_QUEUED);
    EXPECT_TRUE(r.silent()) << "never polled";
  }
  EXPECT_EQ(status->recipients(2).name(), "UBND xã Y Tịch");
}

TEST_P(LedgerTest, SameIdempotencyKeyStoresNothingTwice) {
  auto first = Accept(MakeHeader(kOffice, {kHealth}), "same");
  ASSERT_TRUE(first.ok());
  size_t keys_after_first = AllKeys().size();
  auto second = Accept(MakeHeader(kOffice, {kHealth}), "same");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate());
  EXPECT_EQ(second->document_id(), first->document_id());
  EXPECT_EQ(AllKeys().size(), keys_after_first);
  // Another sender may use the same key for its own document.
  auto other = Accept(MakeHeader(kHealth, {kOffice}), "same");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->document_id(), first->document_id());
}

TEST_P(LedgerTest, FailedWriteLeavesNothingAndRetrySucceeds) {
  auto before = AllKeys();
  faulty_->FailWrites(1);
  EXPECT_THAT(Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k"),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_EQ(AllKeys(), before);
  auto pending = ledger_->ListPending({});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->documents_size(), 0);
  auto retry = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  ASSERT_TRUE(retry.ok());
  EXPECT_FALSE(retry->duplicate());
}

TEST_P(LedgerTest, ExpressFirstThenFifoWithinLevel) {
  std::vector<std::pair<truc::v1::Urgency, std::string>> sends = {
      {truc::v1::URGENCY_NORMAL, "n1"},
      {truc::v1::URGENCY_URGENT, "u1"},
      {truc::v1::URGENCY_EXPRESS, "e1"},
      {truc::v1::URGENCY_NORMAL, "n2"},
      {truc::v1::URGENCY_VERY_URGENT, "v1"},
      {truc::v1::URGENCY_EXPRESS_TIMED, "e2"},
      {truc::v1::URGENCY_EXPRESS, "e3"}};
  std::map<std::string, std::string> id_of;
  for (const auto& [u, name] : sends) {
    now_ += 1000;
    auto h = MakeHeader(kOffice, {kHealth}, u);
    if (u == truc::v1::URGENCY_EXPRESS_TIMED)
      h.mutable_express_deadline()->set_unix_micros(1);
    auto r = Accept(h, name);
    ASSERT_TRUE(r.ok()) << r.status();
    id_of[r->document_id()] = name;
  }
  auto leased = ledger_->Lease(Who(kHealth), 100);
  ASSERT_TRUE(leased.ok());
  std::vector<std::string> order;
  for (const auto& d : *leased) order.push_back(id_of[d.document_id()]);
  EXPECT_EQ(order, (std::vector<std::string>{"e1", "e2", "e3", "v1", "u1", "n1",
                                             "n2"}));
}

TEST_P(LedgerTest, LeaseHidesThenReoffersAfterExpiry) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  ASSERT_TRUE(sent.ok());
  auto first = ledger_->Lease(Who(kHealth), 10);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].attempt(), 1u);
  EXPECT_TRUE(ledger_->Lease(Who(kHealth), 10)->empty());
  EXPECT_EQ(ledger_->StatusOf(sent->document_id())->recipients(0).state(),
            truc::v1::DELIVERY_STATE_LEASED);
  EXPECT_EQ(offers_->NextExpiry(kHealth), now_ + 60'000'000);
  now_ += 61'000'000;
  auto again = ledger_->Lease(Who(kHealth), 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempt(), 2u);
  // Others' queues are their own.
  EXPECT_TRUE(ledger_->Lease(Who(kFinance), 10)->empty());
}

TEST_P(LedgerTest, AcknowledgeRecordsArrivalOnce) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  ASSERT_TRUE(sent.ok());
  const std::string id = sent->document_id();
  ASSERT_EQ(ledger_->Lease(Who(kHealth), 10)->size(), 1u);
  now_ += 5'000'000;
  auto ack = Ack(kHealth, id);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_FALSE(ack->already_acknowledged());
  EXPECT_EQ(ack->arrived_at().unix_micros(), now_);
  now_ += 1'000'000;
  auto again = Ack(kHealth, id);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_acknowledged());
  EXPECT_EQ(again->arrived_at().unix_micros(), ack->arrived_at().unix_micros());
  // No longer offered, even after the lease would have ended.
  now_ += 120'000'000;
  EXPECT_TRUE(ledger_->Lease(Who(kHealth), 10)->empty());
  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->received_count(), 1u);
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  EXPECT_EQ(status->recipients(0).history(0).status(),
            truc::v1::EDXML_STATUS_ARRIVED);
  // Pending lists only Y Tịch now.
  auto pending = ledger_->ListPending({});
  ASSERT_EQ(pending->documents_size(), 1);
  ASSERT_EQ(pending->documents(0).recipients_size(), 1);
  EXPECT_EQ(pending->documents(0).recipients(0).organ_id(), kYTich);
  EXPECT_EQ(pending->documents(0).recipients(0).name(), "UBND xã Y Tịch");
}

TEST_P(LedgerTest, OnlyTheRecipientMayAcknowledgeOrReport) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  ASSERT_TRUE(sent.ok());
  EXPECT_THAT(Ack(kFinance, sent->document_id()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "was not sent to agency 000.03.00.H99"));
  EXPECT_THAT(Ack(kHealth, "20261122-000000000000"),
              StatusIs(absl::StatusCode::kNotFound, "no document"));
  truc::v1::ReportStatusRequest req;
  req.set_document_id(sent->document_id());
  req.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(Report(kFinance, req),
              StatusIs(absl::StatusCode::kPermissionDenied, "was not sent"));
}

TEST_P(LedgerTest, StatusHistoryAndReadReceipt) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  const std::string id = sent->document_id();
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(
      Report(kHealth, req),
      StatusIs(absl::StatusCode::kFailedPrecondition, "has not arrived"));
  ASSERT_TRUE(Ack(kHealth, id).ok());
  now_ += 60'000'000;
  ASSERT_TRUE(Report(kHealth, req).ok());
  req.set_status(truc::v1::EDXML_STATUS_ASSIGNED);
  req.mutable_staff()->set_staff("Trần Thị Bình");
  req.set_description("Giao phòng Nghiệp vụ Y");
  ASSERT_TRUE(Report(kHealth, req).ok());
  req.set_status(static_cast<truc::v1::EdxmlStatus>(7));
  EXPECT_THAT(Report(kHealth, req), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "cannot be reported"));
  req.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(Report(kHealth, req),
              StatusIs(absl::StatusCode::kInvalidArgument, "acknowledging"));
  auto r = ledger_->StatusOf(id)->recipients(0);
  EXPECT_EQ(r.state(), truc::v1::DELIVERY_STATE_ASSIGNED);
  EXPECT_EQ(r.accepted_at().unix_micros(), now_);
  ASSERT_EQ(r.history_size(), 3);
  EXPECT_EQ(r.history(2).staff().staff(), "Trần Thị Bình");
}

// The agent refuses a document that fails its checks and stores nothing:
// the unit has not received it, and every view says so.
TEST_P(LedgerTest, ARefusalOnArrivalIsNotReceived) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  const std::string id = sent->document_id();
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u);
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("the sender's signature does not check out");
  TRUC_ASSERT_OK(Report(kYTich, req).status());
  now_ += 61'000'000;  // past the lease: still not offered again
  EXPECT_TRUE(ledger_->Lease(Who(kYTich), 10)->empty());

  auto status = ledger_->StatusOf(id);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->recipients(1).state(),
            truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  EXPECT_EQ(status->recipients(1).refusal_reason(),
            "the sender's signature does not check out");
  EXPECT_EQ(status->recipients(1).reception(),
            truc::v1::RECEPTION_NOT_RECEIVED);
  EXPECT_EQ(status->recipients(0).reception(), truc::v1::RECEPTION_RECEIVED);
  EXPECT_FALSE(status->recipients(1).has_arrived_at());
  EXPECT_EQ(status->received_count(), 1u) << "Sở Y tế only";
  EXPECT_EQ(status->refused_on_arrival_count(), 1u);
  EXPECT_EQ(status->refused_count(), 0u);

  // The operators' pending list and the office's outstanding list keep it.
  auto pending = ledger_->ListPending({});
  ASSERT_EQ(pending->documents_size(), 1);
  ASSERT_EQ(pending->documents(0).recipients_size(), 1);
  const auto& p = pending->documents(0).recipients(0);
  EXPECT_EQ(p.organ_id(), kYTich);
  EXPECT_EQ(p.state(), truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  EXPECT_EQ(p.refusal_reason(), "the sender's signature does not check out");
  truc::v1::ListSentRequest outstanding;
  outstanding.set_outstanding_only(true);
  auto sent_list = ledger_->ListSent(kOffice, outstanding);
  ASSERT_EQ(sent_list->documents_size(), 1);
  ASSERT_EQ(sent_list->documents(0).recipients_size(), 1);
  EXPECT_EQ(sent_list->documents(0).recipients(0).state(),
            truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  EXPECT_EQ(sent_list->documents(0).refused_size(), 0);
  // The board (every sender's documents) too.
  auto board = ledger_->ListRecent(outstanding);
  ASSERT_EQ(board->documents_size(), 1);
  EXPECT_EQ(board->documents(0).recipients(0).organ_id(), kYTich);

  // 03..06 cannot follow: nothing arrived.
  req.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(
      Report(kYTich, req),
      StatusIs(absl::StatusCode::kFailedPrecondition, "has not arrived"));
}

// A clerk's refusal after the arrival: the unit has it and declined it.
TEST_P(LedgerTest, ARefusalByTheUnitIsReceivedAndListedAsRefused) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  const std::string id = sent->document_id();
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("Không thuộc thẩm quyền của Sở Y tế");
  TRUC_ASSERT_OK(Report(kHealth, req).status());

  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_REFUSED);
  EXPECT_EQ(status->recipients(0).refusal_reason(),
            "Không thuộc thẩm quyền của Sở Y tế");
  EXPECT_EQ(status->received_count(), 1u);
  EXPECT_EQ(status->refused_count(), 1u);
  EXPECT_EQ(status->refused_on_arrival_count(), 0u);

  // Not missing: pending names Y Tịch only.
  auto pending = ledger_->ListPending({});
  ASSERT_EQ(pending->documents_size(), 1);
  ASSERT_EQ(pending->documents(0).recipients_size(), 1);
  EXPECT_EQ(pending->documents(0).recipients(0).organ_id(), kYTich);
  // The office sees the refusal, and can ask for refused documents only.
  truc::v1::ListSentRequest list;
  auto sent_list = ledger_->ListSent(kOffice, list);
  ASSERT_EQ(sent_list->documents_size(), 1);
  const auto& d = sent_list->documents(0);
  ASSERT_EQ(d.refused_size(), 1);
  EXPECT_EQ(d.refused(0).organ_id(), kHealth);
  EXPECT_EQ(d.refused(0).state(), truc::v1::DELIVERY_STATE_REFUSED);
  EXPECT_EQ(d.refused(0).refusal_reason(),
            "Không thuộc thẩm quyền của Sở Y tế");
  ASSERT_EQ(d.recipients_size(), 1);
  EXPECT_EQ(d.recipients(0).organ_id(), kYTich);
  list.set_refused_only(true);
  EXPECT_EQ(ledger_->ListSent(kOffice, list)->documents_size(), 1);
  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  auto other = Accept(MakeHeader(kOffice, {kHealth}), "k2");
  TRUC_ASSERT_OK(Ack(kHealth, other->document_id()).status());
  auto refused_only = ledger_->ListSent(kOffice, list);
  ASSERT_EQ(refused_only->documents_size(), 1) << "the refused one only";
  EXPECT_EQ(refused_only->documents(0).document_id(), id);
  list.set_refused_only(false);
  list.set_outstanding_only(true);
  EXPECT_EQ(ledger_->ListSent(kOffice, list)->documents_size(), 0)
      << "every unit has both";
}

// Resending to a unit whose agent refused the document on arrival offers
// it again; a good copy that arrives clears it everywhere.
TEST_P(LedgerTest, AResendAfterARefusalOnArrivalDeliversAndClearsIt) {
  auto sent =
      Accept(MakeHeader(kOffice, {kYTich}, truc::v1::URGENCY_EXPRESS), "k");
  const std::string id = sent->document_id();
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u);
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("the header is not a valid DocumentHeader");
  TRUC_ASSERT_OK(Report(kYTich, req).status());
  EXPECT_TRUE(ledger_->Lease(Who(kYTich), 10)->empty());

  auto again = ledger_->Resend(id, Who(kOffice));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, std::vector<std::string>{kYTich});
  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_QUEUED);
  EXPECT_EQ(status->recipients(0).resends(), 1u);
  EXPECT_EQ(status->recipients(0).history(0).status(),
            truc::v1::EDXML_STATUS_REFUSED)
      << "the refusal stays in its history";
  ASSERT_EQ(ledger_->ListPending({})->documents_size(), 1);
  EXPECT_EQ(ledger_->ListPending({})->documents(0).recipients(0).state(),
            truc::v1::DELIVERY_STATE_QUEUED);
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u) << "offered again";
  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  EXPECT_EQ(status->received_count(), 1u);
  EXPECT_EQ(ledger_->ListPending({})->documents_size(), 0);
  truc::v1::ListSentRequest outstanding;
  outstanding.set_outstanding_only(true);
  EXPECT_EQ(ledger_->ListSent(kOffice, outstanding)->documents_size(), 0);
}

// A paper copy carried to a unit whose agent refused the document: it is
// delivered by paper, and a resend still offers its agent a copy.
TEST_P(LedgerTest, APaperCopyAfterARefusalOnArrival) {
  auto sent = Accept(MakeHeader(kOffice, {kYTich}), "k");
  const std::string id = sent->document_id();
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  req.set_description("the envelope carries no signature of its sender");
  TRUC_ASSERT_OK(Report(kYTich, req).status());
  truc::v1::PaperCopy paper;
  paper.set_carried_by("Nguyễn Văn An");
  paper.set_signed_by("Lò Thị Pếnh");
  TRUC_ASSERT_OK(
      ledger_->RecordPaperCopy(id, kYTich, paper, Operator()).status());
  EXPECT_EQ(ledger_->StatusOf(id)->recipients(0).state(),
            truc::v1::DELIVERY_STATE_PAPER);
  EXPECT_EQ(ledger_->ListPending({})->documents_size(), 0);
  EXPECT_TRUE(ledger_->Lease(Who(kYTich), 10)->empty());
  TRUC_ASSERT_OK(ledger_->Resend(id, Operator()).status());
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u);
  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  EXPECT_EQ(ledger_->StatusOf(id)->recipients(0).state(),
            truc::v1::DELIVERY_STATE_ARRIVED);
}

TEST_P(LedgerTest, StatusesFollowTheHandlingOrder) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  const std::string id = sent->document_id();
  truc::v1::ReportStatusRequest req;
  req.set_document_id(id);
  // Y Tịch's clerk refuses what arrived; nothing may follow.
  ASSERT_TRUE(Ack(kYTich, id).ok());
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  ASSERT_TRUE(Report(kYTich, req).ok());
  req.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(Report(kYTich, req),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "already refused by the unit (02)"));
  // Sở Y tế accepts; it can no longer refuse; after 06 nothing follows.
  ASSERT_TRUE(Ack(kHealth, id).ok());
  ASSERT_TRUE(Report(kHealth, req).ok());
  req.set_status(truc::v1::EDXML_STATUS_REFUSED);
  EXPECT_THAT(Report(kHealth, req),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "can no longer be refused"));
  req.set_status(truc::v1::EDXML_STATUS_COMPLETED);
  ASSERT_TRUE(Report(kHealth, req).ok());
  req.set_status(truc::v1::EDXML_STATUS_PROCESSING);
  EXPECT_THAT(Report(kHealth, req),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "already completed (06)"));
}

TEST_P(LedgerTest, StatusReportsAreBounded) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
  ASSERT_TRUE(Ack(kHealth, sent->document_id()).ok());
  truc::v1::ReportStatusRequest req;
  req.set_document_id(sent->document_id());
  req.set_status(truc::v1::EDXML_STATUS_PROCESSING);
  req.mutable_staff()->set_staff(std::string(300, 'x'));
  EXPECT_THAT(Report(kHealth, req), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "at most 256 bytes"));
  req.mutable_staff()->set_staff("Trần Thị Bình");
  for (int i = 1; i < 64; ++i) ASSERT_TRUE(Report(kHealth, req).ok()) << i;
  EXPECT_THAT(Report(kHealth, req),
              StatusIs(absl::StatusCode::kResourceExhausted, "64 statuses"));
}

TEST_P(LedgerTest, APollAnswerStaysUnderItsByteLimit) {
  for (int i = 0; i < 4; ++i) {
    auto h = MakeHeader(kOffice, {kHealth});
    h.set_content(std::string(10 << 20, 'a' + i));
    ASSERT_TRUE(Accept(h, "big-" + std::to_string(i)).ok());
  }
  auto first = ledger_->Lease(Who(kHealth), 16);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 3u) << "30 MB fit, 40 MB would not";
  auto second = ledger_->Lease(Who(kHealth), 16);
  EXPECT_EQ(second->size(), 1u) << "the rest comes with the next poll";
}

TEST_P(LedgerTest, PendingFiltersByUrgencyAndAge) {
  auto normal =
      Accept(MakeHeader(kOffice, {kHealth}, truc::v1::URGENCY_NORMAL), "n");
  now_ += 600'000'000;  // 10 minutes later
  auto express = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "e");
  now_ += 60'000'000;
  truc::v1::ListPendingRequest req;
  auto all = ledger_->ListPending(req);
  ASSERT_EQ(all->documents_size(), 2);
  EXPECT_EQ(all->documents(0).document_id(), express->document_id())
      << "express first";
  EXPECT_EQ(all->documents(0).recipients_size(), 2);
  req.set_min_urgency(truc::v1::URGENCY_EXPRESS);
  auto exp = ledger_->ListPending(req);
  ASSERT_EQ(exp->documents_size(), 1);
  req.set_min_urgency(truc::v1::URGENCY_UNSPECIFIED);
  req.set_older_than_seconds(300);
  auto old = ledger_->ListPending(req);
  ASSERT_EQ(old->documents_size(), 1);
  EXPECT_EQ(old->documents(0).document_id(), normal->document_id());
  req.set_older_than_seconds(100ull * 365 * 86400);  // a century
  EXPECT_EQ(ledger_->ListPending(req)->documents_size(), 0);
  req.set_older_than_seconds(0);
  req.set_limit(1);
  auto cut = ledger_->ListPending(req);
  EXPECT_EQ(cut->documents_size(), 1);
  EXPECT_TRUE(cut->truncated());
}

TEST_P(LedgerTest, ASenderSeesItsRecentDocumentsAndWhoLacksThem) {
  auto old = Accept(MakeHeader(kOffice, {kHealth}), "old");
  now_ += 8LL * 86400 * 1'000'000;  // eight days later
  auto a = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "a");
  now_ += 1'000'000;
  auto b =
      Accept(MakeHeader(kOffice, {kFinance}, truc::v1::URGENCY_NORMAL), "b");
  auto theirs = Accept(MakeHeader(kHealth, {kFinance}), "theirs");
  ASSERT_TRUE(Ack(kHealth, a->document_id()).ok());
  ASSERT_TRUE(Ack(kFinance, b->document_id()).ok());

  truc::v1::ListSentRequest req;  // default window: 7 days
  auto sent = ledger_->ListSent(kOffice, req);
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->documents_size(), 2)
      << "the eight-day-old one is outside the window";
  EXPECT_EQ(sent->documents(0).document_id(), a->document_id());
  EXPECT_EQ(sent->documents(0).recipient_count(), 2u);
  ASSERT_EQ(sent->documents(0).recipients_size(), 1);
  EXPECT_EQ(sent->documents(0).recipients(0).organ_id(), kYTich);
  EXPECT_EQ(sent->documents(0).recipients(0).name(), "UBND xã Y Tịch");
  EXPECT_EQ(sent->documents(1).recipients_size(), 0) << "all received";
  req.set_outstanding_only(true);
  sent = ledger_->ListSent(kOffice, req);
  ASSERT_EQ(sent->documents_size(), 1);
  EXPECT_EQ(sent->documents(0).document_id(), a->document_id());
  req.set_since_seconds(30LL * 86400);
  req.set_outstanding_only(false);
  req.set_limit(2);
  sent = ledger_->ListSent(kOffice, req);
  EXPECT_EQ(sent->documents_size(), 2);
  EXPECT_TRUE(sent->truncated());
  EXPECT_EQ(sent->documents(0).document_id(), old->document_id());
  // Only the caller's own documents.
  auto finance = ledger_->ListSent(kFinance, {});
  ASSERT_TRUE(finance.ok()) << finance.status();
  for (const auto& d : finance->documents()) ADD_FAILURE() << d.document_id();
  EXPECT_EQ(ledger_->ListSent(kHealth, {})->documents(0).document_id(),
            theirs->document_id());
}

TEST_P(LedgerTest, EverythingSurvivesReopen) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  ASSERT_TRUE(Ack(kHealth, sent->document_id()).ok());
  Open();
  auto status = ledger_->StatusOf(sent->document_id());
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->received_count(), 1u);
  auto leased = ledger_->Lease(Who(kYTich), 10);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ((*leased)[0].document_id(), sent->document_id());
  EXPECT_TRUE(ledger_->Lease(Who(kHealth), 10)->empty());
  auto dup = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  EXPECT_TRUE(dup->duplicate());
}

TEST_P(LedgerTest, DirectoryChecksAndLiveness) {
  EXPECT_THAT(directory_->CheckRecipients({kHealth, "000.99.00.H99"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown recipient: 000.99.00.H99"));
  ASSERT_TRUE(
      directory_->SetState(kYTich, truc::v1::AGENCY_STATE_SUSPENDED, Operator())
          .ok());
  EXPECT_THAT(directory_->CheckRecipients({kYTich}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "suspended recipient: 000.21.30.H99 (UBND xã Y Tịch)"));
  EXPECT_THAT(directory_->CheckCaller(kYTich),
              StatusIs(absl::StatusCode::kPermissionDenied, "suspended"));
  EXPECT_THAT(directory_->CheckCaller("000.98.00.H99"),
              StatusIs(absl::StatusCode::kPermissionDenied, "not registered"));
  EXPECT_THAT(directory_->Register(kHealth, "Sở Y tế mới", "", Operator()),
              StatusIs(absl::StatusCode::kAlreadyExists, "already registered"));
  EXPECT_TRUE(
      directory_->Register(kHealth, "Sở Y tế", "000.00.00.H99", Operator())
          .ok());
  EXPECT_THAT(
      directory_->Register("000.40.00.H99", "X", "000.41.00.H99", Operator()),
      StatusIs(absl::StatusCode::kInvalidArgument, "parent"));
  EXPECT_TRUE(directory_->IsSilent(kHealth));
  directory_->RecordPoll(kHealth);
  EXPECT_FALSE(directory_->IsSilent(kHealth));
  now_ += 901'000'000;
  EXPECT_TRUE(directory_->IsSilent(kHealth));
  Open();
  EXPECT_EQ(directory_->LastPoll(kHealth), now_ - 901'000'000);
  EXPECT_EQ(directory_->Find(kYTich)->state(),
            truc::v1::AGENCY_STATE_SUSPENDED);
}

// Evidence: every change has its audit event, every status its statement.
}  // namespace
}  // namespace truc::hub
