#include "hub/axis/server.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/axis/signing.h"
#include "common/file_util.h"
#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "hub/http/multipart.h"

namespace truc::hub {
namespace {

// The fields beside the file, and a body that is not multipart, are small.
constexpr size_t kMaxSmall = 1 << 20;

// A request's body as it arrives: sendEdoc's file_doc to a file in the
// scratch folder, other multipart fields (unused by the API) counted and
// dropped, and a body that is not multipart kept in memory for the API to
// refuse by name.
class AxisBody : public HttpBodySink {
 public:
  AxisBody(std::string scratch_dir, const HttpRequest& request)
      : scratch_dir_(std::move(scratch_dir)) {
    auto it = request.headers.find("content-type");
    const std::string type = it == request.headers.end() ? "" : it->second;
    if (absl::StartsWithIgnoreCase(type, "multipart/")) {
      auto boundary = MultipartBoundary(type);
      if (!boundary.ok()) {
        error_ = boundary.status();
        return;
      }
      reader_.emplace(
          *boundary, [this](const MultipartPart& p) { return Part(p); },
          [this](absl::string_view data) { return Data(data); });
    }
  }

  absl::Status Write(const char* data, size_t n) override {
    TRUC_RETURN_IF_ERROR(error_);
    if (reader_) return reader_->Feed(absl::string_view(data, n));
    if (small_ + n > kMaxSmall) {
      return absl::InvalidArgumentError(
          absl::StrCat("a body that is not multipart/form-data is over ",
                       kMaxSmall, " bytes"));
    }
    small_ += n;
    body_.append(data, n);
    return absl::OkStatus();
  }

  absl::Status Finish(HttpRequest& request) override {
    TRUC_RETURN_IF_ERROR(error_);
    if (!reader_) {
      request.body = std::move(body_);
      return absl::OkStatus();
    }
    TRUC_RETURN_IF_ERROR(reader_->Finish());
    if (file_) {
      TRUC_RETURN_IF_ERROR(file_->Commit());
      request.body_file = file_->path();
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Part(const MultipartPart& part) {
    in_file_ = part.name == axis::kFileField;
    if (!in_file_) return absl::OkStatus();
    if (file_) {
      return absl::InvalidArgumentError(
          absl::StrCat("two ", axis::kFileField, " fields in one request"));
    }
    TRUC_ASSIGN_OR_RETURN(auto token, RandomBytes(8));
    TRUC_ASSIGN_OR_RETURN(
        auto writer,
        DurableFileWriter::Create(
            JoinPath(scratch_dir_, absl::StrCat("in-", HexEncode(token))),
            0600));
    file_.emplace(std::move(writer));
    return absl::OkStatus();
  }

  absl::Status Data(absl::string_view data) {
    if (in_file_) return file_->Append(data);
    small_ += data.size();
    if (small_ > kMaxSmall) {
      return absl::InvalidArgumentError(
          absl::StrCat("the multipart fields beside ", axis::kFileField,
                       " are over ", kMaxSmall, " bytes"));
    }
    return absl::OkStatus();
  }

  const std::string scratch_dir_;
  absl::Status error_;
  std::optional<MultipartReader> reader_;
  std::optional<DurableFileWriter> file_;
  bool in_file_ = false;
  size_t small_ = 0;
  std::string body_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AxisServer>> AxisServer::Start(
    const truc::v1::AxisApiConfig& config, const HttpLimits& limits,
    const CurrentPair* current, const std::string& client_ca_file,
    const std::string& scratch_dir, AxisApi* api) {
  std::unique_ptr<AxisServer> self(new AxisServer());
  self->api_ = api;
  self->scratch_dir_ = scratch_dir;
  self->max_body_bytes_ = uint64_t{config.max_body_mb()} << 20;
  TRUC_RETURN_IF_ERROR(MakeDirectories(scratch_dir));

  HttpServerOptions o;
  o.what = "axis_api";
  o.address = config.listen_address();
  o.address_field = "axis_api.listen_address";
  o.port_file = config.port_file();
  o.tls = current;
  o.client_ca_file = config.require_client_certificate() ? client_ca_file : "";
  o.limits = limits;
  o.max_sink_body_bytes = self->max_body_bytes_;
  o.body_sink = [scratch_dir](const HttpRequest& request)
      -> absl::StatusOr<std::unique_ptr<HttpBodySink>> {
    return std::make_unique<AxisBody>(scratch_dir, request);
  };
  AxisServer* raw = self.get();
  o.error = [raw](const absl::Status& why, int status) {
    HttpResponse answer =
        AxisApi::Error(status == 413 ? raw->TooLarge() : why, status);
    answer.headers.emplace_back("Cache-Control", "no-store");
    return answer;
  };
  TRUC_ASSIGN_OR_RETURN(self->server_,
                        HttpServer::Start(std::move(o), [raw](HttpRequest& r) {
                          return raw->Route(r);
                        }));
  return self;
}

HttpResponse AxisServer::Route(HttpRequest& request) {
  const bool operation =
      request.method == "POST" && request.path.size() > 1 &&
      std::all_of(request.path.begin() + 1, request.path.end(),
                  [](char c) { return absl::ascii_isalpha(c); });
  HttpResponse answer =
      operation ? api_->Handle(request)
                : AxisApi::Error(
                      absl::NotFoundError(absl::StrCat(
                          "no operation ", request.method, " ", request.path)),
                      404);
  answer.headers.emplace_back("Cache-Control", "no-store");
  if (!request.body_file.empty()) (void)RemoveAll(request.body_file);
  return answer;
}

absl::Status AxisServer::TooLarge() const {
  return absl::ResourceExhaustedError(
      absl::StrCat("the body is over ", max_body_bytes_ >> 20,
                   " MiB (axis_api.max_body_mb); nothing was stored"));
}

void AxisServer::Stop() {
  if (server_) server_->Stop();
}

AxisServer::~AxisServer() { Stop(); }

}  // namespace truc::hub
