// What the edXML tests share: the real samples (tests/testdata/edxml/) and
// a canonical form of a message to compare two of them.
#ifndef TRUC_COMMON_EDXML_EDXML_TESTING_H_
#define TRUC_COMMON_EDXML_EDXML_TESTING_H_

#include <string>
#include <vector>

#include "common/edxml/reader.h"

namespace truc::edxml::testing {

// Every sample's file name, sorted.
std::vector<std::string> SampleNames();
std::string SamplePath(const std::string& name);

// A text form of a message for comparison: each element as its namespace,
// local name, sorted attributes and text without surrounding whitespace;
// children in a stable order by name (only the order of same-named
// siblings counts: QCVN 102 fixes the rest, and the samples themselves
// differ in it); empty elements left out; then each attachment's ContentId,
// size and SHA-256.
std::string Canonical(const ParsedEdxml& parsed);

}  // namespace truc::edxml::testing

#endif  // TRUC_COMMON_EDXML_EDXML_TESTING_H_
