#include "tests/bench/rabbit.h"

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

extern char** environ;

namespace truc::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kServerScript[] = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* kEpmdPaths[] = {"/usr/bin/epmd",
                                      "/usr/lib/erlang/bin/epmd"};
constexpr auto kStartTimeout = std::chrono::seconds(90);
constexpr auto kCleanStopTimeout = std::chrono::seconds(60);
constexpr auto kWarmUp = std::chrono::milliseconds(300);
constexpr auto kDrainTimeout = std::chrono::seconds(30);
constexpr auto kRoundTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int kMaxPublishConnections = 8;
constexpr int kMaxConsumerConnections = 4;
constexpr int kMaxChannelsPerConnection = 2000;  // the broker allows 2047
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

// --- Ports -----------------------------------------------------------------

// Binds a TCP socket to 127.0.0.1:`port` (0: any free port) the way a
// listener would (SO_REUSEADDR) and returns the bound port, or -errno.
int BindLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int result;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    result = -errno;
  } else {
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    result = ntohs(addr.sin_port);
  }
  close(fd);
  return result;
}

// A free loopback port not in `taken`.
absl::StatusOr<int> FreePort(const std::vector<int>& taken) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int port = BindLoopback(0);
    if (port < 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot find a free port on 127.0.0.1: ", ErrnoText(-port)));
    }
    if (std::find(taken.begin(), taken.end(), port) == taken.end()) {
      return port;
    }
  }
  return absl::UnavailableError("cannot find a free port on 127.0.0.1");
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// --- Processes -------------------------------------------------------------

// Starts `argv` with environment `env` in `cwd`, stdin from /dev/null and
// stdout and stderr appended to `log_path`, as the leader of a new process
// group. All signal dispositions are reset to their defaults.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env,
                            const std::string& cwd,
                            const std::string& log_path) {
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open ", log_path, ": ", ErrnoText(errno)));
  }
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    int err = errno;
    close(log_fd);
    return absl::InternalError(
        absl::StrCat("cannot open /dev/null: ", ErrnoText(err)));
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> c_argv;
  for (const std::string& a : argv)
    c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const std::string& e : env)
    c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(log_fd);
    close(null_fd);
    return absl::InternalError(
        absl::StrCat("cannot fork for ", argv[0], ": ", ErrnoText(err)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
      _exit(126);
    }
    if (chdir(cwd.c_str()) != 0) _exit(126);
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent, so it holds before we signal it
  close(log_fd);
  close(null_fd);
  return pid;
}

// The environment for the broker's processes: ours without anything that
// would point RabbitMQ or Erlang elsewhere, plus `set`.
std::vector<std::string> ChildEnv(
    const std::vector<std::pair<std::string, std::string>>& set) {
  std::vector<std::string> env;
  bool has_path = false;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.starts_with("RABBITMQ_") || entry.starts_with("ERL_") ||
        entry.starts_with("NOTIFY_SOCKET=") || entry.starts_with("HOME=") ||
        entry.starts_with("LC_ALL=")) {
      continue;
    }
    bool overridden = false;
    for (const auto& [key, value] : set) {
      if (entry.size() > key.size() && entry.starts_with(key) &&
          entry[key.size()] == '=') {
        overridden = true;
      }
    }
    if (overridden) continue;
    if (entry.starts_with("PATH=")) has_path = true;
    env.emplace_back(entry);
  }
  if (!has_path) env.emplace_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  for (const auto& [key, value] : set) env.push_back(key + "=" + value);
  return env;
}

struct ProcInfo {
  pid_t pid;
  std::string comm;
};

// Live (not zombie) members of process group `pgid`.
std::vector<ProcInfo> GroupMembers(pid_t pgid) {
  std::vector<ProcInfo> members;
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
    if (open_paren == std::string::npos || close_paren == std::string::npos) {
      continue;
    }
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

// Reaps `leader` if it exited and reports whether the whole process group
// it leads is gone, waiting up to `timeout`.
bool WaitGroupGone(pid_t leader, bool* leader_reaped,
                   std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (!*leader_reaped) {
      int status;
      pid_t r = waitpid(leader, &status, WNOHANG);
      if (r == leader || (r < 0 && errno == ECHILD)) *leader_reaped = true;
    }
    if (*leader_reaped && GroupMembers(leader).empty()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Stops the process group `leader` leads: SIGTERM to `term` (the processes
// that shut down cleanly on it), then SIGKILL to the group after `grace`.
void StopGroup(pid_t leader, const std::vector<pid_t>& term,
               std::chrono::milliseconds grace) {
  bool reaped = false;
  for (pid_t pid : term) kill(pid, SIGTERM);
  if (WaitGroupGone(leader, &reaped, grace)) return;
  kill(-leader, SIGKILL);
  WaitGroupGone(leader, &reaped, std::chrono::seconds(10));
}

// Whether `pid` (our child) has exited; reaps it and sets `how` if so.
bool Exited(pid_t pid, std::string* how) {
  int status;
  if (waitpid(pid, &status, WNOHANG) != pid) return false;
  if (WIFEXITED(status)) {
    *how = absl::StrCat("exited with code ", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    *how = absl::StrCat("was killed by signal ", WTERMSIG(status));
  } else {
    *how = "stopped";
  }
  return true;
}

// --- AMQP ------------------------------------------------------------------

std::string BytesText(amqp_bytes_t b) {
  return std::string(static_cast<const char*>(b.bytes), b.len);
}

std::string MethodText(const amqp_method_t& m) {
  switch (m.id) {
    case AMQP_CONNECTION_CLOSE_METHOD: {
      auto* c = static_cast<const amqp_connection_close_t*>(m.decoded);
      return absl::StrCat("the broker closed the connection: ", c->reply_code,
                          " ", BytesText(c->reply_text));
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      auto* c = static_cast<const amqp_channel_close_t*>(m.decoded);
      return absl::StrCat("the broker closed the channel: ", c->reply_code, " ",
                          BytesText(c->reply_text));
    }
    default:
      return absl::StrFormat("unexpected AMQP method 0x%08x", m.id);
  }
}

std::string ReplyText(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply from the broker";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      return MethodText(r.reply);
  }
  return "unknown reply";
}

timeval ToTimeval(Clock::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 0) us = 0;
  timeval tv;
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  return tv;
}

// One rabbitmq-c connection, logged in as guest. Not thread-safe: one
// thread at a time.
class Conn {
 public:
  static absl::StatusOr<std::unique_ptr<Conn>> Open(
      int port, Clock::duration timeout = std::chrono::seconds(10)) {
    auto conn = std::unique_ptr<Conn>(new Conn(port));
    conn->state_ = amqp_new_connection();
    if (conn->state_ == nullptr) {
      return absl::ResourceExhaustedError("cannot allocate an AMQP connection");
    }
    amqp_socket_t* socket = amqp_tcp_socket_new(conn->state_);
    if (socket == nullptr) {
      return absl::ResourceExhaustedError("cannot allocate an AMQP socket");
    }
    timeval tv = ToTimeval(timeout);
    timeval rpc_tv = ToTimeval(std::chrono::seconds(60));
    amqp_set_handshake_timeout(conn->state_, &tv);
    amqp_set_rpc_timeout(conn->state_, &rpc_tv);
    int rc = amqp_socket_open_noblock(socket, "127.0.0.1", port, &tv);
    if (rc != AMQP_STATUS_OK) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to RabbitMQ at 127.0.0.1:", port, ": ",
          amqp_error_string2(rc),
          Accepts(port) ? "" : " (nothing accepts connections there)"));
    }
    amqp_rpc_reply_t r =
        amqp_login(conn->state_, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0,
                   AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      return absl::UnavailableError(
          absl::StrCat("AMQP login as guest at 127.0.0.1:", port,
                       " failed: ", ReplyText(r)));
    }
    conn->logged_in_ = true;
    return conn;
  }

  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (state_ == nullptr) return;
    if (logged_in_ && !broken_) {
      amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(state_);
  }

  amqp_connection_state_t get() const { return state_; }
  int port() const { return port_; }

  // After a failed exchange the connection is not closed politely.
  void MarkBroken() { broken_ = true; }

  // The outcome of the last synchronous call, `what` naming it.
  absl::Status Rpc(const std::string& what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(state_);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) return absl::OkStatus();
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) MarkBroken();
    return absl::UnavailableError(
        absl::StrCat(what, " on RabbitMQ at port ", port_, ": ", ReplyText(r)));
  }

  absl::Status OpenChannel(amqp_channel_t channel) {
    amqp_channel_open(state_, channel);
    return Rpc(absl::StrCat("opening channel ", channel));
  }

 private:
  explicit Conn(int port) : port_(port) {}

  int port_;
  amqp_connection_state_t state_ = nullptr;
  bool logged_in_ = false;
  bool broken_ = false;
};

// A fanout exchange and the durable quorum queues bound to it, named
// uniquely for one measurement.
struct Topology {
  std::string exchange;
  std::vector<std::string> queues;
};

Topology MakeTopology(int queues) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  std::string prefix = absl::StrFormat("truc-bench-%d-%d-%08x", getpid(),
                                       counter.fetch_add(1), rd());
  Topology t;
  t.exchange = prefix + "-fanout";
  for (int i = 0; i < queues; ++i) {
    t.queues.push_back(absl::StrCat(prefix, "-q", i));
  }
  return t;
}

absl::Status Declare(int port, const Topology& t) {
  absl::StatusOr<std::unique_ptr<Conn>> conn = Conn::Open(port);
  if (!conn.ok()) return conn.status();
  Conn& c = **conn;
  if (absl::Status s = c.OpenChannel(1); !s.ok()) return s;
  amqp_exchange_declare(c.get(), 1, amqp_cstring_bytes(t.exchange.c_str()),
                        amqp_cstring_bytes("fanout"), /*passive=*/0,
                        /*durable=*/1, /*auto_delete=*/0, /*internal=*/0,
                        amqp_empty_table);
  if (absl::Status s = c.Rpc("declaring exchange " + t.exchange); !s.ok()) {
    return s;
  }
  amqp_table_entry_t quorum;
  quorum.key = amqp_cstring_bytes("x-queue-type");
  quorum.value.kind = AMQP_FIELD_KIND_UTF8;
  quorum.value.value.bytes = amqp_cstring_bytes("quorum");
  amqp_table_t args;
  args.num_entries = 1;
  args.entries = &quorum;
  for (const std::string& q : t.queues) {
    amqp_queue_declare(c.get(), 1, amqp_cstring_bytes(q.c_str()),
                       /*passive=*/0, /*durable=*/1, /*exclusive=*/0,
                       /*auto_delete=*/0, args);
    if (absl::Status s = c.Rpc("declaring quorum queue " + q); !s.ok()) {
      return s;
    }
    amqp_queue_bind(c.get(), 1, amqp_cstring_bytes(q.c_str()),
                    amqp_cstring_bytes(t.exchange.c_str()), amqp_empty_bytes,
                    amqp_empty_table);
    if (absl::Status s = c.Rpc("binding queue " + q); !s.ok()) return s;
    amqp_maybe_release_buffers(c.get());
  }
  return absl::OkStatus();
}

// Deletes what Declare made (whatever part of it exists).
absl::Status Delete(int port, const Topology& t) {
  absl::StatusOr<std::unique_ptr<Conn>> conn = Conn::Open(port);
  if (!conn.ok()) return conn.status();
  Conn& c = **conn;
  amqp_channel_t channel = 1;
  if (absl::Status s = c.OpenChannel(channel); !s.ok()) return s;
  absl::Status first_error;
  // A failed call closes the channel; carry on on a new one.
  auto check = [&](const std::string& what) {
    absl::Status s = c.Rpc(what);
    if (s.ok()) return true;
    if (first_error.ok()) first_error = s;
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c.get());
    if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION) return false;
    ++channel;
    return c.OpenChannel(channel).ok();
  };
  for (const std::string& q : t.queues) {
    amqp_queue_delete(c.get(), channel, amqp_cstring_bytes(q.c_str()),
                      /*if_unused=*/0, /*if_empty=*/0);
    if (!check("deleting queue " + q)) return first_error;
    amqp_maybe_release_buffers(c.get());
  }
  amqp_exchange_delete(c.get(), channel, amqp_cstring_bytes(t.exchange.c_str()),
                       /*if_unused=*/0);
  check("deleting exchange " + t.exchange);
  return first_error;
}

// Declares `t`, runs `measure`, deletes `t`; the first failure wins.
template <typename T, typename Fn>
absl::StatusOr<T> WithTopology(int port, const Topology& t, Fn measure) {
  absl::StatusOr<T> result = absl::UnknownError("not run");
  absl::Status declared = Declare(port, t);
  if (declared.ok()) {
    result = measure();
  } else {
    result = declared;
  }
  absl::Status deleted = Delete(port, t);
  if (result.ok() && !deleted.ok()) return deleted;
  return result;
}

// Confirms outstanding on one channel in confirm mode.
class Confirms {
 public:
  uint64_t Publish() {
    pending_.insert(next_tag_);
    return next_tag_++;
  }
  // Applies a basic.ack; returns how many publishes it confirmed.
  uint64_t Ack(uint64_t tag, bool multiple) {
    if (!multiple) return pending_.erase(tag);
    auto end = tag == 0 ? pending_.end() : pending_.upper_bound(tag);
    uint64_t n = static_cast<uint64_t>(std::distance(pending_.begin(), end));
    pending_.erase(pending_.begin(), end);
    return n;
  }
  bool Pending(uint64_t tag) const { return pending_.count(tag) > 0; }
  size_t outstanding() const { return pending_.size(); }

 private:
  uint64_t next_tag_ = 1;
  std::set<uint64_t> pending_;
};

// Reads one frame from `c` for up to `wait` and applies it to `confirms`.
// Sets `*acked` to the publishes it confirmed (0 on timeout or another
// frame). Fails on a nack, a closing channel or connection, or a broken
// connection.
absl::Status ReadConfirm(Conn& c, Confirms& confirms, Clock::duration wait,
                         uint64_t* acked, bool* blocked) {
  *acked = 0;
  amqp_maybe_release_buffers(c.get());
  amqp_frame_t frame;
  timeval tv = ToTimeval(wait);
  int rc = amqp_simple_wait_frame_noblock(c.get(), &frame, &tv);
  if (rc == AMQP_STATUS_TIMEOUT) return absl::OkStatus();
  if (rc != AMQP_STATUS_OK) {
    c.MarkBroken();
    return absl::UnavailableError(
        absl::StrCat("reading publisher confirms from RabbitMQ at port ",
                     c.port(), ": ", amqp_error_string2(rc)));
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return absl::OkStatus();
  const amqp_method_t& m = frame.payload.method;
  switch (m.id) {
    case AMQP_BASIC_ACK_METHOD: {
      auto* ack = static_cast<const amqp_basic_ack_t*>(m.decoded);
      *acked = confirms.Ack(ack->delivery_tag, ack->multiple != 0);
      return absl::OkStatus();
    }
    case AMQP_BASIC_NACK_METHOD: {
      auto* nack = static_cast<const amqp_basic_nack_t*>(m.decoded);
      return absl::InternalError(
          absl::StrCat("RabbitMQ nacked publish ", nack->delivery_tag,
                       nack->multiple ? " (and those before it)" : "",
                       " on port ", c.port()));
    }
    case AMQP_CONNECTION_BLOCKED_METHOD:
      *blocked = true;
      return absl::OkStatus();
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      *blocked = false;
      return absl::OkStatus();
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      c.MarkBroken();
      return absl::InternalError(
          absl::StrCat(MethodText(m), " (publishing on port ", c.port(), ")"));
    default:
      return absl::OkStatus();
  }
}

// Opens a connection with channel 1 in confirm mode.
absl::StatusOr<std::unique_ptr<Conn>> OpenPublisher(int port) {
  absl::StatusOr<std::unique_ptr<Conn>> conn = Conn::Open(port);
  if (!conn.ok()) return conn.status();
  if (absl::Status s = (*conn)->OpenChannel(1); !s.ok()) return s;
  amqp_confirm_select((*conn)->get(), 1);
  if (absl::Status s = (*conn)->Rpc("enabling publisher confirms"); !s.ok()) {
    return s;
  }
  return conn;
}

amqp_basic_properties_t PersistentProps() {
  amqp_basic_properties_t props;
  memset(&props, 0, sizeof props);
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  return props;
}

// --- PublishConfirmed ------------------------------------------------------

// What the publishing threads share: a start line and the window.
struct PublishRun {
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  bool go = false;
  Clock::time_point window_start;
  Clock::time_point window_end;
  std::atomic<bool> abort{false};
};

// One publishing connection keeping `quota` publishes unconfirmed; sets
// `*confirmed` to the confirms that arrived within the window.
absl::Status PublishLoop(int port, const std::string& exchange, int quota,
                         const std::string& body, PublishRun& run,
                         uint64_t* confirmed) {
  absl::StatusOr<std::unique_ptr<Conn>> conn = OpenPublisher(port);
  Clock::time_point start, end;
  {
    std::unique_lock lock(run.mu);
    ++run.ready;
    if (!conn.ok()) run.abort = true;
    run.cv.notify_all();
    run.cv.wait(lock, [&] { return run.go; });
    start = run.window_start;
    end = run.window_end;
  }
  if (!conn.ok()) return conn.status();
  if (run.abort) return absl::OkStatus();
  Conn& c = **conn;

  amqp_basic_properties_t props = PersistentProps();
  amqp_bytes_t exchange_bytes = amqp_cstring_bytes(exchange.c_str());
  amqp_bytes_t body_bytes;
  body_bytes.len = body.size();
  body_bytes.bytes = const_cast<char*>(body.data());
  Confirms confirms;
  bool blocked = false;
  uint64_t counted = 0;
  auto fail = [&](absl::Status s) {
    run.abort = true;
    return s;
  };
  while (true) {
    Clock::time_point now = Clock::now();
    bool publishing = now < end && !run.abort;
    if (!publishing && confirms.outstanding() == 0) break;
    if (run.abort) break;  // this or another connection failed
    if (!publishing && now > end + kDrainTimeout) {
      return fail(absl::DeadlineExceededError(absl::StrCat(
          confirms.outstanding(), " publishes still unconfirmed ",
          absl::FormatDuration(absl::FromChrono(kDrainTimeout)),
          " after the window",
          blocked ? " (the broker blocks publishers: memory or disk alarm)"
                  : "")));
    }
    if (publishing && confirms.outstanding() < static_cast<size_t>(quota)) {
      int rc = amqp_basic_publish(c.get(), 1, exchange_bytes, amqp_empty_bytes,
                                  /*mandatory=*/0, /*immediate=*/0, &props,
                                  body_bytes);
      if (rc != AMQP_STATUS_OK) {
        c.MarkBroken();
        return fail(absl::UnavailableError(
            absl::StrCat("publishing to RabbitMQ at port ", port, ": ",
                         amqp_error_string2(rc))));
      }
      confirms.Publish();
      continue;
    }
    Clock::duration wait = kPollInterval;
    if (publishing) wait = std::min<Clock::duration>(wait, end - now);
    uint64_t acked = 0;
    absl::Status read = ReadConfirm(c, confirms, wait, &acked, &blocked);
    if (!read.ok()) return fail(read);
    if (acked > 0) {
      Clock::time_point at = Clock::now();
      if (at >= start && at < end) counted += acked;
    }
  }
  *confirmed = counted;
  return absl::OkStatus();
}

absl::StatusOr<PublishResult> RunPublishers(int port,
                                            const std::string& exchange,
                                            int in_flight, size_t body_bytes,
                                            absl::Duration duration) {
  int connections = std::min(in_flight, kMaxPublishConnections);
  std::string body(body_bytes, 'x');
  PublishRun run;
  std::vector<uint64_t> confirmed(connections, 0);
  std::vector<absl::Status> statuses(connections);
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    int quota = in_flight / connections + (i < in_flight % connections ? 1 : 0);
    threads.emplace_back([&, i, quota] {
      statuses[i] =
          PublishLoop(port, exchange, quota, body, run, &confirmed[i]);
    });
  }
  {
    std::unique_lock lock(run.mu);
    run.cv.wait(lock, [&] { return run.ready == connections; });
    run.window_start = Clock::now() + kWarmUp;
    run.window_end = run.window_start + absl::ToChronoNanoseconds(duration);
    run.go = true;
    run.cv.notify_all();
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : statuses) {
    if (!s.ok()) return s;
  }
  PublishResult result;
  for (uint64_t n : confirmed) result.confirmed += n;
  result.seconds = absl::ToDoubleSeconds(duration);
  result.per_second = static_cast<double>(result.confirmed) / result.seconds;
  return result;
}

// --- FanoutLatency ---------------------------------------------------------

// What the consumer threads and the publisher share.
struct FanoutRun {
  explicit FanoutRun(int rounds, int queues)
      : acked_at(rounds, std::vector<Clock::time_point>(queues)),
        acked(rounds, 0) {}

  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  absl::Status error;  // the first consumer failure
  std::vector<std::vector<Clock::time_point>> acked_at;  // [round][queue]
  std::vector<int> acked;                                // per round
  std::atomic<bool> stop{false};

  void Fail(absl::Status s) {
    std::lock_guard lock(mu);
    if (error.ok()) error = std::move(s);
    cv.notify_all();
  }
};

// The round a message belongs to, from its message id; -1 if none.
int RoundOf(const amqp_message_t& message) {
  const amqp_basic_properties_t& p = message.properties;
  if ((p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) == 0) return -1;
  int round;
  if (!absl::SimpleAtoi(
          absl::string_view(static_cast<const char*>(p.message_id.bytes),
                            p.message_id.len),
          &round)) {
    return -1;
  }
  return round;
}

// One consumer connection: a channel per queue in `queues` (indexes into
// `t.queues`), each consuming with manual ack and prefetch 1, acking every
// delivery and recording when.
void ConsumeLoop(int port, const Topology& t, const std::vector<int>& queues,
                 FanoutRun& run) {
  absl::Status setup;
  absl::StatusOr<std::unique_ptr<Conn>> conn = Conn::Open(port);
  if (!conn.ok()) setup = conn.status();
  for (size_t i = 0; setup.ok() && i < queues.size(); ++i) {
    Conn& c = **conn;
    amqp_channel_t channel = static_cast<amqp_channel_t>(i + 1);
    const std::string& queue = t.queues[queues[i]];
    setup = c.OpenChannel(channel);
    if (!setup.ok()) break;
    amqp_basic_qos(c.get(), channel, 0, 1, /*global=*/0);
    setup = c.Rpc("setting prefetch 1 for queue " + queue);
    if (!setup.ok()) break;
    amqp_basic_consume(c.get(), channel, amqp_cstring_bytes(queue.c_str()),
                       amqp_empty_bytes, /*no_local=*/0, /*no_ack=*/0,
                       /*exclusive=*/0, amqp_empty_table);
    setup = c.Rpc("consuming from queue " + queue);
  }
  {
    std::lock_guard lock(run.mu);
    ++run.ready;
    if (!setup.ok() && run.error.ok()) run.error = setup;
    run.cv.notify_all();
  }
  if (!setup.ok()) return;
  Conn& c = **conn;
  while (!run.stop) {
    amqp_maybe_release_buffers(c.get());
    amqp_envelope_t envelope;
    timeval tv = ToTimeval(kPollInterval);
    amqp_rpc_reply_t r = amqp_consume_message(c.get(), &envelope, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      int rc = amqp_basic_ack(c.get(), envelope.channel, envelope.delivery_tag,
                              /*multiple=*/0);
      Clock::time_point at = Clock::now();
      int round = RoundOf(envelope.message);
      size_t index = envelope.channel - 1;
      amqp_destroy_envelope(&envelope);
      if (rc != AMQP_STATUS_OK) {
        c.MarkBroken();
        run.Fail(absl::UnavailableError(
            absl::StrCat("acking a delivery on RabbitMQ at port ", port, ": ",
                         amqp_error_string2(rc))));
        return;
      }
      if (index >= queues.size()) continue;
      int queue = queues[index];
      std::lock_guard lock(run.mu);
      if (round < 0 || round >= static_cast<int>(run.acked.size())) continue;
      if (run.acked_at[round][queue] != Clock::time_point{}) continue;
      run.acked_at[round][queue] = at;
      if (++run.acked[round] == static_cast<int>(t.queues.size())) {
        run.cv.notify_all();
      }
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        r.library_error == AMQP_STATUS_TIMEOUT) {
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // Something other than a delivery: it waits to be read.
      amqp_frame_t frame;
      int rc = amqp_simple_wait_frame(c.get(), &frame);
      if (rc != AMQP_STATUS_OK) {
        c.MarkBroken();
        run.Fail(absl::UnavailableError(
            absl::StrCat("consuming from RabbitMQ at port ", port, ": ",
                         amqp_error_string2(rc))));
        return;
      }
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      const amqp_method_t& m = frame.payload.method;
      if (m.id == AMQP_CHANNEL_CLOSE_METHOD ||
          m.id == AMQP_CONNECTION_CLOSE_METHOD) {
        c.MarkBroken();
        run.Fail(absl::InternalError(
            absl::StrCat(MethodText(m), " (consuming on port ", port, ")")));
        return;
      }
      if (m.id == AMQP_BASIC_CANCEL_METHOD) {
        size_t index = frame.channel - 1;
        c.MarkBroken();
        run.Fail(absl::InternalError(absl::StrCat(
            "RabbitMQ cancelled the consumer of queue ",
            index < queues.size() ? t.queues[queues[index]] : "(unknown)")));
        return;
      }
      continue;
    }
    c.MarkBroken();
    run.Fail(absl::UnavailableError(absl::StrCat(
        "consuming from RabbitMQ at port ", port, ": ", ReplyText(r))));
    return;
  }
}

absl::StatusOr<std::vector<std::vector<double>>> RunFanout(int port,
                                                           const Topology& t,
                                                           size_t body_bytes,
                                                           int rounds) {
  int queues = static_cast<int>(t.queues.size());
  int connections = std::min(queues, kMaxConsumerConnections);
  connections = std::max(connections, (queues + kMaxChannelsPerConnection - 1) /
                                          kMaxChannelsPerConnection);
  std::vector<std::vector<int>> assigned(connections);
  for (int q = 0; q < queues; ++q) assigned[q % connections].push_back(q);

  // Slot 0 is a warm-up round that is not reported.
  const int slots = rounds + 1;
  FanoutRun run(slots, queues);
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&, i] { ConsumeLoop(port, t, assigned[i], run); });
  }
  auto stop_consumers = [&] {
    run.stop = true;
    for (std::thread& th : threads) th.join();
  };
  auto finish = [&](absl::Status s) {
    stop_consumers();
    return s;
  };
  {
    std::unique_lock lock(run.mu);
    run.cv.wait(lock, [&] { return run.ready == connections; });
    if (!run.error.ok()) {
      absl::Status s = run.error;
      lock.unlock();
      return finish(s);
    }
  }
  absl::StatusOr<std::unique_ptr<Conn>> publisher = OpenPublisher(port);
  if (!publisher.ok()) return finish(publisher.status());
  Conn& c = **publisher;

  std::string body(body_bytes, 'x');
  amqp_bytes_t body_b;
  body_b.len = body.size();
  body_b.bytes = body.data();
  amqp_bytes_t exchange = amqp_cstring_bytes(t.exchange.c_str());
  Confirms confirms;
  bool blocked = false;
  std::vector<Clock::time_point> published(slots);
  for (int round = 0; round < slots; ++round) {
    const std::string what =
        round == 0 ? "warm-up round"
                   : absl::StrCat("round ", round, " of ", rounds);
    std::string id = absl::StrCat(round);
    amqp_basic_properties_t props = PersistentProps();
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = amqp_cstring_bytes(id.c_str());
    published[round] = Clock::now();
    Clock::time_point deadline = published[round] + kRoundTimeout;
    int rc = amqp_basic_publish(c.get(), 1, exchange, amqp_empty_bytes, 0, 0,
                                &props, body_b);
    if (rc != AMQP_STATUS_OK) {
      c.MarkBroken();
      return finish(absl::UnavailableError(
          absl::StrCat("publishing to RabbitMQ at port ", port, ": ",
                       amqp_error_string2(rc))));
    }
    uint64_t tag = confirms.Publish();
    while (confirms.Pending(tag)) {
      Clock::time_point now = Clock::now();
      if (now > deadline) {
        return finish(absl::DeadlineExceededError(absl::StrCat(
            what, " to ", queues, " queues: no publisher confirm in ",
            absl::FormatDuration(absl::FromChrono(kRoundTimeout)),
            blocked ? " (the broker blocks publishers: memory or disk alarm)"
                    : "")));
      }
      uint64_t acked;
      absl::Status s = ReadConfirm(
          c, confirms, std::min<Clock::duration>(kPollInterval, deadline - now),
          &acked, &blocked);
      if (!s.ok()) return finish(s);
    }
    std::unique_lock lock(run.mu);
    bool complete = run.cv.wait_until(lock, deadline, [&] {
      return run.acked[round] == queues || !run.error.ok();
    });
    if (!run.error.ok()) {
      absl::Status s = run.error;
      lock.unlock();
      return finish(s);
    }
    if (!complete) {
      int acked = run.acked[round];
      lock.unlock();
      return finish(absl::DeadlineExceededError(absl::StrCat(
          what, ": only ", acked, " of ", queues, " consumers acked within ",
          absl::FormatDuration(absl::FromChrono(kRoundTimeout)))));
    }
  }
  stop_consumers();

  std::vector<std::vector<double>> micros(rounds, std::vector<double>(queues));
  for (int round = 0; round < rounds; ++round) {
    for (int q = 0; q < queues; ++q) {
      micros[round][q] = std::chrono::duration<double, std::micro>(
                             run.acked_at[round + 1][q] - published[round + 1])
                             .count();
    }
  }
  return micros;
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
    for (const ProcInfo& p : GroupMembers(broker_pid_)) {
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
      for (const ProcInfo& p : GroupMembers(broker_pid_)) {
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
  std::string epmd;
  for (const char* path : kEpmdPaths) {
    if (access(path, X_OK) == 0) {
      epmd = path;
      break;
    }
  }
  if (epmd.empty()) {
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
  absl::StatusOr<int> epmd_port = FreePort({amqp_port});
  if (!epmd_port.ok()) return epmd_port.status();
  absl::StatusOr<int> dist_port = FreePort({amqp_port, *epmd_port});
  if (!dist_port.ok()) return dist_port.status();

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
  std::vector<std::pair<std::string, std::string>> vars = {
      {"HOME", d},
      {"LC_ALL", "C.UTF-8"},
      {"ERL_EPMD_PORT", absl::StrCat(*epmd_port)},
      {"ERL_EPMD_ADDRESS", "127.0.0.1"},
      {"ERL_CRASH_DUMP", d + "/erl_crash.dump"},
      {"RABBITMQ_CONF_ENV_FILE", d + "/rabbitmq-env.conf"},
      {"RABBITMQ_NODENAME", node},
      {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
      {"RABBITMQ_NODE_PORT", absl::StrCat(amqp_port)},
      {"RABBITMQ_DIST_PORT", absl::StrCat(*dist_port)},
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
  std::vector<std::string> env = ChildEnv(vars);
  const off_t log_start = FileSize(log);

  // Our own epmd, so the broker neither uses nor leaves behind a shared one.
  absl::StatusOr<pid_t> epmd_pid =
      Spawn({epmd, "-port", absl::StrCat(*epmd_port), "-address", "127.0.0.1"},
            env, d, d + "/epmd.log");
  if (!epmd_pid.ok()) return epmd_pid.status();
  broker->epmd_pid_ = *epmd_pid;
  auto epmd_deadline = Clock::now() + std::chrono::seconds(10);
  while (!Accepts(*epmd_port)) {
    std::string how;
    if (Exited(*epmd_pid, &how)) {
      broker->epmd_pid_ = -1;
      return absl::UnavailableError(absl::StrCat("epmd for RabbitMQ on port ",
                                                 *epmd_port, " ", how, ": ",
                                                 LogTail(d + "/epmd.log", 0)));
    }
    if (Clock::now() > epmd_deadline) {
      return absl::UnavailableError(absl::StrCat(
          "epmd for RabbitMQ does not listen on port ", *epmd_port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  absl::StatusOr<pid_t> pid = Spawn({kServerScript}, env, d, log);
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

// --- Measurements ----------------------------------------------------------

absl::StatusOr<PublishResult> PublishConfirmed(int port, int queues,
                                               int in_flight, size_t body_bytes,
                                               absl::Duration duration) {
  if (queues <= 0 || in_flight <= 0 || duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PublishConfirmed needs queues, in_flight and duration > 0, got ",
        queues, ", ", in_flight, ", ", absl::FormatDuration(duration)));
  }
  Topology t = MakeTopology(queues);
  return WithTopology<PublishResult>(port, t, [&] {
    return RunPublishers(port, t.exchange, in_flight, body_bytes, duration);
  });
}

absl::StatusOr<std::vector<std::vector<double>>> FanoutLatency(
    int port, int queues, size_t body_bytes, int rounds) {
  if (queues <= 0 || rounds <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("FanoutLatency needs queues and rounds > 0, got ", queues,
                     ", ", rounds));
  }
  Topology t = MakeTopology(queues);
  return WithTopology<std::vector<std::vector<double>>>(
      port, t, [&] { return RunFanout(port, t, body_bytes, rounds); });
}

}  // namespace truc::bench
