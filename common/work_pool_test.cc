#include "common/work_pool.h"

#include <pthread.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace truc {
namespace {

std::string ThreadName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

TEST(WorkPoolTest, RunsWorkOnItsOwnThreads) {
  WorkPool pool(2);
  absl::Notification done;
  std::string name;
  std::thread::id id;
  pool.Run([&] {
    name = ThreadName();
    id = std::this_thread::get_id();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(name, "truc-work");
  EXPECT_NE(id, std::this_thread::get_id());
}

// What the pool is for: work that waits (an fsync) does not hold the
// others back. Four items that each wait for all four to have started can
// only finish if four run at once.
TEST(WorkPoolTest, ItemsThatWaitRunAtOnce) {
  constexpr int kThreads = 4;
  WorkPool pool(kThreads);
  absl::Mutex mu;
  int started = 0;
  std::atomic<int> met{0};
  absl::Notification all_done;
  std::atomic<int> finished{0};
  for (int i = 0; i < kThreads; ++i) {
    pool.Run([&] {
      absl::MutexLock lock(&mu);
      ++started;
      auto everyone = [&] { return started == kThreads; };
      if (mu.AwaitWithTimeout(absl::Condition(&everyone), absl::Seconds(10)))
        met.fetch_add(1);
      if (finished.fetch_add(1) + 1 == kThreads) all_done.Notify();
    });
  }
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(met.load(), kThreads);
}

TEST(WorkPoolTest, OneThreadRunsWorkInOrder) {
  WorkPool pool(1);
  std::vector<int> order;  // written by the pool's one thread only
  for (int i = 0; i < 50; ++i) pool.Run([&order, i] { order.push_back(i); });
  pool.Shutdown();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(WorkPoolTest, ShutdownRunsWhatIsQueuedThenRunsInline) {
  WorkPool pool(1);
  absl::Notification started;
  absl::Notification release;
  std::atomic<int> ran{0};
  pool.Run([&] {
    started.Notify();
    release.WaitForNotification();
    ran.fetch_add(1);
  });
  for (int i = 0; i < 10; ++i) pool.Run([&] { ran.fetch_add(1); });
  started.WaitForNotification();
  EXPECT_EQ(pool.queued(), 10u);

  // Shut down while the first item still runs and ten wait.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    pool.Shutdown();
    stopped = true;
  });
  while (!pool.stopping()) std::this_thread::yield();
  EXPECT_FALSE(stopped.load());  // the first item has not finished
  EXPECT_EQ(pool.queued(), 10u);
  // A second Shutdown returns only once the first has drained the queue.
  std::thread second([&] {
    pool.Shutdown();
    EXPECT_EQ(ran.load(), 11);
  });
  release.Notify();
  stopper.join();
  second.join();
  EXPECT_EQ(ran.load(), 11);
  EXPECT_EQ(pool.queued(), 0u);
  EXPECT_TRUE(stopped.load());

  // After shutdown nothing is dropped: the work runs on the caller.
  std::thread::id where;
  pool.Run([&] { where = std::this_thread::get_id(); });
  EXPECT_EQ(where, std::this_thread::get_id());
  pool.Shutdown();  // idempotent
}

}  // namespace
}  // namespace truc
