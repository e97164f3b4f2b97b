#include "hub/exchange/change_feed.h"

#include <algorithm>

namespace truc::hub {

absl::string_view ChangeKindName(Change::Kind kind) {
  switch (kind) {
    case Change::Kind::kAccepted:
      return "accepted";
    case Change::Kind::kArrived:
      return "arrived";
    case Change::Kind::kStatus:
      return "status";
    case Change::Kind::kResent:
      return "resent";
    case Change::Kind::kForwarded:
      return "forwarded";
    case Change::Kind::kPaper:
      return "paper";
    case Change::Kind::kAlert:
      return "alert";
    case Change::Kind::kAgency:
      return "agency";
  }
  return "unknown";
}

std::vector<Change> ChangeFeed::Subscription::Next(absl::Duration timeout,
                                                   bool* lost) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || lost_ || closed_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  *lost = lost_;
  lost_ = false;
  std::vector<Change> out(std::make_move_iterator(queue_.begin()),
                          std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

ChangeFeed::Subscription::~Subscription() { feed_->Remove(this); }

ChangeFeed::~ChangeFeed() { Close(); }

void ChangeFeed::Publish(Change change) {
  std::vector<std::function<void(const Change&)>> observers;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    change.seq = ++seq_;
    for (Subscription* s : subs_) {
      absl::MutexLock sub_lock(&s->mu_);
      if (s->queue_.size() >= s->capacity_) {
        s->queue_.pop_front();
        s->lost_ = true;
      }
      s->queue_.push_back(change);
    }
    observers = observers_;
  }
  for (const auto& fn : observers) fn(change);
}

std::unique_ptr<ChangeFeed::Subscription> ChangeFeed::Subscribe(
    size_t capacity) {
  std::unique_ptr<Subscription> s(
      new Subscription(this, std::max<size_t>(capacity, 1)));
  absl::MutexLock lock(&mu_);
  if (closed_) {
    absl::MutexLock sub_lock(&s->mu_);
    s->closed_ = true;
  }
  subs_.insert(s.get());
  return s;
}

void ChangeFeed::Observe(std::function<void(const Change&)> fn) {
  absl::MutexLock lock(&mu_);
  observers_.push_back(std::move(fn));
}

void ChangeFeed::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (Subscription* s : subs_) {
    absl::MutexLock sub_lock(&s->mu_);
    s->closed_ = true;
  }
}

size_t ChangeFeed::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subs_.size();
}

void ChangeFeed::Remove(Subscription* s) {
  absl::MutexLock lock(&mu_);
  subs_.erase(s);
}

}  // namespace truc::hub
