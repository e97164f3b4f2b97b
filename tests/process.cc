#include "tests/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/file_util.h"

extern char** environ;

namespace truc::testing {
namespace {

std::vector<std::string> MergedEnv(
    const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

pid_t Spawn(const std::vector<std::string>& argv,
            const std::map<std::string, std::string>& env, int out_fd,
            int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto env_strings = MergedEnv(env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
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

}  // namespace

Process::Process(std::vector<std::string> argv, const std::string& log_path,
                 std::map<std::string, std::string> env) {
  int fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "cannot open %s: %s\n", log_path.c_str(),
                 strerror(errno));
    return;
  }
  pid_ = Spawn(argv, env, fd, fd);
  ::close(fd);
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
  pid_t pid = Spawn(argv, env, out_fd, err_fd);
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

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace truc::testing
