// Time helpers. The hub stores Unix microseconds (UTC); people read
// Vietnam's time (UTC+7, no daylight saving) as dd/MM/yyyy HH:mm:ss.
#ifndef TRUC_COMMON_TIME_UTIL_H_
#define TRUC_COMMON_TIME_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

// Unix microseconds, by the wall clock.
int64_t NowMicros();
// Microseconds of a monotonic clock, for intervals and deadlines that a
// change of the wall clock must not move; meaningless across processes.
int64_t SteadyMicros();

// "22/11/2026 09:03:14" in Vietnam's time; "" for 0.
std::string FormatVietnamTime(int64_t unix_micros);

// "42s", "3m", "2h05m", "3d04h": a short age for tables.
std::string FormatAge(int64_t micros);

// "10m", "90s", "1h30m", "2d" (and anything absl::ParseDuration takes) to
// seconds. Fails INVALID_ARGUMENT naming the text.
absl::StatusOr<int64_t> ParseDurationSeconds(absl::string_view text);

}  // namespace truc

#endif  // TRUC_COMMON_TIME_UTIL_H_
