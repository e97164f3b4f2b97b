// TEST HOOK for crash tests (kill -9 at a chosen step). Not for production
// use: with the environment variable unset, CrashPoint does nothing.
//
// CrashPoint("after_download") is reached when every attachment of a
// document is downloaded and verified, its folder is built in staging and
// state/incoming/<id>/ready is written, before the rename into the inbox;
// CrashPoint("after_inbox") after the rename into the inbox and the durable
// "received" marker, before the Acknowledge call.
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
