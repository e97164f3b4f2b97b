#include "common/grpc_status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace truc {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (absl::StrContains(message, "failed to connect") ||
       absl::StrContains(message, "Socket closed") ||
       absl::StrContains(message, "handshake"))) {
    absl::StrAppend(&message,
                    " (the hub is down or unreachable, or it refused this "
                    "client's TLS certificate: check the address, and that "
                    "the certificate and key were issued by the province CA)");
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      message);
}

bool OutcomeMayBeUnknown(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace truc
