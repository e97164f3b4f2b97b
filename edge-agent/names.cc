#include "edge-agent/names.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/attachment_name.h"
#include "common/sha256.h"

namespace truc::agent {

bool IsReservedOutboxName(absl::string_view name) {
  return name == kEnvelopeFile || name == kReceiptFile || name == kErrorFile ||
         name == kIdempotencyKeyFile || name == kAcceptanceReceiptFile ||
         name == kEdxmlFile;
}
namespace {

// Shows a name in an error message: as is when printable, else in hex (a
// control character must not reach the terminal or the log).
std::string Quote(absl::string_view name) {
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return absl::StrCat("(hex) ", HexEncode(name));
  }
  return absl::StrCat("\"", name, "\"");
}

// The rule `name` breaks, or "" when it breaks none.
std::string NameProblem(absl::string_view name, size_t max_bytes) {
  if (name.empty()) return "is empty";
  if (name.size() > max_bytes) {
    return absl::StrCat("is longer than ", max_bytes, " bytes");
  }
  if (name == "." || name == "..") return "is \".\" or \"..\"";
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '/') return "contains '/'";
    if (c == '\\') return "contains '\\'";
    if (c < 0x20 || c == 0x7f) return "contains a control character";
    // C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
    if (c == 0xc2 && i + 1 < name.size() &&
        static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(name[i + 1]) <= 0x9f) {
      return "contains a control character";
    }
  }
  return "";
}

}  // namespace

absl::Status ValidateInboxAttachmentNames(
    const truc::v1::DocumentHeader& header) {
  std::set<absl::string_view> seen;
  for (int i = 0; i < header.attachments_size(); ++i) {
    const std::string& name = header.attachments(i).name();
    absl::Status s = truc::ValidateAttachmentName(name);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attachment ", i, ": ", s.message()));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attachment ", i, ": name ", Quote(name), " is used twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDocumentId(absl::string_view id) {
  std::string problem = NameProblem(id, 128);
  if (problem.empty() && id.front() == '.') problem = "starts with '.'";
  if (!problem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("document id ", Quote(id), " ", problem));
  }
  return absl::OkStatus();
}

}  // namespace truc::agent
