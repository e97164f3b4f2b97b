// Urgency (độ khẩn) as truc orders, groups and names it: the one place for
// each of these rules.
//
//   rank    0 express (hỏa tốc, and hỏa tốc hẹn giờ), 1 very urgent
//           (thượng khẩn), 2 urgent (khẩn), 3 normal (thường, and unset):
//           the order of every queue and index, most urgent first
//   group   the urgency a figure is counted under: express by a stated
//           time with express, unset with normal (reports, metrics)
//   name    "normal", "urgent", "very_urgent", "express", "express_timed":
//           metric labels and, with '-', the command line's words
//
// edXML carries urgency as OtherInfo/Priority 0..4; that mapping belongs to
// the edXML codec, and these ranks never go on the wire.
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_URGENCY_H_
#define TRUC_COMMON_URGENCY_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "truc/v1/envelope.pb.h"

namespace truc {

inline constexpr int kUrgencyRanks = 4;

// 0..3 as above.
uint8_t UrgencyRank(truc::v1::Urgency urgency);
// The urgency that stands for `rank` (its group): URGENCY_EXPRESS for 0, ...
// URGENCY_NORMAL for 3 and anything past it.
truc::v1::Urgency UrgencyOfRank(int rank);
// The group `urgency` is counted under.
truc::v1::Urgency UrgencyGroup(truc::v1::Urgency urgency);

// "express_timed", "very_urgent", ...; "unspecified" for 0 and unknown
// values.
absl::string_view UrgencyName(truc::v1::Urgency urgency);
// The Vietnamese name in lower case: "hỏa tốc", "hỏa tốc hẹn giờ",
// "thượng khẩn", "khẩn", "thường" (and "thường" for unset).
absl::string_view UrgencyVietnamese(truc::v1::Urgency urgency);

}  // namespace truc

#endif  // TRUC_COMMON_URGENCY_H_
