// TEST HOOK for crash tests (kill -9 at a chosen step). Not for production
// use: with the environment variable unset, CrashPoint does nothing.
//
// The points, each between two durable steps of a daemon:
//   after_download       truc-agent: every attachment of a document is
//                        downloaded and verified, its folder is built in
//                        staging and the durable "received" marker
//                        (state/received/<id>) is written, before the
//                        rename into the inbox (edge-agent/inbox.h, steps
//                        4 and 5);
//   after_inbox          truc-agent: after that rename, before the
//                        Acknowledge call;
//   after_bring_in       truc-bridge: a document is stored at the next hop,
//                        before it is marked crossed where it came from
//                        (bridge/crossing.h, steps 2 and 3);
//   after_record_status  truc-bridge: a status is recorded at the next
//                        hop, before it is cleared where it came from.
//
// Thread-safety: thread-safe.
#ifndef TRUC_COMMON_CRASH_POINT_H_
#define TRUC_COMMON_CRASH_POINT_H_

#include "absl/strings/string_view.h"

namespace truc {

// The environment variable naming the crash point.
inline constexpr char kCrashPointEnv[] = "TRUC_CRASH_POINT";

// If $TRUC_CRASH_POINT equals `name`, kills the process with SIGKILL (no
// cleanup, no flush: as a power cut would). Otherwise returns.
void CrashPoint(absl::string_view name);

}  // namespace truc

#endif  // TRUC_COMMON_CRASH_POINT_H_
