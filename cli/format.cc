#include "cli/format.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/text.h"
#include "cli/vocabulary.h"
#include "common/reception.h"
#include "common/text_proto.h"
#include "common/time_util.h"

namespace truc::cli {
namespace {

using truc::v1::DocumentStatus;
using truc::v1::RecipientStatus;

std::string TimeOrDash(int64_t unix_micros) {
  return unix_micros == 0 ? "-" : FormatVietnamTime(unix_micros);
}

std::string Plural(size_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// The steps of a recipient's history that the table's columns do not
// already say all of, one line each with its time: every 02, 04, 05 and 06,
// and 01 or 03 when they carry an officer or a description.
std::vector<std::string> StepLines(const RecipientStatus& r) {
  std::vector<std::string> lines;
  for (const truc::v1::StatusEvent& step : r.history()) {
    bool in_columns = step.status() == truc::v1::EDXML_STATUS_ARRIVED ||
                      step.status() == truc::v1::EDXML_STATUS_ACCEPTED;
    if (in_columns && step.staff().staff().empty() &&
        step.staff().department().empty() && step.description().empty())
      continue;
    std::string line = absl::StrCat(EdxmlStatusLabel(step.status()), " at ",
                                    FormatVietnamTime(step.at().unix_micros()));
    const truc::v1::StaffInfo& staff = step.staff();
    if (!staff.staff().empty()) {
      absl::StrAppend(&line, " by ", staff.staff());
      if (!staff.department().empty())
        absl::StrAppend(&line, " (", staff.department(), ")");
    } else if (!staff.department().empty()) {
      absl::StrAppend(&line, " by ", staff.department());
    }
    if (!step.description().empty())
      absl::StrAppend(&line, ": ", step.description());
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::string CodeAndName(const std::string& code, const std::string& name) {
  return name.empty() ? code : absl::StrCat(code, " (", name, ")");
}

std::string JsonOutput(const google::protobuf::Message& message) {
  std::string json = ToJson(message);
  while (!json.empty() && (json.back() == '\n' || json.back() == ' '))
    json.pop_back();
  return json + "\n";
}

std::string TimeWithAge(int64_t unix_micros, int64_t now_micros) {
  if (unix_micros == 0) return "never";
  return absl::StrCat(FormatVietnamTime(unix_micros), " (",
                      FormatAge(now_micros - unix_micros), " ago)");
}

std::string RefusalNote(truc::v1::DeliveryState state,
                        const std::string& reason) {
  std::string note = state == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL
                         ? "refused on arrival"
                         : "refused by the unit";
  if (!reason.empty()) absl::StrAppend(&note, ": ", reason);
  return note;
}

std::string LocationNote(const truc::v1::RemoteLocation& l) {
  switch (l.waits_for()) {
    case truc::v1::RemoteLocation::WAITS_FOR_AGENT:
      return absl::StrCat("waits at ", l.hub(), " for the unit's agent");
    case truc::v1::RemoteLocation::WAITS_FOR_BRIDGE:
      return absl::StrCat("waits at ", l.hub(), " for bridge ", l.bridge());
    case truc::v1::RemoteLocation::WAITS_FOR_BEYOND:
      return absl::StrCat("waits beyond ", l.hub(), ", via bridge ",
                          l.bridge());
    default:
      return absl::StrCat("waits at ", l.hub());
  }
}

std::string SilentMark(bool silent, int64_t last_poll_micros,
                       int64_t now_micros) {
  if (!silent) return "";
  if (last_poll_micros == 0) return "SILENT (never polled)";
  return absl::StrCat("SILENT (last poll ",
                      FormatAge(now_micros - last_poll_micros), " ago)");
}

std::string FormatAgencyList(const truc::v1::ListAgenciesResponse& response_in,
                             int64_t now_micros) {
  // Text from other agencies is made safe for the terminal first.
  truc::v1::ListAgenciesResponse response = response_in;
  MakePrintable(&response);
  if (response.agencies().empty()) {
    return "No agency is registered. Add one with `truc agency add CODE "
           "NAME` or `truc agency import FILE.csv`.\n";
  }
  std::vector<std::vector<std::string>> rows;
  size_t suspended = 0, silent = 0;
  std::vector<std::string> expiring;
  for (const truc::v1::Agency& a : response.agencies()) {
    bool is_suspended = a.state() == truc::v1::AGENCY_STATE_SUSPENDED;
    suspended += is_suspended;
    silent += a.silent();
    rows.push_back(
        {a.code(), a.name(), a.parent_code(),
         is_suspended ? "SUSPENDED" : "active",
         a.bridge().empty()
             ? TimeWithAge(a.last_poll_at().unix_micros(), now_micros)
             : absl::StrCat("beyond, via bridge ", a.bridge()),
         a.silent() ? "SILENT" : "",
         CertificateNote(a.certificate_expires_at().unix_micros(),
                         a.certificate_expiring(), now_micros)});
    if (a.certificate_expiring()) expiring.push_back(a.code());
  }
  std::string out = RenderTable(
      {"CODE", "NAME", "PARENT", "STATE", "LAST POLL", "SILENT", "CERTIFICATE"},
      rows);
  absl::StrAppend(&out, Plural(response.agencies_size(), "agency", "agencies"),
                  "; ", suspended, " suspended; ", silent, " silent\n");
  if (!expiring.empty()) {
    absl::StrAppend(&out, "warning: the certificate of ",
                    absl::StrJoin(expiring, ", "),
                    " expires soon or has expired: issue a new one (truc ca "
                    "issue) and install it before then\n");
  }
  return out;
}

std::string CertificateNote(int64_t expires_micros, bool expiring,
                            int64_t now_micros) {
  if (expires_micros == 0) return "-";
  std::string out = absl::StrCat("until ", FormatVietnamTime(expires_micros));
  if (expires_micros <= now_micros) {
    absl::StrAppend(&out, " EXPIRED");
  } else if (expiring) {
    absl::StrAppend(&out, " EXPIRES IN ",
                    FormatAge(expires_micros - now_micros));
  }
  return out;
}

std::string FormatCertificateList(
    const truc::v1::ListCertificatesResponse& response_in, int64_t now_micros) {
  truc::v1::ListCertificatesResponse response = response_in;
  MakePrintable(&response);
  if (response.certificates().empty()) {
    return "The hub has seen no certificate yet.\n";
  }
  std::vector<std::vector<std::string>> rows;
  size_t revoked = 0;
  for (const truc::v1::CertificateInfo& c : response.certificates()) {
    std::string state = "valid";
    if (c.revoked()) {
      ++revoked;
      state = absl::StrCat("REVOKED ",
                           FormatVietnamTime(c.revoked_at().unix_micros()),
                           " (", c.revocation_reason(), ")");
    } else if (c.expired()) {
      state = "EXPIRED";
    } else if (c.expiring()) {
      state = "EXPIRES SOON";
    }
    rows.push_back({c.serial(), c.principal().empty() ? "?" : c.principal(),
                    c.common_name(), TimeOrDash(c.not_after().unix_micros()),
                    TimeWithAge(c.last_seen().unix_micros(), now_micros),
                    state});
  }
  std::string out = RenderTable(
      {"SERIAL", "WHO", "NAME", "VALID UNTIL", "LAST USED", "STATE"}, rows);
  absl::StrAppend(
      &out, Plural(response.certificates_size(), "certificate", "certificates"),
      "; ", revoked, " revoked\n");
  return out;
}

std::string FormatAlertList(const truc::v1::ListAlertsResponse& response_in,
                            int64_t now_micros) {
  truc::v1::ListAlertsResponse response = response_in;
  MakePrintable(&response);
  if (response.alerts().empty()) return "No alert raised.\n";
  std::string out;
  for (const truc::v1::Alert& a : response.alerts()) {
    absl::StrAppend(
        &out, TimeWithAge(a.raised_at().unix_micros(), now_micros), "  ",
        a.kind() == truc::v1::Alert::KIND_SILENT_AGENCY ? "SILENT" : "LATE",
        "  ", CodeAndName(a.agency(), a.agency_name()), "\n  ", a.summary(),
        "\n  id ", a.id(), "\n");
  }
  absl::StrAppend(&out, Plural(response.alerts_size(), "alert", "alerts"),
                  " raised\n");
  return out;
}

std::string FormatServiceTable(const truc::v1::ServiceTable& table_in) {
  truc::v1::ServiceTable table = table_in;
  MakePrintable(&table);
  std::string out = absl::StrCat(
      "Documents sent from ", FormatVietnamTime(table.from().unix_micros()),
      " to ", FormatVietnamTime(table.to().unix_micros()), ": ",
      Plural(table.documents(), "document", "documents"),
      table.truncated() ? " (cut: the first 20000 only)" : "", "\n");
  if (table.units().empty()) return out;
  const auto secs = [](uint32_t n, double s) {
    return n == 0 ? std::string("-")
                  : FormatAge(static_cast<int64_t>(s * 1'000'000));
  };
  std::vector<std::vector<std::string>> rows;
  for (const truc::v1::UnitService& u : table.units()) {
    bool first = true;
    for (const truc::v1::UrgencyService& s : u.by_urgency()) {
      rows.push_back(
          {first ? CodeAndName(u.agency(), u.name()) : "",
           UrgencyLabel(s.urgency()), absl::StrCat(s.documents()),
           absl::StrCat(s.arrived()), secs(s.arrived(), s.p50_arrive_seconds()),
           secs(s.arrived(), s.p95_arrive_seconds()), absl::StrCat(s.read()),
           secs(s.read(), s.p50_read_seconds()),
           secs(s.read(), s.p95_read_seconds()),
           first ? absl::StrCat(
                       u.never_received_size(),
                       u.paper_only()
                           ? absl::StrCat(" (+", u.paper_only(), " by paper)")
                           : "")
                 : ""});
      first = false;
    }
  }
  absl::StrAppend(
      &out, "\n",
      RenderTable({"UNIT", "URGENCY", "DOCS", "ARRIVED", "ARRIVE p50", "p95",
                   "READ", "READ p50", "p95", "NEVER RECEIVED"},
                  rows));
  for (const truc::v1::UnitService& u : table.units()) {
    if (u.never_received().empty()) continue;
    absl::StrAppend(&out, "\nNever received by ",
                    CodeAndName(u.agency(), u.name()), ": ",
                    absl::StrJoin(u.never_received(), ", "), "\n");
  }
  return out;
}

std::string FormatAccountList(const truc::v1::ListAccountsResponse& response_in,
                              int64_t now_micros) {
  truc::v1::ListAccountsResponse response = response_in;
  MakePrintable(&response);
  if (response.accounts().empty()) {
    return "No console account yet: add one with truc account add.\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (const truc::v1::Account& a : response.accounts()) {
    std::string role =
        a.role() == truc::v1::ACCOUNT_ROLE_OPERATOR
            ? "operator"
            : absl::StrCat("clerk of ",
                           CodeAndName(a.agency(), a.agency_name()));
    std::vector<std::string> state;
    if (a.disabled()) state.push_back("DISABLED");
    if (a.has_locked_until()) {
      state.push_back(absl::StrCat(
          "LOCKED until ", FormatVietnamTime(a.locked_until().unix_micros())));
    }
    if (a.must_change_password()) state.push_back("password to change");
    if (state.empty()) state.push_back("active");
    rows.push_back({a.name(), a.display_name(), role,
                    absl::StrJoin(state, ", "),
                    a.has_last_login()
                        ? TimeWithAge(a.last_login().unix_micros(), now_micros)
                        : "never"});
  }
  std::string out =
      RenderTable({"ACCOUNT", "NAME", "ROLE", "STATE", "LAST LOG-IN"}, rows);
  absl::StrAppend(&out, Plural(response.accounts_size(), "account", "accounts"),
                  "\n");
  return out;
}

std::string StatusSummaryLine(const DocumentStatus& status) {
  size_t received = 0, refused = 0;
  std::vector<std::string> missing, paper;
  for (const RecipientStatus& r : status.recipients()) {
    const truc::v1::Reception reception = ReceptionOf(r.state());
    if (reception == truc::v1::RECEPTION_RECEIVED) {
      ++received;
      if (r.state() == truc::v1::DELIVERY_STATE_REFUSED) ++refused;
    } else if (reception == truc::v1::RECEPTION_PAPER_ONLY) {
      paper.push_back(CodeAndName(r.organ_id(), r.name()));
    } else {
      missing.push_back(
          absl::StrCat(CodeAndName(r.organ_id(), r.name()),
                       r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL
                           ? " [refused on arrival: resend]"
                           : ""));
    }
  }
  std::string line =
      absl::StrCat(received, " of ", status.recipients_size(), " received");
  if (refused != 0)
    absl::StrAppend(&line, " (", refused, " refused by the unit)");
  if (!paper.empty())
    absl::StrAppend(&line, "; by paper: ", absl::StrJoin(paper, ", "));
  if (!missing.empty())
    absl::StrAppend(&line, "; not yet: ", absl::StrJoin(missing, ", "));
  return line;
}

std::string FormatDocumentStatus(const DocumentStatus& status_in,
                                 int64_t now_micros) {
  // Text from other agencies is made safe for the terminal first.
  DocumentStatus status = status_in;
  MakePrintable(&status);
  std::vector<std::vector<std::string>> fields = {
      {"Document", status.document_id()},
      {"Subject", status.subject()},
      {"Urgency", UrgencyLabel(status.urgency())},
      {"From", CodeAndName(status.sender(), status.sender_name())},
      {"Accepted", TimeWithAge(status.accepted_at().unix_micros(), now_micros)},
  };
  if (!status.edxml_document_id().empty())
    fields.push_back({"edXML id", status.edxml_document_id()});
  std::string out = RenderTable({}, fields);
  out += "\n";

  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> steps;
  std::vector<std::string> refused;
  for (const RecipientStatus& r : status.recipients()) {
    std::vector<std::string> notes;
    std::string silent =
        SilentMark(r.silent(), r.last_poll_at().unix_micros(), now_micros);
    if (!silent.empty()) notes.push_back(silent);
    if (!r.via_bridge().empty()) {
      // Beyond this hub: where it waits is the bridge's, then beyond, as
      // the hubs beyond reported it.
      const std::string beyond =
          IsReceived(r.state()) ? std::string()
          : r.has_location()    ? absl::StrCat("; ", LocationNote(r.location()))
                                : std::string("; waits beyond this hub");
      notes.push_back(
          r.forwarded_at().unix_micros() != 0
              ? absl::StrCat("via bridge ", r.via_bridge(), ", forwarded ",
                             FormatVietnamTime(r.forwarded_at().unix_micros()),
                             beyond)
              : absl::StrCat("via bridge ", r.via_bridge(),
                             "; waits for the bridge"));
    }
    if (!IsReceived(r.state()) && r.delivery_attempts() > 1)
      notes.push_back(
          absl::StrCat("offered ", r.delivery_attempts(), " times"));
    if (r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL)
      notes.push_back(RefusalNote(r.state(), r.refusal_reason()));
    if (r.state() == truc::v1::DELIVERY_STATE_REFUSED) {
      notes.push_back(RefusalNote(r.state(), r.refusal_reason()));
      refused.push_back(CodeAndName(r.organ_id(), r.name()));
    }
    if (r.has_paper()) {
      notes.push_back(
          absl::StrCat("paper copy carried by ", r.paper().carried_by(), " at ",
                       FormatVietnamTime(r.paper().carried_at().unix_micros()),
                       ", signed for by ", r.paper().signed_by()));
    }
    rows.push_back({r.organ_id(), r.name(), DeliveryStateLabel(r.state()),
                    TimeOrDash(r.queued_at().unix_micros()),
                    TimeOrDash(r.arrived_at().unix_micros()),
                    TimeOrDash(r.accepted_at().unix_micros()),
                    absl::StrJoin(notes, "; ")});
    steps.push_back(StepLines(r));
  }
  std::string table = RenderTable(
      {"CODE", "NAME", "STATE", "QUEUED", "ARRIVED", "ACCEPTED", "NOTE"}, rows);
  // One line per row after the header: put each row's steps under it.
  std::vector<absl::string_view> lines =
      absl::StrSplit(table, '\n', absl::SkipEmpty());
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StrAppend(&out, lines[i], "\n");
    if (i == 0) continue;
    for (const std::string& step : steps[i - 1])
      absl::StrAppend(&out, "    ", step, "\n");
  }
  out += "\n";
  if (!refused.empty())
    absl::StrAppend(&out, "Refused by the unit: ", absl::StrJoin(refused, ", "),
                    "\n");
  absl::StrAppend(&out, StatusSummaryLine(status), "\n");
  return out;
}

namespace {

// The table of `recipients` of a document, indented: those that have not
// received it, or those that refused it.
void AppendRecipients(const google::protobuf::RepeatedPtrField<
                          truc::v1::PendingRecipient>& recipients,
                      int64_t now_micros, std::string* out) {
  std::vector<std::vector<std::string>> rows;
  for (const truc::v1::PendingRecipient& r : recipients) {
    std::vector<std::string> notes;
    std::string silent =
        SilentMark(r.silent(), r.last_poll_at().unix_micros(), now_micros);
    if (!silent.empty()) notes.push_back(silent);
    if (r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL ||
        r.state() == truc::v1::DELIVERY_STATE_REFUSED)
      notes.push_back(RefusalNote(r.state(), r.refusal_reason()));
    rows.push_back({r.organ_id(), r.name(), DeliveryStateLabel(r.state()),
                    absl::StrJoin(notes, "; ")});
  }
  for (absl::string_view line :
       absl::StrSplit(RenderTable({}, rows), '\n', absl::SkipEmpty())) {
    absl::StrAppend(out, "    ", line, "\n");
  }
}

uint32_t RecipientTotal(const truc::v1::PendingDocument& d) {
  return std::max<uint32_t>(d.recipient_count(),
                            static_cast<uint32_t>(d.recipients_size()));
}

}  // namespace

std::string FormatPending(const truc::v1::ListPendingResponse& response_in,
                          int64_t now_micros) {
  // Text from other agencies is made safe for the terminal first.
  truc::v1::ListPendingResponse response = response_in;
  MakePrintable(&response);
  if (response.documents().empty()) {
    return "No document is waiting for any recipient.\n";
  }
  std::string out;
  for (const truc::v1::PendingDocument& d : response.documents()) {
    int64_t accepted = d.accepted_at().unix_micros();
    absl::StrAppend(&out, d.document_id(), "  ", UrgencyLabel(d.urgency()),
                    "  waiting ", FormatAge(now_micros - accepted), " (since ",
                    FormatVietnamTime(accepted), ")  from ",
                    CodeAndName(d.sender(), d.sender_name()), "\n");
    absl::StrAppend(&out, "  ", d.subject(), "\n");
    absl::StrAppend(&out, "  not received by ", d.recipients_size(), " of ",
                    RecipientTotal(d), ":\n");
    AppendRecipients(d.recipients(), now_micros, &out);
    out += "\n";
  }
  absl::StrAppend(&out,
                  Plural(response.documents_size(), "document", "documents"),
                  " waiting");
  if (response.truncated()) absl::StrAppend(&out, " (list cut: raise --limit)");
  out += "\n";
  return out;
}

std::string FormatSent(const truc::v1::ListSentResponse& response_in,
                       int64_t now_micros) {
  truc::v1::ListSentResponse response = response_in;
  MakePrintable(&response);
  if (response.documents().empty()) {
    return "No document sent in that time.\n";
  }
  std::string out;
  int outstanding = 0;
  for (const truc::v1::PendingDocument& d : response.documents()) {
    int64_t accepted = d.accepted_at().unix_micros();
    const uint32_t total = RecipientTotal(d);
    // Those that refused it (02 after it arrived) have it: received.
    const uint32_t received =
        total - static_cast<uint32_t>(d.recipients_size() + d.paper_size());
    absl::StrAppend(&out, d.document_id(), "  ", UrgencyLabel(d.urgency()),
                    "  sent ", FormatAge(now_micros - accepted), " ago (",
                    FormatVietnamTime(accepted), ")\n");
    absl::StrAppend(&out, "  ", d.subject(), "\n");
    if (!d.paper().empty()) {
      std::vector<std::string> paper;
      for (const auto& p : d.paper())
        paper.push_back(CodeAndName(p.organ_id(), p.name()));
      absl::StrAppend(&out, "  by paper only: ", absl::StrJoin(paper, ", "),
                      "\n");
    }
    if (d.recipients().empty() && d.paper().empty()) {
      absl::StrAppend(&out, "  received by all ", total, "\n");
    } else if (d.recipients().empty()) {
      absl::StrAppend(&out, "  received by ", received, " of ", total,
                      ", the others by paper\n");
    } else {
      ++outstanding;
      absl::StrAppend(&out, "  received by ", received, " of ", total,
                      "; not yet:\n");
      AppendRecipients(d.recipients(), now_micros, &out);
    }
    if (!d.refused().empty()) {
      absl::StrAppend(&out,
                      "  refused by the unit (received, not accepted):\n");
      AppendRecipients(d.refused(), now_micros, &out);
    }
    out += "\n";
  }
  absl::StrAppend(&out,
                  Plural(response.documents_size(), "document", "documents"),
                  ", ", outstanding, " not yet received by every recipient");
  if (response.truncated()) absl::StrAppend(&out, " (list cut: raise --limit)");
  out += "\n";
  return out;
}

}  // namespace truc::cli
