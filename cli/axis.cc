#include "cli/axis.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/time_util.h"

namespace truc::cli {
namespace {

std::string TimeOf(const truc::v1::Timestamp& t) {
  return t.unix_micros() == 0 ? "-" : FormatVietnamTime(t.unix_micros());
}

}  // namespace

absl::Status RunSystemAdd(truc::v1::Operator::StubInterface* stub,
                          const SystemAddFlags& flags, std::ostream& out) {
  if (!flags.profile_out.empty() && flags.url.empty()) {
    return absl::InvalidArgumentError(
        "--profile-out needs --url, the API's address (e.g. "
        "https://hub.tinh.gov.vn:8080)");
  }
  truc::v1::AddAxisSystemRequest request;
  request.set_agency(flags.agency);
  request.set_bridge(flags.bridge);
  request.set_name(flags.name);
  TRUC_ASSIGN_OR_RETURN(
      auto added, Call<truc::v1::AxisSystemSecret>([&](auto* ctx, auto* r) {
        return stub->AddAxisSystem(ctx, request, r);
      }));
  out << "Added system " << added.system().id() << " for "
      << (added.system().bridge().empty()
              ? added.system().agency()
              : absl::StrCat("bridge ", added.system().bridge()))
      << " (" << added.system().name() << ")\n"
      << "Secret, shown this once: " << added.secret() << "\n";
  if (!flags.profile_out.empty()) {
    truc::v1::AxisProfile profile;
    profile.set_url(flags.url);
    profile.set_system_id(added.system().id());
    profile.set_secret(added.secret());
    profile.set_agency(added.system().agency());
    profile.set_ca_cert(flags.ca_cert);
    TRUC_RETURN_IF_ERROR(WriteFileDurably(
        flags.profile_out,
        absl::StrCat("# truc axis profile of system ", added.system().id(),
                     " (keep this file to yourself: it holds the secret)\n",
                     ToTextProto(profile)),
        0600));
    out << "Wrote " << flags.profile_out << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunSystemList(truc::v1::Operator::StubInterface* stub, bool json,
                           std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(
      auto list,
      Call<truc::v1::ListAxisSystemsResponse>([&](auto* ctx, auto* r) {
        return stub->ListAxisSystems(ctx, truc::v1::ListAxisSystemsRequest(),
                                     r);
      }));
  if (json) {
    out << JsonOutput(list);
    return absl::OkStatus();
  }
  if (list.systems_size() == 0) {
    out << "No system may call the national-axis API yet (truc system add).\n";
    return absl::OkStatus();
  }
  out << absl::StrFormat("%-21s  %-13s  %-19s  %-19s  %s\n", "SYSTEM", "AGENCY",
                         "ADDED", "LAST USED", "NAME / STATE");
  for (const auto& s : list.systems()) {
    out << absl::StrFormat(
        "%-21s  %-13s  %-19s  %-19s  %s%s\n", s.id(),
        s.bridge().empty() ? s.agency() : absl::StrCat("@", s.bridge()),
        TimeOf(s.created_at()), TimeOf(s.last_used_at()), s.name(),
        s.revoked_at().unix_micros() == 0
            ? ""
            : absl::StrCat("  REVOKED ", TimeOf(s.revoked_at()), ": ",
                           s.revocation_reason()));
  }
  return absl::OkStatus();
}

absl::Status RunSystemRevoke(truc::v1::Operator::StubInterface* stub,
                             const std::string& id, const std::string& reason,
                             std::ostream& out) {
  truc::v1::RevokeAxisSystemRequest request;
  request.set_id(id);
  request.set_reason(reason);
  TRUC_ASSIGN_OR_RETURN(auto revoked,
                        Call<truc::v1::AxisSystem>([&](auto* ctx, auto* r) {
                          return stub->RevokeAxisSystem(ctx, request, r);
                        }));
  out << "Revoked system " << revoked.id() << " of " << revoked.agency()
      << ": its calls are refused from now on\n";
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::AxisProfile> LoadAxisProfile(const std::string& path) {
  std::string file = path;
  if (file.empty()) {
    const char* env = getenv("TRUC_AXIS_PROFILE");
    if (env != nullptr) file = env;
  }
  if (file.empty()) {
    return absl::InvalidArgumentError(
        "no axis profile: give --axis-profile FILE or set TRUC_AXIS_PROFILE "
        "(truc system add --profile-out writes one)");
  }
  truc::v1::AxisProfile p;
  TRUC_RETURN_IF_ERROR(LoadTextProtoFile(file, &p));
  for (const auto& [value, field] :
       {std::pair{p.url(), "url"}, std::pair{p.system_id(), "system_id"},
        std::pair{p.secret(), "secret"}, std::pair{p.agency(), "agency"}}) {
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": ", field, " is required"));
    }
  }
  const std::string base = DirName(file);
  p.set_ca_cert(ResolvePath(base, p.ca_cert()));
  p.set_client_cert(ResolvePath(base, p.client_cert()));
  p.set_client_key(ResolvePath(base, p.client_key()));
  return p;
}

absl::Status RunAxisSend(axis::Client& client,
                         const truc::v1::AxisProfile& profile,
                         const std::string& path, bool status,
                         std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(auto r, client.SendEdoc(path, profile.agency(),
                                                status ? "status" : "edoc"));
  out << r.docid() << "\n";
  return absl::OkStatus();
}

absl::Status RunAxisReceived(axis::Client& client,
                             const truc::v1::AxisProfile& profile, bool json,
                             std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(auto list,
                        client.GetReceivedEdocList(profile.agency()));
  if (json) {
    out << JsonOutput(list);
    return absl::OkStatus();
  }
  for (const auto& d : list.data()) {
    out << absl::StrFormat("%-6s  %-40s  from %-13s  %s  %s\n", d.messagetype(),
                           d.docid(), d.from(), d.created_time(), d.title());
  }
  out << list.data_size() << " waiting\n";
  return absl::OkStatus();
}

absl::Status RunAxisGet(axis::Client& client,
                        const truc::v1::AxisProfile& profile,
                        const std::string& id, const std::string& out_path,
                        bool done, std::ostream& out) {
  if (PathExists(out_path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out_path, " exists; name a new file"));
  }
  TRUC_RETURN_IF_ERROR(client.GetEdoc(profile.agency(), id, out_path));
  out << out_path << "\n";
  if (done) {
    TRUC_RETURN_IF_ERROR(
        client.UpdateStatus(profile.agency(), id, "done").status());
    out << id << " marked done\n";
  }
  return absl::OkStatus();
}

absl::Status RunAxisUpdate(axis::Client& client,
                           const truc::v1::AxisProfile& profile,
                           const std::string& id, const std::string& status,
                           std::ostream& out) {
  TRUC_RETURN_IF_ERROR(
      client.UpdateStatus(profile.agency(), id, status).status());
  out << id << " " << status << "\n";
  return absl::OkStatus();
}

absl::Status RunAxisSent(axis::Client& client,
                         const truc::v1::AxisProfile& profile, bool json,
                         std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(auto list, client.GetSentEdocList(profile.agency()));
  if (json) {
    out << JsonOutput(list);
    return absl::OkStatus();
  }
  for (const auto& d : list.data()) {
    out << absl::StrFormat("%-24s  to %-13s  %-10s  %-2s  %s\n",
                           d.senderdocid(), d.tocode(), d.receivestatus(),
                           d.businessstatus(), d.title());
  }
  return absl::OkStatus();
}

absl::Status RunAxisAgencies(axis::Client& client,
                             const truc::v1::AxisProfile& profile,
                             int64_t since, bool json, std::ostream& out) {
  if (since >= 0) {
    TRUC_ASSIGN_OR_RETURN(auto units,
                          client.GetSynchronizeUnit(profile.agency(), since));
    if (json) {
      out << JsonOutput(units);
      return absl::OkStatus();
    }
    for (const auto& u : units.data()) {
      out << absl::StrFormat("%6d  %-13s  %-13s  %s%s\n", u.version(), u.code(),
                             u.pid(), u.name(),
                             u.deleted() ? "  (deleted)" : "");
    }
    out << "up to version " << units.version()
        << (units.hasmore() ? "; more follow" : "") << "\n";
    return absl::OkStatus();
  }
  TRUC_ASSIGN_OR_RETURN(auto list, client.GetAgenciesList(profile.agency()));
  if (json) {
    out << JsonOutput(list);
    return absl::OkStatus();
  }
  for (const auto& a : list.data()) {
    out << absl::StrFormat("%-13s  %-13s  %s\n", a.code(), a.pid(), a.name());
  }
  return absl::OkStatus();
}

}  // namespace truc::cli
