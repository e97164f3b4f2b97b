#include "common/edxml/edxml_testing.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/sha256.h"

namespace truc::edxml::testing {
namespace {

bool Empty(const XmlElement& e) {
  return e.children.empty() && e.attributes.empty() &&
         absl::StripAsciiWhitespace(e.text).empty();
}

void Write(const XmlElement& e, int depth, std::string* out) {
  absl::StrAppend(out, std::string(depth * 2, ' '), "{", e.ns, "}", e.name);
  std::vector<std::string> attrs;
  for (const auto& a : e.attributes) {
    attrs.push_back(
        absl::StrCat(" @{", a.ns, "}", a.name, "=\"", a.value, "\""));
  }
  std::sort(attrs.begin(), attrs.end());
  for (const auto& a : attrs) out->append(a);
  if (e.children.empty()) {
    absl::StrAppend(out, " = \"", absl::StripAsciiWhitespace(e.text), "\"");
  }
  out->append("\n");
  std::vector<const XmlElement*> kids;
  for (const auto& c : e.children) {
    if (!Empty(c)) kids.push_back(&c);
  }
  std::stable_sort(kids.begin(), kids.end(),
                   [](const XmlElement* a, const XmlElement* b) {
                     return std::tie(a->ns, a->name) < std::tie(b->ns, b->name);
                   });
  for (const XmlElement* c : kids) Write(*c, depth + 1, out);
}

}  // namespace

std::vector<std::string> SampleNames() {
  std::vector<std::string> names;
  for (const auto& e :
       std::filesystem::directory_iterator(TRUC_EDXML_SAMPLES)) {
    if (e.path().extension() == ".edxml") {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string SamplePath(const std::string& name) {
  return JoinPath(TRUC_EDXML_SAMPLES, name);
}

std::string Canonical(const ParsedEdxml& parsed) {
  std::string out;
  Write(parsed.root, 0, &out);
  for (const auto& a : parsed.attachments) {
    absl::StrAppend(&out, "attachment ", a.content_id, " ", a.size, " ",
                    HexEncode(a.sha256), "\n");
  }
  return out;
}

}  // namespace truc::edxml::testing
