// A small AMQP 0-9-1 client over rabbitmq-c, for the bench's RabbitMQ
// references: a connection logged in as guest, a fanout exchange with
// durable quorum queues made and removed for one measurement, and the
// publisher confirms of one channel.
//
// Thread-safety: a Conn is used by one thread at a time; the functions are
// thread-safe.
#ifndef TRUC_TESTS_BENCH_AMQP_CLIENT_H_
#define TRUC_TESTS_BENCH_AMQP_CLIENT_H_

#include <amqp.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace truc::bench {

using Clock = std::chrono::steady_clock;

std::string BytesText(amqp_bytes_t b);
// What an AMQP method that ended an exchange says (a close, or another).
std::string MethodText(const amqp_method_t& m);
std::string ReplyText(const amqp_rpc_reply_t& r);
timeval ToTimeval(Clock::duration d);

// One rabbitmq-c connection, logged in as guest. Not thread-safe: one
// thread at a time.
class Conn {
 public:
  // Connects to 127.0.0.1:`port` and logs in as guest; UNAVAILABLE naming
  // the port and whether anything accepts connections there.
  static absl::StatusOr<std::unique_ptr<Conn>> Open(
      int port, Clock::duration timeout = std::chrono::seconds(10));

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

// A topology of `queues` queues named for one measurement of this process.
Topology MakeTopology(int queues);
// Declares `t` on the broker at `port`; UNAVAILABLE naming the step.
absl::Status Declare(int port, const Topology& t);
// Deletes what Declare made (whatever part of it exists).
absl::Status Delete(int port, const Topology& t);

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
                         uint64_t* acked, bool* blocked);
// Opens a connection with channel 1 in confirm mode.
absl::StatusOr<std::unique_ptr<Conn>> OpenPublisher(int port);
// Persistent (delivery mode 2), nothing else set.
amqp_basic_properties_t PersistentProps();

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_AMQP_CLIENT_H_
