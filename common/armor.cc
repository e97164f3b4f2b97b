#include "common/armor.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace truc {
namespace {

std::string Begin(absl::string_view label) {
  return absl::StrCat("-----BEGIN ", label, "-----\n");
}
std::string End(absl::string_view label) {
  return absl::StrCat("-----END ", label, "-----\n");
}

}  // namespace

std::string Armor(absl::string_view label, absl::string_view bytes) {
  const std::string b64 = absl::Base64Escape(bytes);
  std::string out = Begin(label);
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, absl::string_view(b64).substr(i, 64), "\n");
  }
  absl::StrAppend(&out, End(label));
  return out;
}

absl::StatusOr<std::string> Dearmor(absl::string_view label,
                                    absl::string_view text) {
  const std::string begin = Begin(label), end = End(label);
  if (!absl::StartsWith(text, begin) || !absl::EndsWith(text, end) ||
      text.size() < begin.size() + end.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a ", absl::AsciiStrToLower(label), " file: it must begin with \"",
        absl::StripSuffix(begin, "\n"), "\" and end with \"",
        absl::StripSuffix(end, "\n"), "\""));
  }
  absl::string_view body =
      text.substr(begin.size(), text.size() - begin.size() - end.size());
  std::string b64;
  b64.reserve(body.size());
  for (char c : body) {
    if (c != '\n') b64.push_back(c);
  }
  std::string bytes;
  if (!absl::Base64Unescape(b64, &bytes) || Armor(label, bytes) != text) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", absl::AsciiStrToLower(label),
        " file is not as truc wrote it: its base64 is altered or re-wrapped"));
  }
  return bytes;
}

}  // namespace truc
