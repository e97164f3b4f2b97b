// The `truc` profile: which hub to call and with which certificate. A
// truc.v1.Profile text file (config.proto) whose TLS paths are relative to
// the file's own directory; `truc ca issue --profile-out` writes one.
//
// Thread-safety: functions are thread-safe. Failures name the profile file
// and say how to fix it.
#ifndef TRUC_CLI_PROFILE_H_
#define TRUC_CLI_PROFILE_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/identity.h"
#include "common/signature.h"
#include "truc/v1/config.pb.h"

namespace truc::cli {

inline constexpr char kProfileEnv[] = "TRUC_PROFILE";

// A profile, loaded and checked.
struct LoadedProfile {
  std::string path;           // the file it came from
  truc::v1::Profile profile;  // TLS and signing paths resolved (signing
                              // defaults to the TLS key and certificate)
  Identity identity;          // who its certificate speaks for
};

// The profile file to use: `flag` if set, else `env_value` (the value of
// $TRUC_PROFILE, may be null). Fails FAILED_PRECONDITION explaining both
// ways to name one when neither is set.
absl::StatusOr<std::string> ChooseProfilePath(const std::string& flag,
                                              const char* env_value);

// Reads `path`, resolves its TLS paths against its directory, checks that
// hub_address and the three files are set, and reads the certificate's
// identity. Fails NOT_FOUND (no such profile), INVALID_ARGUMENT (does not
// parse, a field missing) or the certificate's error, each naming the file.
absl::StatusOr<LoadedProfile> LoadProfile(const std::string& path);

// OK if the profile's certificate has `role`; else FAILED_PRECONDITION
// "`<command>` needs an <role> profile; <path> is for <identity>".
absl::Status RequireRole(const LoadedProfile& profile, Role role,
                         absl::string_view command);

// The profile's signing key (profile.signing). Fails naming the profile and
// the file, or FAILED_PRECONDITION if it is not of the profile's identity.
absl::StatusOr<std::unique_ptr<Signer>> LoadSigner(
    const LoadedProfile& profile);

// The province CA of the profile (tls.ca_cert), what every piece of
// evidence is checked against. Fails naming the profile and the file.
absl::StatusOr<TrustAnchor> LoadAnchor(const LoadedProfile& profile);

// A mutual-TLS channel to the profile's hub.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToHub(
    const LoadedProfile& profile);

}  // namespace truc::cli

#endif  // TRUC_CLI_PROFILE_H_
