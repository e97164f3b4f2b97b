#include "hub/console/server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "hub/console/assets.h"
#include "hub/exchange/trust.h"
#include "hub/http/http_listen.h"
#include "hub/http/https_server.h"
#include "truc/v1/console.pb.h"

namespace truc::hub {
namespace {

// Bodies past this are refused by the server before they are read;
// ConsoleApi answers those between its own limit and this one.
constexpr size_t kMaxReadBytes = 1 << 20;
constexpr int kThreadsBesideStreams = 16;
// A comment line every this many seconds keeps proxies from closing a
// quiet stream, and finds browsers that went away.
constexpr int kHeartbeatSeconds = 15;

void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; "
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.set_header("Strict-Transport-Security", "max-age=31536000");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [name, value] : req.params) r.query[name] = value;
  for (const auto& [name, value] : req.headers)
    r.headers[absl::AsciiStrToLower(name)] = value;
  r.body = req.body;
  r.remote = absl::StrCat(req.remote_addr, ":", req.remote_port);
  return r;
}

void Reply(const HttpResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
  res.set_header("Cache-Control", "no-store");
  res.set_content(answer.body, answer.content_type);
}

std::string ChangeEvent(const Change& c) {
  std::string data = absl::StrCat(
      R"({"kind":")", ChangeKindName(c.kind), R"(","document_id":")",
      c.document_id, R"(","agency":")", c.agency, R"(","seq":)", c.seq, "}");
  return absl::StrCat("id: ", c.seq, "\nevent: change\ndata: ", data, "\n\n");
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const truc::v1::ConsoleConfig& config, const HubSigningKey* key,
    ConsoleApi* api, SessionTable* sessions, ChangeFeed* feed) {
  std::unique_ptr<ConsoleServer> self(new ConsoleServer());
  self->api_ = api;
  self->sessions_ = sessions;
  self->feed_ = feed;
  self->max_streams_ = config.max_event_streams();
  if (key == nullptr || key->Current() == nullptr) {
    return absl::InvalidArgumentError("console: no certificate to serve");
  }
  self->current_ = [key] { return key->Current(); };
  TRUC_ASSIGN_OR_RETURN(
      self->server_,
      NewHttpsServer(
          &self->current_, "", "console",
          HttpsLimits{.threads = self->max_streams_ + kThreadsBesideStreams,
                      .max_body_bytes = kMaxReadBytes,
                      .io_timeout_seconds = 10}));
  self->Routes();

  TRUC_ASSIGN_OR_RETURN(self->port_,
                        ListenHttp(*self->server_, config.listen_address(),
                                   "console.listen_address", "console",
                                   config.port_file(), &self->thread_));
  return self;
}

void ConsoleServer::Routes() {
  httplib::SSLServer& s = *server_;
  s.set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& res) {
        SecurityHeaders(res);
      });
  // Errors the server raises itself (a body over its limit, a request
  // that does not parse) get the API's error body.
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const absl::Status why =
        res.status == 413 ? absl::InvalidArgumentError(absl::StrCat(
                                "the body is over ", kMaxReadBytes, " bytes"))
        : res.status == 404
            ? absl::NotFoundError(absl::StrCat("no such page: ", req.path))
            : absl::InvalidArgumentError(absl::StrCat(
                  "the request was refused (HTTP ", res.status, ")"));
    HttpResponse answer = ConsoleApi::Error(why);
    res.set_content(answer.body, answer.content_type);
  });
  s.set_exception_handler([](const httplib::Request& req,
                             httplib::Response& res, std::exception_ptr) {
    LogEvent("console_error", {{"path", req.path}, {"reason", "exception"}});
    Reply(ConsoleApi::Error(absl::InternalError("exception")), res);
  });

  for (const Asset& asset : Assets()) {
    const std::string path =
        asset.path == "/index.html" ? "/" : std::string(asset.path);
    s.Get(path, [asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(asset.body.data(), asset.body.size(),
                      std::string(asset.content_type).c_str());
    });
  }

  s.Get("/api/events", [this](const httplib::Request& req,
                              httplib::Response& res) {
    HttpRequest request = ToRequest(req);
    absl::StatusOr<ConsoleUser> user = api_->Authenticate(request);
    if (!user.ok()) {
      Reply(ConsoleApi::Error(user.status()), res);
      return;
    }
    if (streams_.fetch_add(1) >= max_streams_) {
      streams_.fetch_sub(1);
      Reply(ConsoleApi::Error(absl::UnavailableError(
                absl::StrCat("the console already serves ", max_streams_,
                             " live boards; this one reloads itself"))),
            res);
      return;
    }
    std::shared_ptr<ChangeFeed::Subscription> sub(feed_->Subscribe(256));
    const std::string token = ConsoleApi::SessionToken(request);
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, sub, token, user = *user, quiet = 0](
            size_t offset, httplib::DataSink& sink) mutable {
          if (offset == 0) {
            const std::string hello = "retry: 2000\nevent: hello\ndata: {}\n\n";
            if (!sink.write(hello.data(), hello.size())) return false;
          }
          if (stopping_.load() || !sessions_->Alive(token)) {
            const std::string bye = "event: ended\ndata: {}\n\n";
            sink.write(bye.data(), bye.size());
            sink.done();
            return true;
          }
          bool lost = false;
          std::vector<Change> changes = sub->Next(absl::Seconds(1), &lost);
          std::string out;
          if (lost) out += "event: reload\ndata: {}\n\n";
          for (const Change& c : changes) {
            if (ConsoleApi::Visible(user, c)) out += ChangeEvent(c);
          }
          if (out.empty() && ++quiet >= kHeartbeatSeconds) out = ": alive\n\n";
          if (!out.empty()) {
            quiet = 0;
            if (!sink.write(out.data(), out.size())) return false;
          }
          return true;
        },
        [this](bool) { streams_.fetch_sub(1); });
  });

  const auto api = [this](const httplib::Request& req, httplib::Response& res) {
    Reply(api_->Handle(ToRequest(req)), res);
  };
  for (const char* pattern : {"/api/.*"}) {
    s.Get(pattern, api);
    s.Post(pattern, api);
    s.Put(pattern, api);
    s.Delete(pattern, api);
    s.Patch(pattern, api);
    s.Options(pattern, api);
  }
}

void ConsoleServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

ConsoleServer::~ConsoleServer() { Stop(); }

}  // namespace truc::hub
