#include "common/time_util.h"

#include <chrono>
#include <ctime>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace truc {
namespace {

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Parses all-digit `text` of 1..max_digits digits.
bool ParseNumber(absl::string_view text, size_t max_digits, int* out) {
  if (text.empty() || text.size() > max_digits) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

}  // namespace

bool ParseCalendarDate(absl::string_view text, int* y, int* m, int* d) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar("/-"));
  if (parts.size() != 3) return false;
  bool ok;
  if (parts[0].size() == 4) {
    ok = ParseNumber(parts[0], 4, y) && ParseNumber(parts[1], 2, m) &&
         ParseNumber(parts[2], 2, d);
  } else {
    ok = parts[2].size() == 4 && ParseNumber(parts[0], 2, d) &&
         ParseNumber(parts[1], 2, m) && ParseNumber(parts[2], 4, y);
  }
  return ok && *y >= 1900 && *y <= 9999 && *m >= 1 && *m <= 12 && *d >= 1 &&
         *d <= DaysInMonth(*y, *m);
}

absl::StatusOr<int64_t> ParseVietnamDateTime(absl::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a date and time: \"", text,
        "\" (write dd/MM/yyyy HH:mm in Vietnam time, e.g. 25/12/2026 17:00)"));
  };
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), ' ', absl::SkipEmpty());
  if (parts.size() != 2) return bad();
  int y, mo, d;
  if (!ParseCalendarDate(parts[0], &y, &mo, &d)) return bad();
  std::vector<absl::string_view> hms = absl::StrSplit(parts[1], ':');
  if (hms.size() != 2 && hms.size() != 3) return bad();
  int h, mi, s = 0;
  if (!ParseNumber(hms[0], 2, &h) || !ParseNumber(hms[1], 2, &mi) ||
      (hms.size() == 3 && !ParseNumber(hms[2], 2, &s)) || h > 23 || mi > 59 ||
      s > 59) {
    return bad();
  }
  int64_t local_seconds =
      DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return (local_seconds - 7 * 3600) * int64_t{1000000};
}

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

std::string VietnamMonth(int64_t unix_micros) {
  const std::string day = FormatVietnamTime(unix_micros);  // dd/MM/yyyy ...
  return absl::StrCat(day.substr(6, 4), "-", day.substr(3, 2));
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
