#include "hub/http/https_server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"

namespace truc::hub {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<httplib::SSLServer>> NewHttpsServer(
    const CurrentPair* current, const std::string& client_ca_file,
    absl::string_view what, const HttpsLimits& limits) {
  std::string ca_error;
  auto server = std::make_unique<httplib::SSLServer>(
      [current, client_ca_file, &ca_error](SSL_CTX& ctx) {
        SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
        SSL_CTX_set_cert_cb(
            &ctx,
            [](SSL* ssl, void* arg) -> int {
              const std::shared_ptr<const Signer> pair =
                  (*static_cast<const CurrentPair*>(arg))();
              if (pair == nullptr) return 0;
              // SSL_use_cert_and_key takes its own references.
              return SSL_use_cert_and_key(ssl, pair->certificate().x509(),
                                          pair->private_key(), nullptr, 1) == 1
                         ? 1
                         : 0;
            },
            const_cast<CurrentPair*>(current));
        if (!client_ca_file.empty()) {
          if (SSL_CTX_load_verify_locations(&ctx, client_ca_file.c_str(),
                                            nullptr) != 1) {
            ca_error = OpenSslError();
            return false;
          }
          SSL_CTX_set_verify(
              &ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        }
        return true;
      });
  if (!server->is_valid()) {
    return absl::InternalError(absl::StrCat(
        what, ": cannot set up TLS: ",
        ca_error.empty()
            ? OpenSslError()
            : absl::StrCat("the client CA ", client_ca_file, ": ", ca_error)));
  }
  const uint32_t threads = limits.threads;
  server->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server->set_payload_max_length(limits.max_body_bytes);
  server->set_read_timeout(limits.io_timeout_seconds, 0);
  server->set_write_timeout(limits.io_timeout_seconds, 0);
  server->set_keep_alive_timeout(limits.keep_alive_seconds);
  return server;
}

}  // namespace truc::hub
