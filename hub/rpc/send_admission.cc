#include "hub/rpc/send_admission.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/time_util.h"

namespace truc::hub {
namespace {

absl::Status ShuttingDown() {
  return absl::UnavailableError(
      "the hub is shutting down; the send was not stored, retry later");
}

}  // namespace

void AdmissionQueue::Refill(Agency* a, int64_t now) const {
  if (limits_.per_second == 0) return;
  if (!a->primed) {
    a->primed = true;
    a->tokens = limits_.burst;
    a->refilled_at = now;
    return;
  }
  if (now <= a->refilled_at) return;
  a->tokens = std::min<double>(
      limits_.burst, a->tokens + static_cast<double>(now - a->refilled_at) *
                                     limits_.per_second / 1e6);
  a->refilled_at = now;
}

bool AdmissionQueue::CanStart(Agency* a, int64_t now) const {
  if (a->in_flight >= limits_.max_in_flight) return false;
  if (limits_.per_second == 0) return true;
  Refill(a, now);
  return a->tokens >= 1;
}

void AdmissionQueue::Start(Agency* a) {
  ++a->in_flight;
  if (limits_.per_second != 0) a->tokens -= 1;
}

int64_t AdmissionQueue::NextToken(const Agency& a) const {
  const double missing = std::max(0.0, 1 - a.tokens);
  return a.refilled_at +
         static_cast<int64_t>(std::ceil(missing * 1e6 / limits_.per_second));
}

AdmissionQueue::Outcome AdmissionQueue::Offer(const std::string& agency,
                                              uint64_t id, int64_t now) {
  Agency& a = agencies_[agency];
  // Never ahead of the agency's own earlier sends.
  if (a.waiting.empty() && CanStart(&a, now)) {
    Start(&a);
    return Outcome::kAdmitted;
  }
  if (a.waiting.size() >= limits_.max_waiting) return Outcome::kRefused;
  a.waiting.push_back(id);
  waiting_agency_[id] = agency;
  return Outcome::kWaiting;
}

bool AdmissionQueue::Remove(uint64_t id) {
  auto it = waiting_agency_.find(id);
  if (it == waiting_agency_.end()) return false;
  auto& waiting = agencies_[it->second].waiting;
  waiting.erase(std::find(waiting.begin(), waiting.end(), id));
  waiting_agency_.erase(it);
  return true;
}

void AdmissionQueue::Release(const std::string& agency) {
  auto it = agencies_.find(agency);
  if (it == agencies_.end() || it->second.in_flight == 0) return;
  --it->second.in_flight;
  // An idle agency with a full bucket needs no entry.
  if (it->second.in_flight == 0 && it->second.waiting.empty() &&
      (limits_.per_second == 0 || it->second.tokens >= limits_.burst)) {
    agencies_.erase(it);
  }
}

std::vector<uint64_t> AdmissionQueue::AdmitDue(int64_t now, int64_t* next_due) {
  std::vector<uint64_t> due;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& [name, a] : agencies_) {
      if (a.waiting.empty() || !CanStart(&a, now)) continue;
      Start(&a);
      due.push_back(a.waiting.front());
      waiting_agency_.erase(a.waiting.front());
      a.waiting.pop_front();
      progress = true;
    }
  }
  *next_due = 0;
  if (limits_.per_second != 0) {
    for (const auto& [name, a] : agencies_) {
      if (a.waiting.empty() || a.in_flight >= limits_.max_in_flight) continue;
      const int64_t t = NextToken(a);
      if (*next_due == 0 || t < *next_due) *next_due = t;
    }
  }
  return due;
}

std::vector<uint64_t> AdmissionQueue::TakeAllWaiting() {
  std::vector<uint64_t> all;
  for (auto& [name, a] : agencies_) {
    all.insert(all.end(), a.waiting.begin(), a.waiting.end());
    a.waiting.clear();
  }
  waiting_agency_.clear();
  return all;
}

size_t AdmissionQueue::waiting(const std::string& agency) const {
  auto it = agencies_.find(agency);
  return it == agencies_.end() ? 0 : it->second.waiting.size();
}

uint32_t AdmissionQueue::in_flight(const std::string& agency) const {
  auto it = agencies_.find(agency);
  return it == agencies_.end() ? 0 : it->second.in_flight;
}

SendAdmission::SendAdmission(AdmissionLimits limits)
    : queue_(limits), worker_([this] { Run(); }) {}

SendAdmission::~SendAdmission() {
  Shutdown();
  worker_.join();
}

uint64_t SendAdmission::Admit(const std::string& agency, StartFn start) {
  AdmissionQueue::Outcome outcome;
  bool stopping;
  {
    absl::MutexLock lock(&mu_);
    stopping = stop_;
    if (stopping) {
      outcome = AdmissionQueue::Outcome::kRefused;
    } else {
      const uint64_t ticket = next_ticket_++;
      // The buckets run on a monotonic clock: a change of the wall clock
      // neither stalls sends nor lets a burst through.
      outcome = queue_.Offer(agency, ticket, SteadyMicros());
      if (outcome == AdmissionQueue::Outcome::kWaiting) {
        waiting_.emplace(ticket, std::move(start));
        cv_.Signal();  // its turn may come by the rate alone
        return ticket;
      }
    }
  }
  if (outcome == AdmissionQueue::Outcome::kAdmitted) {
    start(absl::OkStatus());
  } else if (stopping) {
    start(ShuttingDown());
  } else {
    start(absl::UnavailableError(absl::StrCat(
        "agency ", agency,
        " has too many sends waiting for their turn on the hub; nothing was "
        "stored, retry later")));
  }
  return 0;
}

bool SendAdmission::Cancel(uint64_t ticket) {
  absl::MutexLock lock(&mu_);
  if (!queue_.Remove(ticket)) return false;
  waiting_.erase(ticket);
  return true;
}

void SendAdmission::Release(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  queue_.Release(agency);
  cv_.Signal();
}

void SendAdmission::Shutdown() {
  std::vector<StartFn> refused;
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    stop_ = true;
    for (uint64_t t : queue_.TakeAllWaiting()) {
      refused.push_back(std::move(waiting_[t]));
    }
    waiting_.clear();
    cv_.Signal();
  }
  for (auto& fn : refused) fn(ShuttingDown());
}

uint32_t SendAdmission::in_flight(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  return queue_.in_flight(agency);
}

size_t SendAdmission::waiting(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  return queue_.waiting(agency);
}

void SendAdmission::Run() {
  for (;;) {
    std::vector<StartFn> due;
    {
      absl::MutexLock lock(&mu_);
      int64_t next_due = 0;
      for (;;) {
        if (stop_) return;
        const int64_t now = SteadyMicros();
        for (uint64_t t : queue_.AdmitDue(now, &next_due)) {
          due.push_back(std::move(waiting_[t]));
          waiting_.erase(t);
        }
        if (!due.empty()) break;
        if (next_due == 0) {
          cv_.Wait(&mu_);
        } else {
          cv_.WaitWithTimeout(&mu_, absl::Microseconds(next_due - now));
        }
      }
    }
    for (auto& fn : due) fn(absl::OkStatus());
  }
}

}  // namespace truc::hub
