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
// all three are set and name readable PEM files. Fails INVALID_ARGUMENT
// naming `field_prefix`.ca_cert (etc.) and the path when one is missing,
// unreadable or not PEM ("tls.cert: cannot read /etc/truc/hub.crt: ...").
absl::StatusOr<truc::v1::TlsFiles> ResolveTlsFiles(
    const truc::v1::TlsFiles& files, const std::string& base_dir,
    const std::string& field_prefix);

// The signing key and certificate of a party: `signing` resolved against
// `base_dir` when it is set (both files then required), else the party's
// TLS key and certificate (`tls`, already resolved and checked). Fails
// INVALID_ARGUMENT naming `field` when only one of the two is set, or
// `field`.cert / `field`.key when its file cannot be read or is not PEM.
absl::StatusOr<truc::v1::SigningFiles> ResolveSigningFiles(
    bool has_signing, const truc::v1::SigningFiles& signing,
    const truc::v1::TlsFiles& tls, const std::string& base_dir,
    const std::string& field);

// Server credentials that require and verify a client certificate issued by
// files.ca_cert. The files are read again every `reload_seconds`: a new key
// and certificate (renamed over the old ones) are served without a
// restart; a pair that does not match is ignored until it does. Fails
// NOT_FOUND / INVALID_ARGUMENT naming the file when they are missing or
// wrong at start.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const truc::v1::TlsFiles& files, unsigned reload_seconds = 10);

// A channel to `address` presenting files.cert, trusting files.ca_cert only.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& address, const truc::v1::TlsFiles& files);

}  // namespace truc

#endif  // TRUC_COMMON_TLS_H_
