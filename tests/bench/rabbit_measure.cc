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

extern char** environ;

namespace truc::bench {
namespace {

constexpr auto kWarmUp = std::chrono::milliseconds(300);
constexpr auto kDrainTimeout = std::chrono::seconds(30);
constexpr auto kRoundTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int kMaxPublishConnections = 8;
constexpr int kMaxConsumerConnections = 4;
constexpr int kMaxChannelsPerConnection = 2000;  // the broker allows 2047

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
