// A small XML element tree: what the edXML reader keeps of a message (its
// header and manifest; attachments' contents stream past it), and what the
// codec keeps verbatim (an edXML Signature, elements it does not know).
//
// Thread-safety: a value type; const methods may be called concurrently.
#ifndef TRUC_COMMON_EDXML_XML_TREE_H_
#define TRUC_COMMON_EDXML_XML_TREE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace truc::edxml {

// The edXML namespace of QCVN 102:2016.
inline constexpr char kEdxmlNs[] = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
inline constexpr char kEdxmlPrefix[] = "edXML";

struct XmlAttribute {
  std::string ns;  // namespace URI; empty for an unqualified attribute
  std::string prefix;
  std::string name;  // local name
  std::string value;
};

struct XmlElement {
  std::string ns;      // namespace URI; empty for none
  std::string prefix;  // as written; empty for the default namespace
  std::string name;    // local name
  std::vector<XmlAttribute> attributes;
  // The character data directly inside, as written (entities resolved).
  // Kept for elements without children; whitespace between children is
  // dropped.
  std::string text;
  std::vector<XmlElement> children;
  // When set, the element is this XML text, written as it is (a fragment
  // kept verbatim; CheckXmlFragment has checked it); the fields above are
  // unused.
  std::string raw_xml;

  // The first child in the edXML namespace with local name `local`; null if
  // none.
  const XmlElement* Child(absl::string_view local) const;
  // Every such child, in order.
  std::vector<const XmlElement*> Children(absl::string_view local) const;
  // The value of the unqualified attribute `local`; empty if absent.
  std::string Attribute(absl::string_view local) const;
  bool HasAttribute(absl::string_view local) const;
  // True for an element of the edXML namespace with this local name.
  bool Is(absl::string_view local) const {
    return ns == kEdxmlNs && name == local;
  }
};

// The element as XML text, declaring on it every namespace it and its
// descendants use (so that the text stands alone), and escaping text and
// attribute values.
std::string SerializeXml(const XmlElement& element);

// Escapes &, <, > (and " in attributes) for XML text.
std::string EscapeXml(absl::string_view text, bool attribute = false);

// Keeps libxml2 from printing to stderr on this thread (its generic error
// handler is per thread): every error it meets reaches truc as a status.
void QuietLibxml2();

// OK if `text` is UTF-8 made only of characters XML 1.0 allows (no NUL, no
// control characters but tab, line feed and carriage return);
// INVALID_ARGUMENT naming `field` and the offending byte's position.
absl::Status CheckXmlText(absl::string_view text, absl::string_view field);

// OK if `xml` is one well-formed element (with its namespaces declared), no
// document type declaration, at most 1 MiB; INVALID_ARGUMENT naming
// `field` otherwise.
absl::Status CheckXmlFragment(absl::string_view xml, absl::string_view field);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_XML_TREE_H_
