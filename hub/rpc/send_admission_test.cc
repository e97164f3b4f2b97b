#include "hub/rpc/send_admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/test_util.h"

namespace truc::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Outcome = AdmissionQueue::Outcome;
using ::truc::testing::StatusIs;

constexpr int64_t kSecond = 1'000'000;
const std::string kYTe = "000.07.00.H99";     // Sở Y tế
const std::string kYTich = "000.21.30.H99";   // UBND xã Y Tịch
const std::string kOffice = "000.01.00.H99";  // Văn phòng UBND tỉnh

TEST(AdmissionQueueTest, InFlightLimitQueuesUntilARelease) {
  AdmissionQueue q({.max_in_flight = 2, .per_second = 0, .max_waiting = 10});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 3, 0), Outcome::kWaiting);
  int64_t next = -1;
  EXPECT_THAT(q.AdmitDue(0, &next), IsEmpty());
  EXPECT_EQ(next, 0) << "only a release can let it start";
  q.Release(kYTe);
  EXPECT_THAT(q.AdmitDue(0, &next), ElementsAre(3));
  EXPECT_EQ(q.in_flight(kYTe), 2u);
  EXPECT_EQ(q.waiting(kYTe), 0u);
}

TEST(AdmissionQueueTest, OneAgencyAtItsLimitDoesNotHoldBackAnother) {
  AdmissionQueue q({.max_in_flight = 1, .per_second = 0, .max_waiting = 10});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kWaiting);
  EXPECT_EQ(q.Offer(kYTich, 3, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kOffice, 4, 0), Outcome::kAdmitted);
}

TEST(AdmissionQueueTest, RateLimitsAfterTheBurstAndRefillsWithTime) {
  AdmissionQueue q(
      {.max_in_flight = 100, .per_second = 10, .burst = 3, .max_waiting = 10});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 3, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 4, 0), Outcome::kWaiting);
  EXPECT_EQ(q.Offer(kYTe, 5, 0), Outcome::kWaiting);
  int64_t next = -1;
  EXPECT_THAT(q.AdmitDue(0, &next), IsEmpty());
  EXPECT_EQ(next, kSecond / 10) << "one token every 100 ms";
  EXPECT_THAT(q.AdmitDue(kSecond / 10 - 1, &next), IsEmpty());
  EXPECT_THAT(q.AdmitDue(kSecond / 10, &next), ElementsAre(4));
  EXPECT_EQ(next, 2 * kSecond / 10);
  EXPECT_THAT(q.AdmitDue(2 * kSecond / 10, &next), ElementsAre(5));
  EXPECT_EQ(next, 0) << "nothing waits any more";
  // A long quiet time fills the bucket up to the burst, no more.
  for (int i = 0; i < 3; ++i) q.Release(kYTe);
  for (uint64_t id = 10; id < 13; ++id) {
    EXPECT_EQ(q.Offer(kYTe, id, 100 * kSecond), Outcome::kAdmitted) << id;
  }
  EXPECT_EQ(q.Offer(kYTe, 13, 100 * kSecond), Outcome::kWaiting);
}

TEST(AdmissionQueueTest, ALaterSendNeverOvertakesAWaitingOne) {
  AdmissionQueue q({.max_in_flight = 1, .per_second = 0, .max_waiting = 10});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kWaiting);
  q.Release(kYTe);  // capacity is free, but 2 waits: 3 goes behind it
  EXPECT_EQ(q.Offer(kYTe, 3, 0), Outcome::kWaiting);
  int64_t next;
  EXPECT_THAT(q.AdmitDue(0, &next), ElementsAre(2));
  q.Release(kYTe);
  EXPECT_THAT(q.AdmitDue(0, &next), ElementsAre(3));
}

TEST(AdmissionQueueTest, RefusesBeyondMaxWaiting) {
  AdmissionQueue q({.max_in_flight = 1, .per_second = 0, .max_waiting = 2});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kWaiting);
  EXPECT_EQ(q.Offer(kYTe, 3, 0), Outcome::kWaiting);
  EXPECT_EQ(q.Offer(kYTe, 4, 0), Outcome::kRefused);
  EXPECT_EQ(q.Offer(kYTich, 5, 0), Outcome::kAdmitted);
}

TEST(AdmissionQueueTest, RemovedSendsAreNotHandedOut) {
  AdmissionQueue q({.max_in_flight = 1, .per_second = 0, .max_waiting = 10});
  EXPECT_EQ(q.Offer(kYTe, 1, 0), Outcome::kAdmitted);
  EXPECT_EQ(q.Offer(kYTe, 2, 0), Outcome::kWaiting);
  EXPECT_EQ(q.Offer(kYTe, 3, 0), Outcome::kWaiting);
  EXPECT_TRUE(q.Remove(2));
  EXPECT_FALSE(q.Remove(2));
  EXPECT_FALSE(q.Remove(1)) << "admitted, not waiting";
  q.Release(kYTe);
  int64_t next;
  EXPECT_THAT(q.AdmitDue(0, &next), ElementsAre(3));
}

TEST(AdmissionQueueTest, AgenciesTakeTurns) {
  AdmissionQueue q({.max_in_flight = 2, .per_second = 0, .max_waiting = 10});
  for (uint64_t id : {1, 2})
    ASSERT_EQ(q.Offer(kYTe, id, 0), Outcome::kAdmitted);
  for (uint64_t id : {3, 4})
    ASSERT_EQ(q.Offer(kYTich, id, 0), Outcome::kAdmitted);
  for (uint64_t id : {5, 6, 7})
    ASSERT_EQ(q.Offer(kYTe, id, 0), Outcome::kWaiting);
  for (uint64_t id : {8, 9})
    ASSERT_EQ(q.Offer(kYTich, id, 0), Outcome::kWaiting);
  q.Release(kYTe);
  q.Release(kYTich);
  int64_t next;
  EXPECT_THAT(q.AdmitDue(0, &next), ::testing::UnorderedElementsAre(5, 8));
}

TEST(SendAdmissionTest, StartsAtOnceWhenThereIsRoom) {
  SendAdmission a({.max_in_flight = 1, .per_second = 0, .max_waiting = 4});
  absl::Status got = absl::UnknownError("not called");
  EXPECT_EQ(a.Admit(kYTe, [&](absl::Status s) { got = s; }), 0u);
  TRUC_EXPECT_OK(got);
}

TEST(SendAdmissionTest, AWaitingSendStartsOnTheWorkerAfterARelease) {
  SendAdmission a({.max_in_flight = 1, .per_second = 0, .max_waiting = 4});
  ASSERT_EQ(a.Admit(kYTe, [](absl::Status) {}), 0u);
  absl::Notification started;
  absl::Status got;
  uint64_t ticket = a.Admit(kYTe, [&](absl::Status s) {
    got = s;
    started.Notify();
  });
  ASSERT_NE(ticket, 0u);
  EXPECT_FALSE(started.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  a.Release(kYTe);
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  TRUC_EXPECT_OK(got);
  EXPECT_FALSE(a.Cancel(ticket)) << "already started";
}

TEST(SendAdmissionTest, TheRateAloneStartsAWaitingSend) {
  SendAdmission a(
      {.max_in_flight = 10, .per_second = 50, .burst = 1, .max_waiting = 4});
  ASSERT_EQ(a.Admit(kYTe, [](absl::Status) {}), 0u);
  absl::Notification started;
  ASSERT_NE(a.Admit(kYTe, [&](absl::Status) { started.Notify(); }), 0u);
  EXPECT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(SendAdmissionTest, ACancelledSendNeverStarts) {
  SendAdmission a({.max_in_flight = 1, .per_second = 0, .max_waiting = 4});
  ASSERT_EQ(a.Admit(kYTe, [](absl::Status) {}), 0u);
  bool called = false;
  uint64_t ticket = a.Admit(kYTe, [&](absl::Status) { called = true; });
  ASSERT_NE(ticket, 0u);
  EXPECT_TRUE(a.Cancel(ticket));
  EXPECT_FALSE(a.Cancel(ticket));
  a.Release(kYTe);
  // The next send of the agency starts at once: the cancelled one is gone.
  absl::Status next = absl::UnknownError("not called");
  EXPECT_EQ(a.Admit(kYTe, [&](absl::Status s) { next = s; }), 0u);
  TRUC_EXPECT_OK(next);
  EXPECT_FALSE(called);
}

TEST(SendAdmissionTest, RefusalsAndShutdownAnswerUnavailable) {
  SendAdmission a({.max_in_flight = 1, .per_second = 0, .max_waiting = 1});
  ASSERT_EQ(a.Admit(kYTe, [](absl::Status) {}), 0u);
  absl::Status waiting;
  absl::Notification waiting_done;
  ASSERT_NE(a.Admit(kYTe,
                    [&](absl::Status s) {
                      waiting = s;
                      waiting_done.Notify();
                    }),
            0u);
  absl::Status refused;
  EXPECT_EQ(a.Admit(kYTe, [&](absl::Status s) { refused = s; }), 0u);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable,
                                "has too many sends waiting"));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, kYTe));
  a.Shutdown();
  ASSERT_TRUE(waiting_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_THAT(waiting,
              StatusIs(absl::StatusCode::kUnavailable, "shutting down"));
  absl::Status after;
  EXPECT_EQ(a.Admit(kYTich, [&](absl::Status s) { after = s; }), 0u);
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(after, StatusIs(absl::StatusCode::kUnavailable, "shutting down"));
}

}  // namespace
}  // namespace truc::hub
