#include "hub/work_pool.h"

#include <pthread.h>

#include <utility>

namespace truc::hub {

WorkPool::WorkPool(int threads) {
  threads_.reserve(static_cast<size_t>(threads < 1 ? 1 : threads));
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "truc-work");
      Loop();
    });
  }
}

WorkPool::~WorkPool() { Shutdown(); }

void WorkPool::Run(absl::AnyInvocable<void() &&> work) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(work));
      return;
    }
  }
  std::move(work)();
}

void WorkPool::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

size_t WorkPool::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

bool WorkPool::HasWorkOrStopping() const {
  return stopping_ || !queue_.empty();
}

void WorkPool::Loop() {
  for (;;) {
    absl::AnyInvocable<void() &&> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkPool::HasWorkOrStopping));
      // Stopping still drains the queue: nothing handed over is dropped.
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(work)();
  }
}

}  // namespace truc::hub
