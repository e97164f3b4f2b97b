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

// "2026-11": the month of `unix_micros` in Vietnam's time.
std::string VietnamMonth(int64_t unix_micros);

// "42s", "3m", "2h05m", "3d04h": a short age for tables.
std::string FormatAge(int64_t micros);

// "10m", "90s", "1h30m", "2d" (and anything absl::ParseDuration takes) to
// seconds. Fails INVALID_ARGUMENT naming the text.
absl::StatusOr<int64_t> ParseDurationSeconds(absl::string_view text);

// "dd/MM/yyyy HH:mm" or "dd/MM/yyyy HH:mm:ss" in Vietnam time (UTC+7) to
// Unix microseconds (UTC). INVALID_ARGUMENT naming the text.
absl::StatusOr<int64_t> ParseVietnamDateTime(absl::string_view text);

// Year, month and day from "dd/MM/yyyy", "yyyy/MM/dd" or "yyyy-MM-dd";
// false unless the day exists (no 30/02) in 1900..9999.
bool ParseCalendarDate(absl::string_view text, int* y, int* m, int* d);

}  // namespace truc

#endif  // TRUC_COMMON_TIME_UTIL_H_
