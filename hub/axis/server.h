// AxisServer: the national axis's HTTP API over HTTPS (hub/http's
// HttpServer), on its own port, presenting the hub's current certificate
// and, when configured, requiring a client certificate from the province
// CA. It moves requests to AxisApi and answers back; sendEdoc's
// multipart/form-data body is read field by field as it arrives, its
// file_doc written to a file in the scratch folder (never whole in memory;
// bodies over the limit are refused with 413), and getEdoc's edXML is
// streamed out as it is written.
//
// Thread-safety: Start and Stop from one controlling thread; requests run
// on the server's workers.
#ifndef TRUC_HUB_AXIS_SERVER_H_
#define TRUC_HUB_AXIS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/axis/api.h"
#include "hub/http/http_server.h"
#include "truc/v1/config.pb.h"

namespace truc::hub {

class AxisServer {
 public:
  // Listens on config.listen_address presenting `current`'s pair (which
  // must outlive the server, as must `api`), with `limits` for its
  // connections. `client_ca_file`: the CA a client certificate must chain
  // to, when config requires one. INVALID_ARGUMENT / UNAVAILABLE if the
  // address cannot be used.
  static absl::StatusOr<std::unique_ptr<AxisServer>> Start(
      const truc::v1::AxisApiConfig& config, const HttpLimits& limits,
      const CurrentPair* current, const std::string& client_ca_file,
      const std::string& scratch_dir, AxisApi* api);
  ~AxisServer();

  int port() const { return server_->port(); }
  void Stop();

 private:
  AxisServer() = default;
  HttpResponse Route(HttpRequest& request);
  // RESOURCE_EXHAUSTED: the body is over max_body_mb.
  absl::Status TooLarge() const;

  AxisApi* api_ = nullptr;
  std::string scratch_dir_;
  uint64_t max_body_bytes_ = 0;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_AXIS_SERVER_H_
