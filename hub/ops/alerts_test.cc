#include "hub/ops/alerts.h"

#include "absl/strings/match.h"
#include "hub/testing/hub_fixture.h"
#include "hub/store/key_layout.h"
#include "hub/ops/notifier.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using truc::v1::Alert;

constexpr int64_t kMinute = 60 * 1'000'000LL;

class AlertsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    ledger_->SetChangeFeed(&feed_);
    Reload();
  }
  void Reload() {
    auto queue = NotificationQueue::Load(
        faulty_.get(), {"webhook:http://127.0.0.1:9/hook", "email"});
    ASSERT_TRUE(queue.ok()) << queue.status();
    queue_ = std::move(*queue);
    auto engine = AlertEngine::Load(
        faulty_.get(), audit_.get(), directory_.get(), ledger_.get(), &feed_,
        [this] { return now_.load(); }, thresholds_, queue_.get(), "hub:hub");
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }
  AlertEngine::Outcome Check() {
    auto out = engine_->Evaluate();
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : AlertEngine::Outcome{};
  }
  std::vector<std::string> ActiveIds() {
    std::vector<std::string> ids;
    for (const auto& a : engine_->Active()) ids.push_back(a.id());
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::vector<truc::internal::NotificationRecord> Queue() {
    return QueuedNotifications(store_.get());
  }
  size_t EventsOfKind(const std::string& kind) {
    size_t n = 0;
    for (uint64_t i = 0; i < audit_->size(); ++i)
      if (audit_->Event(i)->kind() == kind) ++n;
    return n;
  }
  std::string SendExpress(const std::vector<std::string>& to,
                          truc::v1::Urgency u = truc::v1::URGENCY_EXPRESS) {
    auto sent =
        Accept(MakeHeader(kOffice, to, u), absl::StrCat("k", ++keys_n_));
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }

  ChangeFeed feed_;
  AlertThresholds thresholds_{.express = 600,
                              .very_urgent = 3600,
                              .urgent = 0,
                              .normal = 0,
                              .silent_agency = 1800};
  std::unique_ptr<NotificationQueue> queue_;
  std::unique_ptr<AlertEngine> engine_;
  int keys_n_ = 0;
};

TEST_F(AlertsTest, ALateExpressDeliveryRaisesOnceAndClearsOnArrival) {
  const std::string id = SendExpress({kHealth, kYTich});
  now_ += 9 * kMinute;
  EXPECT_EQ(Check().raised, 0u) << "within its 10 minutes";
  auto sub = feed_.Subscribe();
  now_ += 2 * kMinute;
  EXPECT_EQ(Check().raised, 2u);
  EXPECT_EQ(ActiveIds(),
            (std::vector<std::string>{absl::StrCat("late/", id, "/", kHealth),
                                      absl::StrCat("late/", id, "/", kYTich)}));
  const Alert a = engine_->Active()[0];
  EXPECT_EQ(a.kind(), Alert::KIND_LATE_DELIVERY);
  EXPECT_EQ(a.subject(), "V/v phòng chống bão số 9");
  EXPECT_EQ(a.threshold_seconds(), 600u);
  EXPECT_THAT(a.summary(), ::testing::HasSubstr("hỏa tốc"));
  EXPECT_EQ(a.raised_at().unix_micros(), now_.load());
  // Once: checking again raises nothing, however often.
  for (int i = 0; i < 5; ++i) {
    now_ += kMinute / 6;
    EXPECT_EQ(Check().raised, 0u);
  }
  EXPECT_EQ(Queue().size(), 4u) << "2 alerts x 2 channels";
  EXPECT_EQ(EventsOfKind("alert_raised"), 2u);
  bool lost = false;
  auto changes = sub->Next(absl::ZeroDuration(), &lost);
  size_t alerts = 0;
  for (const auto& c : changes)
    if (c.kind == Change::Kind::kAlert) ++alerts;
  EXPECT_EQ(alerts, 2u);

  ASSERT_TRUE(Ack(kHealth, id).ok());
  auto out = Check();
  EXPECT_EQ(out.cleared, 1u);
  EXPECT_EQ(out.raised, 0u);
  EXPECT_EQ(ActiveIds(),
            (std::vector<std::string>{absl::StrCat("late/", id, "/", kYTich)}));
  EXPECT_EQ(EventsOfKind("alert_cleared"), 1u);
  size_t cleared = 0;
  for (const auto& n : Queue())
    if (n.cleared()) ++cleared;
  EXPECT_EQ(cleared, 2u);
}

// A unit whose agent refused the document on arrival has not received it:
// it is alerted like any late delivery, saying so; a unit that received it
// and refused it is not.
TEST_F(AlertsTest, ARefusalOnArrivalIsAlertedAndARefusalByTheUnitIsNot) {
  const std::string id = SendExpress({kHealth, kYTich});
  TRUC_ASSERT_OK(
      Refuse(kYTich, id, "the sender's signature does not check out"));
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  TRUC_ASSERT_OK(Refuse(kHealth, id, "Không thuộc thẩm quyền"));
  now_ += 11 * kMinute;
  EXPECT_EQ(Check().raised, 1u);
  EXPECT_EQ(ActiveIds(),
            std::vector<std::string>{absl::StrCat("late/", id, "/", kYTich)});
  EXPECT_THAT(engine_->Active()[0].summary(),
              ::testing::HasSubstr("đã từ chối khi nhận"));
  // Resent and arrived: cleared.
  TRUC_ASSERT_OK(ledger_->Resend(id, Who(kOffice)).status());
  TRUC_ASSERT_OK(Ack(kYTich, id).status());
  EXPECT_EQ(Check().cleared, 1u);
  EXPECT_TRUE(ActiveIds().empty());
}

TEST_F(AlertsTest, APaperCopyEndsTheLateAlert) {
  const std::string id = SendExpress({kYTich});
  now_ += 11 * kMinute;
  EXPECT_EQ(Check().raised, 1u);
  truc::v1::PaperCopy paper;
  paper.set_carried_by("Nguyễn Văn An");
  paper.set_signed_by("Hoàng Thị Mai");
  ASSERT_TRUE(ledger_->RecordPaperCopy(id, kYTich, paper, Operator()).ok());
  EXPECT_EQ(Check().cleared, 1u);
  EXPECT_TRUE(ActiveIds().empty());
}

TEST_F(AlertsTest, EachUrgencyHasItsOwnTime) {
  const std::string very =
      SendExpress({kHealth}, truc::v1::URGENCY_VERY_URGENT);
  const std::string normal = SendExpress({kFinance}, truc::v1::URGENCY_NORMAL);
  now_ += 30 * kMinute;
  EXPECT_EQ(Check().raised, 0u);
  now_ += 31 * kMinute;
  Check();
  // Very urgent after an hour; normal has no rule. Both units never polled
  // and a document waited past 30 minutes: they are silent too.
  EXPECT_EQ(ActiveIds(),
            (std::vector<std::string>{absl::StrCat("late/", very, "/", kHealth),
                                      absl::StrCat("silent/", kFinance),
                                      absl::StrCat("silent/", kHealth)}));
}

TEST_F(AlertsTest, AnAgentThatStopsPollingIsSilentUntilItComesBack) {
  directory_->RecordPoll(kHealth);
  now_ += 29 * kMinute;
  EXPECT_EQ(Check().raised, 0u);
  now_ += 2 * kMinute;
  EXPECT_EQ(Check().raised, 1u);
  const Alert a = engine_->Active()[0];
  EXPECT_EQ(a.id(), absl::StrCat("silent/", kHealth));
  EXPECT_EQ(a.agency_name(), "Sở Y tế");
  EXPECT_EQ(a.since().unix_micros(), kFixtureStart);
  EXPECT_THAT(a.summary(), ::testing::HasSubstr("mất liên lạc"));
  // An agency that never polled and is waited for by nothing is quiet.
  for (const auto& alert : engine_->Active())
    EXPECT_NE(alert.agency(), kFinance);
  directory_->RecordPoll(kHealth);
  EXPECT_EQ(Check().cleared, 1u);
  EXPECT_TRUE(ActiveIds().empty());
}

TEST_F(AlertsTest, ASuspendedAgencyIsNotSilent) {
  directory_->RecordPoll(kHealth);
  ASSERT_TRUE(
      directory_
          ->SetState(kHealth, truc::v1::AGENCY_STATE_SUSPENDED, Operator())
          .ok());
  now_ += 60 * kMinute;
  EXPECT_EQ(Check().raised, 0u);
}

TEST_F(AlertsTest, RaisedAlertsSurviveARestartAndAreNotRaisedAgain) {
  SendExpress({kYTich});
  now_ += 11 * kMinute;
  EXPECT_EQ(Check().raised, 1u);
  Open();
  ledger_->SetChangeFeed(&feed_);
  Reload();
  EXPECT_EQ(engine_->active_count(), 1u);
  EXPECT_EQ(Check().raised, 0u);
  EXPECT_EQ(Queue().size(), 2u);
}

TEST_F(AlertsTest, AFailedWriteRaisesNothingAndTheNextCheckRaisesIt) {
  SendExpress({kYTich});
  now_ += 11 * kMinute;
  const auto before = AllKeys();
  faulty_->FailWrites(1);
  EXPECT_FALSE(engine_->Evaluate().ok());
  EXPECT_EQ(AllKeys(), before);
  EXPECT_EQ(engine_->active_count(), 0u);
  EXPECT_EQ(Check().raised, 1u);
  EXPECT_EQ(Queue().size(), 2u) << "the failed write queued none";
}

TEST_F(AlertsTest, RulesAtZeroAreOff) {
  thresholds_ = {.express = 0,
                 .very_urgent = 0,
                 .urgent = 0,
                 .normal = 0,
                 .silent_agency = 0};
  Reload();
  SendExpress({kYTich});
  directory_->RecordPoll(kHealth);
  now_ += 600 * kMinute;
  EXPECT_EQ(Check().raised, 0u);
}

TEST(AlertThresholdsTest, DefaultsAndTheConfigsValues) {
  truc::v1::AlertRules rules;
  AlertThresholds t = AlertThresholds::From(rules);
  EXPECT_EQ(t.express, 600u);
  EXPECT_EQ(t.very_urgent, 3600u);
  EXPECT_EQ(t.urgent, 0u);
  EXPECT_EQ(t.silent_agency, 3600u);
  rules.set_express_arrival_seconds(0);
  rules.set_urgent_arrival_seconds(7200);
  t = AlertThresholds::From(rules);
  EXPECT_EQ(t.express, 0u);
  EXPECT_EQ(t.ForUrgency(truc::v1::URGENCY_EXPRESS_TIMED), 0u);
  EXPECT_EQ(t.ForUrgency(truc::v1::URGENCY_URGENT), 7200u);
}

}  // namespace
}  // namespace truc::hub
