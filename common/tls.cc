#include "common/tls.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/identity.h"
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

// Whether `key_pem` is the private key of the certificate `cert_pem`.
bool KeyMatchesCertificate(const std::string& key_pem,
                           const std::string& cert_pem) {
  auto cert = Certificate::FromPem(cert_pem);
  if (!cert.ok()) return false;
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  const bool match =
      key != nullptr && X509_check_private_key(cert->x509(), key) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  return match;
}

}  // namespace

namespace {

// The file a configuration names in `field` exists, can be read and holds
// PEM: else INVALID_ARGUMENT naming the field, so that a wrong path stops
// the start where the file is read, not later under another name.
absl::Status CheckPemField(const std::string& path, absl::string_view field) {
  absl::Status read = ReadPem(path, field).status();
  if (read.ok()) return read;
  return absl::InvalidArgumentError(read.message());
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
  TRUC_RETURN_IF_ERROR(
      CheckPemField(out.ca_cert(), absl::StrCat(field_prefix, ".ca_cert")));
  TRUC_RETURN_IF_ERROR(
      CheckPemField(out.cert(), absl::StrCat(field_prefix, ".cert")));
  TRUC_RETURN_IF_ERROR(
      CheckPemField(out.key(), absl::StrCat(field_prefix, ".key")));
  return out;
}

absl::StatusOr<truc::v1::SigningFiles> ResolveSigningFiles(
    bool has_signing, const truc::v1::SigningFiles& signing,
    const truc::v1::TlsFiles& tls, const std::string& base_dir,
    const std::string& field) {
  truc::v1::SigningFiles out;
  if (!has_signing) {
    out.set_cert(tls.cert());
    out.set_key(tls.key());
    return out;
  }
  if (signing.cert().empty() || signing.key().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " needs both cert and key (or leave ", field,
                     " out to sign with tls.cert and tls.key)"));
  }
  out.set_cert(ResolvePath(base_dir, signing.cert()));
  out.set_key(ResolvePath(base_dir, signing.key()));
  TRUC_RETURN_IF_ERROR(CheckPemField(out.cert(), absl::StrCat(field, ".cert")));
  TRUC_RETURN_IF_ERROR(CheckPemField(out.key(), absl::StrCat(field, ".key")));
  return out;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const truc::v1::TlsFiles& files, unsigned reload_seconds) {
  // Checked here, so that a wrong file stops the start with its name
  // instead of failing every handshake later.
  TRUC_RETURN_IF_ERROR(ReadPem(files.ca_cert(), "CA certificate").status());
  TRUC_ASSIGN_OR_RETURN(std::string key, ReadPem(files.key(), "private key"));
  TRUC_ASSIGN_OR_RETURN(std::string cert, ReadPem(files.cert(), "certificate"));
  if (!KeyMatchesCertificate(key, cert)) {
    return absl::InvalidArgumentError(
        absl::StrCat(files.key(), " is not the private key of ", files.cert()));
  }
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          files.key(), files.cert(), files.ca_cert(), reload_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
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
