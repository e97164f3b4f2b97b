// Who calls the hub: the identity in the client certificate that the TLS
// handshake verified (the one place that reads it), admitted by the
// certificate registry: not revoked, valid now. It runs for every call as
// the server's AuthMetadataProcessor, so that no call made with a revoked
// certificate reaches any service (health and reflection included), and
// again in each handler, which takes its caller from it. Certificates are
// parsed once and cached by their PEM text.
//
// Thread-safety: thread-safe.
#ifndef TRUC_HUB_RPC_AUTHENTICATOR_H_
#define TRUC_HUB_RPC_AUTHENTICATOR_H_

#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "hub/exchange/cert_registry.h"

namespace truc::hub {

class Authenticator final : public grpc::AuthMetadataProcessor {
 public:
  // `registry` must outlive this object.
  explicit Authenticator(CertificateRegistry* registry) : registry_(registry) {}

  // The caller. UNAUTHENTICATED if there is no verified client certificate,
  // if it names no truc identity, or if the registry refuses it (revoked,
  // expired), saying which.
  absl::StatusOr<Identity> Authenticate(const grpc::AuthContext* ctx);

  // grpc::AuthMetadataProcessor: Authenticate for every call, inline (it
  // never waits).
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  absl::StatusOr<Identity> Parse(absl::string_view pem);

  CertificateRegistry* const registry_;
  absl::Mutex mu_;
  std::map<std::string, Identity, std::less<>> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_AUTHENTICATOR_H_
