#include "tests/web_abuse.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/file_util.h"

namespace truc::testing {
namespace {

SSL_CTX* ClientContext() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

// A blocking TCP connection from `source` to 127.0.0.1:`port`, with 10 s
// timeouts on each read and write; -1 if it cannot be made.
int ConnectFrom(const std::string& source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

SSL* Handshake(int fd) {
  SSL* ssl = SSL_new(ClientContext());
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) != 1) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

void NonBlocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Writes all of `bytes`; false if the connection is gone.
bool WriteAll(int fd, SSL* ssl, absl::string_view bytes) {
  if (ssl != nullptr) {
    const int n = SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) ERR_clear_error();
    return n == static_cast<int>(bytes.size());
  }
  return send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

// Reads what is there without waiting, into `got` if set. False if the
// server closed.
bool Drain(int fd, SSL* ssl, std::string* got = nullptr) {
  char buf[4096];
  while (true) {
    if (ssl != nullptr) {
      const int n = SSL_read(ssl, buf, sizeof(buf));
      if (n > 0 && got != nullptr) got->append(buf, static_cast<size_t>(n));
      if (n > 0) continue;
      const int e = SSL_get_error(ssl, n);
      ERR_clear_error();
      return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0 && got != nullptr) got->append(buf, static_cast<size_t>(n));
    if (n > 0) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Waits for bytes and appends them to `got`. False once the server closed
// (or the socket's 10 s timeout passed).
bool ReadSome(int fd, SSL* ssl, std::string* got) {
  char buf[16384];
  const int r = ssl != nullptr
                    ? SSL_read(ssl, buf, sizeof(buf))
                    : static_cast<int>(recv(fd, buf, sizeof(buf), 0));
  if (r <= 0) {
    ERR_clear_error();
    return false;
  }
  got->append(buf, static_cast<size_t>(r));
  return true;
}

void CloseConn(int fd, SSL* ssl) {
  if (ssl != nullptr) SSL_free(ssl);
  if (fd >= 0) close(fd);
}

}  // namespace

struct Crowd::Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  absl::Time opened;
  absl::Time reopen_at = absl::InfinitePast();
};

Crowd::Crowd(Door door, Options options) : door_(door), options_(options) {}

Crowd::~Crowd() { Stop(); }

void Crowd::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Crowd::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Crowd::Counts Crowd::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

void Crowd::Loop() {
  const int n = options_.connections;
  std::vector<Conn> conns(static_cast<size_t>(n));
  absl::Time next_byte = absl::Now() + options_.byte_every;
  const auto source = [&](int i) {
    return absl::StrCat("127.0.0.",
                        options_.first_address + i / options_.per_address);
  };
  while (!stop_.load()) {
    absl::Time now = absl::Now();
    uint64_t opened = 0;
    uint64_t dropped = 0;
    absl::Duration longest = absl::ZeroDuration();
    const auto drop = [&](Conn& c) {
      CloseConn(c.fd, c.ssl);
      c.fd = -1;
      c.ssl = nullptr;
      ++dropped;
      longest = std::max(longest, now - c.opened);
      c.reopen_at = now + absl::Milliseconds(100);
    };
    for (int i = 0; i < n && !stop_.load(); ++i) {
      Conn& c = conns[static_cast<size_t>(i)];
      if (c.fd >= 0 || now < c.reopen_at) continue;
      c.fd = ConnectFrom(source(i), door_.port);
      if (c.fd < 0) {
        c.reopen_at = now + absl::Milliseconds(100);
        continue;
      }
      if (options_.kind == Kind::kSlow) {
        if (door_.tls) c.ssl = Handshake(c.fd);
        if ((door_.tls && c.ssl == nullptr) ||
            !WriteAll(c.fd, c.ssl, "GET /api/board HTTP/1.1\r\nHost: x\r\n")) {
          CloseConn(c.fd, c.ssl);
          c.fd = -1;
          c.ssl = nullptr;
          c.reopen_at = now + absl::Milliseconds(100);
          continue;
        }
      }
      NonBlocking(c.fd);
      c.opened = absl::Now();
      ++opened;
    }
    std::vector<pollfd> fds;
    std::vector<Conn*> of;
    for (Conn& c : conns) {
      if (c.fd < 0) continue;
      fds.push_back(pollfd{c.fd, POLLIN, 0});
      of.push_back(&c);
    }
    poll(fds.data(), fds.size(), 100);
    now = absl::Now();
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (!Drain(of[i]->fd, of[i]->ssl)) drop(*of[i]);
    }
    if (options_.kind == Kind::kSlow && now >= next_byte) {
      next_byte = now + options_.byte_every;
      for (Conn& c : conns) {
        if (c.fd >= 0 && !WriteAll(c.fd, c.ssl, "X")) drop(c);
      }
    }
    int open = 0;
    for (const Conn& c : conns) open += c.fd >= 0 ? 1 : 0;
    absl::MutexLock lock(&mu_);
    counts_.opened += opened;
    counts_.dropped += dropped;
    counts_.open = open;
    counts_.longest_kept = std::max(counts_.longest_kept, longest);
  }
  for (Conn& c : conns) CloseConn(c.fd, c.ssl);
  absl::MutexLock lock(&mu_);
  counts_.open = 0;
}

Boards::Boards(Door door, std::string cookie)
    : door_(door), cookie_(std::move(cookie)) {}

Boards::~Boards() {
  for (size_t i = 0; i < fds_.size(); ++i) {
    CloseConn(fds_[i], static_cast<SSL*>(ssl_[i]));
  }
}

int Boards::Open(int n) {
  int opened = 0;
  for (int i = 0; i < n; ++i) {
    const int index = static_cast<int>(fds_.size());
    const int fd =
        ConnectFrom(absl::StrCat("127.0.2.", 1 + index / 250), door_.port);
    if (fd < 0) return opened;
    SSL* ssl = door_.tls ? Handshake(fd) : nullptr;
    if (door_.tls && ssl == nullptr) {
      CloseConn(fd, ssl);
      return opened;
    }
    if (!WriteAll(fd, ssl,
                  absl::StrCat("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Cookie: ",
                               cookie_, "\r\n\r\n"))) {
      CloseConn(fd, ssl);
      return opened;
    }
    std::string got;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    bool ok = false;
    while (absl::Now() < deadline && ReadSome(fd, ssl, &got)) {
      if (absl::StrContains(got, "event: hello")) {
        ok = true;
        break;
      }
      if (absl::StrContains(got, "\r\n\r\n") &&
          !absl::StartsWith(got, "HTTP/1.1 200") &&
          absl::StrContains(got, "}")) {
        break;
      }
    }
    if (!ok) {
      refused_ = got;
      CloseConn(fd, ssl);
      return opened;
    }
    NonBlocking(fd);
    fds_.push_back(fd);
    ssl_.push_back(ssl);
    got_.emplace_back();
    ++opened;
  }
  return opened;
}

void Boards::CloseOne() {
  if (fds_.empty()) return;
  CloseConn(fds_.back(), static_cast<SSL*>(ssl_.back()));
  fds_.pop_back();
  ssl_.pop_back();
  got_.pop_back();
}

int Boards::Heard(absl::string_view what, absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  int heard = 0;
  std::vector<bool> closed(fds_.size(), false);
  while (true) {
    heard = 0;
    for (size_t i = 0; i < fds_.size(); ++i) {
      if (!closed[i]) {
        pollfd p{fds_[i], POLLIN, 0};
        if (poll(&p, 1, 0) > 0 &&
            !Drain(fds_[i], static_cast<SSL*>(ssl_[i]), &got_[i])) {
          closed[i] = true;
        }
      }
      if (absl::StrContains(got_[i], what)) ++heard;
    }
    if (heard == static_cast<int>(fds_.size()) || absl::Now() >= deadline) {
      return heard;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

absl::StatusOr<std::string> Ask(Door door, const std::string& raw) {
  const int fd = ConnectFrom("127.0.0.1", door.port);
  if (fd < 0) return absl::UnavailableError("cannot connect to the door");
  SSL* ssl = door.tls ? Handshake(fd) : nullptr;
  if (door.tls && ssl == nullptr) {
    CloseConn(fd, ssl);
    return absl::UnavailableError("no TLS handshake with the door");
  }
  if (!WriteAll(fd, ssl, raw)) {
    CloseConn(fd, ssl);
    return absl::UnavailableError("the door closed before the request");
  }
  std::string got;
  size_t want = std::string::npos;
  while ((want == std::string::npos || got.size() < want) &&
         ReadSome(fd, ssl, &got)) {
    const size_t end = got.find("\r\n\r\n");
    if (want == std::string::npos && end != std::string::npos) {
      size_t length = 0;
      for (absl::string_view line :
           absl::StrSplit(absl::string_view(got).substr(0, end), "\r\n")) {
        if (absl::ConsumePrefix(&line, "Content-Length:")) {
          (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &length);
        }
      }
      want = end + 4 + length;
    }
  }
  CloseConn(fd, ssl);
  if (want == std::string::npos || got.size() < want) {
    return absl::UnavailableError(
        absl::StrCat("the door's answer was cut short: ", got.substr(0, 200)));
  }
  return got;
}

absl::StatusOr<ProcessSize> SizeOf(int pid) {
  auto status = ReadFile(absl::StrCat("/proc/", pid, "/status"), 1 << 20);
  if (!status.ok()) return status.status();
  ProcessSize size;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (absl::ConsumePrefix(&line, "VmRSS:")) {
      line = absl::StripAsciiWhitespace(line);
      (void)absl::SimpleAtoi(line.substr(0, line.find(' ')), &size.rss_kib);
    } else if (absl::ConsumePrefix(&line, "Threads:")) {
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &size.threads);
    }
  }
  return size;
}

void RaiseOpenFileLimit() {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
  }
}

}  // namespace truc::testing
