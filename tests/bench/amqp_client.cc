#include "tests/bench/amqp_client.h"

#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/process.h"

namespace truc::bench {

using truc::testing::Accepts;

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

absl::StatusOr<std::unique_ptr<Conn>> Conn::Open(int port,
                                                 Clock::duration timeout) {
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
  amqp_rpc_reply_t r = amqp_login(conn->state_, "/", 0, AMQP_DEFAULT_FRAME_SIZE,
                                  0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    return absl::UnavailableError(absl::StrCat(
        "AMQP login as guest at 127.0.0.1:", port, " failed: ", ReplyText(r)));
  }
  conn->logged_in_ = true;
  return conn;
}

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

}  // namespace truc::bench
