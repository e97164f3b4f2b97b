#include "edge-agent/backoff.h"

#include <algorithm>
#include <random>

namespace truc::agent {

Backoff::Backoff(absl::Duration initial, absl::Duration max)
    : initial_(initial),
      max_(std::max(initial, max)),
      current_(initial),
      rng_state_(std::random_device{}()) {}

absl::Duration Backoff::Next() {
  // splitmix64: cheap, and good enough for spreading retries.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  double factor =
      0.5 + 0.5 * (static_cast<double>(z >> 11) / 9007199254740992.0);
  absl::Duration delay = current_ * factor;
  current_ = std::min(current_ * 2, max_);
  return delay;
}

void Backoff::Reset() { current_ = initial_; }

}  // namespace truc::agent
