// TEST HOOK for crash tests (kill -9 at a chosen step). Not for production
// use: with the environment variable unset, CrashPoint does nothing.
//
// CrashPoint("after_download") is reached when every attachment of a
// document is downloaded and verified, its folder is built in staging and
// the durable "received" marker (state/received/<id>) is written, before
// the rename into the inbox (edge-agent/inbox.h, steps 4 and 5);
// CrashPoint("after_inbox") after that rename, before the Acknowledge
// call.
//
// Thread-safety: thread-safe.
#ifndef TRUC_EDGE_AGENT_CRASH_POINT_H_
#define TRUC_EDGE_AGENT_CRASH_POINT_H_

#include "absl/strings/string_view.h"

namespace truc::agent {

// The environment variable naming the crash point.
inline constexpr char kCrashPointEnv[] = "TRUC_AGENT_CRASH_POINT";

// If $TRUC_AGENT_CRASH_POINT equals `name`, kills the process with SIGKILL
// (no cleanup, no flush: as a power cut would). Otherwise returns.
void CrashPoint(absl::string_view name);

}  // namespace truc::agent

#endif  // TRUC_EDGE_AGENT_CRASH_POINT_H_
