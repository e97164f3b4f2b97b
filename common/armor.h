// Evidence files: a serialized message in base64 between a BEGIN and an END
// line, as PEM does, so that a receipt, a checkpoint or a proof can be
// mailed, printed or attached to a case file. What truc writes is read back
// only exactly as it was written: a file with any byte changed (a line
// re-wrapped, a character altered) is refused, never reinterpreted.
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_ARMOR_H_
#define TRUC_COMMON_ARMOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

// The labels of truc's evidence files.
inline constexpr absl::string_view kReceiptLabel = "TRUC RECEIPT";
inline constexpr absl::string_view kCheckpointLabel = "TRUC CHECKPOINT";
inline constexpr absl::string_view kDocumentProofLabel = "TRUC DOCUMENT PROOF";

// "-----BEGIN <label>-----\n", the base64 of `bytes` in lines of 64,
// "-----END <label>-----\n".
std::string Armor(absl::string_view label, absl::string_view bytes);

// The bytes of a file Armor wrote with `label`. Fails INVALID_ARGUMENT if
// the text is not exactly such a file (another label, other line breaks,
// a character that is not base64, anything before or after).
absl::StatusOr<std::string> Dearmor(absl::string_view label,
                                    absl::string_view text);

}  // namespace truc

#endif  // TRUC_COMMON_ARMOR_H_
