#include "hub/rpc/authenticator.h"

#include "common/grpc_status.h"
#include "common/status_macros.h"

namespace truc::hub {
namespace {

// Certificates parsed and kept; a province has thousands at most. Past
// this the cache starts again, so that it stays bounded whatever is sent.
constexpr size_t kMaxCached = 20000;

}  // namespace

absl::StatusOr<Identity> Authenticator::Parse(absl::string_view pem) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(pem);
    if (it != cache_.end()) return it->second;
  }
  TRUC_ASSIGN_OR_RETURN(Identity id, IdentityFromCertificatePem(pem));
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(std::string(pem), id);
  return id;
}

absl::StatusOr<Identity> Authenticator::Authenticate(
    const grpc::AuthContext* auth) {
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return absl::UnauthenticatedError("no client certificate");
  absl::StatusOr<Identity> id =
      Parse(absl::string_view(pems[0].data(), pems[0].size()));
  if (!id.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate: ", id.status().message()));
  }
  TRUC_RETURN_IF_ERROR(registry_->Admit(*id));
  return id;
}

grpc::Status Authenticator::Process(const InputMetadata&,
                                    grpc::AuthContext* context, OutputMetadata*,
                                    OutputMetadata*) {
  return ToGrpcStatus(Authenticate(context).status());
}

}  // namespace truc::hub
