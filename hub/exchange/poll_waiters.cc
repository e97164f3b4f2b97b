#include "hub/exchange/poll_waiters.h"

#include <vector>

#include "absl/time/time.h"
#include "common/time_util.h"

namespace truc::hub {

PollWaiters::PollWaiters(Post post)
    : post_(post ? std::move(post)
                 : Post([](std::function<void()> fn) { fn(); })),
      worker_([this] { Run(); }) {}

PollWaiters::~PollWaiters() {
  Shutdown();
  worker_.join();
}

void PollWaiters::InsertLocked(uint64_t token, Waiter w) {
  by_agency_.emplace(w.agency, token);
  by_deadline_.emplace(w.deadline, token);
  waiters_.emplace(token, std::move(w));
}

void PollWaiters::RemoveLocked(uint64_t token) {
  auto it = waiters_.find(token);
  if (it == waiters_.end()) return;
  auto range = by_agency_.equal_range(it->second.agency);
  for (auto a = range.first; a != range.second; ++a) {
    if (a->second == token) {
      by_agency_.erase(a);
      break;
    }
  }
  by_deadline_.erase({it->second.deadline, token});
  waiters_.erase(it);
}

uint64_t PollWaiters::Generation(const std::string& agency) const {
  absl::MutexLock lock(&mu_);
  auto it = generation_.find(agency);
  return it == generation_.end() ? 0 : it->second;
}

uint64_t PollWaiters::Park(const std::string& agency, int64_t deadline_micros,
                           WakeFn fn, uint64_t seen_generation) {
  absl::MutexLock lock(&mu_);
  // After Shutdown the worker may be gone: the caller answers at once.
  if (stop_) return 0;
  uint64_t token = next_token_++;
  if (generation_[agency] != seen_generation) ready_.insert(agency);
  InsertLocked(token, Waiter{agency, deadline_micros, std::move(fn)});
  cv_.Signal();
  return token;
}

bool PollWaiters::Cancel(uint64_t token) {
  absl::MutexLock lock(&mu_);
  if (!waiters_.count(token)) {
    // The worker holds it: if it parks again, wake it at once so that it
    // sees its call was cancelled.
    if (in_flight_.count(token)) cancelled_in_flight_.insert(token);
    return false;
  }
  RemoveLocked(token);
  return true;
}

void PollWaiters::Notify(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  NotifyLocked(agency);
}

void PollWaiters::NotifyLocked(const std::string& agency) {
  generation_[agency]++;
  if (by_agency_.count(agency)) {
    ready_.insert(agency);
    cv_.Signal();
  }
}

void PollWaiters::NotifyAt(const std::string& agency, int64_t when_micros) {
  absl::MutexLock lock(&mu_);
  timed_.emplace(when_micros, agency);
  cv_.Signal();
}

void PollWaiters::Shutdown() {
  absl::MutexLock lock(&mu_);
  stop_ = true;
  cv_.Signal();
}

size_t PollWaiters::parked() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void PollWaiters::Run() {
  while (true) {
    std::vector<std::pair<uint64_t, Waiter>> woken;  // token, waiter
    std::vector<bool> deadline_passed;
    std::vector<uint64_t> generation_seen;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        int64_t now = NowMicros();
        int64_t next = INT64_MAX;
        if (!by_deadline_.empty()) next = by_deadline_.begin()->first;
        if (!timed_.empty()) next = std::min(next, timed_.begin()->first);
        if (stop_ || !ready_.empty() || next <= now) break;
        absl::Duration wait = next == INT64_MAX
                                  ? absl::Seconds(60)
                                  : absl::Microseconds(next - now);
        cv_.WaitWithTimeout(&mu_, wait);
      }
      stopping = stop_;
      const int64_t now = NowMicros();
      while (!timed_.empty() && timed_.begin()->first <= now) {
        NotifyLocked(timed_.begin()->second);
        timed_.erase(timed_.begin());
      }
      std::vector<uint64_t> tokens;
      for (const auto& agency : ready_) {
        auto range = by_agency_.equal_range(agency);
        for (auto it = range.first; it != range.second; ++it)
          tokens.push_back(it->second);
      }
      ready_.clear();
      for (const auto& [deadline, token] : by_deadline_) {
        if (deadline > now && !stopping) break;
        tokens.push_back(token);
      }
      for (uint64_t token : tokens) {
        auto it = waiters_.find(token);
        if (it == waiters_.end()) continue;  // listed twice
        Waiter w = it->second;
        RemoveLocked(token);  // reads the indexes' keys from the table
        deadline_passed.push_back(stopping || w.deadline <= now);
        generation_seen.push_back(generation_[w.agency]);
        in_flight_.insert(token);
        woken.emplace_back(token, std::move(w));
      }
    }
    for (size_t i = 0; i < woken.size(); ++i) {
      auto& [token, waiter] = woken[i];
      post_([this, token = token, waiter = std::move(waiter),
             passed = static_cast<bool>(deadline_passed[i]),  // not a proxy
             seen = generation_seen[i]]() mutable {
        const bool finished = waiter.fn(passed);
        AfterWake(token, std::move(waiter), finished, seen);
      });
    }
    if (stopping) {
      absl::MutexLock lock(&mu_);
      // Done once every waiter was woken and every wake has run.
      if (waiters_.empty() && in_flight_.empty()) return;
      if (ready_.empty() && waiters_.empty())
        cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
    }
  }
}

void PollWaiters::AfterWake(uint64_t token, Waiter waiter, bool finished,
                            uint64_t generation_seen) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(token);
  const bool cancelled = cancelled_in_flight_.erase(token) > 0;
  if (!finished) {
    // Parked again: wake it at once if its agency was notified while its
    // function ran, if its call was cancelled meanwhile, or if the waiters
    // are stopping.
    if (cancelled || stop_ || generation_[waiter.agency] != generation_seen) {
      ready_.insert(waiter.agency);
    }
    InsertLocked(token, std::move(waiter));
  }
  cv_.Signal();
}

}  // namespace truc::hub
