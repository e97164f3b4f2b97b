// Exponential back-off with jitter for retrying calls to the hub.
//
// Thread-safety: not thread-safe; one per retrying loop or outbox folder.
#ifndef TRUC_EDGE_AGENT_BACKOFF_H_
#define TRUC_EDGE_AGENT_BACKOFF_H_

#include <cstdint>

#include "absl/time/time.h"

namespace truc::agent {

class Backoff {
 public:
  // Delays start at `initial` and double up to `max` (initial <= max).
  Backoff(absl::Duration initial, absl::Duration max);

  // The delay before the next attempt: the current step scaled by a random
  // factor in [0.5, 1.0], then the step doubles (capped at max).
  absl::Duration Next();
  // After a success: the next delay starts at `initial` again.
  void Reset();

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration current_;
  uint64_t rng_state_;
};

// When something that failed is tried again: its back-off and the time of
// its next attempt (an outbox folder, an edXML file). Not thread-safe.
struct RetrySchedule {
  RetrySchedule(absl::Duration initial, absl::Duration max)
      : backoff(initial, max) {}
  Backoff backoff;
  absl::Time next_attempt = absl::InfinitePast();
};

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_BACKOFF_H_
