#include "hub/axis/server.h"

#include <httplib.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/axis/signing.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "hub/http/http_listen.h"

namespace truc::hub {
namespace {

constexpr int kThreads = 16;

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [name, value] : req.params) r.query[name] = value;
  for (const auto& [name, value] : req.headers) {
    r.headers[absl::AsciiStrToLower(name)] = value;
  }
  r.remote = absl::StrCat(req.remote_addr, ":", req.remote_port);
  return r;
}

void Reply(const HttpResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
  res.set_header("Cache-Control", "no-store");
  if (!answer.stream) {
    res.set_content(answer.body, answer.content_type);
    return;
  }
  auto stream = answer.stream;
  res.set_chunked_content_provider(
      answer.content_type, [stream](size_t, httplib::DataSink& sink) {
        absl::Status s = stream(
            [&](const char* data, size_t n) { return sink.write(data, n); });
        if (!s.ok()) {
          LogEvent("axis_stream_failed", {{"error", std::string(s.message())}});
          return false;
        }
        sink.done();
        return true;
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<AxisServer>> AxisServer::Start(
    const truc::v1::AxisApiConfig& config, const CurrentPair* current,
    const std::string& client_ca_file, const std::string& scratch_dir,
    AxisApi* api) {
  std::unique_ptr<AxisServer> self(new AxisServer());
  self->api_ = api;
  self->scratch_dir_ = scratch_dir;
  self->max_body_bytes_ = uint64_t{config.max_body_mb()} << 20;
  TRUC_RETURN_IF_ERROR(MakeDirectories(scratch_dir));
  TRUC_ASSIGN_OR_RETURN(
      self->server_,
      NewHttpsServer(current,
                     config.require_client_certificate() ? client_ca_file : "",
                     "axis_api",
                     HttpsLimits{.threads = kThreads,
                                 .max_body_bytes = self->max_body_bytes_,
                                 .io_timeout_seconds = 60}));
  self->Routes();
  TRUC_ASSIGN_OR_RETURN(self->port_,
                        ListenHttp(*self->server_, config.listen_address(),
                                   "axis_api.listen_address", "axis_api",
                                   config.port_file(), &self->thread_));
  return self;
}

void AxisServer::Routes() {
  httplib::SSLServer& s = *server_;
  s.set_error_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        const absl::Status why =
            res.status == 413 ? TooLarge()
            : res.status == 404
                ? absl::NotFoundError(absl::StrCat("no operation ", req.path))
                : absl::InvalidArgumentError(absl::StrCat(
                      "the request was refused (HTTP ", res.status, ")"));
        HttpResponse answer = AxisApi::Error(why, res.status);
        res.set_content(answer.body, answer.content_type);
      });
  s.set_exception_handler([](const httplib::Request& req,
                             httplib::Response& res, std::exception_ptr) {
    LogEvent("axis_error", {{"path", req.path}, {"reason", "exception"}});
    Reply(AxisApi::Error(absl::InternalError("exception")), res);
  });
  s.Post(R"(/[A-Za-z]+)", [this](const httplib::Request& req,
                                 httplib::Response& res,
                                 const httplib::ContentReader& read) {
    HttpRequest request = ToRequest(req);
    // A declared length over the limit is refused by cpp-httplib, which
    // reads the body away (so that the client, still sending, reads the
    // answer) and sets 413; a chunked body is counted here as it comes.
    uint64_t received = 0;
    // The file goes to disk as it arrives; other fields are small.
    std::optional<DurableFileWriter> file;
    std::string field;
    std::string small;
    absl::Status local;
    bool ok = true;
    if (req.is_multipart_form_data()) {
      ok = read(
          [&](const httplib::MultipartFormData& part) {
            field = part.name;
            if (field != axis::kFileField) return true;
            if (file) {
              local = absl::InvalidArgumentError(absl::StrCat(
                  "two ", axis::kFileField, " fields in one request"));
              return false;
            }
            auto token = RandomBytes(8);
            if (!token.ok()) {
              local = token.status();
              return false;
            }
            auto w = DurableFileWriter::Create(
                JoinPath(scratch_dir_, absl::StrCat("in-", HexEncode(*token))),
                0600);
            if (!w.ok()) {
              local = w.status();
              return false;
            }
            file.emplace(*std::move(w));
            return true;
          },
          [&](const char* data, size_t n) {
            received += n;
            if (received > max_body_bytes_) {
              local = TooLarge();
              return false;
            }
            if (field != axis::kFileField) {
              if (small.size() + n > (1 << 20)) return false;
              small.append(data, n);
              return true;
            }
            local = file->Append(absl::string_view(data, n));
            return local.ok();
          });
    } else {
      ok = read([&](const char* data, size_t n) {
        if (request.body.size() + n > (1 << 20)) return false;
        request.body.append(data, n);
        return true;
      });
    }
    if (!ok && local.ok() && res.status == 413) local = TooLarge();
    if (absl::IsResourceExhausted(local)) {
      if (file) file->Abandon();
      Reply(AxisApi::Error(local, 413), res);
      return;
    }
    if (!ok || !local.ok()) {
      if (file) file->Abandon();
      Reply(AxisApi::Error(local.ok() ? absl::InvalidArgumentError(
                                            "the request's body could not be "
                                            "read (malformed multipart, or a "
                                            "field over 1 MiB)")
                                      : local),
            res);
      return;
    }
    std::string body_file;
    if (file) {
      absl::Status committed = file->Commit();
      if (!committed.ok()) {
        Reply(AxisApi::Error(committed), res);
        return;
      }
      body_file = file->path();
      request.body_file = body_file;
    }
    Reply(api_->Handle(request), res);
    if (!body_file.empty()) (void)RemoveAll(body_file);
  });
}

absl::Status AxisServer::TooLarge() const {
  return absl::ResourceExhaustedError(
      absl::StrCat("the body is over ", max_body_bytes_ >> 20,
                   " MiB (axis_api.max_body_mb); nothing was stored"));
}

void AxisServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

AxisServer::~AxisServer() { Stop(); }

}  // namespace truc::hub
