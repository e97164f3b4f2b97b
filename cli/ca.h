// `truc ca init` and `truc ca issue`: the province's certificate authority
// kept as two files in a directory (ca.key, mode 0600, and ca.crt), and the
// certificates it issues for agencies, operators and the hub, each written
// as <name>.key (0600) and <name>.crt, optionally with a ready-to-use
// profile for the `truc` command line.
//
// Thread-safety: functions are thread-safe for distinct directories. Files
// are written durably (common/file_util.h); a failure may leave the key
// written without its certificate, never a half-written file.
#ifndef TRUC_CLI_CA_H_
#define TRUC_CLI_CA_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/identity.h"
#include "common/pki.h"

namespace truc::cli {

inline constexpr char kDefaultCaName[] = "truc CA";

// Creates `dir` (0700) if needed and writes dir/ca.key (0600) and
// dir/ca.crt. Fails ALREADY_EXISTS if either file exists (a CA is never
// overwritten: every certificate it issued would stop working). Prints what
// it wrote to `out`.
absl::Status CaInit(const std::string& dir, const std::string& name,
                    std::ostream& out);

struct IssueOptions {
  std::string ca_dir;  // holds ca.key and ca.crt
  Role role = Role::kAgency;
  std::string name;                       // agency code, operator or hub name
  std::string display_name;               // certificate CN, e.g. "Sở Y tế"
  std::vector<std::string> dns_names;     // hub only; default {"localhost"}
  std::vector<std::string> ip_addresses;  // hub only; default {"127.0.0.1"}
  std::string out_dir;                    // default: the current directory
  int days = 825;
  // ECDSA P-256 by default; RSA 2048 or 3072 for agencies whose signing
  // keys must be RSA.
  KeyType key_type = KeyType::kEcP256;
  // When set, also write a Profile text file there naming hub_address and
  // the key, certificate and ca.crt by paths relative to its directory.
  std::string profile_out;
  std::string hub_address;  // required with profile_out
  bool force = false;       // overwrite existing key/cert/profile
};

// Issues a certificate. Fails INVALID_ARGUMENT on a malformed agency code
// or name, a bad number of days, profile_out without hub_address or for a
// hub; NOT_FOUND if the CA is missing; ALREADY_EXISTS if the key, the
// certificate or the profile exists and `force` is false. Prints what it
// wrote to `out`.
absl::Status CaIssue(const IssueOptions& options, std::ostream& out);

// The path of `target` relative to directory `from_dir` (both taken as
// absolute, lexically normalized), e.g. "../ca/ca.crt".
std::string RelativePath(const std::string& target,
                         const std::string& from_dir);

}  // namespace truc::cli

#endif  // TRUC_CLI_CA_H_
