#include "common/event_log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace truc {

EventLog::EventLog(std::string program, std::string agency, Sink sink)
    : prefix_(agency.empty()
                  ? program
                  : absl::StrCat(program, " agency=", LogValue(agency))),
      agency_(std::move(agency)),
      sink_(sink ? std::move(sink) : Sink([](const std::string& line) {
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
      })) {}

std::string LogValue(absl::string_view value) {
  bool plain = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

void EventLog::Event(absl::string_view event,
                     std::initializer_list<Field> fields) {
  std::string line = absl::StrCat(prefix_, " event=", LogValue(event));
  for (const Field& f : fields) {
    absl::StrAppend(&line, " ", f.first, "=", LogValue(f.second));
  }
  line += '\n';
  absl::MutexLock lock(&mu_);
  sink_(line);
}

void HubLogEvent(absl::string_view event,
                 std::initializer_list<LogField> fields) {
  static EventLog* const log = new EventLog("truc-hub");
  log->Event(event, fields);
}

}  // namespace truc
