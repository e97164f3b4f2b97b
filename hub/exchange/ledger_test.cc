#include "hub/exchange/ledger.h"

#include "common/evidence.h"
#include "hub/store/key_layout.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;
using truc::v1::DeliveryState;

class LedgerTest : public HubFixture {};

TEST_F(LedgerTest, AcceptQueuesOneDeliveryPerRecipient) {
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

TEST_F(LedgerTest, SameIdempotencyKeyStoresNothingTwice) {
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

TEST_F(LedgerTest, FailedWriteLeavesNothingAndRetrySucceeds) {
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

TEST_F(LedgerTest, ExpressFirstThenFifoWithinLevel) {
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

TEST_F(LedgerTest, LeaseHidesThenReoffersAfterExpiry) {
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

TEST_F(LedgerTest, AcknowledgeRecordsArrivalOnce) {
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

TEST_F(LedgerTest, OnlyTheRecipientMayAcknowledgeOrReport) {
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

TEST_F(LedgerTest, StatusHistoryAndReadReceipt) {
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
TEST_F(LedgerTest, ARefusalOnArrivalIsNotReceived) {
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
TEST_F(LedgerTest, ARefusalByTheUnitIsReceivedAndListedAsRefused) {
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
TEST_F(LedgerTest, AResendAfterARefusalOnArrivalDeliversAndClearsIt) {
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
TEST_F(LedgerTest, APaperCopyAfterARefusalOnArrival) {
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

TEST_F(LedgerTest, StatusesFollowTheHandlingOrder) {
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

TEST_F(LedgerTest, StatusReportsAreBounded) {
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

TEST_F(LedgerTest, APollAnswerStaysUnderItsByteLimit) {
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

TEST_F(LedgerTest, PendingFiltersByUrgencyAndAge) {
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

TEST_F(LedgerTest, ASenderSeesItsRecentDocumentsAndWhoLacksThem) {
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

TEST_F(LedgerTest, EverythingSurvivesReopen) {
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

TEST_F(LedgerTest, DirectoryChecksAndLiveness) {
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
class LedgerEvidenceTest : public HubFixture {
 protected:
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

TEST_F(LedgerEvidenceTest, EachStepOfADocumentIsLoggedAndProvable) {
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

TEST_F(LedgerEvidenceTest, ARevokingDocumentIsLoggedAsARevoke) {
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

TEST_F(LedgerEvidenceTest, AStatementThatDoesNotFitIsRefusedAndChangesNothing) {
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

TEST_F(LedgerEvidenceTest, ARefusalStatesWhatTheAgentReceived) {
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

TEST_F(LedgerEvidenceTest, ARefusalAfterTheArrivalIsAboutTheStoredHeader) {
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

TEST_F(LedgerEvidenceTest, NoChangeWithoutItsRecord) {
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

TEST_F(LedgerEvidenceTest, OperatorActionsNameTheOperator) {
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

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

// Resends, paper copies and the board, with the changes they publish.
class LedgerConsoleTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    ledger_->SetChangeFeed(&feed_);
    sub_ = feed_.Subscribe();
  }
  std::vector<Change> Changes() {
    bool lost = false;
    return sub_->Next(absl::Milliseconds(1), &lost);
  }
  std::vector<std::string> Kinds(const std::string& document_id) {
    std::vector<std::string> kinds;
    auto proof = audit_->ProveDocument(document_id);
    if (!proof.ok()) return kinds;
    auto v = VerifyDocumentProof(keys_.anchor(), *proof);
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) {
      for (const auto& e : v->events) kinds.push_back(e.kind());
    }
    return kinds;
  }
  truc::v1::PaperCopy Paper() {
    truc::v1::PaperCopy p;
    p.set_carried_by("Nguyễn Văn An, văn thư UBND tỉnh");
    p.set_signed_by("Lò Thị Pếnh, văn thư xã");
    p.mutable_carried_at()->set_unix_micros(now_.load());
    return p;
  }
  ChangeFeed feed_;
  std::unique_ptr<ChangeFeed::Subscription> sub_;
};

TEST_F(LedgerConsoleTest, AResendOffersTheDocumentAgainOnlyToThoseWithoutIt) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  const std::string id = sent->document_id();
  ASSERT_EQ(ledger_->Lease(Who(kHealth), 10)->size(), 1u);
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  // Y Tịch's agent took it and went quiet: its lease holds it.
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u);
  EXPECT_TRUE(ledger_->Lease(Who(kYTich), 10)->empty());
  (void)Changes();

  auto again = ledger_->Resend(id, Operator());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, std::vector<std::string>{kYTich});
  EXPECT_EQ(Kinds(id).back(), "resent");
  auto leased = ledger_->Lease(Who(kYTich), 10);
  ASSERT_EQ(leased->size(), 1u) << "a new lease at once";
  EXPECT_EQ((*leased)[0].attempt(), 2u);
  EXPECT_TRUE(ledger_->Lease(Who(kHealth), 10)->empty())
      << "Sở Y tế has it: not offered again";
  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).resends(), 0u);
  EXPECT_EQ(status->recipients(1).resends(), 1u);
  auto changes = Changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, Change::Kind::kResent);
  EXPECT_EQ(changes[0].sender, kOffice);

  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  EXPECT_THAT(
      ledger_->Resend(id, Operator()),
      StatusIs(absl::StatusCode::kFailedPrecondition, "nothing to resend"));
  EXPECT_THAT(ledger_->Resend("20261122-000000000000", Operator()),
              StatusIs(absl::StatusCode::kNotFound, "no document"));
}

TEST_F(LedgerConsoleTest, APaperCopyCountsAsDeliveredAndALaterArrivalStill) {
  auto sent = Accept(
      MakeHeader(kOffice, {kHealth, kYTich}, truc::v1::URGENCY_EXPRESS), "k");
  const std::string id = sent->document_id();
  (void)Changes();
  auto recorded = ledger_->RecordPaperCopy(id, kYTich, Paper(), Operator());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->state(), truc::v1::DELIVERY_STATE_PAPER);
  EXPECT_EQ(recorded->paper().signed_by(), "Lò Thị Pếnh, văn thư xã");
  EXPECT_EQ(recorded->paper().recorded_by(), "operator:van-thu");
  // Not among those who have not received it any more...
  auto pending = ledger_->ListPending({});
  ASSERT_EQ(pending->documents_size(), 1);
  ASSERT_EQ(pending->documents(0).recipients_size(), 1);
  EXPECT_EQ(pending->documents(0).recipients(0).organ_id(), kHealth);
  auto board = ledger_->ListRecent({});
  ASSERT_EQ(board->documents_size(), 1);
  ASSERT_EQ(board->documents(0).paper_size(), 1);
  EXPECT_EQ(board->documents(0).paper(0).organ_id(), kYTich);
  EXPECT_EQ(board->documents(0).paper(0).name(), "UBND xã Y Tịch");
  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->paper_count(), 1u);
  EXPECT_EQ(status->received_count(), 0u) << "not electronically";
  EXPECT_EQ(Kinds(id).back(), "paper_copy");
  auto changes = Changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, Change::Kind::kPaper);
  EXPECT_EQ(changes[0].agency, kYTich);
  EXPECT_THAT(
      ledger_->RecordPaperCopy(id, kYTich, Paper(), Operator()),
      StatusIs(absl::StatusCode::kAlreadyExists, "carried by Nguyễn Văn An"));

  // ...but its agent still gets it, and the arrival is recorded.
  now_ += 3'600'000'000;
  ASSERT_EQ(ledger_->Lease(Who(kYTich), 10)->size(), 1u);
  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(1).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  EXPECT_EQ(status->recipients(1).paper().carried_by(),
            "Nguyễn Văn An, văn thư UBND tỉnh");
  EXPECT_EQ(status->received_count(), 1u);
  EXPECT_EQ(status->paper_count(), 0u);
  changes = Changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, Change::Kind::kArrived);
  EXPECT_EQ(changes[0].delay_micros, 3'600'000'000);
  EXPECT_TRUE(ledger_->ListRecent({})->documents(0).paper().empty());
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kYTich, Paper(), Operator()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "already arrived electronically"));
}

TEST_F(LedgerConsoleTest, BadPaperCopiesAreNamedAndChangeNothing) {
  auto sent = Accept(MakeHeader(kOffice, {kYTich}), "k");
  const std::string id = sent->document_id();
  const uint64_t events = audit_->size();
  auto p = Paper();
  p.set_carried_by("   ");
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kYTich, p, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "carried_by"));
  p = Paper();
  p.clear_signed_by();
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kYTich, p, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "signed_by"));
  p = Paper();
  p.mutable_carried_at()->set_unix_micros(now_.load() + 86'400'000'000);
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kYTich, p, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "in the future"));
  p = Paper();
  p.mutable_carried_at()->set_unix_micros(now_.load() - 86'400'000'000);
  EXPECT_THAT(
      ledger_->RecordPaperCopy(id, kYTich, p, Operator()),
      StatusIs(absl::StatusCode::kInvalidArgument, "before the document"));
  p = Paper();
  p.set_note(std::string(1001, 'x'));
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kYTich, p, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "note is longer"));
  EXPECT_THAT(ledger_->RecordPaperCopy(id, kHealth, Paper(), Operator()),
              StatusIs(absl::StatusCode::kPermissionDenied, "was not sent to"));
  EXPECT_EQ(audit_->size(), events);
  EXPECT_EQ(ledger_->StatusOf(id)->recipients(0).state(),
            truc::v1::DELIVERY_STATE_QUEUED);
}

TEST_F(LedgerConsoleTest, TheBoardListsEverySendersDocumentsOldestFirst) {
  auto first = Accept(MakeHeader(kOffice, {kHealth}), "a");
  now_ += 1'000'000;
  auto second = Accept(MakeHeader(kHealth, {kOffice, kYTich}), "b");
  truc::v1::ListSentRequest req;
  auto board = ledger_->ListRecent(req);
  ASSERT_EQ(board->documents_size(), 2);
  EXPECT_EQ(board->documents(0).document_id(), first->document_id());
  EXPECT_EQ(board->documents(1).sender(), kHealth);
  EXPECT_EQ(board->documents(1).recipients_size(), 2);
  EXPECT_EQ(ledger_->ListSent(kHealth, req)->documents_size(), 1);
  req.set_since_seconds(1);
  now_ += 5'000'000;
  EXPECT_EQ(ledger_->ListRecent(req)->documents_size(), 0);
}

}  // namespace
}  // namespace truc::hub
