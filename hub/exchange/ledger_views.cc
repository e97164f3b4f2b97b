// The ledger's reads: a document and its deliveries, the lists of who has
// not received what, and the indexes the operations room reads. Writes are
// in ledger.cc; both are the one Ledger class (ledger.h).
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/reception.h"
#include "common/status_macros.h"
#include "common/urgency.h"
#include "hub/exchange/ledger.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::internal::DeliveryRecord;
using truc::internal::DocumentRecord;

template <typename Proto>
absl::StatusOr<Proto> ParseRecord(const std::string& bytes,
                                  absl::string_view key) {
  Proto p;
  if (!p.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("corrupt record at ", key));
  }
  return p;
}

// The reason the recipient gave with its latest refusal (02), if any.
std::string LatestRefusal(const DeliveryRecord& d) {
  for (int i = d.history_size() - 1; i >= 0; --i) {
    if (d.history(i).status() == truc::v1::EDXML_STATUS_REFUSED)
      return d.history(i).description();
  }
  return "";
}

}  // namespace

absl::StatusOr<DocumentRecord> Ledger::GetDocument(
    const std::string& document_id) {
  if (document_id.empty()) {
    return absl::InvalidArgumentError("required field missing: document_id");
  }
  auto bytes = store_->Get(keys::Document(document_id));
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("no document ", document_id));
  }
  if (!bytes.ok()) return bytes.status();
  return ParseRecord<DocumentRecord>(*bytes, keys::Document(document_id));
}

absl::StatusOr<DeliveryRecord> Ledger::GetDelivery(
    const DocumentRecord& doc, const std::string& recipient) {
  std::string key = keys::Delivery(doc.document_id(), recipient);
  auto bytes = store_->Get(key);
  if (absl::IsNotFound(bytes.status())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "document ", doc.document_id(), " was not sent to agency ", recipient));
  }
  if (!bytes.ok()) return bytes.status();
  return ParseRecord<DeliveryRecord>(*bytes, key);
}

absl::StatusOr<truc::v1::RecipientStatus> Ledger::RecipientStatusOf(
    const std::string& document_id, const std::string& recipient) {
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
  TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, recipient));
  return ToRecipientStatus(d);
}

absl::StatusOr<bool> Ledger::IsRecipient(const std::string& document_id,
                                         const std::string& agency) {
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
  auto d = GetDelivery(doc, agency);
  if (absl::IsPermissionDenied(d.status())) return false;
  if (!d.ok()) return d.status();
  return true;
}

truc::v1::RecipientStatus Ledger::ToRecipientStatus(
    const DeliveryRecord& d) const {
  truc::v1::RecipientStatus r;
  r.set_organ_id(d.recipient());
  r.set_name(directory_->NameOf(d.recipient()));
  r.set_state(d.state());
  r.set_reception(ReceptionOf(d.state()));
  r.mutable_queued_at()->set_unix_micros(d.queued_at_micros());
  if (d.arrived_at_micros())
    r.mutable_arrived_at()->set_unix_micros(d.arrived_at_micros());
  if (d.accepted_at_micros())
    r.mutable_accepted_at()->set_unix_micros(d.accepted_at_micros());
  *r.mutable_history() = d.history();
  if (d.has_paper()) *r.mutable_paper() = d.paper();
  r.set_resends(d.resends());
  r.set_via_bridge(d.via_bridge());
  if (d.forwarded_at_micros())
    r.mutable_forwarded_at()->set_unix_micros(d.forwarded_at_micros());
  if (d.has_location() && !IsReceived(d.state()))
    *r.mutable_location() = d.location();
  if (d.state() == truc::v1::DELIVERY_STATE_REFUSED ||
      d.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL) {
    r.set_refusal_reason(LatestRefusal(d));
  }
  if (auto lease = offers_->Find(QueueOwnerOf(d), d.document_id())) {
    r.set_delivery_attempts(lease->attempts);
    if (d.state() == truc::v1::DELIVERY_STATE_QUEUED &&
        lease->expires > clock_()) {
      r.set_state(truc::v1::DELIVERY_STATE_LEASED);
    }
  }
  int64_t last = directory_->LastPoll(d.recipient());
  if (last) r.mutable_last_poll_at()->set_unix_micros(last);
  r.set_silent(directory_->IsSilent(d.recipient()));
  if (r.has_location() &&
      r.location().waits_for() == truc::v1::RemoteLocation::WAITS_FOR_AGENT) {
    // Beyond this hub, its agent's last poll is the one its own hub
    // reported: no arrival since means no poll since.
    const int64_t polled = r.location().agent_last_poll().unix_micros();
    if (polled) r.mutable_last_poll_at()->set_unix_micros(polled);
    r.set_silent(polled == 0 ||
                 clock_() - polled > directory_->silence_threshold_micros());
  }
  return r;
}

absl::StatusOr<truc::v1::DocumentStatus> Ledger::StatusOf(
    const std::string& document_id, bool evidence) {
  TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(document_id));
  truc::v1::DocumentStatus out;
  out.set_document_id(doc.document_id());
  out.set_sender(doc.sender());
  out.set_sender_name(directory_->NameOf(doc.sender()));
  out.set_subject(doc.subject());
  out.set_urgency(doc.urgency());
  out.mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
  out.set_edxml_document_id(doc.edxml_document_id());
  out.set_origin_checked_under(doc.origin_checked_under());
  out.set_original_edxml_sha256(doc.original_edxml_sha256());
  out.set_original_edxml_size(doc.original_edxml_size());
  absl::Status parse;
  std::vector<DeliveryRecord> deliveries;
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(
      keys::DeliveryPrefix(document_id), [&](auto k, auto v) {
        DeliveryRecord& d = deliveries.emplace_back();
        if (!d.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse = absl::DataLossError(absl::StrCat("corrupt record at ", k));
          return false;
        }
        return true;
      }));
  TRUC_RETURN_IF_ERROR(parse);
  // Outside the scan: ToRecipientStatus takes the lease lock, which Lease
  // holds while it scans.
  for (const auto& d : deliveries) *out.add_recipients() = ToRecipientStatus(d);
  if (evidence) {
    *out.mutable_acceptance_receipt() = doc.receipt();
    *out.mutable_envelope() = doc.envelope();
  } else {
    for (auto& r : *out.mutable_recipients()) {
      for (auto& e : *r.mutable_history()) e.clear_receipt();
    }
  }
  uint32_t received = 0, paper = 0, refused = 0, refused_on_arrival = 0;
  for (const auto& r : out.recipients()) {
    received += IsReceived(r.state()) ? 1 : 0;
    paper += r.state() == truc::v1::DELIVERY_STATE_PAPER ? 1 : 0;
    refused += r.state() == truc::v1::DELIVERY_STATE_REFUSED ? 1 : 0;
    refused_on_arrival +=
        r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL ? 1 : 0;
  }
  out.set_received_count(received);
  out.set_paper_count(paper);
  out.set_refused_count(refused);
  out.set_refused_on_arrival_count(refused_on_arrival);
  out.set_recipient_count(static_cast<uint32_t>(out.recipients_size()));
  return out;
}

absl::Status Ledger::ForEachOutstanding(
    const std::array<int64_t, kUrgencyRanks>& accepted_before,
    const std::function<bool(const OutstandingDelivery&)>& fn) {
  bool more = true;
  for (uint8_t rank = 0; rank < kUrgencyRanks && more; ++rank) {
    if (accepted_before[rank] <= 0) continue;
    const std::string start = keys::PendingRankPrefix(rank);
    const std::string end = absl::StrCat(
        start,
        keys::EncodeFixed64(static_cast<uint64_t>(accepted_before[rank])));
    TRUC_RETURN_IF_ERROR(store_->Scan(start, end, [&](auto k, auto v) {
      if (v == keys::kPendingPaper) return true;  // delivered by paper
      keys::PendingKey pk;
      if (!keys::ParsePendingKey(k, &pk)) return true;
      OutstandingDelivery d;
      d.document_id = std::move(pk.document_id);
      d.recipient = std::move(pk.recipient);
      d.rank = pk.rank;
      d.accepted_at_micros = pk.time_micros;
      d.refused_on_arrival = v == keys::kPendingRefusedOnArrival;
      more = fn(d);
      return more;
    }));
  }
  return absl::OkStatus();
}

absl::Status Ledger::ForEachOutstanding(
    const std::function<bool(const OutstandingDelivery&)>& fn) {
  std::array<int64_t, kUrgencyRanks> all;
  all.fill(std::numeric_limits<int64_t>::max());
  return ForEachOutstanding(all, fn);
}

absl::Status Ledger::ForEachAccepted(
    int64_t from_micros, int64_t to_micros,
    const std::function<bool(const std::string&)>& fn) {
  return store_->Scan(
      keys::Recent(from_micros, ""), keys::Recent(to_micros, ""),
      [&](absl::string_view k, absl::string_view) {
        return fn(std::string(k.substr(keys::kRecentPrefix.size() + 8)));
      });
}

absl::StatusOr<truc::v1::ListPendingResponse> Ledger::ListPending(
    const truc::v1::ListPendingRequest& request) {
  uint32_t limit =
      request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  const uint8_t max_rank =
      request.min_urgency() == truc::v1::URGENCY_UNSPECIFIED
          ? 3
          : UrgencyRank(request.min_urgency());
  const int64_t now = clock_();
  const int64_t cutoff =
      now - static_cast<int64_t>(std::min<uint64_t>(
                request.older_than_seconds(), uint64_t{1} << 40)) *
                1'000'000;
  truc::v1::ListPendingResponse out;
  if (cutoff < 0) return out;  // older than the epoch: nothing
  // document id -> recipients not yet received, in index order.
  std::vector<std::pair<std::string, Outstanding>> found;
  bool truncated = false;
  std::array<int64_t, kUrgencyRanks> before{};
  for (uint8_t rank = 0; rank <= max_rank; ++rank) before[rank] = cutoff + 1;
  TRUC_RETURN_IF_ERROR(
      ForEachOutstanding(before, [&](const OutstandingDelivery& d) {
        if (found.empty() || found.back().first != d.document_id) {
          if (found.size() == limit) {
            truncated = true;
            return false;
          }
          found.emplace_back(d.document_id, Outstanding{});
        }
        found.back().second.not_received.push_back(
            {d.recipient, d.refused_on_arrival});
        return true;
      }));
  out.set_truncated(truncated);
  for (const auto& [doc_id, outstanding] : found) {
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(doc_id));
    TRUC_RETURN_IF_ERROR(
        FillPending(doc, outstanding, now, out.add_documents()));
  }
  return out;
}

absl::Status Ledger::FillPending(const DocumentRecord& doc,
                                 const Outstanding& outstanding, int64_t now,
                                 truc::v1::PendingDocument* p) {
  p->set_document_id(doc.document_id());
  p->set_sender(doc.sender());
  p->set_sender_name(directory_->NameOf(doc.sender()));
  p->set_subject(doc.subject());
  p->set_urgency(doc.urgency());
  p->mutable_accepted_at()->set_unix_micros(doc.accepted_at_micros());
  p->set_recipient_count(static_cast<uint32_t>(doc.recipients_size()));
  const auto describe = [&](const std::string& r, truc::v1::DeliveryState state,
                            truc::v1::PendingRecipient* pr) -> absl::Status {
    pr->set_organ_id(r);
    pr->set_name(directory_->NameOf(r));
    pr->set_state(state);
    pr->set_silent(directory_->IsSilent(r));
    int64_t last = directory_->LastPoll(r);
    if (last) pr->mutable_last_poll_at()->set_unix_micros(last);
    if (state == truc::v1::DELIVERY_STATE_REFUSED ||
        state == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL) {
      TRUC_ASSIGN_OR_RETURN(DeliveryRecord d, GetDelivery(doc, r));
      pr->set_refusal_reason(LatestRefusal(d));
    }
    return absl::OkStatus();
  };
  for (const auto& entry : outstanding.not_received) {
    truc::v1::DeliveryState state =
        entry.refused_on_arrival ? truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL
                                 : truc::v1::DELIVERY_STATE_QUEUED;
    if (!entry.refused_on_arrival) {
      std::string owner = entry.recipient;
      if (const std::string bridge = directory_->BridgeOf(entry.recipient);
          !bridge.empty()) {
        // Beyond this hub: taken by its bridge already, or waiting for it.
        TRUC_ASSIGN_OR_RETURN(DeliveryRecord d,
                              GetDelivery(doc, entry.recipient));
        if (d.state() == truc::v1::DELIVERY_STATE_FORWARDED) state = d.state();
        owner = QueueOwnerOf(d);
      }
      auto lease = offers_->Find(owner, doc.document_id());
      if (state == truc::v1::DELIVERY_STATE_QUEUED && lease &&
          lease->expires > now)
        state = truc::v1::DELIVERY_STATE_LEASED;
    }
    TRUC_RETURN_IF_ERROR(describe(entry.recipient, state, p->add_recipients()));
  }
  for (const auto& r : outstanding.paper) {
    TRUC_RETURN_IF_ERROR(
        describe(r, truc::v1::DELIVERY_STATE_PAPER, p->add_paper()));
  }
  for (const auto& r : outstanding.refused) {
    TRUC_RETURN_IF_ERROR(
        describe(r, truc::v1::DELIVERY_STATE_REFUSED, p->add_refused()));
  }
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListSent(
    const std::string& sender, const truc::v1::ListSentRequest& request) {
  return ListIndexed(keys::SentPrefix(sender), request);
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListRecent(
    const truc::v1::ListSentRequest& request) {
  return ListIndexed(std::string(keys::kRecentPrefix), request);
}

absl::StatusOr<truc::v1::ListSentResponse> Ledger::ListIndexed(
    const std::string& prefix, const truc::v1::ListSentRequest& request) {
  constexpr uint64_t kMaxWindow = uint64_t{366} * 86400;
  const uint64_t window = request.since_seconds() == 0
                              ? uint64_t{7} * 86400
                              : std::min(request.since_seconds(), kMaxWindow);
  const uint32_t limit =
      request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  const int64_t now = clock_();
  const int64_t since =
      std::max<int64_t>(0, now - static_cast<int64_t>(window) * 1'000'000);
  // The index, from `since` on: one range read.
  std::vector<std::string> ids;
  TRUC_RETURN_IF_ERROR(store_->Scan(
      absl::StrCat(prefix, keys::EncodeFixed64(static_cast<uint64_t>(since))),
      PrefixSuccessor(prefix), [&](auto k, auto) {
        ids.emplace_back(k.substr(prefix.size() + 8));
        return true;
      }));
  truc::v1::ListSentResponse out;
  const bool filtered = request.outstanding_only() || request.refused_only();
  for (const auto& id : ids) {
    TRUC_ASSIGN_OR_RETURN(DocumentRecord doc, GetDocument(id));
    TRUC_ASSIGN_OR_RETURN(Outstanding outstanding, OutstandingOf(doc, true));
    const bool wanted =
        !filtered ||
        (request.outstanding_only() && !outstanding.not_received.empty()) ||
        (request.refused_only() && !outstanding.refused.empty());
    if (!wanted) continue;
    if (static_cast<uint32_t>(out.documents_size()) == limit) {
      out.set_truncated(true);
      break;
    }
    TRUC_RETURN_IF_ERROR(
        FillPending(doc, outstanding, now, out.add_documents()));
  }
  return out;
}

absl::StatusOr<Ledger::Outstanding> Ledger::OutstandingOf(
    const DocumentRecord& doc, bool with_refusals) {
  Outstanding out;
  const std::string prefix =
      keys::Pending(UrgencyRank(doc.urgency()), doc.accepted_at_micros(),
                    doc.document_id(), "");
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(prefix, [&](auto k, auto v) {
    std::string r(k.substr(prefix.size()));
    if (v == keys::kPendingPaper) {
      out.paper.push_back(std::move(r));
    } else {
      out.not_received.push_back(
          {std::move(r), v == keys::kPendingRefusedOnArrival});
    }
    return true;
  }));
  if (with_refusals) {
    const std::string refusals = keys::RefusalPrefix(doc.document_id());
    TRUC_RETURN_IF_ERROR(store_->ScanPrefix(refusals, [&](auto k, auto) {
      out.refused.emplace_back(k.substr(refusals.size()));
      return true;
    }));
  }
  return out;
}

}  // namespace truc::hub
