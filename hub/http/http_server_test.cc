#include "hub/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

using ::testing::HasSubstr;

template <class Cond>
bool Eventually(Cond cond) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return cond();
}

// A raw TCP connection from `source` (any 127.x.y.z address is this
// machine) to the server, for what a well-behaved client would not do.
class Raw {
 public:
  Raw(int port, const std::string& source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0;
  }
  ~Raw() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(absl::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What arrives within `wait`; `closed` is set when the server closed.
  std::string Read(absl::Duration wait, bool* closed = nullptr) {
    std::string out;
    const absl::Time deadline = absl::Now() + wait;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const int ms =
          static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (poll(&p, 1, ms < 1 ? 1 : ms) <= 0) break;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Sends one request and reads its whole answer (until `until` appears).
  std::string Ask(absl::string_view request, absl::string_view until,
                  absl::Duration wait = absl::Seconds(5)) {
    if (!Send(request)) return "";
    std::string out;
    const absl::Time deadline = absl::Now() + wait;
    while (!absl::StrContains(out, until) && absl::Now() < deadline) {
      bool closed = false;
      out += Read(absl::Milliseconds(50), &closed);
      if (closed) break;
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

HttpServerOptions Options() {
  HttpServerOptions o;
  o.what = "test door";
  o.address = "127.0.0.1:0";
  o.address_field = "test.listen_address";
  o.headers = {{"X-Content-Type-Options", "nosniff"}};
  o.error = [](const absl::Status& why, int status) {
    HttpResponse r;
    r.status = status;
    r.body = absl::StrCat(R"({"error":")", why.message(), R"("})");
    return r;
  };
  return o;
}

HttpResponse Echo(HttpRequest& r) {
  HttpResponse a;
  a.content_type = "text/plain; charset=utf-8";
  a.body = absl::StrCat(r.method, " ", r.path, " body=", r.body);
  for (const auto& [k, v] : r.query) absl::StrAppend(&a.body, " ", k, "=", v);
  return a;
}

TEST(HttpServerTest, AnswersAndKeepsTheConnectionForTheNextRequest) {
  auto server = HttpServer::Start(Options(), Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  std::string a = c.Ask(
      "GET /a?x=S%E1%BB%9F+Y%20t%E1%BA%BF&y=2 HTTP/1.1\r\nHost: h\r\n\r\n",
      "y=2");
  EXPECT_THAT(a, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(a, HasSubstr("X-Content-Type-Options: nosniff"));
  EXPECT_THAT(a, HasSubstr("GET /a body= x=Sở Y tế y=2"));
  a = c.Ask("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
            "hello");
  EXPECT_THAT(a, HasSubstr("POST /b body=hello"));
  // HEAD: the headers of GET's answer, and no body.
  a = c.Ask("HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n", "\r\n\r\n");
  EXPECT_THAT(a, HasSubstr("Content-Length: 13"));  // "HEAD /c body="
  EXPECT_THAT(a, ::testing::Not(HasSubstr("HEAD /c")));
  a = c.Ask("GET /d HTTP/1.1\r\nHost: h\r\n\r\n", "/d");
  EXPECT_THAT(a, HasSubstr("GET /d body="));
}

TEST(HttpServerTest, ConnectionsThatSendNothingHoldNoWorker) {
  HttpServerOptions o = Options();
  o.limits.worker_threads = 1;
  o.limits.max_connections_per_client = 1000;
  auto server = HttpServer::Start(o, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<Raw>((*server)->port(), "127.0.0.2"));
    ASSERT_TRUE(idle.back()->connected());
  }
  Raw c((*server)->port());
  EXPECT_THAT(c.Ask("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n", "/ok"),
              HasSubstr("GET /ok"));
}

TEST(HttpServerTest, HeadersTricklingInAreCutAtTheirDeadline) {
  HttpServerOptions o = Options();
  o.limits.header_timeout_seconds = 1;
  auto server = HttpServer::Start(o, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  Raw slow((*server)->port());
  ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\n"));
  // A header byte every 200 ms: each is "activity", but the headers are
  // never whole, and the server closes the connection.
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    slow.Send("X");
    slow.Read(absl::Milliseconds(200), &closed);
  }
  EXPECT_TRUE(closed) << "still open after 8 s of a 1 s header deadline";
}

TEST(HttpServerTest, AClientOverItsCapIsClosedAndOthersAreServed) {
  HttpServerOptions o = Options();
  o.limits.max_connections_per_client = 3;
  o.limits.max_connections = 5;
  auto server = HttpServer::Start(o, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  std::vector<std::unique_ptr<Raw>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(std::make_unique<Raw>(port, "127.0.0.3"));
  }
  Raw over(port, "127.0.0.3");
  bool closed = false;
  over.Read(absl::Seconds(2), &closed);
  EXPECT_TRUE(closed) << "the fourth connection from one client stayed open";
  // Another client is served; then the total cap refuses a third address.
  Raw other(port, "127.0.0.4");
  EXPECT_THAT(other.Ask("GET /x HTTP/1.1\r\nHost: h\r\n\r\n", "/x"),
              HasSubstr("GET /x"));
  Raw fifth(port, "127.0.0.4");
  Raw sixth(port, "127.0.0.5");
  closed = false;
  sixth.Read(absl::Seconds(2), &closed);
  EXPECT_TRUE(closed) << "a connection over the total cap stayed open";
  // Once connections close, their places are free again.
  mine.clear();
  EXPECT_TRUE(Eventually([&] { return (*server)->connections() <= 2; }));
  Raw again(port, "127.0.0.3");
  EXPECT_THAT(again.Ask("GET /y HTTP/1.1\r\nHost: h\r\n\r\n", "/y"),
              HasSubstr("GET /y"));
}

TEST(HttpServerTest, ABodyOverTheLimitIsAnswered413InTheDoorsWords) {
  HttpServerOptions o = Options();
  o.max_body_bytes = 1000;
  auto server = HttpServer::Start(o, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  const std::string a =
      c.Ask(absl::StrCat("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5000"
                         "\r\n\r\n",
                         std::string(5000, 'x')),
            "}");
  EXPECT_THAT(a, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(a, HasSubstr(R"({"error":"the body is over 1000 bytes)"));
  EXPECT_THAT(a, HasSubstr("X-Content-Type-Options: nosniff"));
  // A chunked body, whose size is not declared, is counted as it comes.
  Raw d((*server)->port());
  const std::string b = d.Ask(
      absl::StrCat("POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
                   "\r\n\r\n7d0\r\n",
                   std::string(2000, 'y'), "\r\n0\r\n\r\n"),
      "}");
  EXPECT_THAT(b, HasSubstr("HTTP/1.1 413"));
  // Garbage is a 400 that says so.
  Raw e((*server)->port());
  EXPECT_THAT(e.Ask("NOT HTTP AT ALL\r\n\r\n", "}"), HasSubstr("not HTTP/1.1"));
}

TEST(HttpServerTest, ABodyWithinTheDoorsLimitIsReadWhateverItsSize) {
  HttpServerOptions o = Options();
  o.max_body_bytes = 3 << 20;
  auto server = HttpServer::Start(o, [](HttpRequest& r) {
    HttpResponse a;
    a.body = absl::StrCat("got ", r.body.size());
    return a;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  EXPECT_THAT(c.Ask(absl::StrCat("POST /b HTTP/1.1\r\nHost: h\r\n"
                                 "Content-Length: 2000000\r\n\r\n",
                                 std::string(2000000, 'x')),
                    "got 2000000"),
              HasSubstr("got 2000000"));
}

TEST(HttpServerTest, ALiveAnswerIsWrittenAsTheDoorSends) {
  absl::Mutex mu;
  std::shared_ptr<HttpStream> stream;
  auto server = HttpServer::Start(Options(), [&](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.live = [&](std::shared_ptr<HttpStream> s) {
      absl::MutexLock lock(&mu);
      stream = std::move(s);
    };
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  EXPECT_THAT(c.Ask("GET /events HTTP/1.1\r\nHost: h\r\n\r\n", "\r\n\r\n"),
              HasSubstr("Transfer-Encoding: chunked"));
  ASSERT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return stream != nullptr;
  }));
  std::shared_ptr<HttpStream> s;
  {
    absl::MutexLock lock(&mu);
    s = stream;
  }
  EXPECT_TRUE(s->Send("data: one\n\n"));
  EXPECT_TRUE(s->Send("data: two\n\n"));
  const std::string got = c.Ask("", "two");
  EXPECT_THAT(got, HasSubstr("data: one"));
  EXPECT_THAT(got, HasSubstr("data: two"));
  s->End();
  bool closed = false;
  EXPECT_THAT(c.Read(absl::Seconds(3), &closed), HasSubstr("0\r\n\r\n"));
  EXPECT_TRUE(closed);
  EXPECT_FALSE(s->Send("late"));
}

TEST(HttpServerTest, StopEndsLiveAnswersAndReturns) {
  std::shared_ptr<HttpStream> stream;
  absl::Notification opened;
  auto server = HttpServer::Start(Options(), [&](HttpRequest&) {
    HttpResponse r;
    r.live = [&](std::shared_ptr<HttpStream> s) {
      stream = std::move(s);
      opened.Notify();
    };
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  c.Send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(opened.WaitForNotificationWithTimeout(absl::Seconds(5)));
  (*server)->Stop();
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->Send("after the stop"));
}

TEST(HttpServerTest, AStreamedAnswerAndASinkForTheBody) {
  HttpServerOptions o = Options();
  o.max_sink_body_bytes = 100;
  struct Sink : HttpBodySink {
    std::string got;
    absl::Status Write(const char* data, size_t n) override {
      got.append(data, n);
      return absl::OkStatus();
    }
    absl::Status Finish(HttpRequest& r) override {
      r.body = absl::StrCat("sunk:", got);
      return absl::OkStatus();
    }
  };
  o.body_sink =
      [](const HttpRequest&) -> absl::StatusOr<std::unique_ptr<HttpBodySink>> {
    return std::make_unique<Sink>();
  };
  auto server = HttpServer::Start(o, [](HttpRequest& r) {
    HttpResponse a;
    a.content_type = "text/plain";
    const std::string body = r.body;
    a.stream = [body](const std::function<bool(const char*, size_t)>& write) {
      for (int i = 0; i < 3; ++i) {
        const std::string piece = absl::StrCat("[", body, i, "]");
        if (!write(piece.data(), piece.size())) {
          return absl::UnavailableError("gone");
        }
      }
      return absl::OkStatus();
    };
    return a;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  Raw c((*server)->port());
  const std::string a =
      c.Ask("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd",
            "0\r\n\r\n");
  EXPECT_THAT(a, HasSubstr("[sunk:abcd0]"));
  EXPECT_THAT(a, HasSubstr("[sunk:abcd2]"));
  // Over the sink's limit.
  Raw d((*server)->port());
  EXPECT_THAT(d.Ask(absl::StrCat("POST /up HTTP/1.1\r\nHost: h\r\n"
                                 "Content-Length: 200\r\n\r\n",
                                 std::string(200, 'z')),
                    "}"),
              HasSubstr("HTTP/1.1 413"));
}

TEST(HttpServerTest, AnAddressInUseOrMalformedIsAClearError) {
  auto first = HttpServer::Start(Options(), Echo);
  ASSERT_TRUE(first.ok());
  HttpServerOptions o = Options();
  o.address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = HttpServer::Start(o, Echo);
  EXPECT_TRUE(absl::IsUnavailable(second.status()));
  EXPECT_THAT(second.status().message(), HasSubstr("address in use"));
  o.address = "nonsense";
  auto third = HttpServer::Start(o, Echo);
  EXPECT_TRUE(absl::IsInvalidArgument(third.status()));
  EXPECT_THAT(third.status().message(), HasSubstr("test.listen_address"));
}

}  // namespace
}  // namespace truc::hub
