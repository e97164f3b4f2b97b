#include "hub/console/server.h"

#include <pthread.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/event_log.h"
#include "common/status_macros.h"
#include "hub/console/assets.h"
#include "hub/exchange/trust.h"

namespace truc::hub {
namespace {

// Bodies past this are refused by the server before they are read;
// ConsoleApi answers those between its own limit and this one.
constexpr uint64_t kMaxReadBytes = 1 << 20;
// A comment line after this long without an event keeps proxies from
// closing a quiet stream, and finds browsers that went away.
constexpr absl::Duration kHeartbeat = absl::Seconds(15);

std::vector<std::pair<std::string, std::string>> SecurityHeaders() {
  return {{"Content-Security-Policy",
           "default-src 'self'; img-src 'self' data:; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
          {"Strict-Transport-Security", "max-age=31536000"},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"}};
}

HttpResponse NoStore(HttpResponse answer) {
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

std::string ChangeEvent(const Change& c) {
  std::string data = absl::StrCat(
      R"({"kind":")", ChangeKindName(c.kind), R"(","document_id":")",
      c.document_id, R"(","agency":")", c.agency, R"(","seq":)", c.seq, "}");
  return absl::StrCat("id: ", c.seq, "\nevent: change\ndata: ", data, "\n\n");
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const truc::v1::ConsoleConfig& config, const HttpLimits& limits,
    const HubSigningKey* key, ConsoleApi* api, SessionTable* sessions,
    ChangeFeed* feed) {
  std::unique_ptr<ConsoleServer> self(new ConsoleServer());
  self->api_ = api;
  self->sessions_ = sessions;
  self->max_boards_ = config.max_event_streams();
  if (key == nullptr || key->Current() == nullptr) {
    return absl::InvalidArgumentError("console: no certificate to serve");
  }
  self->current_ = [key] { return key->Current(); };
  self->changes_ = feed->Subscribe(4096);

  HttpServerOptions o;
  o.what = "console";
  o.address = config.listen_address();
  o.address_field = "console.listen_address";
  o.port_file = config.port_file();
  o.tls = &self->current_;
  o.limits = limits;
  o.max_body_bytes = kMaxReadBytes;
  o.headers = SecurityHeaders();
  o.error = [](const absl::Status& why, int status) {
    HttpResponse answer = NoStore(ConsoleApi::Error(why));
    answer.status = status;
    return answer;
  };
  ConsoleServer* raw = self.get();
  TRUC_ASSIGN_OR_RETURN(self->server_,
                        HttpServer::Start(std::move(o), [raw](HttpRequest& r) {
                          return raw->Route(r);
                        }));
  self->pump_ = std::thread([raw] {
    pthread_setname_np(pthread_self(), "truc-boards");
    raw->Pump();
  });
  return self;
}

HttpResponse ConsoleServer::Route(HttpRequest& request) {
  if (request.path == "/api/events" && request.method == "GET") {
    return Events(request);
  }
  if (request.path.rfind("/api/", 0) == 0) {
    return NoStore(api_->Handle(request));
  }
  if (request.method == "GET" || request.method == "HEAD") {
    const std::string path = request.path == "/" ? "/index.html" : request.path;
    for (const Asset& asset : Assets()) {
      if (asset.path != path) continue;
      HttpResponse answer;
      answer.content_type = std::string(asset.content_type);
      answer.body = std::string(asset.body);
      answer.headers.emplace_back("Cache-Control", "no-cache");
      return answer;
    }
  }
  HttpResponse answer = NoStore(ConsoleApi::Error(
      absl::NotFoundError(absl::StrCat("no such page: ", request.path))));
  answer.status = 404;
  return answer;
}

HttpResponse ConsoleServer::Events(HttpRequest& request) {
  absl::StatusOr<ConsoleUser> user = api_->Authenticate(request);
  if (!user.ok()) return NoStore(ConsoleApi::Error(user.status()));
  {
    absl::MutexLock lock(&mu_);
    if (boards_.size() + opening_ >= max_boards_) {
      return NoStore(ConsoleApi::Error(absl::UnavailableError(absl::StrCat(
          "the console already serves ", max_boards_,
          " live boards (console.max_event_streams); this one retries by "
          "itself"))));
    }
    ++opening_;
  }
  HttpResponse answer;
  answer.content_type = "text/event-stream";
  answer.headers = {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}};
  answer.live = [this, user = *user, token = ConsoleApi::SessionToken(request)](
                    std::shared_ptr<HttpStream> stream) {
    stream->Send("retry: 2000\nevent: hello\ndata: {}\n\n");
    absl::MutexLock lock(&mu_);
    --opening_;
    boards_.push_back(std::make_shared<Board>(
        Board{std::move(stream), user, token, absl::Now()}));
  };
  return answer;
}

void ConsoleServer::Pump() {
  while (!stopping_.HasBeenNotified()) {
    const absl::Time start = absl::Now();
    bool lost = false;
    const std::vector<Change> changes = changes_->Next(absl::Seconds(1), &lost);
    if (changes.empty() && !lost) {
      // A closed feed answers at once: wait out the second anyway.
      stopping_.WaitForNotificationWithTimeout(absl::Seconds(1) -
                                               (absl::Now() - start));
    }
    std::vector<std::shared_ptr<Board>> boards;
    {
      absl::MutexLock lock(&mu_);
      boards = boards_;
    }
    const absl::Time now = absl::Now();
    std::vector<const Board*> gone;
    for (const auto& board : boards) {
      Board& b = *board;
      if (!b.stream->open()) {
        gone.push_back(&b);
        continue;
      }
      if (!sessions_->Alive(b.token)) {
        b.stream->Send("event: ended\ndata: {}\n\n");
        b.stream->End();
        gone.push_back(&b);
        continue;
      }
      std::string out;
      if (lost) out += "event: reload\ndata: {}\n\n";
      for (const Change& c : changes) {
        if (ConsoleApi::Visible(b.user, c)) out += ChangeEvent(c);
      }
      if (out.empty() && now - b.last_sent >= kHeartbeat) out = ": alive\n\n";
      if (out.empty()) continue;
      if (b.stream->Send(std::move(out))) {
        b.last_sent = now;
      } else {
        gone.push_back(&b);
      }
    }
    if (gone.empty()) continue;
    absl::MutexLock lock(&mu_);
    boards_.erase(std::remove_if(boards_.begin(), boards_.end(),
                                 [&](const std::shared_ptr<Board>& b) {
                                   return std::find(gone.begin(), gone.end(),
                                                    b.get()) != gone.end();
                                 }),
                  boards_.end());
  }
  std::vector<std::shared_ptr<Board>> boards;
  {
    absl::MutexLock lock(&mu_);
    boards.swap(boards_);
  }
  for (const auto& b : boards) {
    b->stream->Send("event: ended\ndata: {}\n\n");
    b->stream->End();
  }
}

uint32_t ConsoleServer::boards() const {
  absl::MutexLock lock(&mu_);
  return static_cast<uint32_t>(boards_.size());
}

void ConsoleServer::Stop() {
  if (stopped_.exchange(true)) return;
  stopping_.Notify();
  if (pump_.joinable()) pump_.join();
  if (server_) server_->Stop();
}

ConsoleServer::~ConsoleServer() { Stop(); }

}  // namespace truc::hub
