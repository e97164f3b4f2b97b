// Abusive clients of one of the hub's web doors, from this process, for
// the web-door tests and truc-bench: a crowd of TCP connections that never
// send a byte, or that send a request's headers a byte every few seconds
// (slowloris, after a real TLS handshake on a TLS door), reopened as the
// server drops them; and many open live boards (server-sent events).
//
// Connections are spread over loopback source addresses (127.0.0.x: every
// one is this machine), `per_address` from each, so that a door's cap per
// client address does not simply refuse them all: the door must hold them
// without letting them take its workers.
//
// Thread-safety: Start/Stop from one thread; counts() from any.
#ifndef TRUC_TESTS_WEB_ABUSE_H_
#define TRUC_TESTS_WEB_ABUSE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace truc::testing {

struct Door {
  int port = 0;
  bool tls = false;
};

class Crowd {
 public:
  enum class Kind {
    kIdle,  // connect, then never send a byte
    kSlow,  // (handshake, then) a header byte every `byte_every`
  };
  struct Options {
    Kind kind = Kind::kIdle;
    int connections = 1000;
    int per_address = 50;
    int first_address = 10;  // 127.0.0.<first_address> and on
    absl::Duration byte_every = absl::Seconds(2);
  };
  struct Counts {
    uint64_t opened = 0;   // connections opened so far
    uint64_t dropped = 0;  // closed by the server
    int open = 0;          // open now
    // How long the server kept a dropped connection, at most.
    absl::Duration longest_kept = absl::ZeroDuration();
  };

  Crowd(Door door, Options options);
  ~Crowd();  // Stop()
  void Start();
  void Stop();
  Counts counts() const;

 private:
  struct Conn;
  void Loop();

  const Door door_;
  const Options options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

// Live boards held open on a console: each a TLS connection with an open
// GET /api/events stream, from 127.0.<2..>.x, 250 per address.
class Boards {
 public:
  explicit Boards(Door door, std::string cookie);
  ~Boards();
  // Opens `n` more boards, each until its "event: hello". Returns how many
  // opened; stops at the first refused and keeps its answer (refused()).
  int Open(int n);
  // The answer to the first board refused (status line and body).
  const std::string& refused() const { return refused_; }
  // How many open boards have received `what` since they opened, waiting
  // up to `wait` for all of them to.
  int Heard(absl::string_view what, absl::Duration wait);
  int open() const { return static_cast<int>(fds_.size()); }
  // Closes the last board opened, as a browser tab closed.
  void CloseOne();

 private:
  const Door door_;
  const std::string cookie_;
  std::vector<int> fds_;
  std::vector<void*> ssl_;        // SSL*, beside fds_
  std::vector<std::string> got_;  // what each received after its hello
  std::string refused_;
};

// One request on a new connection from 127.0.0.1 (TLS when the door is),
// as `raw` (the request line, headers and body, as sent): the whole answer
// (status line, headers, body by Content-Length). UNAVAILABLE if the door
// does not answer within 10 s.
absl::StatusOr<std::string> Ask(Door door, const std::string& raw);

// The resident memory (VmRSS, KiB) and thread count of process `pid`.
struct ProcessSize {
  uint64_t rss_kib = 0;
  int threads = 0;
};
absl::StatusOr<ProcessSize> SizeOf(int pid);

// Raises this process's limit of open files to its hard limit.
void RaiseOpenFileLimit();

}  // namespace truc::testing

#endif  // TRUC_TESTS_WEB_ABUSE_H_
