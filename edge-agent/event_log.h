// The agent's structured log: one line per event, on stderr by default,
//   truc-agent agency=000.07.00.H99 event=stored document=D1 attachments=2
// Values with spaces, quotes, '=' or control characters are quoted with
// '"' and backslash escapes; UTF-8 text stays readable. Nothing secret is
// ever passed here (no key material, no idempotency keys).
//
// Thread-safety: thread-safe; each line is written whole.
#ifndef TRUC_EDGE_AGENT_EVENT_LOG_H_
#define TRUC_EDGE_AGENT_EVENT_LOG_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace truc::agent {

class EventLog {
 public:
  using Sink = std::function<void(const std::string& line)>;
  using Field = std::pair<absl::string_view, std::string>;

  // Logs to stderr.
  explicit EventLog(std::string agency);
  // Logs to `sink` (tests), which receives each line with its '\n'.
  EventLog(std::string agency, Sink sink);

  // Writes "truc-agent agency=<agency> event=<event> k=v ...". Never fails.
  void Event(absl::string_view event, std::initializer_list<Field> fields = {});

  const std::string& agency() const { return agency_; }

 private:
  const std::string agency_;
  Sink sink_;
  absl::Mutex mu_;
};

// `value` as it appears after "key=" (quoted when needed).
std::string LogValue(absl::string_view value);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_EVENT_LOG_H_
