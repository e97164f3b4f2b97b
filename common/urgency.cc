#include "common/urgency.h"

namespace truc {

using truc::v1::Urgency;

uint8_t UrgencyRank(Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_EXPRESS:
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return 0;
    case truc::v1::URGENCY_VERY_URGENT:
      return 1;
    case truc::v1::URGENCY_URGENT:
      return 2;
    default:
      return 3;
  }
}

Urgency UrgencyOfRank(int rank) {
  switch (rank) {
    case 0:
      return truc::v1::URGENCY_EXPRESS;
    case 1:
      return truc::v1::URGENCY_VERY_URGENT;
    case 2:
      return truc::v1::URGENCY_URGENT;
    default:
      return truc::v1::URGENCY_NORMAL;
  }
}

Urgency UrgencyGroup(Urgency urgency) {
  return UrgencyOfRank(UrgencyRank(urgency));
}

absl::string_view UrgencyName(Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_NORMAL:
      return "normal";
    case truc::v1::URGENCY_URGENT:
      return "urgent";
    case truc::v1::URGENCY_VERY_URGENT:
      return "very_urgent";
    case truc::v1::URGENCY_EXPRESS:
      return "express";
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return "express_timed";
    default:
      return "unspecified";
  }
}

absl::string_view UrgencyVietnamese(Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_EXPRESS:
      return "hỏa tốc";
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return "hỏa tốc hẹn giờ";
    case truc::v1::URGENCY_VERY_URGENT:
      return "thượng khẩn";
    case truc::v1::URGENCY_URGENT:
      return "khẩn";
    default:
      return "thường";
  }
}

}  // namespace truc
