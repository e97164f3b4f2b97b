// The hub's HTTP doors (the console, the national-axis API, the metrics)
// as plain logic: a request in, a response out, tested without a socket;
// HttpServer (http_server.h) only moves them to and from the wire. And the
// one mapping from a status code to an HTTP status, and the one reading of
// a request's target.
//
// Thread-safety: value types; the function is pure.
#ifndef TRUC_HUB_HTTP_HTTP_TYPES_H_
#define TRUC_HUB_HTTP_HTTP_TYPES_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace truc::hub {

class HttpStream;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/board", without the query
  std::map<std::string, std::string> query;
  // Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
  // A body too large for memory (the national-axis API's file) was
  // streamed to this file instead; `body` is then empty.
  std::string body_file;
  std::string remote;  // "127.0.0.1:50122", for the log
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is streamed from here instead of `body`: called
  // with a write function until it returns false or an error.
  std::function<absl::Status(const std::function<bool(const char*, size_t)>&)>
      stream;
  // When set, the answer stays open (server-sent events): the server
  // writes the status and headers, then calls this once, on an event
  // loop (it must not block), with the stream the door writes the body to
  // from then on; if the client is already gone, the stream is closed.
  std::function<void(std::shared_ptr<HttpStream>)> live;
};

// Splits a request target ("/api/board?days=7&q=S%E1%BB%9F") into its path
// and its query's parameters, percent-decoded ('+' is a space in the
// query). A malformed escape is kept as it is; a repeated name keeps its
// last value.
void SplitTarget(absl::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);

// The HTTP status for a canonical code (Google's API mapping:
// INVALID_ARGUMENT and FAILED_PRECONDITION 400, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409,
// RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, ...).
int HttpStatusFor(absl::StatusCode code);

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_HTTP_TYPES_H_
