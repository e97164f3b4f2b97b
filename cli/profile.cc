#include "cli/profile.h"

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/net_address.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/tls.h"

namespace truc::cli {

absl::StatusOr<std::string> ChooseProfilePath(const std::string& flag,
                                              const char* env_value) {
  if (!flag.empty()) return flag;
  if (env_value != nullptr && env_value[0] != '\0')
    return std::string(env_value);
  return absl::FailedPreconditionError(absl::StrCat(
      "no profile: pass --profile FILE or set ", kProfileEnv,
      "=FILE (a profile names the hub and this agency's or operator's "
      "certificate; `truc ca issue ... --profile-out FILE --hub-address "
      "HOST:PORT` writes one)"));
}

absl::StatusOr<LoadedProfile> LoadProfile(const std::string& path) {
  LoadedProfile loaded;
  loaded.path = path;
  if (!PathExists(path)) {
    return absl::NotFoundError(
        absl::StrCat("profile ", path, " does not exist (check --profile or ",
                     kProfileEnv, ")"));
  }
  absl::Status parsed = LoadTextProtoFile(path, &loaded.profile);
  if (!parsed.ok()) {
    return absl::Status(parsed.code(),
                        absl::StrCat("profile ", parsed.message()));
  }
  if (loaded.profile.hub_address().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile ", path,
                     ": hub_address is required (e.g. hub_address: "
                     "\"hub.langson.gov.vn:7443\")"));
  }
  if (auto hp = ParseHostPort(loaded.profile.hub_address(), "hub_address");
      !hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile ", path, ": ", hp.status().message()));
  }
  auto tls = ResolveTlsFiles(loaded.profile.tls(), DirName(path), "tls");
  if (!tls.ok()) {
    return absl::Status(
        tls.status().code(),
        absl::StrCat("profile ", path, ": ", tls.status().message()));
  }
  *loaded.profile.mutable_tls() = *tls;
  auto signing = ResolveSigningFiles(loaded.profile.has_signing(),
                                     loaded.profile.signing(), *tls,
                                     DirName(path), "signing");
  if (!signing.ok()) {
    return absl::Status(
        signing.status().code(),
        absl::StrCat("profile ", path, ": ", signing.status().message()));
  }
  *loaded.profile.mutable_signing() = *signing;
  auto pem = ReadFile(tls->cert(), 1 << 20);
  if (!pem.ok()) {
    return absl::Status(
        pem.status().code(),
        absl::StrCat("profile ", path, ": cannot read its certificate: ",
                     pem.status().message()));
  }
  auto identity = IdentityFromCertificatePem(*pem);
  if (!identity.ok()) {
    return absl::Status(
        identity.status().code(),
        absl::StrCat("profile ", path, ": certificate ", tls->cert(), ": ",
                     identity.status().message()));
  }
  loaded.identity = *identity;
  return loaded;
}

absl::Status RequireRole(const LoadedProfile& profile, Role role,
                         absl::string_view command) {
  if (profile.identity.role == role) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("`", command, "` needs ", role == Role::kHub ? "a " : "an ",
                   RoleName(role), " profile; ", profile.path, " is for ",
                   profile.identity.ToString()));
}

absl::StatusOr<std::unique_ptr<Signer>> LoadSigner(
    const LoadedProfile& profile) {
  auto signer = Signer::FromFiles(profile.profile.signing().key(),
                                  profile.profile.signing().cert());
  if (!signer.ok()) {
    return absl::Status(signer.status().code(),
                        absl::StrCat("profile ", profile.path, ": ",
                                     signer.status().message()));
  }
  const Identity& id = (*signer)->identity();
  if (id.role != profile.identity.role || id.name != profile.identity.name) {
    return absl::FailedPreconditionError(absl::StrCat(
        "profile ", profile.path, ": the signing certificate is of ",
        id.ToString(), ", the profile's of ", profile.identity.ToString()));
  }
  return signer;
}

absl::StatusOr<TrustAnchor> LoadAnchor(const LoadedProfile& profile) {
  auto anchor = TrustAnchor::FromFile(profile.profile.tls().ca_cert());
  if (!anchor.ok()) {
    return absl::Status(anchor.status().code(),
                        absl::StrCat("profile ", profile.path, ": ",
                                     anchor.status().message()));
  }
  return anchor;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToHub(
    const LoadedProfile& profile) {
  auto channel =
      MakeChannel(profile.profile.hub_address(), profile.profile.tls());
  if (!channel.ok()) {
    return absl::Status(channel.status().code(),
                        absl::StrCat("profile ", profile.path, ": ",
                                     channel.status().message()));
  }
  return channel;
}

}  // namespace truc::cli
