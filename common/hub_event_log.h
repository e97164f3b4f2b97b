// The hub's log: one structured line per event on stderr
// ("truc-hub event=accepted document=... by=..."), which journald collects.
// Never given secret material (keys, passwords, tokens).
//
// Thread-safety: thread-safe (one write per line).
#ifndef TRUC_COMMON_HUB_EVENT_LOG_H_
#define TRUC_COMMON_HUB_EVENT_LOG_H_

#include "absl/strings/string_view.h"

namespace truc::hub {

// Writes "truc-hub event=<event> <detail>\n" to stderr.
void LogEvent(absl::string_view event, absl::string_view detail);
// Writes "truc-hub <line>\n" to stderr.
void LogLine(absl::string_view line);

}  // namespace truc::hub

#endif  // TRUC_COMMON_HUB_EVENT_LOG_H_
