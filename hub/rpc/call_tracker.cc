#include "hub/rpc/call_tracker.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace truc::hub {

CallTracker::CallTracker(CallLimits limits, Clock clock)
    : limits_(limits), clock_(std::move(clock)) {
  sweeper_ = std::thread([this] { Sweep(); });
}

CallTracker::~CallTracker() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  sweeper_.join();
}

absl::StatusOr<uint64_t> CallTracker::Add(const Identity& caller,
                                          TrackedCall* call, bool capped) {
  const std::string principal = caller.Principal();
  absl::MutexLock lock(&mu_);
  uint32_t& open = per_caller_[principal];
  if (open >= limits_.max_per_caller) {
    return absl::ResourceExhaustedError(
        absl::StrCat(caller.ToString(), " has ", open,
                     " sends, downloads and polls open; the hub allows ",
                     limits_.max_per_caller,
                     " at once (max_streams_per_caller): finish some first"));
  }
  ++open;
  const uint64_t token = next_token_++;
  calls_[token] = Entry{call, principal, caller.serial_hex,
                        capped ? clock_() + limits_.max_call_micros : 0};
  return token;
}

void CallTracker::Remove(uint64_t token) {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(token);
  if (it == calls_.end()) return;
  auto pc = per_caller_.find(it->second.principal);
  if (pc != per_caller_.end() && --pc->second == 0) per_caller_.erase(pc);
  calls_.erase(it);
}

size_t CallTracker::EndCallsOf(const std::string& serial,
                               const absl::Status& status) {
  std::vector<TrackedCall*> targets;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [token, e] : calls_) {
      if (e.serial != serial) continue;
      e.call->Ref();
      MarkEnded(e);
      targets.push_back(e.call);
    }
  }
  for (TrackedCall* call : targets) {
    call->End(status);
    call->Unref();
  }
  return targets.size();
}

size_t CallTracker::open(const std::string& principal) const {
  absl::MutexLock lock(&mu_);
  auto it = per_caller_.find(principal);
  return it == per_caller_.end() ? 0 : it->second;
}

void CallTracker::MarkEnded(Entry& e) {
  if (e.ended_at == 0) e.ended_at = std::max<int64_t>(clock_(), 1);
}

void CallTracker::Sweep() {
  while (true) {
    std::vector<TrackedCall*> late;
    std::vector<std::pair<uint64_t, TrackedCall*>> stalled;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(250));
      if (stop_) return;
      const int64_t now = clock_();
      for (auto& [token, e] : calls_) {
        if (e.ended_at != 0) {
          if (!e.cancelled && now - e.ended_at >= kEndGraceMicros) {
            e.call->Ref();
            e.cancelled = true;
            stalled.emplace_back(token, e.call);
          }
          continue;
        }
        if (e.deadline == 0 || now < e.deadline) continue;
        e.call->Ref();
        MarkEnded(e);
        late.push_back(e.call);
      }
    }
    for (auto& [token, call] : stalled) {
      if (!call->Cancel()) {  // busy: asked again at the next sweep
        absl::MutexLock lock(&mu_);
        auto it = calls_.find(token);
        if (it != calls_.end()) it->second.cancelled = false;
      }
      call->Unref();
    }
    for (TrackedCall* call : late) {
      call->End(absl::DeadlineExceededError(
          absl::StrCat("the call ran past the hub's cap of ",
                       limits_.max_call_micros / 1'000'000,
                       " s (max_call_seconds); resume it with a new call")));
      call->Unref();
    }
  }
}

}  // namespace truc::hub
