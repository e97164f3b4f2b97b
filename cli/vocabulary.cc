#include "cli/vocabulary.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace truc::cli {
namespace {

using truc::v1::DeliveryState;
using truc::v1::EdxmlStatus;
using truc::v1::Secrecy;
using truc::v1::Urgency;

std::string NormalizeWord(absl::string_view word) {
  return absl::StrReplaceAll(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(word)), {{"_", "-"}});
}

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

// Year, month, day from "dd/MM/yyyy", "yyyy/MM/dd" or "yyyy-MM-dd".
bool SplitDate(absl::string_view text, int* y, int* m, int* d) {
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

}  // namespace

absl::StatusOr<Urgency> ParseUrgency(absl::string_view word) {
  std::string w = NormalizeWord(word);
  if (w == "normal") return truc::v1::URGENCY_NORMAL;
  if (w == "urgent") return truc::v1::URGENCY_URGENT;
  if (w == "very-urgent") return truc::v1::URGENCY_VERY_URGENT;
  if (w == "express") return truc::v1::URGENCY_EXPRESS;
  if (w == "express-timed") return truc::v1::URGENCY_EXPRESS_TIMED;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown urgency \"", word,
      "\": use normal (Thường), urgent (Khẩn), very-urgent (Thượng khẩn), "
      "express (Hỏa tốc) or express-timed (Hỏa tốc hẹn giờ)"));
}

std::string UrgencyWord(Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_NORMAL:
      return "normal";
    case truc::v1::URGENCY_URGENT:
      return "urgent";
    case truc::v1::URGENCY_VERY_URGENT:
      return "very-urgent";
    case truc::v1::URGENCY_EXPRESS:
      return "express";
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return "express-timed";
    default:
      return "unspecified";
  }
}

std::string UrgencyLabel(Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_NORMAL:
      return "Thường (normal)";
    case truc::v1::URGENCY_URGENT:
      return "Khẩn (urgent)";
    case truc::v1::URGENCY_VERY_URGENT:
      return "Thượng khẩn (very-urgent)";
    case truc::v1::URGENCY_EXPRESS:
      return "Hỏa tốc (express)";
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return "Hỏa tốc hẹn giờ (express-timed)";
    default:
      return absl::StrCat("urgency not set (", static_cast<int>(urgency), ")");
  }
}

absl::StatusOr<Secrecy> ParseSecrecy(absl::string_view word) {
  std::string w = NormalizeWord(word);
  if (w == "none") return truc::v1::SECRECY_NONE;
  if (w == "confidential") return truc::v1::SECRECY_CONFIDENTIAL;
  if (w == "secret") return truc::v1::SECRECY_SECRET;
  if (w == "top-secret") return truc::v1::SECRECY_TOP_SECRET;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown secrecy \"", word,
                   "\": use none, confidential (Mật), secret (Tối mật) or "
                   "top-secret (Tuyệt mật)"));
}

std::string SecrecyLabel(Secrecy secrecy) {
  switch (secrecy) {
    case truc::v1::SECRECY_CONFIDENTIAL:
      return "Mật (confidential)";
    case truc::v1::SECRECY_SECRET:
      return "Tối mật (secret)";
    case truc::v1::SECRECY_TOP_SECRET:
      return "Tuyệt mật (top-secret)";
    default:
      return "none";
  }
}

std::string DeliveryStateLabel(DeliveryState state) {
  switch (state) {
    case truc::v1::DELIVERY_STATE_QUEUED:
      return "queued";
    case truc::v1::DELIVERY_STATE_LEASED:
      return "leased (fetching)";
    case truc::v1::DELIVERY_STATE_ARRIVED:
      return "arrived 01";
    case truc::v1::DELIVERY_STATE_REFUSED:
      return "refused 02 (arrived)";
    case truc::v1::DELIVERY_STATE_ACCEPTED:
      return "accepted 03";
    case truc::v1::DELIVERY_STATE_ASSIGNED:
      return "assigned 04";
    case truc::v1::DELIVERY_STATE_PROCESSING:
      return "processing 05";
    case truc::v1::DELIVERY_STATE_COMPLETED:
      return "completed 06";
    case truc::v1::DELIVERY_STATE_PAPER:
      return "paper copy";
    default:
      return absl::StrCat("unknown (", static_cast<int>(state), ")");
  }
}

bool IsReceived(DeliveryState state) {
  return state >= truc::v1::DELIVERY_STATE_ARRIVED &&
         state != truc::v1::DELIVERY_STATE_PAPER;
}

std::string EdxmlStatusLabel(EdxmlStatus status) {
  absl::string_view word;
  switch (status) {
    case truc::v1::EDXML_STATUS_ARRIVED:
      word = "arrived";
      break;
    case truc::v1::EDXML_STATUS_REFUSED:
      word = "refused";
      break;
    case truc::v1::EDXML_STATUS_ACCEPTED:
      word = "accepted";
      break;
    case truc::v1::EDXML_STATUS_ASSIGNED:
      word = "assigned";
      break;
    case truc::v1::EDXML_STATUS_PROCESSING:
      word = "processing";
      break;
    case truc::v1::EDXML_STATUS_COMPLETED:
      word = "completed";
      break;
    default:
      word = "unknown";
  }
  return absl::StrFormat("%02d %s", static_cast<int>(status), word);
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
  if (!SplitDate(parts[0], &y, &mo, &d)) return bad();
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

absl::StatusOr<truc::v1::Date> ParseDate(absl::string_view text) {
  int y, m, d;
  if (!SplitDate(absl::StripAsciiWhitespace(text), &y, &m, &d)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a date: \"", text, "\" (write dd/MM/yyyy, e.g. 31/12/2026)"));
  }
  truc::v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string FormatDate(const truc::v1::Date& date) {
  if (date.year() == 0) return "";
  return absl::StrFormat("%02d/%02d/%04d", date.day(), date.month(),
                         date.year());
}

}  // namespace truc::cli
