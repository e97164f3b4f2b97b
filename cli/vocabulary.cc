#include "cli/vocabulary.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/time_util.h"
#include "common/urgency.h"

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
  return absl::StrReplaceAll(UrgencyName(urgency), {{"_", "-"}});
}

std::string UrgencyLabel(Urgency urgency) {
  const absl::string_view name = UrgencyName(urgency);
  if (name == "unspecified") {
    return absl::StrCat("urgency not set (", static_cast<int>(urgency), ")");
  }
  // Each Vietnamese name begins with an ASCII letter.
  std::string vietnamese(UrgencyVietnamese(urgency));
  vietnamese[0] =
      absl::ascii_toupper(static_cast<unsigned char>(vietnamese[0]));
  return absl::StrCat(vietnamese, " (", UrgencyWord(urgency), ")");
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
      return "refused 02 by the unit";
    case truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL:
      return "refused on arrival 02";
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
    case truc::v1::DELIVERY_STATE_FORWARDED:
      return "forwarded (beyond)";
    default:
      return absl::StrCat("unknown (", static_cast<int>(state), ")");
  }
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
    case truc::v1::EDXML_STATUS_RECALL_REQUESTED:
      word = "recall requested";
      break;
    case truc::v1::EDXML_STATUS_RECALL_AGREED:
      word = "recall agreed";
      break;
    case truc::v1::EDXML_STATUS_RECALL_REFUSED:
      word = "recall refused";
      break;
    default:
      word = "unknown";
  }
  return absl::StrFormat("%02d %s", static_cast<int>(status), word);
}

absl::StatusOr<truc::v1::Date> ParseDate(absl::string_view text) {
  int y, m, d;
  if (!ParseCalendarDate(absl::StripAsciiWhitespace(text), &y, &m, &d)) {
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
