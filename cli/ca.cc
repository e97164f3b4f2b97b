#include "cli/ca.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "truc/v1/config.pb.h"

namespace truc::cli {
namespace {

absl::Status RefuseExisting(const std::vector<std::string>& paths,
                            absl::string_view hint) {
  for (const auto& p : paths) {
    if (PathExists(p)) {
      return absl::AlreadyExistsError(
          absl::StrCat(p, " already exists; ", hint));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string RelativePath(const std::string& target,
                         const std::string& from_dir) {
  namespace fs = std::filesystem;
  fs::path t = fs::absolute(target).lexically_normal();
  fs::path d =
      fs::absolute(from_dir.empty() ? "." : from_dir).lexically_normal();
  fs::path rel = t.lexically_relative(d);
  return rel.empty() ? t.string() : rel.string();
}

absl::Status CaInit(const std::string& dir, const std::string& name,
                    std::ostream& out) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  const std::string key_path = JoinPath(dir, "ca.key");
  const std::string cert_path = JoinPath(dir, "ca.crt");
  TRUC_RETURN_IF_ERROR(RefuseExisting(
      {key_path, cert_path},
      "refusing to overwrite a CA (every certificate it issued would stop "
      "working); choose another --dir"));
  TRUC_ASSIGN_OR_RETURN(
      KeyAndCert ca,
      CreateCertificateAuthority(name.empty() ? kDefaultCaName : name));
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(key_path, ca.key_pem, 0600));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(cert_path, ca.cert_pem, 0644));
  out << "Wrote " << key_path << " (the CA's private key: keep it offline)\n"
      << "Wrote " << cert_path << " (give it to the hub and every agency)\n";
  return absl::OkStatus();
}

absl::Status CaIssue(const IssueOptions& options, std::ostream& out) {
  if (options.ca_dir.empty())
    return absl::InvalidArgumentError("--dir is required");
  switch (options.role) {
    case Role::kAgency:
      TRUC_RETURN_IF_ERROR(ValidateAgencyCode(options.name));
      break;
    case Role::kOperator:
    case Role::kHub:
    case Role::kBridge:
      TRUC_RETURN_IF_ERROR(ValidatePrincipalName(options.name));
      break;
    case Role::kAccount:
      return absl::InvalidArgumentError(
          "console accounts have no certificate: use truc account add");
  }
  if (options.days < 1 || options.days > 3650) {
    return absl::InvalidArgumentError(
        absl::StrCat("--days ", options.days, " is out of range 1..3650"));
  }
  if (!options.profile_out.empty()) {
    if (options.role == Role::kHub) {
      return absl::InvalidArgumentError(
          "--profile-out is for agency and operator certificates; the hub "
          "names its files in its own configuration");
    }
    if (options.hub_address.empty()) {
      return absl::InvalidArgumentError(
          "--profile-out needs --hub-address HOST:PORT");
    }
  }

  const std::string ca_key_path = JoinPath(options.ca_dir, "ca.key");
  const std::string ca_cert_path = JoinPath(options.ca_dir, "ca.crt");
  KeyAndCert ca;
  for (auto [path, pem] : {std::pair{&ca_key_path, &ca.key_pem},
                           std::pair{&ca_cert_path, &ca.cert_pem}}) {
    auto text = ReadFile(*path, 1 << 20);
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("cannot read the CA in ", options.ca_dir,
                                       ": ", text.status().message(),
                                       " (create one with `truc ca init --dir ",
                                       options.ca_dir, "`)"));
    }
    *pem = std::move(*text);
  }

  const std::string out_dir = options.out_dir.empty() ? "." : options.out_dir;
  const std::string key_path = JoinPath(out_dir, options.name + ".key");
  const std::string cert_path = JoinPath(out_dir, options.name + ".crt");
  // Never write over the CA itself, --force or not.
  for (const std::string& target : {key_path, cert_path, options.profile_out}) {
    if (target.empty()) continue;
    std::error_code ec;
    for (const std::string& ca_file : {ca_key_path, ca_cert_path}) {
      if (std::filesystem::absolute(target).lexically_normal() ==
              std::filesystem::absolute(ca_file).lexically_normal() ||
          std::filesystem::equivalent(target, ca_file, ec)) {
        return absl::InvalidArgumentError(absl::StrCat(
            target, " is the CA's own file: choose another --out or name"));
      }
    }
  }
  if (!options.force) {
    std::vector<std::string> targets = {key_path, cert_path};
    if (!options.profile_out.empty()) targets.push_back(options.profile_out);
    TRUC_RETURN_IF_ERROR(RefuseExisting(
        targets, "add --force to replace it (the old key stops working)"));
  }

  IssueRequest request;
  request.role = options.role;
  request.name = options.name;
  request.common_name = options.display_name;
  request.validity_days = options.days;
  request.key_type = options.key_type;
  if (options.role == Role::kHub) {
    request.dns_names = options.dns_names;
    request.ip_addresses = options.ip_addresses;
    if (request.dns_names.empty() && request.ip_addresses.empty()) {
      request.dns_names = {"localhost"};
      request.ip_addresses = {"127.0.0.1"};
    }
  } else if (!options.dns_names.empty() || !options.ip_addresses.empty()) {
    return absl::InvalidArgumentError("--dns and --ip are for --hub only");
  }
  TRUC_ASSIGN_OR_RETURN(KeyAndCert issued, IssueCertificate(ca, request));

  TRUC_RETURN_IF_ERROR(MakeDirectories(out_dir, 0700));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(key_path, issued.key_pem, 0600));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(cert_path, issued.cert_pem, 0644));
  out << "Issued a certificate for " << RoleName(options.role) << " "
      << options.name;
  if (!options.display_name.empty()) out << " (" << options.display_name << ")";
  out << ", valid " << options.days << " days\n"
      << "Wrote " << key_path << " (private key, mode 0600)\n"
      << "Wrote " << cert_path << "\n";

  if (!options.profile_out.empty()) {
    const std::string profile_dir = DirName(options.profile_out);
    truc::v1::Profile profile;
    profile.set_hub_address(options.hub_address);
    profile.mutable_tls()->set_ca_cert(RelativePath(ca_cert_path, profile_dir));
    profile.mutable_tls()->set_cert(RelativePath(cert_path, profile_dir));
    profile.mutable_tls()->set_key(RelativePath(key_path, profile_dir));
    std::string text = absl::StrCat(
        "# truc profile for ", RoleName(options.role), " ", options.name,
        options.display_name.empty()
            ? ""
            : absl::StrCat(" (", options.display_name, ")"),
        ".\n# Paths are relative to this file's directory.\n"
        "# Use it with: truc COMMAND --profile FILE, or set "
        "TRUC_PROFILE=FILE\n",
        ToTextProto(profile));
    TRUC_RETURN_IF_ERROR(MakeDirectories(profile_dir, 0700));
    TRUC_RETURN_IF_ERROR(WriteFileDurably(options.profile_out, text, 0644));
    out << "Wrote " << options.profile_out << " (profile for hub "
        << options.hub_address << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace truc::cli
