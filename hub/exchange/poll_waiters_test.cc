#include "hub/exchange/poll_waiters.h"

#include <atomic>
#include <future>
#include <thread>

#include "common/time_util.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

TEST(PollWaiters, NotifyWakesOnlyThatAgency) {
  PollWaiters w;
  std::promise<bool> a, b;
  w.Park(
      "A", NowMicros() + 10'000'000,
      [&](bool passed) {
        a.set_value(passed);
        return true;
      },
      w.Generation("A"));
  w.Park(
      "B", NowMicros() + 300'000,
      [&](bool passed) {
        b.set_value(passed);
        return true;
      },
      w.Generation("B"));
  w.Notify("A");
  EXPECT_FALSE(a.get_future().get()) << "woken by the notify, not the deadline";
  EXPECT_TRUE(b.get_future().get()) << "B's deadline passed";
  EXPECT_EQ(w.parked(), 0u);
}

TEST(PollWaiters, ANotifyBeforeTheParkIsNotLost) {
  PollWaiters w;
  // A poll reads the generation, finds nothing queued, and before it parks
  // a send commits and notifies.
  uint64_t seen = w.Generation("A");
  w.Notify("A");
  std::promise<bool> woken;
  auto start = std::chrono::steady_clock::now();
  w.Park(
      "A", NowMicros() + 10'000'000,
      [&](bool passed) {
        woken.set_value(passed);
        return true;
      },
      seen);
  EXPECT_FALSE(woken.get_future().get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(PollWaiters, ANotifyWhileTheWakeFunctionRunsIsNotLost) {
  PollWaiters w;
  std::atomic<int> calls{0};
  std::promise<void> second;
  w.Park(
      "A", NowMicros() + 10'000'000,
      [&](bool) {
        if (++calls == 1) {
          // Found nothing; meanwhile a send commits.
          w.Notify("A");
          return false;
        }
        second.set_value();
        return true;
      },
      w.Generation("A"));
  w.Notify("A");
  auto start = std::chrono::steady_clock::now();
  second.get_future().get();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(calls.load(), 2);
}

TEST(PollWaiters, CancelRemovesAndOnlyOneSideFinishes) {
  PollWaiters w;
  std::atomic<int> calls{0};
  uint64_t t = w.Park(
      "A", NowMicros() + 10'000'000,
      [&](bool) {
        calls++;
        return true;
      },
      w.Generation("A"));
  EXPECT_TRUE(w.Cancel(t));
  EXPECT_FALSE(w.Cancel(t));
  w.Notify("A");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(calls.load(), 0);
}

TEST(PollWaiters, StaysParkedWhenNothingWasLeftAndWakesAtLeaseEnd) {
  PollWaiters w;
  std::atomic<int> wakes{0};
  std::promise<void> done;
  w.Park(
      "A", NowMicros() + 5'000'000,
      [&](bool) {
        // First wake: another poll took the document; the second: a lease
        // ended.
        if (++wakes == 1) return false;
        done.set_value();
        return true;
      },
      w.Generation("A"));
  w.Notify("A");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  w.NotifyAt("A", NowMicros() + 200'000);
  done.get_future().get();
  EXPECT_EQ(wakes.load(), 2);
}

TEST(PollWaiters, ShutdownAnswersEveryone) {
  std::atomic<int> passed{0};
  {
    PollWaiters w;
    for (int i = 0; i < 20; ++i) {
      std::string agency = "A" + std::to_string(i);
      w.Park(
          agency, NowMicros() + 60'000'000,
          [&](bool p) {
            passed += p;
            return true;
          },
          w.Generation(agency));
    }
    w.Shutdown();
    // A poll that comes after is not parked: it answers itself.
    EXPECT_EQ(w.Park(
                  "A1", NowMicros() + 60'000'000, [](bool) { return true; },
                  w.Generation("A1")),
              0u);
  }  // the worker has answered everyone when it is joined
  EXPECT_EQ(passed.load(), 20);
}

}  // namespace
}  // namespace truc::hub
