// What the operations room asks of the ledger: resends, paper copies, the
// province's board.
#include "common/evidence.h"
#include "hub/exchange/ledger.h"
#include "hub/store/key_layout.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

// Resends, paper copies and the board, with the changes they publish.
class LedgerConsoleTest : public HubFixture,
                          public ::testing::WithParamInterface<StoreKind> {
 protected:
  StoreKind store_kind() const override { return GetParam(); }
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
INSTANTIATE_TEST_SUITE_P(Stores, LedgerConsoleTest, kBothStores, StoreKindName);

TEST_P(LedgerConsoleTest, AResendOffersTheDocumentAgainOnlyToThoseWithoutIt) {
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

TEST_P(LedgerConsoleTest, APaperCopyCountsAsDeliveredAndALaterArrivalStill) {
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

TEST_P(LedgerConsoleTest, BadPaperCopiesAreNamedAndChangeNothing) {
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

TEST_P(LedgerConsoleTest, TheBoardListsEverySendersDocumentsOldestFirst) {
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
