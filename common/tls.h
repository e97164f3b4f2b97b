// gRPC credentials from the TLS files of a party (truc.v1.TlsFiles). The one
// place that builds channel and server credentials: mutual TLS only.
#ifndef TRUC_COMMON_TLS_H_
#define TRUC_COMMON_TLS_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "truc/v1/config.pb.h"

namespace truc {

// Resolves the relative paths in `files` against `base_dir` and checks that
// all three are set. Fails INVALID_ARGUMENT naming `field_prefix`.ca_cert
// (etc.) when one is missing.
absl::StatusOr<truc::v1::TlsFiles> ResolveTlsFiles(
    const truc::v1::TlsFiles& files, const std::string& base_dir,
    const std::string& field_prefix);

// Server credentials that require and verify a client certificate issued by
// files.ca_cert. Fails NOT_FOUND / INVALID_ARGUMENT naming the file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const truc::v1::TlsFiles& files);

// A channel to `address` presenting files.cert, trusting files.ca_cert only.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& address, const truc::v1::TlsFiles& files);

}  // namespace truc

#endif  // TRUC_COMMON_TLS_H_
