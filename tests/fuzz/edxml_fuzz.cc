// libFuzzer target for the edXML reader and mapping (scripts/fuzz.sh). Any
// input must end in a clear error or a message; and what truc writes from
// a message it read must read again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"

namespace {

[[noreturn]] void Fail(const char* what, const absl::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truc::edxml;
  ReadOptions options;
  options.limits.max_message_bytes = 1 << 20;
  options.limits.max_text_bytes = 256 << 10;
  options.limits.max_attachment_bytes = 1 << 20;
  auto parsed = ReadEdxml(
      absl::string_view(reinterpret_cast<const char*>(data), size), options);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) Fail("empty error", parsed.status());
    return 0;
  }
  std::string written;
  if (IsStatusMessage(*parsed)) {
    auto status = StatusFromEdxml(*parsed);
    if (!status.ok()) return 0;
    auto text = StatusText(*status);
    if (!text.ok()) return 0;  // text XML cannot carry: refused, named
    written = *text;
  } else {
    auto doc = DocumentFromEdxml(*std::move(parsed));
    if (!doc.ok()) return 0;
    // The envelope only: the attachments were counted, not kept.
    doc->header.clear_attachments();
    auto text = DocumentText(doc->header, {});
    if (!text.ok()) return 0;
    written = *text;
  }
  auto again = ReadEdxml(written, {});
  if (!again.ok()) Fail("truc's own edXML does not read back", again.status());
  return 0;
}
