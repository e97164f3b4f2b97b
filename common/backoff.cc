#include "common/backoff.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_proto.h"

namespace truc {

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

absl::Status RetryDelaysFromConfig(uint32_t initial_millis, uint32_t max_millis,
                                   absl::Duration* initial,
                                   absl::Duration* max) {
  if (initial_millis != 0) {
    TRUC_RETURN_IF_ERROR(
        CheckFieldRange("retry_initial_millis", initial_millis, 1, 3600000));
    *initial = absl::Milliseconds(initial_millis);
  }
  if (max_millis != 0) {
    TRUC_RETURN_IF_ERROR(
        CheckFieldRange("retry_max_millis", max_millis, 1, 86400000));
    *max = absl::Milliseconds(max_millis);
  }
  if (*max < *initial) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry_max_millis (", absl::ToInt64Milliseconds(*max),
                     ") must not be less than retry_initial_millis (",
                     absl::ToInt64Milliseconds(*initial), ")"));
  }
  return absl::OkStatus();
}

}  // namespace truc
