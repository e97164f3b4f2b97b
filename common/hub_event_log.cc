#include "common/hub_event_log.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace truc::hub {

void LogLine(absl::string_view line) {
  std::string out = absl::StrCat("truc-hub ", line, "\n");
  std::fwrite(out.data(), 1, out.size(), stderr);
}

void LogEvent(absl::string_view event, absl::string_view detail) {
  LogLine(absl::StrCat("event=", event, " ", detail));
}

}  // namespace truc::hub
