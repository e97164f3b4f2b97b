// Recipients beyond the hub: queued for the bridge that reaches them,
// taken by it (forwarded: still not received), and their statuses brought
// back by it, on both stores.
#include <algorithm>

#include "common/evidence.h"
#include "hub/exchange/ledger.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::truc::testing::StatusIs;

constexpr char kGovOffice[] = "000.00.00.G22";  // Văn phòng Chính phủ
constexpr char kMinistry[] = "000.00.00.G17";   // a ministry, same bridge
constexpr char kOtherTier[] = "000.00.00.H41";  // through another bridge

class LedgerBridgeTest : public HubFixture,
                         public ::testing::WithParamInterface<StoreKind> {
 protected:
  StoreKind store_kind() const override { return GetParam(); }

  void SetUp() override {
    HubFixture::SetUp();
    const Identity& op = Operator();
    ASSERT_TRUE(
        directory_->Register(kGovOffice, "Văn phòng Chính phủ", "", op, "qg")
            .ok());
    ASSERT_TRUE(directory_->Register(kMinistry, "Bộ Y tế", "", op, "qg").ok());
    ASSERT_TRUE(
        directory_
            ->Register(kOtherTier, "Bộ Tài nguyên và Môi trường", "", op, "xa")
            .ok());
  }

  const Identity& Bridge(const std::string& name) {
    return Who(absl::StrCat("bridge:", name));
  }

  std::string Send() {
    auto sent = Accept(
        MakeHeader(kOffice, {kHealth, kGovOffice, kMinistry, kOtherTier}),
        "k-bridge");
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }

  truc::v1::RecipientStatus Row(const std::string& id,
                                const std::string& code) {
    auto status = ledger_->StatusOf(id);
    EXPECT_TRUE(status.ok()) << status.status();
    for (const auto& r : status->recipients()) {
      if (r.organ_id() == code) return r;
    }
    ADD_FAILURE() << code << " is not a recipient";
    return {};
  }

  // The Government Office's document, brought in by bridge "qg" under
  // `key` (its id there) for `to`; its id here.
  std::string BroughtIn(const std::string& key,
                        const std::vector<std::string>& to) {
    auto h = MakeHeader(kGovOffice, to);
    auto sent = ledger_->Accept(
        Bridge("qg"), key, SignedEnvelope(h, keys_.signer(kOffice)), h, {}, to);
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }

  // The notices bridge "qg" is given to carry back now.
  std::vector<truc::internal::StatusNoticeRecord> QgNotices() {
    auto notices = ledger_->ListStatusNotices("@qg", 100);
    EXPECT_TRUE(notices.ok()) << notices.status();
    return notices.ok() ? *notices
                        : std::vector<truc::internal::StatusNoticeRecord>{};
  }

  // Bridge `name` records `code`'s `status` with `statement`
  // (Ledger::RecordBridgedStatuses, one status).
  absl::StatusOr<truc::v1::BridgeStatusResponse> Report(
      const std::string& name, const std::string& id, const std::string& code,
      truc::v1::EdxmlStatus status, const truc::v1::Receipt& statement) {
    truc::v1::BridgeStatusRequest req;
    req.set_document_id(id);
    req.set_recipient(code);
    req.set_status(status);
    *req.mutable_receipt() = statement;
    return ledger_->RecordBridgedStatuses(Bridge(name), {&req})[0];
  }

  // Bridge `name`'s statement, as carrier, of `code`'s `status`.
  truc::v1::Receipt Carried(const std::string& name, const std::string& id,
                            const std::string& code,
                            truc::v1::EdxmlStatus status) {
    return *SignBridgedStatement(keys_.signer(absl::StrCat("bridge:", name)),
                                 id, HeaderDigest(id), code, status, "",
                                 now_.load());
  }
};
INSTANTIATE_TEST_SUITE_P(Stores, LedgerBridgeTest, kBothStores, StoreKindName);

TEST_P(LedgerBridgeTest, ARemoteRecipientIsQueuedForItsBridgeNotAnAgent) {
  const std::string id = Send();
  auto agent = ledger_->Lease(Who(kHealth), 10);
  ASSERT_TRUE(agent.ok());
  ASSERT_EQ(agent->size(), 1u);
  EXPECT_EQ((*agent)[0].recipients_size(), 0);
  // One delivery per bridge, naming the recipients it reaches.
  auto qg = ledger_->Lease(Bridge("qg"), 10);
  ASSERT_TRUE(qg.ok()) << qg.status();
  ASSERT_EQ(qg->size(), 1u);
  EXPECT_EQ((*qg)[0].document_id(), id);
  EXPECT_THAT((*qg)[0].recipients(), ElementsAre(kMinistry, kGovOffice));
  auto xa = ledger_->Lease(Bridge("xa"), 10);
  ASSERT_TRUE(xa.ok());
  ASSERT_EQ(xa->size(), 1u);
  EXPECT_THAT((*xa)[0].recipients(), ElementsAre(kOtherTier));
  // Leased to the bridge: offered again only when the lease ends.
  EXPECT_TRUE(ledger_->Lease(Bridge("qg"), 10)->empty());
  const auto row = Row(id, kGovOffice);
  EXPECT_EQ(row.state(), truc::v1::DELIVERY_STATE_LEASED);
  EXPECT_EQ(row.via_bridge(), "qg");
  EXPECT_FALSE(row.silent()) << "no agent of it here to be silent";
  // Its agent, if one tried here, is turned away.
  EXPECT_THAT(directory_->CheckCaller(kGovOffice),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "reached through bridge qg"));
}

TEST_P(LedgerBridgeTest, ForwardedIsStillNotReceived) {
  const std::string id = Send();
  auto forwarded = ledger_->Forward(Bridge("qg"), id, {});
  ASSERT_TRUE(forwarded.ok()) << forwarded.status();
  EXPECT_THAT(forwarded->forwarded(), ElementsAre(kGovOffice, kMinistry));
  const auto row = Row(id, kGovOffice);
  EXPECT_EQ(row.state(), truc::v1::DELIVERY_STATE_FORWARDED);
  EXPECT_EQ(row.reception(), truc::v1::RECEPTION_NOT_RECEIVED);
  EXPECT_NE(row.forwarded_at().unix_micros(), 0);
  EXPECT_EQ(ledger_->StatusOf(id)->received_count(), 0u);
  // Still among what units have not received, as forwarded.
  auto pending = ledger_->ListPending({});
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->documents_size(), 1);
  int forwarded_rows = 0;
  for (const auto& r : pending->documents(0).recipients()) {
    forwarded_rows += r.state() == truc::v1::DELIVERY_STATE_FORWARDED;
  }
  EXPECT_EQ(forwarded_rows, 2);
  // No longer offered to the bridge; forwarding again records nothing.
  EXPECT_TRUE(ledger_->Lease(Bridge("qg"), 10)->empty());
  const uint64_t events = audit_->size();
  auto again = ledger_->Forward(Bridge("qg"), id, {kGovOffice});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->forwarded(), ElementsAre(kGovOffice));
  EXPECT_EQ(audit_->size(), events);
  // A recipient the bridge does not reach, named: refused.
  EXPECT_THAT(ledger_->Forward(Bridge("qg"), id, {kOtherTier}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "is not reached through bridge qg"));
  EXPECT_THAT(ledger_->Forward(Bridge("qg"), id, {kHealth}),
              StatusIs(absl::StatusCode::kPermissionDenied, "not reached"));
  // The other bridge's recipient still waits for it.
  EXPECT_EQ(ledger_->Lease(Bridge("xa"), 10)->size(), 1u);
}

TEST_P(LedgerBridgeTest, StatusesComeBackThroughTheBridge) {
  const std::string id = Send();
  ASSERT_TRUE(ledger_->Forward(Bridge("qg"), id, {}).ok());
  auto arrived =
      Report("qg", id, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED,
             Carried("qg", id, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED));
  ASSERT_TRUE(arrived.ok()) << arrived.status();
  EXPECT_EQ(Row(id, kGovOffice).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  EXPECT_EQ(ledger_->StatusOf(id)->received_count(), 1u);
  // The statement, checked offline, names the bridge as carrier.
  auto statement = VerifyReceipt(
      keys_.anchor(),
      ledger_->StatusOf(id, true)->recipients(1).history(0).receipt());
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(statement->body.carried_by_bridge(), "qg");
  EXPECT_EQ(statement->signer.role, Role::kBridge);

  ASSERT_TRUE(
      Report("qg", id, kGovOffice, truc::v1::EDXML_STATUS_ACCEPTED,
             Carried("qg", id, kGovOffice, truc::v1::EDXML_STATUS_ACCEPTED))
          .ok());
  EXPECT_EQ(Row(id, kGovOffice).state(), truc::v1::DELIVERY_STATE_ACCEPTED);

  // Not the bridge's own statement: refused, nothing recorded.
  EXPECT_THAT(
      Report("qg", id, kMinistry, truc::v1::EDXML_STATUS_ARRIVED,
             Carried("xa", id, kMinistry, truc::v1::EDXML_STATUS_ARRIVED)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "bridge qg must sign its statement as carrier"));
  // A bridge's statement handed in by an agent: refused too.
  truc::v1::AcknowledgeRequest handed;
  handed.set_document_id(id);
  *handed.mutable_receipt() =
      Carried("qg", id, kHealth, truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(ledger_->Acknowledge(Who(kHealth), handed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "only that bridge reports it"));
  EXPECT_EQ(Row(id, kMinistry).state(), truc::v1::DELIVERY_STATE_FORWARDED);
}

// A bridge brings back a broadcast's statuses many at once: each is
// answered on its own, in order, and one document's are written together.
TEST_P(LedgerBridgeTest, ManyStatusesAreAnsweredEachAndWrittenOncePerDocument) {
  const std::string first = Send();
  auto sent = Accept(MakeHeader(kOffice, {kGovOffice, kMinistry}), "k-second");
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string second = sent->document_id();
  auto item = [&](const std::string& id, const std::string& code,
                  truc::v1::EdxmlStatus status, const std::string& signer) {
    truc::v1::BridgeStatusRequest req;
    req.set_document_id(id);
    req.set_recipient(code);
    req.set_status(status);
    *req.mutable_receipt() = Carried(signer, id, code, status);
    return req;
  };
  using S = truc::v1::EdxmlStatus;
  std::vector<truc::v1::BridgeStatusRequest> batch = {
      item(first, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED, "qg"),
      item(first, kGovOffice, truc::v1::EDXML_STATUS_ACCEPTED, "qg"),
      item(first, kMinistry, truc::v1::EDXML_STATUS_ACCEPTED, "qg"),
      item(first, kMinistry, truc::v1::EDXML_STATUS_ARRIVED, "xa"),
      item(second, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED, "qg"),
      item(second, "000.99.99.Z99", truc::v1::EDXML_STATUS_ARRIVED, "qg"),
      item(first, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED, "qg"),
      item(first, kGovOffice, static_cast<S>(9), "qg"),
      item(second, kMinistry, truc::v1::EDXML_STATUS_ARRIVED, "qg"),
  };
  batch.back().set_document_id("20261207-000000000000");  // none such
  // Where it waits (status 0) goes with the statuses.
  truc::v1::BridgeStatusRequest waits;
  waits.set_document_id(second);
  waits.set_recipient(kMinistry);
  waits.mutable_location()->set_hub("Trục tỉnh Hải Dương");
  waits.mutable_location()->set_waits_for(
      truc::v1::RemoteLocation::WAITS_FOR_AGENT);
  batch.push_back(waits);
  waits.set_recipient(kOtherTier);  // reached through "xa"
  waits.set_document_id(first);
  batch.push_back(waits);
  waits.mutable_location()->clear_hub();
  batch.push_back(waits);
  std::vector<const truc::v1::BridgeStatusRequest*> items;
  for (const auto& b : batch) items.push_back(&b);
  const int writes = faulty_->writes();
  const uint64_t events = audit_->size();
  auto answers = ledger_->RecordBridgedStatuses(Bridge("qg"), items);
  ASSERT_EQ(answers.size(), batch.size());
  TRUC_EXPECT_OK(answers[0].status());
  TRUC_EXPECT_OK(answers[1].status());
  EXPECT_THAT(answers[2], StatusIs(absl::StatusCode::kFailedPrecondition,
                                   "has not arrived at 000.00.00.G17"));
  EXPECT_THAT(answers[3], StatusIs(absl::StatusCode::kInvalidArgument,
                                   "must sign its statement as carrier"));
  TRUC_EXPECT_OK(answers[4].status());
  EXPECT_THAT(answers[5],
              StatusIs(absl::StatusCode::kPermissionDenied, "000.99.99.Z99"));
  ASSERT_TRUE(answers[6].ok()) << answers[6].status();
  EXPECT_TRUE(answers[6]->already_recorded());
  EXPECT_EQ(answers[6]->recorded_at().unix_micros(),
            answers[0]->recorded_at().unix_micros());
  EXPECT_THAT(answers[7], StatusIs(absl::StatusCode::kInvalidArgument,
                                   "status 9 cannot be reported"));
  EXPECT_THAT(answers[8],
              StatusIs(absl::StatusCode::kNotFound, "20261207-000000000000"));
  TRUC_EXPECT_OK(answers[9].status());
  EXPECT_THAT(answers[10], StatusIs(absl::StatusCode::kPermissionDenied,
                                    "not reached through bridge qg"));
  EXPECT_THAT(answers[11],
              StatusIs(absl::StatusCode::kInvalidArgument, "names the hub"));
  EXPECT_EQ(Row(second, kMinistry).location().hub(), "Trục tỉnh Hải Dương");
  // Four of two documents: two writes, four events.
  EXPECT_EQ(faulty_->writes() - writes, 2);
  EXPECT_EQ(audit_->size() - events, 4u);
  EXPECT_EQ(Row(first, kGovOffice).state(), truc::v1::DELIVERY_STATE_ACCEPTED);
  EXPECT_EQ(Row(first, kMinistry).reception(),
            truc::v1::RECEPTION_NOT_RECEIVED);
  EXPECT_EQ(Row(second, kGovOffice).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  // Carried again after a crash: each answered as then, nothing written.
  answers = ledger_->RecordBridgedStatuses(Bridge("qg"), {items[0], items[1]});
  ASSERT_TRUE(answers[0].ok() && answers[1].ok());
  EXPECT_TRUE(answers[0]->already_recorded());
  EXPECT_TRUE(answers[1]->already_recorded());
  EXPECT_EQ(faulty_->writes() - writes, 2);

  // A write that fails fails each status of its document, and stores none.
  batch = {item(first, kMinistry, truc::v1::EDXML_STATUS_ARRIVED, "qg"),
           item(first, kMinistry, truc::v1::EDXML_STATUS_ACCEPTED, "qg")};
  items = {&batch[0], &batch[1]};
  faulty_->FailWrites(1);
  answers = ledger_->RecordBridgedStatuses(Bridge("qg"), items);
  EXPECT_THAT(answers[0], StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_THAT(answers[1], StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_EQ(Row(first, kMinistry).reception(),
            truc::v1::RECEPTION_NOT_RECEIVED);
  answers = ledger_->RecordBridgedStatuses(Bridge("qg"), items);
  TRUC_EXPECT_OK(answers[0].status());
  TRUC_EXPECT_OK(answers[1].status());
  EXPECT_EQ(Row(first, kMinistry).state(), truc::v1::DELIVERY_STATE_ACCEPTED);
  EXPECT_EQ(ledger_->StatusOf(first)->received_count(), 2u);
}

TEST_P(LedgerBridgeTest, AResendOffersItToTheBridgeAgain) {
  const std::string id = Send();
  ASSERT_TRUE(ledger_->Forward(Bridge("qg"), id, {}).ok());
  ASSERT_TRUE(Ack(kHealth, id).ok());
  auto resent = ledger_->Resend(id, Who(kOffice));
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_THAT(*resent, ElementsAre(kMinistry, kGovOffice, kOtherTier));
  auto qg = ledger_->Lease(Bridge("qg"), 10);
  ASSERT_TRUE(qg.ok());
  ASSERT_EQ(qg->size(), 1u);
  EXPECT_THAT((*qg)[0].recipients(), ElementsAre(kMinistry, kGovOffice));
  // Forwarded again, it waits beyond as before.
  ASSERT_TRUE(ledger_->Forward(Bridge("qg"), id, {}).ok());
  EXPECT_TRUE(ledger_->Lease(Bridge("qg"), 10)->empty());
  EXPECT_EQ(Row(id, kMinistry).state(), truc::v1::DELIVERY_STATE_FORWARDED);
}

}  // namespace
}  // namespace truc::hub

namespace truc::hub {
namespace {

truc::v1::Agency Listed(
    const std::string& code, const std::string& name,
    const std::string& parent = "",
    truc::v1::AgencyState state = truc::v1::AGENCY_STATE_ACTIVE) {
  truc::v1::Agency a;
  a.set_code(code);
  a.set_name(name);
  a.set_parent_code(parent);
  a.set_state(state);
  return a;
}

TEST_P(LedgerBridgeTest, ABridgeMirrorsTheAgenciesItReachesInOneWrite) {
  const Identity& qg = Bridge("qg");
  // Hải Dương's agencies, a child listed before its parent, and one that
  // is local here and one another bridge reaches: those are left alone.
  auto sync = directory_->SyncRemote(
      "qg",
      {Listed("000.07.00.H26", "Sở Y tế tỉnh Hải Dương", "000.00.00.H26"),
       Listed("000.00.00.H26", "UBND tỉnh Hải Dương"),
       Listed(kGovOffice, "Văn phòng Chính phủ"),
       Listed(kHealth, "Sở Y tế (giả)"), Listed(kOtherTier, "Bộ TN&MT")},
      41, qg);
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->added, 2u);
  EXPECT_EQ(sync->changed, 0u);
  EXPECT_THAT(sync->conflicts, ElementsAre(kHealth, kOtherTier));
  EXPECT_EQ(sync->upstream_version, 41u);
  EXPECT_EQ(directory_->BridgeOf("000.07.00.H26"), "qg");
  EXPECT_EQ(directory_->NameOf(kHealth), "Sở Y tế");
  EXPECT_EQ(directory_->BridgeOf(kOtherTier), "xa");
  // A sender may now address Hải Dương's department.
  TRUC_EXPECT_OK(directory_->CheckRecipients({"000.07.00.H26"}));

  // Renamed and suspended upstream: mirrored; the same again changes
  // nothing and writes nothing.
  sync = directory_->SyncRemote("qg",
                                {Listed(kMinistry, "Bộ Y tế (cơ quan)", "",
                                        truc::v1::AGENCY_STATE_SUSPENDED)},
                                42, qg);
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->changed, 1u);
  EXPECT_EQ(directory_->NameOf(kMinistry), "Bộ Y tế (cơ quan)");
  EXPECT_THAT(directory_->CheckRecipients({kMinistry}),
              StatusIs(absl::StatusCode::kInvalidArgument, kMinistry));
  const uint64_t version = directory_->version();
  sync = directory_->SyncRemote("qg", {}, 0, qg);
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->upstream_version, 42u);  // how far the sync reaches
  EXPECT_EQ(directory_->version(), version);

  // Kept across a restart.
  Open();
  EXPECT_EQ(directory_->BridgeOf("000.00.00.H26"), "qg");
  sync = directory_->SyncRemote("qg", {}, 0, qg);
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->upstream_version, 42u);
}

TEST_P(LedgerBridgeTest, ABadOrFailedDirectorySyncChangesNothing) {
  const Identity& qg = Bridge("qg");
  EXPECT_THAT(
      directory_->SyncRemote("qg",
                             {Listed("000.07.00.H26", "Sở Y tế tỉnh Hải Dương"),
                              Listed("không phải mã", "UBND tỉnh Hải Dương")},
                             7, qg),
      StatusIs(absl::StatusCode::kInvalidArgument, "không phải mã"));
  EXPECT_EQ(directory_->BridgeOf("000.07.00.H26"), "");
  faulty_->FailWrites(1);
  EXPECT_FALSE(
      directory_
          ->SyncRemote(
              "qg", {Listed("000.07.00.H26", "Sở Y tế tỉnh Hải Dương")}, 7, qg)
          .ok());
  EXPECT_EQ(directory_->BridgeOf("000.07.00.H26"), "");
  auto sync = directory_->SyncRemote("qg", {}, 0, qg);
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->upstream_version, 0u);
}

}  // namespace
}  // namespace truc::hub

namespace truc::hub {
namespace {

truc::v1::RemoteLocation AtAgent(const std::string& hub) {
  truc::v1::RemoteLocation l;
  l.set_hub(hub);
  l.set_waits_for(truc::v1::RemoteLocation::WAITS_FOR_AGENT);
  return l;
}

// A document from beyond (the Government Office's, brought in by bridge
// "qg") to Sở Y tế here and to an agency beyond bridge "xa": where it
// waits for each goes back to "qg" as notices; what "xa" reports from
// further on is kept and passed back too, one hop more.
TEST_P(LedgerBridgeTest, WhereItWaitsGoesBackHopByHopUntilItArrives) {
  const std::string id = BroughtIn("20261207-0a1b", {kHealth, kOtherTier});
  ASSERT_FALSE(id.empty());
  auto where = [&](const std::string& code) {
    now_ += LedgerOptions().location_settle_micros;  // told once it waited
    for (const auto& n : QgNotices()) {
      if (n.recipient() == code && n.status() == 0) return n;
    }
    return truc::internal::StatusNoticeRecord();
  };
  EXPECT_EQ(where(kHealth).location().waits_for(),
            truc::v1::RemoteLocation::WAITS_FOR_AGENT);
  EXPECT_EQ(where(kHealth).location().hub(), "truc");
  EXPECT_EQ(where(kOtherTier).location().waits_for(),
            truc::v1::RemoteLocation::WAITS_FOR_BRIDGE);
  EXPECT_EQ(where(kOtherTier).location().bridge(), "xa");
  // "xa" takes it on: it waits beyond; then the hub beyond says where.
  ASSERT_TRUE(ledger_->Forward(Bridge("xa"), id, {kOtherTier}).ok());
  EXPECT_EQ(where(kOtherTier).location().waits_for(),
            truc::v1::RemoteLocation::WAITS_FOR_BEYOND);
  const int64_t stale_at = where(kOtherTier).at_micros();
  now_ += 1000;
  TRUC_ASSERT_OK(ledger_->RecordLocation(Bridge("xa"), id, kOtherTier,
                                         AtAgent("Trục tỉnh Hải Dương")));
  const auto row = Row(id, kOtherTier);
  EXPECT_EQ(row.location().hub(), "Trục tỉnh Hải Dương");
  EXPECT_EQ(row.location().hops(), 1u);
  // Passed on toward the sender at once: it waited there already.
  const auto passed_on = QgNotices();
  EXPECT_TRUE(std::any_of(passed_on.begin(), passed_on.end(), [&](auto& n) {
    return n.recipient() == kOtherTier && n.location().hops() == 1;
  }));
  EXPECT_TRUE(row.silent());  // its agent never polled there
  EXPECT_EQ(where(kOtherTier).location().hub(), "Trục tỉnh Hải Dương");
  EXPECT_EQ(where(kOtherTier).location().hops(), 1u);
  // Clearing the notice "qg" saw before leaves the newer one.
  TRUC_ASSERT_OK(ledger_->ClearStatusNotice(
      "@qg", id, kOtherTier, truc::v1::EDXML_STATUS_UNSPECIFIED, stale_at));
  EXPECT_EQ(where(kOtherTier).location().hub(), "Trục tỉnh Hải Dương");
  // Many in one write: the stale one leaves the newer, Sở Y tế's goes,
  // and one already gone is no error there, unlike alone.
  ASSERT_TRUE(where(kHealth).has_location());
  const std::vector<Ledger::NoticeToClear> batch = {
      {id, kOtherTier, truc::v1::EDXML_STATUS_UNSPECIFIED, stale_at},
      {id, kHealth, truc::v1::EDXML_STATUS_UNSPECIFIED, 0},
      {id, kFinance, truc::v1::EDXML_STATUS_ARRIVED, 0}};
  TRUC_ASSERT_OK(ledger_->ClearStatusNotices("@qg", batch));
  EXPECT_FALSE(where(kHealth).has_location());
  EXPECT_EQ(where(kOtherTier).location().hub(), "Trục tỉnh Hải Dương");
  EXPECT_THAT(
      ledger_->ClearStatusNotice("@qg", id, kHealth,
                                 truc::v1::EDXML_STATUS_UNSPECIFIED),
      StatusIs(absl::StatusCode::kNotFound,
               absl::StrCat("no status 00 of ", kHealth, " about document ")));
  // Only the bridge that reaches the recipient says where it waits.
  EXPECT_THAT(ledger_->RecordLocation(Bridge("qg"), id, kOtherTier,
                                      AtAgent("Trục khác")),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "not reached through bridge qg"));
  EXPECT_THAT(ledger_->RecordLocation(Bridge("xa"), id, kOtherTier,
                                      truc::v1::RemoteLocation()),
              StatusIs(absl::StatusCode::kInvalidArgument, "names the hub"));
  // Once it arrived, where it waited is no longer shown or kept.
  ASSERT_TRUE(
      Report("xa", id, kOtherTier, truc::v1::EDXML_STATUS_ARRIVED,
             Carried("xa", id, kOtherTier, truc::v1::EDXML_STATUS_ARRIVED))
          .ok());
  EXPECT_FALSE(where(kOtherTier).has_location());  // its notice is gone too
  TRUC_ASSERT_OK(ledger_->RecordLocation(Bridge("xa"), id, kOtherTier,
                                         AtAgent("Trục tỉnh Hải Dương")));
  EXPECT_FALSE(Row(id, kOtherTier).has_location());
  EXPECT_FALSE(where(kOtherTier).has_location());
}

// Where a document waits is told only when it waits: not before it has
// waited location_settle_micros, and not once the recipient has it.
TEST_P(LedgerBridgeTest, WhereItWaitsIsToldOnlyWhenItWaits) {
  const std::string id = BroughtIn("20261207-0c2d", {kHealth, kFinance});
  ASSERT_FALSE(id.empty());
  auto listed = [&] {
    std::vector<std::pair<std::string, int>> out;
    for (const auto& n : QgNotices())
      out.emplace_back(n.recipient(), static_cast<int>(n.status()));
    return out;
  };
  EXPECT_THAT(listed(), IsEmpty());
  // Sở Y tế's agent takes it at once: its arrival, and nothing of where
  // it waited; the bridge's status polls are woken for it.
  const uint64_t generation = offers_->NoticeGeneration("@qg");
  ASSERT_TRUE(Ack(kHealth, id).ok());
  EXPECT_GT(offers_->NoticeGeneration("@qg"), generation);
  EXPECT_THAT(listed(), ElementsAre(std::pair(std::string(kHealth), 1)));
  now_ += LedgerOptions().location_settle_micros;
  EXPECT_THAT(listed(),
              UnorderedElementsAre(std::pair(std::string(kHealth), 1),
                                   std::pair(std::string(kFinance), 0)));
}

TEST_P(LedgerBridgeTest, ADocumentSentHereShowsWhereItWaitsBeyond) {
  const std::string id = Send();
  ASSERT_TRUE(ledger_->Forward(Bridge("qg"), id, {kGovOffice}).ok());
  TRUC_ASSERT_OK(ledger_->RecordLocation(Bridge("qg"), id, kGovOffice,
                                         AtAgent("Trục quốc gia")));
  EXPECT_EQ(Row(id, kGovOffice).location().hub(), "Trục quốc gia");
  // Sent from this hub: nothing to pass back.
  auto notices = ledger_->ListStatusNotices("@qg", 100);
  ASSERT_TRUE(notices.ok());
  EXPECT_TRUE(notices->empty());
}

}  // namespace
}  // namespace truc::hub
