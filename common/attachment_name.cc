#include "common/attachment_name.h"

#include "absl/strings/str_cat.h"

namespace truc {

absl::Status ValidateAttachmentName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 255 && name != "." && name != "..";
  for (unsigned char c : name) {
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) ok = false;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "attachment name \"", name,
      "\" is not allowed: 1 to 255 bytes, no '/', '\\' or control characters, "
      "not \".\" or \"..\""));
}

}  // namespace truc
