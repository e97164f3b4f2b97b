// The one structured log of truc's daemons: one line per event, for
// journald,
//   truc-hub event=accepted sender=000.01.00.H99 document=20261122-9f0c1a9b27d4
//   truc-agent agency=000.07.00.H99 event=stored document=D1 attachments=2
// Values with spaces, quotes, '=' or control characters are quoted with
// '"' and backslash escapes; UTF-8 text stays readable. Never given secret
// material (keys, passwords, tokens, idempotency keys).
//
// Thread-safety: thread-safe; each line is written whole.
#ifndef TRUC_COMMON_EVENT_LOG_H_
#define TRUC_COMMON_EVENT_LOG_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace truc {

using LogField = std::pair<absl::string_view, std::string>;

class EventLog {
 public:
  using Sink = std::function<void(const std::string& line)>;
  using Field = LogField;

  // Lines "<program> [agency=<agency>] event=<event> k=v ..." to `sink`,
  // which receives each line with its '\n' (stderr when null). `agency`
  // is the agency the daemon acts for (the agent's), "" for none.
  explicit EventLog(std::string program, std::string agency = "",
                    Sink sink = nullptr);

  // Writes one line. Never fails.
  void Event(absl::string_view event, std::initializer_list<Field> fields = {});

  const std::string& agency() const { return agency_; }

 private:
  const std::string prefix_;
  const std::string agency_;
  Sink sink_;
  absl::Mutex mu_;
};

// `value` as it appears after "key=" (quoted when needed).
std::string LogValue(absl::string_view value);

// The hub's log ("truc-hub event=..."), on stderr.
void HubLogEvent(absl::string_view event,
                 std::initializer_list<LogField> fields = {});

namespace hub {
// HubLogEvent, as the hub's code writes it.
inline void LogEvent(absl::string_view event,
                     std::initializer_list<LogField> fields = {}) {
  HubLogEvent(event, fields);
}
}  // namespace hub

}  // namespace truc

#endif  // TRUC_COMMON_EVENT_LOG_H_
