#include "common/work_pool.h"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace truc {

WorkPool::WorkPool(int threads, const char* name) {
  threads_.reserve(static_cast<size_t>(threads < 1 ? 1 : threads));
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    threads_.emplace_back([this, name] {
      pthread_setname_np(pthread_self(), name);
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
  for (const auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      std::fputs("truc-hub: WorkPool::Shutdown called from its own thread\n",
                 stderr);
      std::abort();
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      mu_.Await(absl::Condition(&joined_));
      return;
    }
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
  absl::MutexLock lock(&mu_);
  joined_ = true;
}

bool WorkPool::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
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

}  // namespace truc
