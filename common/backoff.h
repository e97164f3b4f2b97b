// Exponential back-off with jitter for retrying calls to a hub (the agent
// and the bridge).
//
// Thread-safety: not thread-safe; one per retrying loop or outbox folder.
#ifndef TRUC_COMMON_BACKOFF_H_
#define TRUC_COMMON_BACKOFF_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace truc {

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

// A daemon's configured back-off (its retry_initial_millis and
// retry_max_millis; 0 keeps the value already in `*initial` or `*max`).
// Fails INVALID_ARGUMENT naming the field when one is out of range
// (1 ms..1 h, 1 ms..1 day) or the maximum is below the first delay.
absl::Status RetryDelaysFromConfig(uint32_t initial_millis, uint32_t max_millis,
                                   absl::Duration* initial,
                                   absl::Duration* max);

}  // namespace truc

#endif  // TRUC_COMMON_BACKOFF_H_
