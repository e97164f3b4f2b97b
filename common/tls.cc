#include "common/tls.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"

namespace truc {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  auto pem = ReadFile(path, 1 << 20);
  if (!pem.ok()) {
    return absl::Status(
        pem.status().code(),
        absl::StrCat("cannot read ", what, ": ", pem.status().message()));
  }
  if (!absl::StrContains(*pem, "-----BEGIN")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " is not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<truc::v1::TlsFiles> ResolveTlsFiles(
    const truc::v1::TlsFiles& files, const std::string& base_dir,
    const std::string& field_prefix) {
  truc::v1::TlsFiles out;
  if (files.ca_cert().empty())
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, ".ca_cert is required"));
  if (files.cert().empty())
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, ".cert is required"));
  if (files.key().empty())
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, ".key is required"));
  out.set_ca_cert(ResolvePath(base_dir, files.ca_cert()));
  out.set_cert(ResolvePath(base_dir, files.cert()));
  out.set_key(ResolvePath(base_dir, files.key()));
  return out;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const truc::v1::TlsFiles& files) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  TRUC_ASSIGN_OR_RETURN(options.pem_root_certs,
                        ReadPem(files.ca_cert(), "CA certificate"));
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  TRUC_ASSIGN_OR_RETURN(pair.private_key, ReadPem(files.key(), "private key"));
  TRUC_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(files.cert(), "certificate"));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& address, const truc::v1::TlsFiles& files) {
  grpc::SslCredentialsOptions options;
  TRUC_ASSIGN_OR_RETURN(options.pem_root_certs,
                        ReadPem(files.ca_cert(), "CA certificate"));
  TRUC_ASSIGN_OR_RETURN(options.pem_private_key,
                        ReadPem(files.key(), "private key"));
  TRUC_ASSIGN_OR_RETURN(options.pem_cert_chain,
                        ReadPem(files.cert(), "certificate"));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // Reconnect quickly after the hub restarts.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options),
                                   args);
}

}  // namespace truc
