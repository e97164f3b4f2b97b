#include "hub/ops/monthly_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/reception.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/urgency.h"

namespace truc::hub {
namespace {

using truc::v1::Urgency;

struct Figures {
  uint32_t documents = 0;
  std::vector<double> arrive, read;
};

struct Unit {
  std::string name;
  uint32_t documents = 0;
  std::map<Urgency, Figures, std::greater<>> by_urgency;
  std::vector<std::string> never;
  uint32_t paper_only = 0;
};

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(
      std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

absl::StatusOr<truc::v1::ServiceTable> BuildMonthlyReport(
    Ledger* ledger, const truc::v1::ServiceTableRequest& request) {
  std::vector<absl::string_view> parts = absl::StrSplit(request.month(), '-');
  int year = 0, month = 0;
  if (parts.size() != 2 || parts[0].size() != 4 || parts[1].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &year) ||
      !absl::SimpleAtoi(parts[1], &month) || month < 1 || month > 12) {
    return absl::InvalidArgumentError(absl::StrCat(
        "month \"", request.month(), "\": write yyyy-MM, e.g. 2026-11"));
  }
  TRUC_ASSIGN_OR_RETURN(
      const int64_t from,
      ParseVietnamDateTime(absl::StrFormat("01/%02d/%04d 00:00", month, year)));
  TRUC_ASSIGN_OR_RETURN(const int64_t to,
                        ParseVietnamDateTime(absl::StrFormat(
                            "01/%02d/%04d 00:00", month == 12 ? 1 : month + 1,
                            month == 12 ? year + 1 : year)));
  truc::v1::ServiceTable table;
  table.set_month(request.month());
  table.mutable_from()->set_unix_micros(from);
  table.mutable_to()->set_unix_micros(to);

  std::vector<std::string> ids;
  TRUC_RETURN_IF_ERROR(
      ledger->ForEachAccepted(from, to, [&](const std::string& id) {
        if (ids.size() >= kMaxReportDocuments) {
          table.set_truncated(true);
          return false;
        }
        ids.push_back(id);
        return true;
      }));

  std::map<std::string, Unit> units;
  for (const std::string& id : ids) {
    TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentStatus doc, ledger->StatusOf(id));
    if (!request.sender().empty() && doc.sender() != request.sender()) continue;
    table.set_documents(table.documents() + 1);
    const int64_t sent = doc.accepted_at().unix_micros();
    const Urgency urgency = UrgencyGroup(doc.urgency());
    for (const truc::v1::RecipientStatus& r : doc.recipients()) {
      Unit& unit = units[r.organ_id()];
      unit.name = r.name();
      ++unit.documents;
      Figures& f = unit.by_urgency[urgency];
      ++f.documents;
      if (r.arrived_at().unix_micros() != 0)
        f.arrive.push_back((r.arrived_at().unix_micros() - sent) / 1e6);
      if (r.accepted_at().unix_micros() != 0)
        f.read.push_back((r.accepted_at().unix_micros() - sent) / 1e6);
      const truc::v1::Reception reception = ReceptionOf(r.state());
      if (reception == truc::v1::RECEPTION_PAPER_ONLY) {
        ++unit.paper_only;
      } else if (reception == truc::v1::RECEPTION_NOT_RECEIVED) {
        unit.never.push_back(id);
      }
    }
  }
  for (auto& [code, unit] : units) {
    truc::v1::UnitService* u = table.add_units();
    u->set_agency(code);
    u->set_name(unit.name);
    u->set_documents(unit.documents);
    u->set_paper_only(unit.paper_only);
    for (auto& id : unit.never) u->add_never_received(id);
    for (auto& [urgency, f] : unit.by_urgency) {
      truc::v1::UrgencyService* s = u->add_by_urgency();
      s->set_urgency(urgency);
      s->set_documents(f.documents);
      s->set_arrived(static_cast<uint32_t>(f.arrive.size()));
      s->set_p50_arrive_seconds(Percentile(f.arrive, 50));
      s->set_p95_arrive_seconds(Percentile(f.arrive, 95));
      s->set_read(static_cast<uint32_t>(f.read.size()));
      s->set_p50_read_seconds(Percentile(f.read, 50));
      s->set_p95_read_seconds(Percentile(f.read, 95));
    }
  }
  const auto express_p95 = [](const truc::v1::UnitService& u) {
    for (const auto& s : u.by_urgency())
      if (s.urgency() == truc::v1::URGENCY_EXPRESS)
        return s.p95_arrive_seconds();
    return 0.0;
  };
  std::stable_sort(table.mutable_units()->begin(), table.mutable_units()->end(),
                   [&](const auto& a, const auto& b) {
                     if (a.never_received_size() != b.never_received_size())
                       return a.never_received_size() > b.never_received_size();
                     return express_p95(a) > express_p95(b);
                   });
  return table;
}

}  // namespace truc::hub
