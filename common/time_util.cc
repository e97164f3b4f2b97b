#include "common/time_util.h"

#include <chrono>
#include <ctime>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace truc {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FormatVietnamTime(int64_t unix_micros) {
  if (unix_micros == 0) return "";
  time_t secs = static_cast<time_t>(unix_micros / 1000000) + 7 * 3600;
  struct tm tm;
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%02d/%02d/%04d %02d:%02d:%02d", tm.tm_mday,
                         tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                         tm.tm_min, tm.tm_sec);
}

std::string FormatAge(int64_t micros) {
  int64_t s = micros / 1000000;
  if (s < 0) s = 0;
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrCat(s / 60, "m");
  if (s < 86400) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  return absl::StrFormat("%dd%02dh", s / 86400, (s % 86400) / 3600);
}

absl::StatusOr<int64_t> ParseDurationSeconds(absl::string_view text) {
  std::string t(text);
  // absl::ParseDuration has no day unit: accept "Nd" too.
  if (!t.empty() && t.back() == 'd') {
    int64_t days;
    if (absl::SimpleAtoi(t.substr(0, t.size() - 1), &days) && days >= 0) {
      return days * 86400;
    }
  }
  absl::Duration d;
  if (!absl::ParseDuration(t, &d) || d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a duration: \"", text, "\" (examples: 90s, 10m, 1h30m, 2d)"));
  }
  return absl::ToInt64Seconds(d);
}

}  // namespace truc
