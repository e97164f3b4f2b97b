// What the hub checks of a document header before it accepts a send.
//
// Thread-safety: pure functions.
#ifndef TRUC_HUB_EXCHANGE_HEADER_VALIDATION_H_
#define TRUC_HUB_EXCHANGE_HEADER_VALIDATION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "truc/v1/envelope.pb.h"

namespace truc::hub {

struct HeaderLimits {
  uint32_t max_header_bytes = 256 << 10;
  uint64_t max_attachment_bytes = uint64_t{2} << 30;
  uint32_t max_attachments = 100;
  uint32_t max_recipients = 5000;
};

// Parses the header bytes and checks them. `caller` is the agency of the
// sending certificate. Errors, each naming the field or value at fault:
// RESOURCE_EXHAUSTED over a limit; PERMISSION_DENIED if from.organ_id is
// not the caller; INVALID_ARGUMENT for anything missing or malformed, and
// for any secrecy level other than none (secret documents never travel on
// the axis). Does not consult the directory.
absl::StatusOr<truc::v1::DocumentHeader> ParseAndValidateHeader(
    const std::string& header_bytes, const std::string& caller,
    const HeaderLimits& limits);

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_HEADER_VALIDATION_H_
