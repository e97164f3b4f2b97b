#include "hub/ops/digests.h"

#include "absl/strings/match.h"
#include "hub/testing/hub_fixture.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::testing::HasSubstr;
using truc::v1::Digest;

constexpr int64_t kHour = 3600LL * 1'000'000;

class DigestsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    auto queue = NotificationQueue::Load(faulty_.get(), {"email"});
    ASSERT_TRUE(queue.ok());
    queue_ = std::move(*queue);
    job_ = std::make_unique<DigestJob>(
        faulty_.get(), audit_.get(), directory_.get(), ledger_.get(),
        queue_.get(), [this] { return now_.load(); }, 7, "hub:hub");
  }
  std::vector<truc::internal::NotificationRecord> Queue() {
    return QueuedNotifications(store_.get());
  }
  size_t Run() {
    auto n = job_->RunIfDue();
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : 0;
  }
  std::unique_ptr<NotificationQueue> queue_;
  std::unique_ptr<DigestJob> job_;
};

TEST_F(DigestsTest, OnceADayFromItsHourForEachRecipientAndSender) {
  // kFixtureStart is 22/11/2026 09:03 in Vietnam; start the day at 05:00.
  now_ -= 4 * kHour + 3 * 60'000'000LL;
  auto a = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "a");
  auto b = Accept(MakeHeader(kOffice, {kYTich}, truc::v1::URGENCY_NORMAL), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(Ack(kHealth, a->document_id()).ok());
  EXPECT_EQ(Run(), 0u) << "05:00: before the hour";
  now_ += 2 * kHour;  // 07:00
  // Y Tịch lacks both; the office has two documents that units lack.
  EXPECT_EQ(Run(), 2u);
  auto queued = Queue();
  ASSERT_EQ(queued.size(), 2u);
  const Digest* ytich = nullptr;
  const Digest* office = nullptr;
  for (const auto& n : queued) {
    EXPECT_EQ(n.channel(), "email");
    if (n.digest().kind() == Digest::KIND_RECIPIENT) ytich = &n.digest();
    if (n.digest().kind() == Digest::KIND_SENDER) office = &n.digest();
  }
  ASSERT_NE(ytich, nullptr);
  ASSERT_NE(office, nullptr);
  EXPECT_EQ(ytich->agency(), kYTich);
  EXPECT_EQ(ytich->agency_name(), "UBND xã Y Tịch");
  EXPECT_EQ(ytich->day(), "2026-11-22");
  ASSERT_EQ(ytich->items_size(), 2);
  EXPECT_EQ(ytich->items(0).urgency(), truc::v1::URGENCY_EXPRESS)
      << "the most urgent first";
  EXPECT_EQ(office->agency(), kOffice);
  ASSERT_EQ(office->items_size(), 2);
  EXPECT_EQ(office->items(0).missing_size(), 1);
  EXPECT_EQ(office->items(0).missing(0), "UBND xã Y Tịch");

  // Not again the same day, even after a restart of the job.
  now_ += 5 * kHour;
  EXPECT_EQ(Run(), 0u);
  job_ = std::make_unique<DigestJob>(
      faulty_.get(), audit_.get(), directory_.get(), ledger_.get(),
      queue_.get(), [this] { return now_.load(); }, 7, "hub:hub");
  EXPECT_EQ(Run(), 0u);
  // The next morning, again.
  now_ += 20 * kHour;
  EXPECT_EQ(Run(), 2u);
  size_t events = 0;
  for (uint64_t i = 0; i < audit_->size(); ++i)
    if (audit_->Event(i)->kind() == "digests_queued") ++events;
  EXPECT_EQ(events, 2u);
}

// A unit whose agent refused the document on arrival still lacks it: it is
// in both digests, marked; a unit that received and refused it is in none.
TEST_F(DigestsTest, ARefusalOnArrivalIsStillMissing) {
  auto a = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "a");
  ASSERT_TRUE(a.ok());
  TRUC_ASSERT_OK(Refuse(kYTich, a->document_id(), "the header is altered"));
  TRUC_ASSERT_OK(Ack(kHealth, a->document_id()).status());
  TRUC_ASSERT_OK(Refuse(kHealth, a->document_id(), "Gửi nhầm đơn vị"));
  EXPECT_EQ(Run(), 2u) << "Y Tịch's digest and the office's";
  for (const auto& n : Queue()) {
    const Digest& d = n.digest();
    ASSERT_EQ(d.items_size(), 1);
    EXPECT_NE(d.agency(), kHealth);
    if (d.kind() == Digest::KIND_SENDER) {
      ASSERT_EQ(d.items(0).missing_size(), 1);
      EXPECT_THAT(d.items(0).missing(0), HasSubstr("UBND xã Y Tịch"));
      EXPECT_THAT(d.items(0).missing(0), HasSubstr("từ chối khi nhận"));
    }
  }
}

TEST_F(DigestsTest, NothingOutstandingMarksTheDayAndQueuesNothing) {
  EXPECT_EQ(Run(), 0u);
  EXPECT_TRUE(store_->Get(keys::Digest("2026-11-22")).ok());
  EXPECT_TRUE(Queue().empty());
}

TEST_F(DigestsTest, AFailedWriteQueuesNothingAndTheNextRunSendsThem) {
  ASSERT_TRUE(Accept(MakeHeader(kOffice, {kYTich}), "a").ok());
  faulty_->FailWrites(1);
  EXPECT_FALSE(job_->RunIfDue().ok());
  EXPECT_TRUE(Queue().empty());
  EXPECT_EQ(Run(), 2u);
}

TEST(DigestMailTest, SaysWhoLacksWhat) {
  Digest d;
  d.set_kind(Digest::KIND_SENDER);
  d.set_agency("000.01.00.H99");
  d.set_agency_name("Văn phòng UBND tỉnh Lạng Sơn");
  d.set_day("2026-11-22");
  auto* item = d.add_items();
  item->set_document_id("20261122-aa");
  item->set_subject("V/v phòng chống bão số 9");
  item->add_missing("UBND xã Y Tịch");
  MailText mail = DigestMail(d, "https://127.0.0.1:8443/");
  EXPECT_THAT(mail.subject, HasSubstr("ngày 22/11/2026"));
  EXPECT_THAT(mail.subject, HasSubstr("(1)"));
  EXPECT_THAT(mail.text, HasSubstr("chưa nhận: UBND xã Y Tịch"));
  EXPECT_THAT(mail.text, HasSubstr("https://127.0.0.1:8443/"));
}

}  // namespace
}  // namespace truc::hub
