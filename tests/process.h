// Real processes for the cross-process tests and the bench, in one place:
// spawn a binary with its arguments, environment and folder, alone or at
// the head of a process group; send it signals, wait for it, stop a whole
// group; read memory figures from /proc; find free loopback ports. No test
// framework: a failure to start is printed on stderr and leaves running()
// false.
//
// Thread-safety: one Process object per thread.
#ifndef TRUC_TESTS_PROCESS_H_
#define TRUC_TESTS_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace truc::testing {

// How a process is started.
struct SpawnOptions {
  // Set in its environment, over what it inherits.
  std::map<std::string, std::string> env;
  // Inherited variables it does not get: a name, or a prefix ending in '_'
  // ("RABBITMQ_") for every variable that begins with it.
  std::vector<std::string> unset;
  std::string cwd;  // its working folder; empty: ours
  // Leads a new process group (StopGroup ends it with its children), with
  // every signal at its default and none blocked.
  bool own_group = false;
};

// Starts `argv` with stdin from /dev/null and stdout and stderr appended to
// `log_path`. Returns its pid; INTERNAL naming what failed otherwise.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const std::string& log_path,
                            const SpawnOptions& options = {});

class Process {
 public:
  // Starts `argv[0]` with `argv`, the current environment plus `env`, and
  // stdout and stderr appended to `log_path`. If it cannot start, says why
  // on stderr and running() is false.
  Process(std::vector<std::string> argv, const std::string& log_path,
          std::map<std::string, std::string> env = {});
  Process(std::vector<std::string> argv, const std::string& log_path,
          const SpawnOptions& options);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Kills (SIGKILL) and reaps the process if it still runs.
  ~Process();

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int sig);
  // SIGKILL and reap: a crash.
  void Kill9();
  // SIGTERM, then waits up to `grace`, then SIGKILL. Returns the exit code
  // (128 + signal if killed).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits for exit up to `timeout`; nullopt if it still runs.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

  // Peak resident memory so far (VmHWM), in bytes; 0 once exited.
  uint64_t PeakRssBytes() const;
  // Starts the peak over from the memory resident now, so that a peak
  // measures one piece of work and not the process's start.
  void ResetPeakRss() const;

 private:
  std::optional<int> Reap(bool block);
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a command to completion; returns its exit code and what it printed
// on stdout and stderr. A command that cannot start, or runs past `timeout`
// (then it is killed), has exit code != 0 and the reason at the end of err.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult RunCommand(const std::vector<std::string>& argv,
                     std::map<std::string, std::string> env = {},
                     std::chrono::seconds timeout = std::chrono::seconds(120));

// A process of a group, as /proc shows it.
struct GroupMember {
  pid_t pid;
  std::string comm;  // its command name, e.g. "beam.smp"
};
// The live (not zombie) members of process group `pgid`.
std::vector<GroupMember> GroupMembers(pid_t pgid);
// Stops the group `leader` (our child, spawned with own_group) leads:
// SIGTERM to `term` (those that shut down cleanly on it), then SIGKILL to
// the whole group after `grace`; reaps the leader and waits for the group
// to be gone.
void StopGroup(pid_t leader, const std::vector<pid_t>& term,
               std::chrono::milliseconds grace);
// Whether `pid` (our child) has exited; reaps it and says how in `how`.
bool Exited(pid_t pid, std::string* how);

// A TCP port on 127.0.0.1 that was free a moment ago, and not one of
// `avoid`; 0 if none could be found.
int FreePort(const std::vector<int>& avoid = {});
// Binds a TCP socket to 127.0.0.1:`port` (0: any free one) as a listener
// would (SO_REUSEADDR), closes it, and returns the port, or -errno.
int BindLoopback(int port);
// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool Accepts(int port);

// Polls `pred` every 20 ms until true or `timeout`; returns its last value.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    struct timespec ts = {0, 20'000'000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace truc::testing

#endif  // TRUC_TESTS_PROCESS_H_
