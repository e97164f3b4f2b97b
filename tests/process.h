// Real processes for the cross-process tests and the bench: spawn a binary
// with its arguments and environment, send it signals, wait for it, and
// read its memory figures from /proc while it runs. No test framework: a
// failure to start is printed on stderr and leaves running() false.
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

namespace truc::testing {

class Process {
 public:
  // Starts `argv[0]` with `argv`, the current environment plus `env`, and
  // stdout and stderr appended to `log_path`. If it cannot start, says why
  // on stderr and running() is false.
  Process(std::vector<std::string> argv, const std::string& log_path,
          std::map<std::string, std::string> env = {});
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

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

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
