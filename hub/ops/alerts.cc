#include "hub/ops/alerts.h"

#include <algorithm>
#include <array>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/urgency.h"
#include "hub/store/key_layout.h"
#include "truc/internal/records.pb.h"

namespace truc::hub {
namespace {

using truc::v1::Alert;

constexpr int64_t kSecond = 1'000'000;

std::string NameOrCode(const std::string& name, const std::string& code) {
  return name.empty() ? code : absl::StrCat(name, " (", code, ")");
}

}  // namespace

AlertThresholds AlertThresholds::From(const truc::v1::AlertRules& rules) {
  AlertThresholds t;
  if (rules.has_express_arrival_seconds())
    t.express = rules.express_arrival_seconds();
  if (rules.has_very_urgent_arrival_seconds())
    t.very_urgent = rules.very_urgent_arrival_seconds();
  if (rules.has_urgent_arrival_seconds())
    t.urgent = rules.urgent_arrival_seconds();
  if (rules.has_normal_arrival_seconds())
    t.normal = rules.normal_arrival_seconds();
  if (rules.has_silent_agency_seconds())
    t.silent_agency = rules.silent_agency_seconds();
  return t;
}

uint32_t AlertThresholds::ForUrgency(truc::v1::Urgency urgency) const {
  switch (UrgencyRank(urgency)) {
    case 0:
      return express;
    case 1:
      return very_urgent;
    case 2:
      return urgent;
    default:
      return normal;
  }
}

absl::StatusOr<std::unique_ptr<AlertEngine>> AlertEngine::Load(
    Store* store, AuditLog* audit, Directory* directory, Ledger* ledger,
    ChangeFeed* feed, Clock clock, AlertThresholds thresholds,
    NotificationQueue* queue, std::string actor) {
  std::unique_ptr<AlertEngine> engine(
      new AlertEngine(store, audit, directory, ledger, feed, std::move(clock),
                      thresholds, queue, std::move(actor)));
  absl::Status bad;
  absl::MutexLock lock(&engine->mu_);
  TRUC_RETURN_IF_ERROR(store->ScanPrefix(
      keys::kAlertPrefix, [&](absl::string_view k, absl::string_view v) {
        Alert alert;
        if (!alert.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          bad = absl::DataLossError(
              absl::StrCat("alert record ", k, " does not parse"));
          return false;
        }
        engine->active_[alert.id()] = std::move(alert);
        return true;
      }));
  TRUC_RETURN_IF_ERROR(bad);
  return engine;
}

absl::StatusOr<std::map<std::string, Alert>> AlertEngine::Wanted(int64_t now) {
  std::map<std::string, Alert> wanted;
  // Documents read once per check, however many recipients lack them.
  std::map<std::string, truc::internal::DocumentRecord> docs;
  // Never-polled agencies' oldest wait, for the silence rule.
  std::map<std::string, int64_t> oldest_wait;
  size_t scanned = 0;
  const int64_t silent_cutoff =
      thresholds_.silent_agency == 0
          ? 0
          : now - int64_t{thresholds_.silent_agency} * kSecond;
  // Per rank: the time before which a delivery is late (0: no rule), and
  // before which the index is read at all (late, or waiting long enough to
  // count for the silence of an agency that never polled).
  std::array<int64_t, kUrgencyRanks> late_before{}, read_before{};
  std::array<uint32_t, kUrgencyRanks> late_after{};
  for (int rank = 0; rank < kUrgencyRanks; ++rank) {
    late_after[rank] = thresholds_.ForUrgency(UrgencyOfRank(rank));
    late_before[rank] =
        late_after[rank] == 0 ? 0 : now - int64_t{late_after[rank]} * kSecond;
    read_before[rank] = std::max(late_before[rank], silent_cutoff);
  }
  // The late entries first: the store may not be read from inside the
  // ledger's scan of its index.
  std::vector<Ledger::OutstandingDelivery> late;
  TRUC_RETURN_IF_ERROR(ledger_->ForEachOutstanding(
      read_before, [&](const Ledger::OutstandingDelivery& d) {
        if (++scanned > kMaxScan) return false;
        if (silent_cutoff != 0 && d.accepted_at_micros < silent_cutoff) {
          auto [it, fresh] =
              oldest_wait.emplace(d.recipient, d.accepted_at_micros);
          if (!fresh) it->second = std::min(it->second, d.accepted_at_micros);
        }
        if (d.accepted_at_micros < late_before[d.rank]) late.push_back(d);
        return true;
      }));
  for (const Ledger::OutstandingDelivery& pk : late) {
    const bool refused_on_arrival = pk.refused_on_arrival;
    const uint32_t threshold = late_after[pk.rank];
    auto found = docs.find(pk.document_id);
    if (found == docs.end()) {
      TRUC_ASSIGN_OR_RETURN(auto doc, ledger_->GetDocument(pk.document_id));
      found = docs.emplace(pk.document_id, std::move(doc)).first;
    }
    const auto& doc = found->second;
    Alert a;
    a.set_id(absl::StrCat("late/", pk.document_id, "/", pk.recipient));
    a.set_kind(Alert::KIND_LATE_DELIVERY);
    a.set_agency(pk.recipient);
    a.set_agency_name(directory_->NameOf(pk.recipient));
    a.set_document_id(pk.document_id);
    a.set_subject(doc.subject());
    a.set_urgency(doc.urgency());
    a.set_sender(doc.sender());
    a.set_sender_name(directory_->NameOf(doc.sender()));
    a.mutable_since()->set_unix_micros(doc.accepted_at_micros());
    a.set_threshold_seconds(threshold);
    a.set_summary(absl::StrCat(
        "Văn bản ", UrgencyVietnamese(doc.urgency()), " \"", doc.subject(),
        "\" chưa đến ", NameOrCode(a.agency_name(), pk.recipient), " sau ",
        FormatAge(now - doc.accepted_at_micros()),
        refused_on_arrival
            ? " (máy trạm của đơn vị đã từ chối khi nhận vì văn bản không "
              "qua được kiểm tra: hãy gửi lại)"
            : ""));
    wanted[a.id()] = std::move(a);
  }
  scan_complete_ = scanned <= kMaxScan;
  if (!scan_complete_) {
    LogEvent("alerts_scan_cut", {{"entries", absl::StrCat(kMaxScan)},
                                 {"first", "the oldest late deliveries"}});
  }
  if (thresholds_.silent_agency != 0) {
    for (const truc::v1::Agency& agency : directory_->List()) {
      if (agency.state() != truc::v1::AGENCY_STATE_ACTIVE) continue;
      const int64_t last = directory_->LastPoll(agency.code());
      const auto waited = oldest_wait.find(agency.code());
      const bool silent =
          last != 0 ? last < silent_cutoff : waited != oldest_wait.end();
      if (!silent) continue;
      Alert a;
      a.set_id(absl::StrCat("silent/", agency.code()));
      a.set_kind(Alert::KIND_SILENT_AGENCY);
      a.set_agency(agency.code());
      a.set_agency_name(agency.name());
      if (last != 0) a.mutable_since()->set_unix_micros(last);
      a.set_threshold_seconds(thresholds_.silent_agency);
      a.set_summary(last != 0
                        ? absl::StrCat("Máy trạm của ",
                                       NameOrCode(agency.name(), agency.code()),
                                       " mất liên lạc ", FormatAge(now - last),
                                       " (lần kết nối cuối ",
                                       FormatVietnamTime(last), ")")
                        : absl::StrCat("Máy trạm của ",
                                       NameOrCode(agency.name(), agency.code()),
                                       " chưa từng kết nối; văn bản đã chờ ",
                                       FormatAge(now - waited->second)));
      wanted[a.id()] = std::move(a);
    }
  }
  return wanted;
}

absl::Status AlertEngine::Write(const Alert& alert, bool cleared, int64_t now) {
  WriteBatch batch;
  if (cleared) {
    batch.Delete(keys::Alert(alert.id()));
  } else {
    batch.Put(keys::Alert(alert.id()), alert.SerializeAsString());
  }
  truc::internal::NotificationRecord n;
  *n.mutable_alert() = alert;
  n.set_cleared(cleared);
  n.set_created_micros(now);
  n.set_next_attempt_micros(now);
  queue_->Add(std::move(n), &batch);
  truc::v1::AuditEvent event;
  event.set_kind(cleared ? "alert_cleared" : "alert_raised");
  event.set_actor(actor_);
  event.set_document_id(alert.document_id());
  event.set_agency(alert.agency());
  event.set_detail(alert.id());
  TRUC_RETURN_IF_ERROR(audit_->Commit(batch, {event}).status());
  LogEvent(cleared ? "alert_cleared" : "alert_raised",
           {{"id", alert.id()},
            {"channels", absl::StrCat(queue_->channels().size())}});
  if (feed_ != nullptr) {
    Change c;
    c.kind = Change::Kind::kAlert;
    c.document_id = alert.document_id();
    c.sender = alert.sender();
    c.agency = alert.agency();
    c.urgency = alert.urgency();
    c.alert_id = alert.id();
    feed_->Publish(std::move(c));
  }
  return absl::OkStatus();
}

absl::StatusOr<AlertEngine::Outcome> AlertEngine::Evaluate() {
  const int64_t now = clock_();
  TRUC_ASSIGN_OR_RETURN(auto wanted, Wanted(now));
  std::vector<Alert> to_raise, to_clear;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, alert] : wanted) {
      if (!active_.contains(id)) to_raise.push_back(alert);
    }
    for (const auto& [id, alert] : active_) {
      // A cut scan did not look at every late delivery: none is cleared.
      if (!scan_complete_ && alert.kind() == Alert::KIND_LATE_DELIVERY)
        continue;
      if (!wanted.contains(id)) to_clear.push_back(alert);
    }
  }
  Outcome outcome;
  for (Alert& alert : to_raise) {
    alert.mutable_raised_at()->set_unix_micros(now);
    TRUC_RETURN_IF_ERROR(Write(alert, false, now));
    absl::MutexLock lock(&mu_);
    active_[alert.id()] = alert;
    ++outcome.raised;
  }
  for (const Alert& alert : to_clear) {
    TRUC_RETURN_IF_ERROR(Write(alert, true, now));
    absl::MutexLock lock(&mu_);
    active_.erase(alert.id());
    ++outcome.cleared;
  }
  return outcome;
}

std::vector<Alert> AlertEngine::Active() const {
  std::vector<Alert> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, alert] : active_) out.push_back(alert);
  }
  std::stable_sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) {
    return a.raised_at().unix_micros() < b.raised_at().unix_micros();
  });
  return out;
}

size_t AlertEngine::active_count() const {
  absl::MutexLock lock(&mu_);
  return active_.size();
}

}  // namespace truc::hub
