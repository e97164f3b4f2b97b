// The words of the command line and of its reports: urgency and secrecy as
// typed in flags, delivery states and edXML status codes as printed, and
// dates and times as Vietnamese clerks write them (dd/MM/yyyy, Vietnam time
// UTC+7).
//
// Thread-safety: pure functions, thread-safe. Failures are INVALID_ARGUMENT
// with a message naming the bad text and listing what is accepted.
#ifndef TRUC_CLI_VOCABULARY_H_
#define TRUC_CLI_VOCABULARY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "truc/v1/envelope.pb.h"
#include "truc/v1/status.pb.h"

namespace truc::cli {

// "normal", "urgent", "very-urgent", "express", "express-timed" (case
// insensitive; '_' accepted for '-') to the enum.
absl::StatusOr<truc::v1::Urgency> ParseUrgency(absl::string_view word);

// The flag word of an urgency: "very-urgent". "unspecified" for 0.
std::string UrgencyWord(truc::v1::Urgency urgency);

// Vietnamese and English: "Hỏa tốc (express)", "Thường (normal)".
std::string UrgencyLabel(truc::v1::Urgency urgency);

// "none", "confidential", "secret", "top-secret" to the enum.
absl::StatusOr<truc::v1::Secrecy> ParseSecrecy(absl::string_view word);

// "Mật (confidential)" etc.; "none" for SECRECY_NONE / UNSPECIFIED.
std::string SecrecyLabel(truc::v1::Secrecy secrecy);

// The state column: "queued", "leased (fetching)", "arrived 01",
// "refused 02 by the unit", "refused on arrival 02", "accepted 03",
// "assigned 04", "processing 05", "completed 06", "paper copy". What
// counts as received is common/reception.h.
std::string DeliveryStateLabel(truc::v1::DeliveryState state);

// "05 processing".
std::string EdxmlStatusLabel(truc::v1::EdxmlStatus status);

// "dd/MM/yyyy" (also "yyyy/MM/dd" and "yyyy-MM-dd") to a calendar date; the
// day must exist (no 30/02).
absl::StatusOr<truc::v1::Date> ParseDate(absl::string_view text);

// "dd/MM/yyyy"; "" when the date is unset.
std::string FormatDate(const truc::v1::Date& date);

}  // namespace truc::cli

#endif  // TRUC_CLI_VOCABULARY_H_
