#include "common/edxml/xml_tree.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <map>

#include "absl/strings/str_cat.h"

namespace truc::edxml {

const XmlElement* XmlElement::Child(absl::string_view local) const {
  for (const auto& c : children) {
    if (c.Is(local)) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(
    absl::string_view local) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.Is(local)) out.push_back(&c);
  }
  return out;
}

std::string XmlElement::Attribute(absl::string_view local) const {
  for (const auto& a : attributes) {
    if (a.ns.empty() && a.name == local) return a.value;
  }
  return "";
}

bool XmlElement::HasAttribute(absl::string_view local) const {
  for (const auto& a : attributes) {
    if (a.ns.empty() && a.name == local) return true;
  }
  return false;
}

std::string EscapeXml(absl::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// prefix -> namespace URI in scope ("" is the default namespace).
using Scope = std::map<std::string, std::string>;

void Serialize(const XmlElement& e, Scope scope, std::string* out) {
  if (!e.raw_xml.empty()) {
    out->append(e.raw_xml);
    return;
  }
  std::string decls;
  auto declare = [&](const std::string& prefix, const std::string& ns) {
    auto it = scope.find(prefix);
    if (it != scope.end() && it->second == ns) return;
    if (it == scope.end() && prefix.empty() && ns.empty()) return;
    scope[prefix] = ns;
    absl::StrAppend(&decls, " xmlns", prefix.empty() ? "" : ":", prefix, "=\"",
                    EscapeXml(ns, true), "\"");
  };
  declare(e.prefix, e.ns);
  for (const auto& a : e.attributes) {
    if (!a.ns.empty()) declare(a.prefix, a.ns);
  }
  const std::string qname =
      e.prefix.empty() ? e.name : absl::StrCat(e.prefix, ":", e.name);
  absl::StrAppend(out, "<", qname, decls);
  for (const auto& a : e.attributes) {
    absl::StrAppend(out, " ", a.prefix.empty() ? "" : a.prefix + ":", a.name,
                    "=\"", EscapeXml(a.value, true), "\"");
  }
  if (e.children.empty() && e.text.empty()) {
    out->append("/>");
    return;
  }
  out->append(">");
  if (e.children.empty()) {
    out->append(EscapeXml(e.text));
  } else {
    for (const auto& c : e.children) Serialize(c, scope, out);
  }
  absl::StrAppend(out, "</", qname, ">");
}

}  // namespace

namespace {
void Silent(void*, const char*, ...) {}
}  // namespace

void QuietLibxml2() {
  xmlSetGenericErrorFunc(nullptr, &Silent);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
}

absl::Status CheckXmlText(absl::string_view text, absl::string_view field) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const size_t at = i;
    uint32_t c = p[i];
    int extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0) {
      c &= 0x1F;
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      c &= 0x0F;
      extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      c &= 0x07;
      extra = 3;
    } else {
      extra = -1;
    }
    bool ok = extra >= 0 && i + extra < n;
    for (int k = 1; ok && k <= extra; ++k) {
      ok = (p[i + k] & 0xC0) == 0x80;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms and surrogates are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    ok = ok && c >= kMin[extra] && c <= 0x10FFFF &&
         !(c >= 0xD800 && c <= 0xDFFF);
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " is not UTF-8 (byte ", at + 1, " of ", n, ")"));
    }
    const bool allowed = c == 0x9 || c == 0xA || c == 0xD ||
                         (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
    if (!allowed) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " holds a character XML cannot carry (U+",
          absl::Hex(c, absl::kZeroPad4), " at byte ", at + 1, ")"));
    }
    i += extra + 1;
  }
  return absl::OkStatus();
}

absl::Status CheckXmlFragment(absl::string_view xml, absl::string_view field) {
  if (xml.size() > (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is larger than 1 MiB"));
  }
  if (xml.find("<!") != absl::string_view::npos &&
      xml.find("<!DOCTYPE") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " holds a document type declaration"));
  }
  QuietLibxml2();
  xmlDocPtr doc =
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_NOBLANKS);
  if (doc == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not one well-formed XML element"));
  }
  const bool ok = doc->intSubset == nullptr && doc->extSubset == nullptr &&
                  xmlDocGetRootElement(doc) != nullptr;
  xmlFreeDoc(doc);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not one XML element without a DTD"));
  }
  return absl::OkStatus();
}

std::string SerializeXml(const XmlElement& element) {
  std::string out;
  Serialize(element, Scope{}, &out);
  return out;
}

}  // namespace truc::edxml
