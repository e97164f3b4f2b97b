#include "hub/rpc/call_tracker.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/test_util.h"

namespace truc::hub {
namespace {

using ::truc::testing::StatusIs;

// A call that records what it was asked.
class FakeCall final : public TrackedCall {
 public:
  FakeCall() : TrackedCall(1) {}
  void End(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    ended_.push_back(status);
  }
  bool Cancel() override {
    absl::MutexLock lock(&mu_);
    ++asked_;
    if (busy_) return false;
    ++cancelled_;
    return true;
  }
  void set_busy(bool busy) {
    absl::MutexLock lock(&mu_);
    busy_ = busy;
  }
  int asked() {
    absl::MutexLock lock(&mu_);
    return asked_;
  }
  std::vector<absl::Status> ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }
  int cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> ended_;
  int cancelled_ = 0;
  int asked_ = 0;
  bool busy_ = false;
};

Identity Agency(const std::string& code, const std::string& serial) {
  Identity id;
  id.role = Role::kAgency;
  id.name = code;
  id.serial_hex = serial;
  return id;
}

TEST(CallTrackerTest, ACallerHoldsAtMostItsShare) {
  std::atomic<int64_t> now{1};
  CallTracker tracker({.max_per_caller = 2, .max_call_micros = 1'000'000},
                      [&] { return now.load(); });
  FakeCall a, b, c, d;
  auto ta = tracker.Add(Agency("000.07.00.H99", "aa"), &a, false);
  auto tb = tracker.Add(Agency("000.07.00.H99", "bb"), &b, false);
  ASSERT_TRUE(ta.ok() && tb.ok());
  EXPECT_THAT(tracker.Add(Agency("000.07.00.H99", "aa"), &c, false),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "agency 000.07.00.H99 has 2"));
  // Another caller has its own share.
  EXPECT_TRUE(tracker.Add(Agency("000.03.00.H99", "cc"), &d, false).ok());
  tracker.Remove(*ta);
  EXPECT_EQ(tracker.open("agency:000.07.00.H99"), 1u);
  EXPECT_TRUE(tracker.Add(Agency("000.07.00.H99", "aa"), &c, false).ok());
}

TEST(CallTrackerTest, OnlyTheRevokedCertificatesCallsAreEnded) {
  CallTracker tracker({}, [] { return int64_t{1}; });
  FakeCall old_cert, new_cert;
  auto t1 = tracker.Add(Agency("000.07.00.H99", "01d"), &old_cert, false);
  auto t2 = tracker.Add(Agency("000.07.00.H99", "2ew"), &new_cert, false);
  EXPECT_EQ(tracker.EndCallsOf("01d", absl::UnauthenticatedError("revoked")),
            1u);
  ASSERT_EQ(old_cert.ended().size(), 1u);
  EXPECT_EQ(old_cert.ended()[0].code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(new_cert.ended().empty());
  // Once removed, a call is never asked again.
  tracker.Remove(*t1);
  EXPECT_EQ(tracker.EndCallsOf("01d", absl::UnauthenticatedError("x")), 0u);
  tracker.Remove(*t2);
}

TEST(CallTrackerTest, CappedCallsAreEndedPastTheirTime) {
  std::atomic<int64_t> now{1'000'000};
  CallTracker tracker({.max_per_caller = 10, .max_call_micros = 5'000'000},
                      [&] { return now.load(); });
  FakeCall capped, uncapped;
  auto t1 = tracker.Add(Agency("000.07.00.H99", "aa"), &capped, true);
  auto t2 = tracker.Add(Agency("000.07.00.H99", "aa"), &uncapped, false);
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(capped.ended().empty());
  now += 6'000'000;
  for (int i = 0; i < 100 && capped.ended().empty(); ++i)
    absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(capped.ended().size(), 1u);
  EXPECT_EQ(capped.ended()[0].code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(uncapped.ended().empty());
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(capped.ended().size(), 1u) << "asked once";
  tracker.Remove(*t1);
  tracker.Remove(*t2);
}

TEST(CallTrackerTest, ACallStillOpenASecondAfterItsEndIsCancelledOnce) {
  std::atomic<int64_t> now{1'000'000};
  CallTracker tracker({}, [&] { return now.load(); });
  FakeCall stalled, prompt, other;
  auto t1 = tracker.Add(Agency("000.07.00.H99", "aa"), &stalled, true);
  auto t2 = tracker.Add(Agency("000.07.00.H99", "aa"), &prompt, true);
  auto t3 = tracker.Add(Agency("000.03.00.H99", "bb"), &other, true);
  EXPECT_EQ(tracker.EndCallsOf("aa", absl::UnauthenticatedError("revoked")),
            2u);
  tracker.Remove(*t2);  // this one finished at once
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(stalled.cancelled(), 0) << "within its grace";
  now += CallTracker::kEndGraceMicros;
  for (int i = 0; i < 100 && stalled.cancelled() == 0; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(stalled.cancelled(), 1);
  EXPECT_EQ(prompt.cancelled(), 0);
  EXPECT_EQ(other.cancelled(), 0) << "never asked to end";
  now += CallTracker::kEndGraceMicros;
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(stalled.cancelled(), 1) << "cancelled once";
  tracker.Remove(*t1);
  tracker.Remove(*t3);
}

TEST(CallTrackerTest, ABusyCallIsAskedAgainUntilItCanBeCancelled) {
  std::atomic<int64_t> now{1'000'000};
  CallTracker tracker({}, [&] { return now.load(); });
  FakeCall busy;
  busy.set_busy(true);
  auto t = tracker.Add(Agency("000.07.00.H99", "aa"), &busy, true);
  tracker.EndCallsOf("aa", absl::UnauthenticatedError("revoked"));
  now += CallTracker::kEndGraceMicros;
  for (int i = 0; i < 100 && busy.asked() < 2; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_GE(busy.asked(), 2) << "asked at each sweep while busy";
  EXPECT_EQ(busy.cancelled(), 0);
  busy.set_busy(false);
  for (int i = 0; i < 100 && busy.cancelled() == 0; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(busy.cancelled(), 1);
  const int asked = busy.asked();
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(busy.asked(), asked) << "not asked after it was cancelled";
  tracker.Remove(*t);
}

}  // namespace
}  // namespace truc::hub
