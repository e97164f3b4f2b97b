// Which attachment file names may travel. The hub refuses a header with a
// bad name, and the agent checks again before it uses a name as a file name
// in its inbox, with this same function.
#ifndef TRUC_COMMON_ATTACHMENT_NAME_H_
#define TRUC_COMMON_ATTACHMENT_NAME_H_

#include <string>

#include "absl/status/status.h"

namespace truc {

// OK for 1 to 255 bytes with no '/', '\\' or control characters, other
// than "." and "..". INVALID_ARGUMENT naming the name otherwise.
absl::Status ValidateAttachmentName(const std::string& name);

}  // namespace truc

#endif  // TRUC_COMMON_ATTACHMENT_NAME_H_
