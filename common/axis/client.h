// A client of the national axis's HTTP API (docs/AXIS-API.md), as VNPT's
// public SDK calls it: HTTPS POST {endpoint}/{operation}, every parameter
// in signed headers (common/axis/signing.h), JSON answers. The same client
// speaks to the real national axis (the bridge) and to a truc hub's door
// (`truc axis`, the tests). libcurl (which the hub already uses for its
// webhooks) does the HTTP; a file is sent as multipart/form-data (field
// file_doc) streamed from disk, and a document fetched is streamed to a
// file, so neither is ever whole in memory.
//
// An answer whose `status` is not "OK" is an error: its ErrorCode and
// ErrorDesc become the message, with the code an HTTP status maps to
// (401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 400
// INVALID_ARGUMENT, 413 RESOURCE_EXHAUSTED, 5xx UNAVAILABLE). A failure to
// connect is UNAVAILABLE naming the endpoint; no answer within the
// endpoint's timeout, DEADLINE_EXCEEDED (the call may have taken effect).
//
// Thread-safety: a client may be used from several threads; each call has
// its own connection.
#ifndef TRUC_COMMON_AXIS_CLIENT_H_
#define TRUC_COMMON_AXIS_CLIENT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/axis/signing.h"
#include "truc/v1/axis.pb.h"
#include "truc/v1/config.pb.h"

namespace truc::axis {

struct Endpoint {
  std::string url;        // e.g. "https://truc.langson.gov.vn:8080"
  std::string system_id;  // e.g. "sys-3f9a0c12d4e5b678"
  std::string secret;
  std::string ca_cert;      // PEM file the server's certificate must chain to
  std::string client_cert;  // optional client certificate and key (PEM)
  std::string client_key;
  int timeout_seconds = 600;
  // Parameters added to every call: the axis's fixed ones may differ
  // between deployments (docs/AXIS-API.md).
  Headers extra = {};
  // The clock the timestamp is taken from (Unix micros); default: now.
  std::function<int64_t()> clock = nullptr;
};

class Client {
 public:
  explicit Client(Endpoint endpoint);

  // sendEdoc: the edXML file at `path` (a document, messagetype "edoc", or
  // a status message, "status") as agency `from`, to `to` (header to, a
  // JSON array; empty: not sent). The answer carries the DocId.
  absl::StatusOr<truc::v1::AxisResult> SendEdoc(
      const std::string& path, const std::string& from,
      const std::string& message_type, const std::vector<std::string>& to = {});
  // getReceivedEdocList: what waits for `from` (documents and statuses).
  absl::StatusOr<truc::v1::AxisReceivedEdocList> GetReceivedEdocList(
      const std::string& from);
  // getEdoc: writes item `doc_id` (its edXML) durably to `out_path`.
  absl::Status GetEdoc(const std::string& from, const std::string& doc_id,
                       const std::string& out_path);
  // updateStatus: "processing", "done" (the item is taken: for a document,
  // its arrival, 01) or "fail".
  absl::StatusOr<truc::v1::AxisResult> UpdateStatus(const std::string& from,
                                                    const std::string& doc_id,
                                                    const std::string& status);
  // getSentEdocList: each recipient of what `from` sent.
  absl::StatusOr<truc::v1::AxisSentEdocList> GetSentEdocList(
      const std::string& from);
  absl::StatusOr<truc::v1::AxisCount> CountReceiveEdoc(const std::string& from);
  absl::StatusOr<truc::v1::AxisCount> CountReceiveStatus(
      const std::string& from);
  // getAgenciesList: the whole directory.
  absl::StatusOr<truc::v1::AxisAgencyList> GetAgenciesList(
      const std::string& from);
  // getSynchronizeUnit: the directory's changes after `version`.
  absl::StatusOr<truc::v1::AxisUnitList> GetSynchronizeUnit(
      const std::string& from, int64_t version);

 private:
  // POSTs `operation` with `params` signed (and the file at `file_path` as
  // file_doc, when given). The body goes to `sink` (when given) or is
  // returned. Errors as the header comment says.
  absl::StatusOr<std::string> Post(
      const std::string& operation, Headers params,
      const std::string& file_path = "",
      const std::function<absl::Status(absl::string_view)>& sink = nullptr);
  template <typename Answer>
  absl::StatusOr<Answer> Call(const std::string& operation, Headers params);

  Endpoint e_;
};

// The endpoint an axis profile describes (`truc axis`, the tests, the
// bridge); its paths as the profile gives them.
Endpoint EndpointOf(const truc::v1::AxisProfile& profile);

// The `to` parameter: a JSON array of agency codes, and back;
// INVALID_ARGUMENT naming `field` for text that is not one.
std::string JsonArray(const std::vector<std::string>& items);
absl::StatusOr<std::vector<std::string>> ParseJsonArray(
    absl::string_view json, absl::string_view field);

// The JSON of an answer message as the API writes it (field names kept),
// and back; INVALID_ARGUMENT naming the operation if it does not parse.
std::string ToJson(const google::protobuf::Message& message);
absl::Status FromJson(absl::string_view json, absl::string_view operation,
                      google::protobuf::Message* message);

}  // namespace truc::axis

#endif  // TRUC_COMMON_AXIS_CLIENT_H_
