#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/bench/amqp_client.h"
#include "tests/bench/rabbit.h"
#include "tests/process.h"

extern char** environ;

namespace truc::bench {
namespace {

namespace fs = std::filesystem;
using truc::testing::Accepts;
using truc::testing::BindLoopback;
using truc::testing::Exited;
using truc::testing::FreePort;
using truc::testing::GroupMember;
using truc::testing::GroupMembers;
using truc::testing::SpawnOptions;
using truc::testing::StopGroup;

constexpr char kServerScript[] = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* kEpmdPaths[] = {"/usr/bin/epmd",
                                      "/usr/lib/erlang/bin/epmd"};
constexpr auto kStartTimeout = std::chrono::seconds(90);
constexpr auto kCleanStopTimeout = std::chrono::seconds(60);
constexpr size_t kLogTailBytes = 4000;

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof buf);  // the GNU variant
}

// --- Files -----------------------------------------------------------------

absl::Status WriteFile(const std::string& path, const std::string& content,
                       mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot write ", path, ": ", ErrnoText(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return absl::InternalError(
          absl::StrCat("cannot write ", path, ": ", ErrnoText(err)));
    }
    done += static_cast<size_t>(n);
  }
  fchmod(fd, mode);
  close(fd);
  return absl::OkStatus();
}

// The Erlang cookie: kept if present (it must stay readable by its owner
// only), otherwise a new random one.
absl::Status EnsureCookie(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && st.st_size > 0) {
    if (chmod(path.c_str(), 0400) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot chmod 0400 ", path, ": ", ErrnoText(errno)));
    }
    return absl::OkStatus();
  }
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::uniform_int_distribution<int> letter(0, 25);
  std::string cookie;
  for (int i = 0; i < 20; ++i)
    cookie.push_back(static_cast<char>('A' + letter(rng)));
  unlink(path.c_str());
  return WriteFile(path, cookie, 0400);
}

off_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// The last `kLogTailBytes` of `path` written after offset `from`.
std::string LogTail(const std::string& path, off_t from) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::StrCat("(cannot read ", path, ")");
  in.seekg(0, std::ios::end);
  off_t size = static_cast<off_t>(in.tellg());
  off_t start = std::max<off_t>(from, size - static_cast<off_t>(kLogTailBytes));
  if (start >= size) return absl::StrCat("(", path, " is empty)");
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

}  // namespace

// --- RabbitBroker ----------------------------------------------------------

bool RabbitBroker::Installed() { return access(kServerScript, X_OK) == 0; }

RabbitBroker::RabbitBroker(std::string dir, int port)
    : dir_(std::move(dir)), port_(port) {}

RabbitBroker::~RabbitBroker() { Stop(); }

void RabbitBroker::Stop() {
  if (broker_pid_ > 0) {
    // The start script relays SIGTERM to the VM, which then shuts down
    // cleanly; the VM gets it directly as well in case the relay is late.
    std::vector<pid_t> term = {broker_pid_};
    for (const GroupMember& p : GroupMembers(broker_pid_)) {
      if (p.comm == "beam.smp") term.push_back(p.pid);
    }
    StopGroup(broker_pid_, term, kCleanStopTimeout);
    broker_pid_ = -1;
    beam_pid_ = -1;
  }
  if (epmd_pid_ > 0) {
    StopGroup(epmd_pid_, {epmd_pid_}, std::chrono::seconds(5));
    epmd_pid_ = -1;
  }
}

uint64_t RabbitBroker::RssBytes() const {
  pid_t beam = beam_pid_.load();
  auto is_beam = [](pid_t pid) {
    std::ifstream in(absl::StrCat("/proc/", pid, "/comm"));
    std::string comm;
    return std::getline(in, comm) && comm == "beam.smp";
  };
  if (beam <= 0 || !is_beam(beam)) {
    beam = -1;
    if (broker_pid_ > 0) {
      for (const GroupMember& p : GroupMembers(broker_pid_)) {
        if (p.comm == "beam.smp") beam = p.pid;
      }
    }
    beam_pid_ = beam;
    if (beam <= 0) return 0;
  }
  std::ifstream in(absl::StrCat("/proc/", beam, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("VmRSS:")) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kb = 0;
    if (fields >> kb) return kb * 1024;
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<RabbitBroker>> RabbitBroker::Start(
    const std::string& dir_arg, int amqp_port) {
  if (!Installed()) {
    return absl::NotFoundError(
        "rabbitmq-server is not installed (apt-get install rabbitmq-server)");
  }
  std::string epmd_bin;
  for (const char* path : kEpmdPaths) {
    if (access(path, X_OK) == 0) {
      epmd_bin = path;
      break;
    }
  }
  if (epmd_bin.empty()) {
    return absl::NotFoundError(
        "epmd is not installed (apt-get install erlang-base)");
  }
  if (amqp_port <= 0 || amqp_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad AMQP port ", amqp_port, " for RabbitMQ"));
  }
  std::error_code ec;
  fs::path dir = fs::absolute(dir_arg, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("bad RabbitMQ directory ", dir_arg, ": ", ec.message()));
  }
  for (const char* sub : {"mnesia", "log"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          "cannot create ", (dir / sub).string(), ": ", ec.message()));
    }
  }
  if (int r = BindLoopback(amqp_port); r < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot start RabbitMQ on 127.0.0.1:", amqp_port, ": the port is ",
        r == -EADDRINUSE ? "already in use" : ErrnoText(-r)));
  }
  const int epmd_port = FreePort({amqp_port});
  const int dist_port = epmd_port == 0 ? 0 : FreePort({amqp_port, epmd_port});
  if (dist_port == 0) {
    return absl::UnavailableError("cannot find a free port on 127.0.0.1");
  }

  const std::string d = dir.string();
  const std::string conf = d + "/rabbitmq.conf";
  const std::string log = d + "/broker.log";
  absl::Status written = EnsureCookie(d + "/.erlang.cookie");
  if (written.ok()) {
    written =
        WriteFile(conf,
                  absl::StrCat("listeners.tcp.default = 127.0.0.1:", amqp_port,
                               "\n"
                               "loopback_users = none\n"
                               "disk_free_limit.absolute = 50MB\n"
                               "vm_memory_high_watermark.relative = 0.8\n"),
                  0644);
  }
  if (written.ok()) written = WriteFile(d + "/enabled_plugins", "[].\n", 0644);
  if (written.ok()) written = WriteFile(d + "/advanced.config", "[].\n", 0644);
  if (written.ok()) written = WriteFile(d + "/rabbitmq-env.conf", "", 0644);
  if (!written.ok()) return written;

  auto broker = std::unique_ptr<RabbitBroker>(new RabbitBroker(d, amqp_port));
  const std::string node = absl::StrCat("truc-bench-", amqp_port, "@localhost");
  // Ours, without anything that would point RabbitMQ or Erlang elsewhere.
  SpawnOptions options;
  options.cwd = d;
  options.own_group = true;
  options.unset = {"RABBITMQ_", "ERL_", "NOTIFY_SOCKET", "HOME", "LC_ALL"};
  options.env = {
      {"HOME", d},
      {"LC_ALL", "C.UTF-8"},
      {"ERL_EPMD_PORT", absl::StrCat(epmd_port)},
      {"ERL_EPMD_ADDRESS", "127.0.0.1"},
      {"ERL_CRASH_DUMP", d + "/erl_crash.dump"},
      {"RABBITMQ_CONF_ENV_FILE", d + "/rabbitmq-env.conf"},
      {"RABBITMQ_NODENAME", node},
      {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
      {"RABBITMQ_NODE_PORT", absl::StrCat(amqp_port)},
      {"RABBITMQ_DIST_PORT", absl::StrCat(dist_port)},
      {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
       "-kernel inet_dist_use_interface {127,0,0,1}"},
      {"RABBITMQ_MNESIA_BASE", d + "/mnesia"},
      {"RABBITMQ_LOG_BASE", d + "/log"},
      {"RABBITMQ_LOGS", "-"},
      {"RABBITMQ_CONFIG_FILE", conf},
      {"RABBITMQ_ADVANCED_CONFIG_FILE", d + "/advanced.config"},
      {"RABBITMQ_ENABLED_PLUGINS_FILE", d + "/enabled_plugins"},
      {"RABBITMQ_PID_FILE", d + "/broker.pid"},
  };
  const off_t log_start = FileSize(log);

  // Our own epmd, so the broker neither uses nor leaves behind a shared one.
  absl::StatusOr<pid_t> epmd_pid = truc::testing::Spawn(
      {epmd_bin, "-port", absl::StrCat(epmd_port), "-address", "127.0.0.1"},
      d + "/epmd.log", options);
  if (!epmd_pid.ok()) return epmd_pid.status();
  broker->epmd_pid_ = *epmd_pid;
  auto epmd_deadline = Clock::now() + std::chrono::seconds(10);
  while (!Accepts(epmd_port)) {
    std::string how;
    if (Exited(*epmd_pid, &how)) {
      broker->epmd_pid_ = -1;
      return absl::UnavailableError(absl::StrCat("epmd for RabbitMQ on port ",
                                                 epmd_port, " ", how, ": ",
                                                 LogTail(d + "/epmd.log", 0)));
    }
    if (Clock::now() > epmd_deadline) {
      return absl::UnavailableError(absl::StrCat(
          "epmd for RabbitMQ does not listen on port ", epmd_port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  absl::StatusOr<pid_t> pid =
      truc::testing::Spawn({kServerScript}, log, options);
  if (!pid.ok()) return pid.status();
  broker->broker_pid_ = *pid;
  auto deadline = Clock::now() + kStartTimeout;
  absl::Status login;
  while (true) {
    std::string how;
    if (Exited(*pid, &how)) {
      // Its group may still hold the VM; Stop() sees to it.
      return absl::UnavailableError(absl::StrCat(
          "RabbitMQ (node ", node, ", port ", amqp_port, ") ", how,
          " while starting; the end of ", log, ":\n", LogTail(log, log_start)));
    }
    if (Accepts(amqp_port)) {
      absl::StatusOr<std::unique_ptr<Conn>> conn = Conn::Open(amqp_port);
      if (conn.ok()) return broker;
      login = conn.status();
    }
    if (Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return absl::UnavailableError(absl::StrCat(
      "RabbitMQ (node ", node, ", port ", amqp_port,
      ") accepted no AMQP login within ",
      absl::FormatDuration(absl::FromChrono(kStartTimeout)),
      login.ok() ? "" : absl::StrCat(" (last: ", login.message(), ")"),
      "; the end of ", log, ":\n", LogTail(log, log_start)));
}

}  // namespace truc::bench
