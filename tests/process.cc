#include "tests/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"

extern char** environ;

namespace truc::testing {
namespace {

bool Unset(const std::string& name, const std::vector<std::string>& unset) {
  for (const std::string& u : unset) {
    if (!u.empty() && u.back() == '_' ? name.rfind(u, 0) == 0 : name == u)
      return true;
  }
  return false;
}

std::vector<std::string> ChildEnv(const SpawnOptions& options) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(0, eq);
    if (!Unset(name, options.unset)) all[name] = kv.substr(eq + 1);
  }
  if (!all.count("PATH")) all["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& [k, v] : options.env) all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

// Starts `argv` with stdout and stderr to the two descriptors: the pid, or
// -1 after saying why on stderr.
pid_t SpawnWithFds(const std::vector<std::string>& argv,
                   const SpawnOptions& options, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!options.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (options.own_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                        POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto env_strings = ChildEnv(options);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc =
      posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::fprintf(stderr, "cannot start %s: %s\n", argv[0].c_str(),
                 strerror(rc));
    return -1;
  }
  return pid;
}

int DecodeWait(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

SpawnOptions WithEnv(std::map<std::string, std::string> env) {
  SpawnOptions options;
  options.env = std::move(env);
  return options;
}

}  // namespace

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const std::string& log_path,
                            const SpawnOptions& options) {
  int fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open ", log_path, ": ", strerror(errno)));
  }
  pid_t pid = SpawnWithFds(argv, options, fd, fd);
  ::close(fd);
  if (pid <= 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0]));
  }
  return pid;
}

Process::Process(std::vector<std::string> argv, const std::string& log_path,
                 std::map<std::string, std::string> env)
    : Process(std::move(argv), log_path, WithEnv(std::move(env))) {}

Process::Process(std::vector<std::string> argv, const std::string& log_path,
                 const SpawnOptions& options) {
  absl::StatusOr<pid_t> pid = Spawn(argv, log_path, options);
  if (!pid.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pid.status().message()).c_str());
    return;
  }
  pid_ = *pid;
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) Kill9();
}

std::optional<int> Process::Reap(bool block) {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == pid_) exit_code_ = DecodeWait(status);
  return exit_code_;
}

bool Process::running() { return pid_ > 0 && !Reap(false).has_value(); }

void Process::Signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

void Process::Kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  Reap(true);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  WaitFor([&] { return !running(); }, timeout);
  return exit_code_;
}

int Process::Stop(std::chrono::milliseconds grace) {
  Signal(SIGTERM);
  if (!Wait(grace)) Kill9();
  return exit_code_.value_or(-1);
}

void Process::ResetPeakRss() const {
  // Linux 4.0 and later: "5" resets VmHWM to the current RSS.
  std::ofstream out("/proc/" + std::to_string(pid_) + "/clear_refs");
  out << "5";
}

uint64_t Process::PeakRssBytes() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream s(line.substr(6));
      uint64_t kb = 0;
      s >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

RunResult RunCommand(const std::vector<std::string>& argv,
                     std::map<std::string, std::string> env,
                     std::chrono::seconds timeout) {
  char out_tmpl[] = "/tmp/truc-run-out-XXXXXX";
  char err_tmpl[] = "/tmp/truc-run-err-XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  RunResult result;
  bool timed_out = false;
  pid_t pid = SpawnWithFds(argv, WithEnv(std::move(env)), out_fd, err_fd);
  if (pid > 0) {
    int status = 0;
    bool done = WaitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; },
                        timeout);
    if (!done) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timed_out = true;
    }
    result.exit_code = DecodeWait(status);
  }
  ::close(out_fd);
  ::close(err_fd);
  result.out = ReadFile(out_tmpl).value_or("");
  result.err = ReadFile(err_tmpl).value_or("");
  if (pid <= 0) {
    result.err += "cannot start " + argv[0] + "\n";
  } else if (timed_out) {
    result.err += argv[0] + " did not finish within " +
                  std::to_string(timeout.count()) + " s and was killed\n";
  }
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return result;
}

std::vector<GroupMember> GroupMembers(pid_t pgid) {
  std::vector<GroupMember> members;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return members;
  while (dirent* d = readdir(proc)) {
    int pid;
    if (!absl::SimpleAtoi(d->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat;
    if (!std::getline(in, stat)) continue;
    // "pid (comm) state ppid pgrp ...": comm may hold anything, so parse
    // from its closing parenthesis.
    size_t open_paren = stat.find('(');
    size_t close_paren = stat.rfind(')');
    if (open_paren == std::string::npos || close_paren == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close_paren + 1));
    char state;
    long ppid, pgrp;
    if (!(rest >> state >> ppid >> pgrp)) continue;
    if (pgrp != pgid || state == 'Z' || state == 'X') continue;
    members.push_back(
        {pid, stat.substr(open_paren + 1, close_paren - open_paren - 1)});
  }
  closedir(proc);
  return members;
}

namespace {

// Reaps `leader` if it exited and reports whether the whole group it leads
// is gone, waiting up to `timeout`.
bool WaitGroupGone(pid_t leader, bool* leader_reaped,
                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!*leader_reaped) {
      int status;
      pid_t r = ::waitpid(leader, &status, WNOHANG);
      if (r == leader || (r < 0 && errno == ECHILD)) *leader_reaped = true;
    }
    if (*leader_reaped && GroupMembers(leader).empty()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

void StopGroup(pid_t leader, const std::vector<pid_t>& term,
               std::chrono::milliseconds grace) {
  bool reaped = false;
  for (pid_t pid : term) ::kill(pid, SIGTERM);
  if (WaitGroupGone(leader, &reaped, grace)) return;
  ::kill(-leader, SIGKILL);
  WaitGroupGone(leader, &reaped, std::chrono::seconds(10));
}

bool Exited(pid_t pid, std::string* how) {
  int status;
  if (::waitpid(pid, &status, WNOHANG) != pid) return false;
  if (WIFEXITED(status)) {
    *how = absl::StrCat("exited with code ", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    *how = absl::StrCat("was killed by signal ", WTERMSIG(status));
  } else {
    *how = "stopped";
  }
  return true;
}

int BindLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int result;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    result = -errno;
  } else {
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    result = ntohs(addr.sin_port);
  }
  ::close(fd);
  return result;
}

int FreePort(const std::vector<int>& avoid) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int port = BindLoopback(0);
    if (port <= 0) return 0;
    if (std::find(avoid.begin(), avoid.end(), port) == avoid.end()) return port;
  }
  return 0;
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace truc::testing
