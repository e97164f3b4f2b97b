#include "common/axis/client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace truc::axis {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// libcurl's handles, cleaned up on every path.
struct Easy {
  Easy() : h(curl_easy_init()) {}
  ~Easy() {
    if (mime != nullptr) curl_mime_free(mime);
    if (list != nullptr) curl_slist_free_all(list);
    if (h != nullptr) curl_easy_cleanup(h);
  }
  CURL* h;
  curl_mime* mime = nullptr;
  curl_slist* list = nullptr;
};

struct Received {
  std::string body;
  const std::function<absl::Status(absl::string_view)>* sink = nullptr;
  absl::Status error;
  long status = 0;  // HTTP status, known once the body starts
  CURL* h = nullptr;
};

size_t OnBody(char* data, size_t size, size_t n, void* arg) {
  auto* r = static_cast<Received*>(arg);
  const size_t len = size * n;
  if (r->status == 0)
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
  // Only a successful answer goes to the sink; an error's JSON is kept.
  if (r->sink != nullptr && *r->sink && r->status == 200) {
    r->error = (*r->sink)(absl::string_view(data, len));
    return r->error.ok() ? len : 0;
  }
  if (r->body.size() + len > (8 << 20)) return 0;  // an answer, not a file
  r->body.append(data, len);
  return len;
}

absl::StatusCode CodeOfHttp(long status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return status >= 500 ? absl::StatusCode::kUnavailable
                           : absl::StatusCode::kUnknown;
  }
}

// An answer's error, in its own words.
absl::Status ErrorOf(long http, absl::string_view body,
                     absl::string_view operation) {
  truc::v1::AxisResult r;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  if (google::protobuf::util::JsonStringToMessage(std::string(body), &r, o)
          .ok() &&
      (!r.errorcode().empty() || !r.errordesc().empty())) {
    return absl::Status(
        CodeOfHttp(http),
        absl::StrCat(operation, ": ", r.errordesc(), " (ErrorCode ",
                     r.errorcode(), ", HTTP ", http, ")"));
  }
  return absl::Status(
      CodeOfHttp(http),
      absl::StrCat(operation, ": HTTP ", http, ": ",
                   absl::StripAsciiWhitespace(body.substr(0, 200))));
}

}  // namespace

std::string JsonArray(const std::vector<std::string>& items) {
  google::protobuf::ListValue list;
  for (const auto& s : items) list.add_values()->set_string_value(s);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(list, &out);
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseJsonArray(
    absl::string_view json, absl::string_view field) {
  google::protobuf::ListValue list;
  auto s =
      google::protobuf::util::JsonStringToMessage(std::string(json), &list);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        " is not a JSON array of agency codes: ", std::string(s.message())));
  }
  std::vector<std::string> out;
  for (const auto& v : list.values()) {
    if (v.kind_case() != google::protobuf::Value::kStringValue) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " holds a value that is not a string"));
    }
    out.push_back(v.string_value());
  }
  return out;
}

Endpoint EndpointOf(const truc::v1::AxisProfile& p) {
  Endpoint e;
  e.url = p.url();
  e.system_id = p.system_id();
  e.secret = p.secret();
  e.ca_cert = p.ca_cert();
  e.client_cert = p.client_cert();
  e.client_key = p.client_key();
  return e;
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, o);
  return out;
}

absl::Status FromJson(absl::string_view json, absl::string_view operation,
                      google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json),
                                                       message, o);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        operation, ": the answer is not its JSON: ", std::string(s.message())));
  }
  return absl::OkStatus();
}

Client::Client(Endpoint endpoint) : e_(std::move(endpoint)) { GlobalInit(); }

absl::StatusOr<std::string> Client::Post(
    const std::string& operation, Headers params, const std::string& file_path,
    const std::function<absl::Status(absl::string_view)>& sink) {
  const int64_t now = e_.clock ? e_.clock() : NowMicros();
  // An empty header does not travel (libcurl drops it, so the server could
  // not check it): a parameter with no value is not sent at all.
  params.erase(std::remove_if(params.begin(), params.end(),
                              [](const auto& p) { return p.second.empty(); }),
               params.end());
  params.emplace_back(kSystemId, e_.system_id);
  params.emplace_back(kTimestamp, AxisTimestamp(now));
  for (const auto& p : e_.extra) params.push_back(p);
  if (!file_path.empty()) {
    // hash-file: the hex SHA-256 of the file.
    TRUC_ASSIGN_OR_RETURN(const std::string digest, Sha256OfFile(file_path));
    params.emplace_back(kHashFile, HexEncode(digest));
  }
  Easy curl;
  if (curl.h == nullptr) return absl::InternalError("libcurl: no handle");
  const std::string url =
      absl::StrCat(absl::StripSuffix(e_.url, "/"), "/", operation);
  for (const auto& [name, value] : SignedHeaders(params, e_.secret)) {
    curl.list =
        curl_slist_append(curl.list, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.h, CURLOPT_HTTPHEADER, curl.list);
  curl_easy_setopt(curl.h, CURLOPT_TIMEOUT,
                   static_cast<long>(e_.timeout_seconds));
  curl_easy_setopt(curl.h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl.h, CURLOPT_NOSIGNAL, 1L);
  if (!e_.ca_cert.empty())
    curl_easy_setopt(curl.h, CURLOPT_CAINFO, e_.ca_cert.c_str());
  if (!e_.client_cert.empty()) {
    curl_easy_setopt(curl.h, CURLOPT_SSLCERT, e_.client_cert.c_str());
    curl_easy_setopt(curl.h, CURLOPT_SSLKEY, e_.client_key.c_str());
  }
  if (!file_path.empty()) {
    curl.mime = curl_mime_init(curl.h);
    curl_mimepart* part = curl_mime_addpart(curl.mime);
    curl_mime_name(part, kFileField);
    curl_mime_filedata(part, file_path.c_str());
    curl_mime_type(part, "application/xml");
    curl_easy_setopt(curl.h, CURLOPT_MIMEPOST, curl.mime);
  } else {
    curl_easy_setopt(curl.h, CURLOPT_POST, 1L);
    curl_easy_setopt(curl.h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl.h, CURLOPT_POSTFIELDSIZE, 0L);
  }
  Received got;
  got.sink = &sink;
  got.h = curl.h;
  curl_easy_setopt(curl.h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl.h, CURLOPT_WRITEDATA, &got);
  CURLcode rc = curl_easy_perform(curl.h);
  long http = 0;
  curl_easy_getinfo(curl.h, CURLINFO_RESPONSE_CODE, &http);
  if (!got.error.ok()) return got.error;
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    // Asked, and no answer in time: what the server did is not known.
    return absl::DeadlineExceededError(
        absl::StrCat(operation, ": ", url, ": no answer within ",
                     e_.timeout_seconds, " s (", curl_easy_strerror(rc), ")"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(operation, ": ", url, ": ", curl_easy_strerror(rc)));
  }
  if (http != 200) return ErrorOf(http, got.body, operation);
  return got.body;
}

template <typename Answer>
absl::StatusOr<Answer> Client::Call(const std::string& operation,
                                    Headers params) {
  TRUC_ASSIGN_OR_RETURN(std::string body, Post(operation, std::move(params)));
  Answer answer;
  TRUC_RETURN_IF_ERROR(FromJson(body, operation, &answer));
  if (answer.status() != "OK") return ErrorOf(400, body, operation);
  return answer;
}

absl::StatusOr<truc::v1::AxisResult> Client::SendEdoc(
    const std::string& path, const std::string& from,
    const std::string& message_type, const std::vector<std::string>& to) {
  Headers params = {
      {kFrom, from}, {kServiceType, "eDoc"}, {kMessageType, message_type}};
  if (!to.empty()) params.emplace_back(kTo, JsonArray(to));
  TRUC_ASSIGN_OR_RETURN(std::string body,
                        Post("sendEdoc", std::move(params), path));
  truc::v1::AxisResult r;
  TRUC_RETURN_IF_ERROR(FromJson(body, "sendEdoc", &r));
  if (r.status() != "OK") return ErrorOf(400, body, "sendEdoc");
  return r;
}

absl::StatusOr<truc::v1::AxisReceivedEdocList> Client::GetReceivedEdocList(
    const std::string& from) {
  return Call<truc::v1::AxisReceivedEdocList>(
      "getReceivedEdocList", {{kFrom, from}, {kServiceType, "eDoc"}});
}

absl::Status Client::GetEdoc(const std::string& from, const std::string& doc_id,
                             const std::string& out_path) {
  TRUC_ASSIGN_OR_RETURN(DurableFileWriter file,
                        DurableFileWriter::Create(out_path));
  std::function<absl::Status(absl::string_view)> sink =
      [&](absl::string_view data) { return file.Append(data); };
  auto body = Post("getEdoc", {{kFrom, from}, {kDocId, doc_id}}, "", sink);
  if (!body.ok()) {
    file.Abandon();
    return body.status();
  }
  return file.Commit();
}

absl::StatusOr<truc::v1::AxisResult> Client::UpdateStatus(
    const std::string& from, const std::string& doc_id,
    const std::string& status) {
  return Call<truc::v1::AxisResult>(
      "updateStatus", {{kFrom, from}, {kDocId, doc_id}, {kStatus, status}});
}

absl::StatusOr<truc::v1::AxisSentEdocList> Client::GetSentEdocList(
    const std::string& from) {
  return Call<truc::v1::AxisSentEdocList>(
      "getSentEdocList", {{kFrom, from}, {kServiceType, "eDoc"}});
}

absl::StatusOr<truc::v1::AxisCount> Client::CountReceiveEdoc(
    const std::string& from) {
  return Call<truc::v1::AxisCount>("countReceiveEdoc", {{kFrom, from}});
}

absl::StatusOr<truc::v1::AxisCount> Client::CountReceiveStatus(
    const std::string& from) {
  return Call<truc::v1::AxisCount>("countReceiveStatus", {{kFrom, from}});
}

absl::StatusOr<truc::v1::AxisAgencyList> Client::GetAgenciesList(
    const std::string& from) {
  return Call<truc::v1::AxisAgencyList>("getAgenciesList", {{kFrom, from}});
}

absl::StatusOr<truc::v1::AxisUnitList> Client::GetSynchronizeUnit(
    const std::string& from, int64_t version) {
  return Call<truc::v1::AxisUnitList>(
      "getSynchronizeUnit", {{kFrom, from}, {kVersion, absl::StrCat(version)}});
}

}  // namespace truc::axis
