#include "cli/commands.h"

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/agency_csv.h"
#include "cli/evidence.h"
#include "cli/format.h"
#include "cli/text.h"
#include "cli/vocabulary.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/identity.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

using truc::v1::Agency;

std::string Describe(const Agency& a) {
  std::string s = absl::StrCat(a.code(), " ", a.name());
  if (!a.parent_code().empty())
    absl::StrAppend(&s, " (parent ", a.parent_code(), ")");
  if (!a.bridge().empty())
    absl::StrAppend(&s, ", beyond this hub through bridge ", a.bridge());
  return s;
}

// Errors about the call as a whole, after which every other call would fail
// the same way.
bool IsFatal(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

absl::Status PrintStatus(const absl::StatusOr<truc::v1::DocumentStatus>& status,
                         bool json, std::ostream& out, int64_t now_micros) {
  if (!status.ok()) return status.status();
  out << (json ? JsonOutput(*status)
               : FormatDocumentStatus(*status, now_micros));
  return absl::OkStatus();
}

absl::Status CheckDocumentId(const std::string& id) {
  if (absl::StripAsciiWhitespace(id).empty())
    return absl::InvalidArgumentError("the document id is empty");
  return absl::OkStatus();
}

}  // namespace

absl::Status RunAgencyAdd(truc::v1::Operator::StubInterface* stub,
                          const std::string& code, const std::string& name,
                          const std::string& parent, const std::string& bridge,
                          std::ostream& out) {
  TRUC_RETURN_IF_ERROR(ValidateAgencyCode(code));
  if (!bridge.empty()) {
    absl::Status s = ValidatePrincipalName(bridge);
    if (!s.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--bridge: ", s.message()));
  }
  if (!parent.empty()) {
    absl::Status s = ValidateAgencyCode(parent);
    if (!s.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--parent: ", s.message()));
  }
  std::string clean_name(absl::StripAsciiWhitespace(name));
  if (clean_name.empty())
    return absl::InvalidArgumentError("the agency's name is empty");
  if (!IsValidUtf8(clean_name))
    return absl::InvalidArgumentError("the agency's name is not UTF-8 text");
  truc::v1::RegisterAgencyRequest request;
  request.set_code(code);
  request.set_name(clean_name);
  request.set_parent_code(parent);
  request.set_bridge(bridge);
  TRUC_ASSIGN_OR_RETURN(Agency agency, Call<Agency>([&](auto* ctx, auto* r) {
                          return stub->RegisterAgency(ctx, request, r);
                        }));
  out << "Registered " << Describe(agency) << "\n";
  return absl::OkStatus();
}

absl::StatusOr<ImportCounts> RunAgencyImport(
    truc::v1::Operator::StubInterface* stub, const std::string& path,
    std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 64 << 20));
  TRUC_ASSIGN_OR_RETURN(std::vector<AgencyRow> rows,
                        ParseAgencyCsv(text, path));

  TRUC_ASSIGN_OR_RETURN(
      auto listed,
      Call<truc::v1::ListAgenciesResponse>([&](auto* ctx, auto* r) {
        return stub->ListAgencies(ctx, truc::v1::ListAgenciesRequest(), r);
      }));
  std::map<std::string, Agency> existing;
  for (const Agency& a : listed.agencies()) existing[a.code()] = a;

  // Parents before children: order by depth within the file, stably.
  std::map<std::string, const AgencyRow*> by_code;
  for (const AgencyRow& r : rows) by_code[r.code] = &r;
  const auto depth = [&](const AgencyRow& row) {
    int d = 0;
    const AgencyRow* cur = &row;
    while (d <= static_cast<int>(rows.size())) {  // bounded: no loops forever
      auto it = by_code.find(cur->parent);
      if (cur->parent.empty() || it == by_code.end()) break;
      cur = it->second;
      ++d;
    }
    return d;
  };
  std::vector<std::pair<int, const AgencyRow*>> order;
  for (const AgencyRow& r : rows) order.push_back({depth(r), &r});
  std::stable_sort(
      order.begin(), order.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });

  ImportCounts counts;
  for (const auto& [unused, row] : order) {
    const auto where = [&] {
      return absl::StrCat(path, ":", row->line, ": ", row->code);
    };
    auto it = existing.find(row->code);
    if (it != existing.end()) {
      const Agency& a = it->second;
      if (a.name() == row->name && a.parent_code() == row->parent &&
          a.bridge() == row->bridge) {
        ++counts.unchanged;
      } else {
        ++counts.conflicting;
        out << where() << " is already registered as \"" << a.name()
            << "\" (parent "
            << (a.parent_code().empty() ? "none" : a.parent_code())
            << "); the file says \"" << row->name << "\" (parent "
            << (row->parent.empty() ? "none" : row->parent)
            << "): not changed\n";
      }
      continue;
    }
    truc::v1::RegisterAgencyRequest request;
    request.set_code(row->code);
    request.set_name(row->name);
    request.set_parent_code(row->parent);
    request.set_bridge(row->bridge);
    auto registered = Call<Agency>([&](auto* ctx, auto* r) {
      return stub->RegisterAgency(ctx, request, r);
    });
    if (registered.ok()) {
      ++counts.registered;
      existing[row->code] = *registered;
      continue;
    }
    if (IsFatal(registered.status())) {
      out << "Stopped after registering " << counts.registered << " of "
          << rows.size() << " agencies.\n";
      return registered.status();
    }
    if (registered.status().code() == absl::StatusCode::kAlreadyExists) {
      ++counts.conflicting;
    } else {
      ++counts.failed;
    }
    out << where() << ": refused by the hub: " << registered.status().message()
        << "\n";
  }
  out << rows.size() << " agencies in " << path << ": " << counts.registered
      << " registered, " << counts.unchanged << " already registered";
  if (counts.conflicting > 0)
    out << ", " << counts.conflicting
        << " registered differently (not changed)";
  if (counts.failed > 0) out << ", " << counts.failed << " refused";
  out << "\n";
  return counts;
}

absl::Status RunAgencyList(truc::v1::Operator::StubInterface* stub, bool json,
                           std::ostream& out, int64_t now_micros) {
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      Call<truc::v1::ListAgenciesResponse>([&](auto* ctx, auto* r) {
        return stub->ListAgencies(ctx, truc::v1::ListAgenciesRequest(), r);
      }));
  out << (json ? JsonOutput(response) : FormatAgencyList(response, now_micros));
  return absl::OkStatus();
}

absl::Status RunAgencySuspend(truc::v1::Operator::StubInterface* stub,
                              const std::string& code, std::ostream& out) {
  TRUC_RETURN_IF_ERROR(ValidateAgencyCode(code));
  truc::v1::SetAgencyStateRequest request;
  request.set_code(code);
  TRUC_ASSIGN_OR_RETURN(Agency agency, Call<Agency>([&](auto* ctx, auto* r) {
                          return stub->SuspendAgency(ctx, request, r);
                        }));
  out << "Suspended " << Describe(agency)
      << ": it can no longer be sent to and its agent is refused; what was "
         "already queued for it stays queued\n";
  return absl::OkStatus();
}

absl::Status RunAgencyResume(truc::v1::Operator::StubInterface* stub,
                             const std::string& code, std::ostream& out) {
  TRUC_RETURN_IF_ERROR(ValidateAgencyCode(code));
  truc::v1::SetAgencyStateRequest request;
  request.set_code(code);
  TRUC_ASSIGN_OR_RETURN(Agency agency, Call<Agency>([&](auto* ctx, auto* r) {
                          return stub->ResumeAgency(ctx, request, r);
                        }));
  out << "Resumed " << Describe(agency) << "\n";
  return absl::OkStatus();
}

// Both services answer GetDocumentStatus alike; only the stub differs.
template <typename Stub>
absl::Status RunStatus(Stub* stub, const std::string& document_id, bool json,
                       std::ostream& out, int64_t now_micros,
                       const EvidenceOptions* evidence) {
  TRUC_RETURN_IF_ERROR(CheckDocumentId(document_id));
  truc::v1::GetDocumentStatusRequest request;
  request.set_document_id(document_id);
  request.set_evidence(evidence != nullptr);
  auto status = Call<truc::v1::DocumentStatus>([&](auto* ctx, auto* r) {
    return stub->GetDocumentStatus(ctx, request, r);
  });
  TRUC_RETURN_IF_ERROR(PrintStatus(status, json, out, now_micros));
  if (evidence == nullptr || json) return absl::OkStatus();
  return RunShowEvidence(*evidence->anchor, *status, evidence->save_dir, out);
}

absl::Status RunStatusAsAgency(truc::v1::Exchange::StubInterface* stub,
                               const std::string& document_id, bool json,
                               std::ostream& out, int64_t now_micros,
                               const EvidenceOptions* evidence) {
  return RunStatus(stub, document_id, json, out, now_micros, evidence);
}

absl::Status RunStatusAsOperator(truc::v1::Operator::StubInterface* stub,
                                 const std::string& document_id, bool json,
                                 std::ostream& out, int64_t now_micros,
                                 const EvidenceOptions* evidence) {
  return RunStatus(stub, document_id, json, out, now_micros, evidence);
}

// Both services answer Resend alike; only the stub differs.
template <typename Stub>
absl::Status RunResend(Stub* stub, const std::string& document_id, bool json,
                       std::ostream& out) {
  TRUC_RETURN_IF_ERROR(CheckDocumentId(document_id));
  truc::v1::ResendRequest request;
  request.set_document_id(document_id);
  TRUC_ASSIGN_OR_RETURN(auto response,
                        Call<truc::v1::ResendResponse>([&](auto* ctx, auto* r) {
                          return stub->Resend(ctx, request, r);
                        }));
  if (json) {
    out << JsonOutput(response);
  } else {
    out << "Offered " << document_id << " again to "
        << response.recipients_size()
        << (response.recipients_size() == 1 ? " unit: " : " units: ")
        << absl::StrJoin(response.recipients(), ", ") << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunResendAsAgency(truc::v1::Exchange::StubInterface* stub,
                               const std::string& document_id, bool json,
                               std::ostream& out) {
  return RunResend(stub, document_id, json, out);
}

absl::Status RunResendAsOperator(truc::v1::Operator::StubInterface* stub,
                                 const std::string& document_id, bool json,
                                 std::ostream& out) {
  return RunResend(stub, document_id, json, out);
}

absl::Status RunCertList(truc::v1::Operator::StubInterface* stub,
                         const std::string& agency, bool json,
                         std::ostream& out, int64_t now_micros) {
  if (!agency.empty()) TRUC_RETURN_IF_ERROR(ValidateAgencyCode(agency));
  truc::v1::ListCertificatesRequest request;
  request.set_principal(agency);
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      Call<truc::v1::ListCertificatesResponse>([&](auto* ctx, auto* r) {
        return stub->ListCertificates(ctx, request, r);
      }));
  out << (json ? JsonOutput(response)
               : FormatCertificateList(response, now_micros));
  return absl::OkStatus();
}

absl::Status RunCertRevoke(truc::v1::Operator::StubInterface* stub,
                           const std::string& serial, const std::string& reason,
                           std::ostream& out) {
  if (absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError(
        "--reason is required: say why the certificate is revoked (it is "
        "kept in the audit log)");
  }
  truc::v1::RevokeCertificateRequest request;
  request.set_serial(serial);
  request.set_reason(reason);
  TRUC_ASSIGN_OR_RETURN(
      auto info, Call<truc::v1::CertificateInfo>([&](auto* ctx, auto* r) {
        return stub->RevokeCertificate(ctx, request, r);
      }));
  out << "Revoked certificate " << info.serial() << " ("
      << (info.principal().empty() ? "not yet seen by the hub"
                                   : Printable(info.principal()))
      << ") at " << FormatVietnamTime(info.revoked_at().unix_micros())
      << ": its calls are refused and its open calls ended; signatures made "
         "with it are no longer accepted\n";
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::string> PasswordFromStdin(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return absl::InvalidArgumentError(
        "--password-stdin: the first line of standard input is empty");
  }
  return line;
}

void PrintPassword(const truc::v1::AccountPassword& p, std::ostream& out) {
  if (p.password().empty()) return;
  out << "Password, shown this once (to be changed at the first log-in): "
      << p.password() << "\n";
}

}  // namespace

absl::Status RunAccountAdd(truc::v1::Operator::StubInterface* stub,
                           const AccountFlags& flags, std::istream& in,
                           std::ostream& out) {
  truc::v1::AddAccountRequest request;
  request.set_name(flags.name);
  request.set_display_name(flags.display_name);
  request.set_agency(flags.agency);
  if (flags.role == "operator") {
    request.set_role(truc::v1::ACCOUNT_ROLE_OPERATOR);
  } else if (flags.role == "clerk") {
    request.set_role(truc::v1::ACCOUNT_ROLE_CLERK);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--role \"", flags.role, "\": use operator or clerk"));
  }
  if (flags.password_stdin) {
    TRUC_ASSIGN_OR_RETURN(*request.mutable_password(), PasswordFromStdin(in));
  }
  TRUC_ASSIGN_OR_RETURN(
      auto added, Call<truc::v1::AccountPassword>([&](auto* ctx, auto* r) {
        return stub->AddAccount(ctx, request, r);
      }));
  const auto& a = added.account();
  out << "Added account " << a.name() << " (" << Printable(a.display_name())
      << "), "
      << (a.role() == truc::v1::ACCOUNT_ROLE_OPERATOR
              ? std::string("operator")
              : absl::StrCat(
                    "clerk of ",
                    CodeAndName(a.agency(), Printable(a.agency_name()))))
      << "\n";
  PrintPassword(added, out);
  return absl::OkStatus();
}

absl::Status RunAccountList(truc::v1::Operator::StubInterface* stub, bool json,
                            std::ostream& out, int64_t now_micros) {
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      Call<truc::v1::ListAccountsResponse>([&](auto* ctx, auto* r) {
        return stub->ListAccounts(ctx, truc::v1::ListAccountsRequest(), r);
      }));
  out << (json ? JsonOutput(response)
               : FormatAccountList(response, now_micros));
  return absl::OkStatus();
}

absl::Status RunAlertList(truc::v1::Operator::StubInterface* stub, bool json,
                          std::ostream& out, int64_t now_micros) {
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      Call<truc::v1::ListAlertsResponse>([&](auto* ctx, auto* r) {
        return stub->ListAlerts(ctx, truc::v1::ListAlertsRequest(), r);
      }));
  out << (json ? JsonOutput(response) : FormatAlertList(response, now_micros));
  return absl::OkStatus();
}

absl::Status RunServiceReport(truc::v1::Operator::StubInterface* stub,
                              const std::string& month,
                              const std::string& sender, bool json,
                              std::ostream& out, int64_t now_micros) {
  truc::v1::ServiceTableRequest request;
  request.set_month(month.empty() ? VietnamMonth(now_micros) : month);
  if (!sender.empty()) {
    absl::Status valid = ValidateAgencyCode(sender);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sender: ", valid.message()));
    }
    request.set_sender(sender);
  }
  TRUC_ASSIGN_OR_RETURN(auto table,
                        Call<truc::v1::ServiceTable>([&](auto* ctx, auto* r) {
                          return stub->GetServiceTable(ctx, request, r);
                        }));
  out << (json ? JsonOutput(table) : FormatServiceTable(table));
  return absl::OkStatus();
}

absl::Status RunAccountSetDisabled(truc::v1::Operator::StubInterface* stub,
                                   const std::string& name, bool disabled,
                                   std::ostream& out) {
  truc::v1::AccountRequest request;
  request.set_name(name);
  TRUC_ASSIGN_OR_RETURN(
      auto account, Call<truc::v1::Account>([&](auto* ctx, auto* r) {
        return disabled ? stub->DisableAccount(ctx, request, r)
                        : stub->EnableAccount(ctx, request, r);
      }));
  out << "Account " << account.name()
      << (disabled ? " is disabled: it cannot log in, and its sessions ended\n"
                   : " is enabled\n");
  return absl::OkStatus();
}

absl::Status RunAccountReset(truc::v1::Operator::StubInterface* stub,
                             const std::string& name, bool password_stdin,
                             std::istream& in, std::ostream& out) {
  truc::v1::ResetAccountRequest request;
  request.set_name(name);
  if (password_stdin) {
    TRUC_ASSIGN_OR_RETURN(*request.mutable_password(), PasswordFromStdin(in));
  }
  TRUC_ASSIGN_OR_RETURN(
      auto reset, Call<truc::v1::AccountPassword>([&](auto* ctx, auto* r) {
        return stub->ResetAccount(ctx, request, r);
      }));
  out << "Account " << reset.account().name()
      << " has a new password and is unlocked; its sessions ended\n";
  PrintPassword(reset, out);
  return absl::OkStatus();
}

absl::Status RunPending(truc::v1::Operator::StubInterface* stub,
                        const PendingFlags& flags, std::ostream& out,
                        int64_t now_micros) {
  truc::v1::ListPendingRequest request;
  if (!flags.urgency.empty()) {
    TRUC_ASSIGN_OR_RETURN(truc::v1::Urgency u, ParseUrgency(flags.urgency));
    request.set_min_urgency(u);
  }
  if (!flags.older_than.empty()) {
    auto seconds = ParseDurationSeconds(flags.older_than);
    if (!seconds.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--older-than: ", seconds.status().message()));
    }
    request.set_older_than_seconds(static_cast<uint64_t>(*seconds));
  }
  if (flags.limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--limit ", flags.limit, " is over 1000"));
  }
  request.set_limit(flags.limit);
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      Call<truc::v1::ListPendingResponse>([&](auto* ctx, auto* r) {
        return stub->ListPending(ctx, request, r);
      }));
  out << (flags.json ? JsonOutput(response)
                     : FormatPending(response, now_micros));
  return absl::OkStatus();
}

absl::Status RunSent(truc::v1::Exchange::StubInterface* stub,
                     const SentFlags& flags, std::ostream& out,
                     int64_t now_micros) {
  truc::v1::ListSentRequest request;
  if (!flags.since.empty()) {
    auto seconds = ParseDurationSeconds(flags.since);
    if (!seconds.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--since: ", seconds.status().message()));
    }
    request.set_since_seconds(static_cast<uint64_t>(*seconds));
  }
  request.set_outstanding_only(flags.outstanding);
  request.set_refused_only(flags.refused);
  if (flags.limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--limit ", flags.limit, " is over 1000"));
  }
  request.set_limit(flags.limit);
  TRUC_ASSIGN_OR_RETURN(
      auto response, Call<truc::v1::ListSentResponse>([&](auto* ctx, auto* r) {
        return stub->ListSent(ctx, request, r);
      }));
  out << (flags.json ? JsonOutput(response) : FormatSent(response, now_micros));
  return absl::OkStatus();
}

}  // namespace truc::cli
