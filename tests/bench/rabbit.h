// RabbitMQ, the reference for truc's durable fan-out: a private broker the
// bench starts on loopback, and the two measurements it is compared on
// (confirmed durable publishes per second into quorum queues, and the time
// for one message to reach and be acked by every consumer of a fan-out).
// The measurements drive the broker with the rabbitmq-c client.
#ifndef TRUC_TESTS_BENCH_RABBIT_H_
#define TRUC_TESTS_BENCH_RABBIT_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace truc::bench {

// A RabbitMQ broker the bench starts on loopback, its data, logs, config,
// Erlang cookie and home under `dir` (created if missing), so it touches
// nothing of the system's. It runs its own epmd on a free port, and the
// Erlang distribution on another free port, both on 127.0.0.1.
//
// Thread-safety: Start and the destructor from one thread; port() and
// RssBytes() from any thread.
class RabbitBroker {
 public:
  // Whether rabbitmq-server is installed where it is expected
  // (/usr/lib/rabbitmq/bin/rabbitmq-server).
  static bool Installed();

  // Starts a broker listening on 127.0.0.1:`amqp_port` and waits (up to
  // 90 s) until an AMQP login as guest succeeds. The broker's output goes to
  // `dir`/broker.log. Fails NOT_FOUND when rabbitmq-server (or epmd) is not
  // installed, INVALID_ARGUMENT for a bad port, INTERNAL when `dir` or its
  // files cannot be written, UNAVAILABLE when `amqp_port` is already in use
  // or the broker does not come up (with the tail of its log). Whatever was
  // started is stopped again on failure.
  static absl::StatusOr<std::unique_ptr<RabbitBroker>> Start(
      const std::string& dir, int amqp_port);

  RabbitBroker(const RabbitBroker&) = delete;
  RabbitBroker& operator=(const RabbitBroker&) = delete;
  // Stops the broker (SIGTERM, up to 60 s for a clean shutdown, then
  // SIGKILL to its whole process group) and then its epmd, and waits for
  // them to exit.
  ~RabbitBroker();

  int port() const { return port_; }

  // Resident memory of the broker's Erlang VM (beam.smp) now, bytes; 0 if
  // unknown.
  uint64_t RssBytes() const;

 private:
  RabbitBroker(std::string dir, int port);
  void Stop();

  std::string dir_;
  int port_;
  pid_t broker_pid_ = -1;  // the start script; leads its process group
  pid_t epmd_pid_ = -1;    // leads its own process group
  mutable std::atomic<pid_t> beam_pid_{-1};
};

struct PublishResult {
  uint64_t confirmed = 0;  // messages confirmed by the broker
  double seconds = 0;      // measured window
  double per_second = 0;   // confirmed / seconds
};

// Durable fan-out throughput: declares a fanout exchange bound to `queues`
// durable quorum queues, then publishes `body_bytes`-byte bodies
// persistently (delivery mode 2) with publisher confirms, keeping
// `in_flight` unconfirmed publishes outstanding, for `duration` after a
// 0.3 s warm-up that is not counted. A message counts when its confirm
// (basic.ack, single or multiple) arrives within the window. Publishes on
// min(in_flight, 8) connections, each on its own thread, `in_flight` split
// among them. Deletes the queues and the exchange afterwards.
//
// Fails INVALID_ARGUMENT for non-positive counts, UNAVAILABLE when a
// connection or setup step fails, INTERNAL on a basic.nack or when the
// broker closes a channel, DEADLINE_EXCEEDED when confirms are still
// missing 30 s after the window.
absl::StatusOr<PublishResult> PublishConfirmed(int port, int queues,
                                               int in_flight, size_t body_bytes,
                                               absl::Duration duration);

// Express fan-out latency: declares `queues` durable quorum queues bound to
// a fanout exchange, one consumer per queue (manual ack, prefetch 1), each
// on its own channel, the channels spread over up to 4 connections, each
// read by its own thread. Then, after one unreported warm-up round (the
// first message through fresh queues is several times slower), `rounds`
// times: publishes one persistent `body_bytes`-byte message with a
// publisher confirm and waits until the confirm has arrived and every
// consumer has received and acked it.
// Returns one vector per round: for each queue, the microseconds from just
// before the publish to that consumer's ack being sent. Deletes the queues
// and the exchange afterwards.
//
// Fails INVALID_ARGUMENT for non-positive counts, UNAVAILABLE when a
// connection or setup step fails, INTERNAL on a basic.nack or when the
// broker closes a channel or cancels a consumer, DEADLINE_EXCEEDED when a
// round is not complete in 30 s.
absl::StatusOr<std::vector<std::vector<double>>> FanoutLatency(
    int port, int queues, size_t body_bytes, int rounds);

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_RABBIT_H_
