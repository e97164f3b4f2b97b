#include "hub/ops/digests.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/event_log.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::v1::Digest;

}  // namespace

absl::StatusOr<std::vector<Digest>> DigestJob::Build(const std::string& day) {
  // The index is ordered by urgency and then time: items come out most
  // urgent, then oldest, first.
  std::vector<Ledger::OutstandingDelivery> pending;
  TRUC_RETURN_IF_ERROR(
      ledger_->ForEachOutstanding([&](const Ledger::OutstandingDelivery& d) {
        pending.push_back(d);
        return pending.size() < kMaxScan;
      }));
  std::map<std::string, truc::internal::DocumentRecord> docs;
  std::map<std::string, Digest> by_recipient, by_sender;
  // A sender's item per document, with every unit that lacks it.
  std::map<std::string, size_t> sender_item;
  for (const Ledger::OutstandingDelivery& pk : pending) {
    auto found = docs.find(pk.document_id);
    if (found == docs.end()) {
      TRUC_ASSIGN_OR_RETURN(auto doc, ledger_->GetDocument(pk.document_id));
      found = docs.emplace(pk.document_id, std::move(doc)).first;
    }
    const auto& doc = found->second;
    Digest::Item item;
    item.set_document_id(doc.document_id());
    item.set_subject(doc.subject());
    item.set_urgency(doc.urgency());
    item.mutable_sent_at()->set_unix_micros(doc.accepted_at_micros());
    item.set_sender(doc.sender());
    item.set_sender_name(directory_->NameOf(doc.sender()));

    Digest& r = by_recipient[pk.recipient];
    r.set_kind(Digest::KIND_RECIPIENT);
    r.set_agency(pk.recipient);
    r.set_agency_name(directory_->NameOf(pk.recipient));
    r.set_day(day);
    *r.add_items() = item;

    Digest& s = by_sender[doc.sender()];
    s.set_kind(Digest::KIND_SENDER);
    s.set_agency(doc.sender());
    s.set_agency_name(item.sender_name());
    s.set_day(day);
    auto [at, fresh] = sender_item.emplace(doc.document_id(), s.items_size());
    if (fresh) *s.add_items() = item;
    const std::string name = directory_->NameOf(pk.recipient);
    s.mutable_items(static_cast<int>(at->second))
        ->add_missing(absl::StrCat(
            name.empty() ? pk.recipient : name,
            pk.refused_on_arrival ? " (từ chối khi nhận: hãy gửi lại)" : ""));
  }
  std::vector<Digest> out;
  for (auto& [code, d] : by_recipient) out.push_back(std::move(d));
  for (auto& [code, d] : by_sender) out.push_back(std::move(d));
  return out;
}

absl::StatusOr<size_t> DigestJob::RunIfDue() {
  const int64_t now = clock_();
  const std::string local = FormatVietnamTime(now);  // dd/MM/yyyy HH:mm:ss
  int hour = 0;
  if (!absl::SimpleAtoi(local.substr(11, 2), &hour) ||
      hour < static_cast<int>(hour_)) {
    return 0;
  }
  const std::string day = absl::StrCat(
      local.substr(6, 4), "-", local.substr(3, 2), "-", local.substr(0, 2));
  absl::StatusOr<std::string> marker = store_->Get(keys::Digest(day));
  if (marker.ok()) return 0;
  if (!absl::IsNotFound(marker.status())) return marker.status();

  std::vector<Digest> digests;
  if (!queue_->channels().empty()) {
    TRUC_ASSIGN_OR_RETURN(digests, Build(day));
  }
  WriteBatch batch;
  batch.Put(keys::Digest(day), absl::StrCat(now));
  size_t recipients = 0;
  for (const Digest& d : digests) {
    if (d.kind() == Digest::KIND_RECIPIENT) ++recipients;
    truc::internal::NotificationRecord n;
    *n.mutable_digest() = d;
    n.set_created_micros(now);
    n.set_next_attempt_micros(now);
    queue_->Add(std::move(n), &batch);
  }
  truc::v1::AuditEvent event;
  event.set_kind("digests_queued");
  event.set_actor(actor_);
  event.set_detail(absl::StrCat("day=", day, " recipients=", recipients,
                                " senders=", digests.size() - recipients,
                                " channels=", queue_->channels().size()));
  TRUC_RETURN_IF_ERROR(audit_->Commit(batch, {event}).status());
  LogEvent("digests_queued",
           {{"day", day},
            {"recipients", absl::StrCat(recipients)},
            {"senders", absl::StrCat(digests.size() - recipients)},
            {"channels", absl::StrCat(queue_->channels().size())}});
  return digests.size();
}

}  // namespace truc::hub
