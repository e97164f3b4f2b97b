// gRPC credentials from the TLS files of a party (truc.v1.TlsFiles). The one
// place that builds channel and server credentials: mutual TLS only.
#ifndef TRUC_COMMON_TLS_H_
#define TRUC_COMMON_TLS_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// The HTTP/2 settings both ends use for flow control, as (name, value)
// channel arguments: a fixed receive window of 8 MiB per stream instead of
// gRPC's bandwidth-delay probing, which on a fast link grows the window
// (and what the peer may push into this process) to tens of MB; a 200 MB
// download took an agent's memory past 100 MB. 8 MiB per round trip still
// fills a link of 400 MB/s at 20 ms.
std::vector<std::pair<std::string, int>> FlowControlArguments();

// A channel to `address` presenting files.cert, trusting files.ca_cert only,
// with FlowControlArguments.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& address, const truc::v1::TlsFiles& files);

}  // namespace truc

#endif  // TRUC_COMMON_TLS_H_
