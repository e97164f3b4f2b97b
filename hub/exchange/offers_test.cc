#include "hub/exchange/offers.h"

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/time_util.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

// A poster that runs each wake on a thread of its own, as the hub's work
// pool would, and counts them.
class ThreadPoster {
 public:
  ~ThreadPoster() {
    for (auto& t : threads_) t.join();
  }
  Offers::Post post() {
    return [this](std::function<void()> fn) {
      posted_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      threads_.emplace_back(std::move(fn));
    };
  }
  int posted() const { return posted_.load(); }

 private:
  absl::Mutex mu_;
  std::vector<std::thread> threads_;
  std::atomic<int> posted_{0};
};

TEST(OffersTest, AnAgencysLeasesAreHeldApartFromAnothersTable) {
  Offers offers;
  auto a = offers.Hold("000.07.00.H99");
  a->leases()["D1"] = {NowMicros() + 60'000'000, 1};
  // Another agency's table is free while this one is held.
  std::atomic<bool> other_done{false};
  std::thread other([&] {
    auto b = offers.Hold("000.21.30.H99");
    b->leases()["D1"] = {1, 1};
    other_done = true;
  });
  other.join();
  EXPECT_TRUE(other_done);
  a.reset();
  EXPECT_EQ(offers.Find("000.07.00.H99", "D1")->attempts, 1u);
  EXPECT_EQ(offers.Find("000.21.30.H99", "D1")->expires, 1);
  EXPECT_FALSE(offers.Find("000.07.00.H99", "D2").has_value());
  offers.Settled("000.07.00.H99", "D1");
  EXPECT_FALSE(offers.Find("000.07.00.H99", "D1").has_value());
  EXPECT_EQ(offers.NextExpiry("000.07.00.H99"), 0);
}

// A wake runs where `post` puts it, not on the waiters' own thread, and
// every agency woken by one document is woken at once.
TEST(OffersTest, WakesArePostedAndManyAgenciesWakeTogether) {
  ThreadPoster poster;
  std::vector<std::string> agencies;
  for (int i = 0; i < 50; ++i) agencies.push_back("A" + std::to_string(i));
  std::atomic<int> woken{0};
  absl::Notification all_in;
  std::atomic<int> inside{0};
  {
    Offers offers(poster.post());
    for (const auto& a : agencies) {
      offers.Park(
          a, NowMicros() + 30'000'000,
          [&](bool passed) {
            EXPECT_FALSE(passed);
            // Every wake waits until all 50 run at once: with wakes run one
            // after another on one thread this would never finish.
            if (inside.fetch_add(1) + 1 == 50) all_in.Notify();
            EXPECT_TRUE(
                all_in.WaitForNotificationWithTimeout(absl::Seconds(20)));
            woken.fetch_add(1);
            return true;
          },
          offers.Generation(a));
    }
    for (const auto& a : agencies) offers.Queued(a);
    for (int i = 0; i < 2000 && woken.load() < 50; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(woken.load(), 50);
  EXPECT_EQ(poster.posted(), 50);
}

// A parked poll wakes when its agency's lease ends, before its deadline:
// the re-offer's time is decided by Offers alone.
TEST(OffersTest, AParkedPollWakesWhenALeaseEnds) {
  Offers offers;
  {
    auto held = offers.Hold("000.07.00.H99");
    held->leases()["D1"] = {NowMicros() + 300'000, 1};
  }
  std::promise<bool> woken;
  const auto start = std::chrono::steady_clock::now();
  offers.Park(
      "000.07.00.H99", NowMicros() + 30'000'000,
      [&](bool passed) {
        woken.set_value(passed);
        return true;
      },
      offers.Generation("000.07.00.H99"));
  EXPECT_FALSE(woken.get_future().get()) << "not at the deadline";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// A resend ends the lease (its attempts kept) and wakes the agency's poll.
TEST(OffersTest, AReofferEndsTheLeaseAndWakes) {
  Offers offers;
  {
    auto held = offers.Hold("000.21.30.H99");
    held->leases()["D1"] = {NowMicros() + 60'000'000, 2};
  }
  std::promise<bool> woken;
  offers.Park(
      "000.21.30.H99", NowMicros() + 30'000'000,
      [&](bool passed) {
        woken.set_value(passed);
        return true;
      },
      offers.Generation("000.21.30.H99"));
  offers.Reoffer("000.21.30.H99", "D1");
  EXPECT_FALSE(woken.get_future().get());
  EXPECT_EQ(offers.Find("000.21.30.H99", "D1")->expires, 0);
  EXPECT_EQ(offers.Find("000.21.30.H99", "D1")->attempts, 2u);
}

// A bridge's status poll wakes when notices are written for it, now or
// when one becomes listable; not for the agency or bridge queue of the
// same name, nor for another bridge's notices.
TEST(OffersTest, AStatusPollWakesWhenNoticesAreWrittenForItsBridge) {
  Offers offers;
  std::promise<bool> woken;
  const uint64_t token = offers.ParkForNotices(
      "@qg", NowMicros() + 30'000'000,
      [&](bool passed) {
        woken.set_value(passed);
        return true;
      },
      offers.NoticeGeneration("@qg"));
  ASSERT_NE(token, 0u);
  offers.Queued("@qg");  // a document for the bridge, not a notice
  offers.NoticesWritten("@xa");
  EXPECT_EQ(offers.parked(), 1u);
  offers.NoticesWritten("@qg", NowMicros() + 200'000);
  EXPECT_FALSE(woken.get_future().get()) << "not at the deadline";
  EXPECT_EQ(offers.parked(), 0u);

  // Written between the look and the park: it wakes at once.
  const uint64_t seen = offers.NoticeGeneration("@qg");
  offers.NoticesWritten("@qg");
  std::promise<bool> at_once;
  offers.ParkForNotices(
      "@qg", NowMicros() + 30'000'000,
      [&](bool passed) {
        at_once.set_value(passed);
        return true;
      },
      seen);
  EXPECT_FALSE(at_once.get_future().get());
}

// Shutting down answers every parked poll as past its deadline, once.
TEST(OffersTest, ShutdownAnswersEveryParkedPoll) {
  ThreadPoster poster;
  std::atomic<int> passed{0};
  {
    Offers offers(poster.post());
    for (int i = 0; i < 5; ++i) {
      offers.Park(
          "A", NowMicros() + 60'000'000,
          [&](bool deadline_passed) {
            if (deadline_passed) passed.fetch_add(1);
            return true;
          },
          offers.Generation("A"));
    }
    offers.Shutdown();
    EXPECT_EQ(offers.Park(
                  "A", NowMicros() + 60'000'000, [](bool) { return true; }, 0),
              0u)
        << "nothing parks after the shutdown";
  }
  EXPECT_EQ(passed.load(), 5);
}

}  // namespace
}  // namespace truc::hub
