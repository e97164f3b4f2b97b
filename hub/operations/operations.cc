#include "hub/operations/operations.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/event_log.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/ops/monthly_report.h"

namespace truc::hub {
namespace {

std::string Trimmed(absl::string_view s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

absl::Status RequireAgency(const Actor& actor) {
  if (actor.kind == Actor::Kind::kAgency && !actor.agency.empty())
    return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("only a recipient agency's agent may do this; ",
                   actor.Principal(), " is not one"));
}

}  // namespace

Actor Actor::ForCertificate(const Identity& identity) {
  Actor a;
  a.identity = identity;
  if (identity.role == Role::kOperator) {
    a.kind = Kind::kOperator;
  } else if (identity.role == Role::kBridge) {
    a.kind = Kind::kBridge;
    a.bridge = identity.name;
  } else {
    a.kind = Kind::kAgency;
    if (identity.role == Role::kAgency) a.agency = identity.name;
  }
  return a;
}

Actor Actor::ForSystem(const std::string& system_id,
                       const std::string& agency) {
  Actor a;
  a.kind = Kind::kAgency;
  a.agency = agency;
  a.system = system_id;
  a.identity.role = Role::kAgency;
  a.identity.name = agency;
  a.identity.common_name = absl::StrCat("system ", system_id);
  return a;
}

Actor Actor::ForBridgeSystem(const std::string& system_id,
                             const std::string& bridge) {
  Actor a;
  a.kind = Kind::kBridge;
  a.bridge = bridge;
  a.system = system_id;
  a.identity.role = Role::kBridge;
  a.identity.name = bridge;
  a.identity.common_name = absl::StrCat("system ", system_id);
  return a;
}

Actor Actor::ForAccount(const ConsoleUser& user) {
  Actor a;
  a.identity = user.Actor();
  a.kind = user.is_operator() ? Kind::kOperator : Kind::kAgency;
  if (!user.is_operator()) a.agency = user.agency;
  a.conceal_others = true;
  return a;
}

absl::Status Operations::RequireOperator(const Actor& actor) {
  if (actor.is_operator()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "only an operator may do this; ", actor.Principal(), " acts for agency ",
      actor.agency, " and its own documents only"));
}

absl::Status Operations::NotVisible(const Actor& actor,
                                    const std::string& document_id,
                                    std::string why) const {
  if (actor.conceal_others) {
    return absl::NotFoundError(absl::StrCat("no document ", document_id));
  }
  return absl::PermissionDeniedError(std::move(why));
}

absl::StatusOr<truc::internal::DocumentRecord> Operations::SentDocument(
    const Actor& actor, const std::string& document_id, absl::string_view act) {
  absl::StatusOr<truc::internal::DocumentRecord> doc =
      d_.ledger->GetDocument(document_id);
  if (!doc.ok()) {
    if (absl::IsNotFound(doc.status()) && actor.conceal_others) {
      return absl::NotFoundError(absl::StrCat("no document ", document_id));
    }
    return doc.status();
  }
  if (actor.is_operator() || doc->sender() == actor.agency) return doc;
  return NotVisible(
      actor, document_id,
      absl::StrCat("document ", document_id, " was not sent by agency ",
                   actor.agency, ": only its sender (or an operator) may ",
                   act));
}

absl::StatusOr<truc::internal::DocumentRecord> Operations::ReadableDocument(
    const Actor& actor, const std::string& document_id) {
  TRUC_ASSIGN_OR_RETURN(auto doc, d_.ledger->GetDocument(document_id));
  if (actor.is_operator()) return doc;
  if (actor.is_bridge()) {
    // A bridge reads what it takes beyond this hub, and what it brought in.
    if (d_.directory->BridgeOf(doc.sender()) == actor.bridge) return doc;
    for (const auto& r : doc.recipients()) {
      if (d_.directory->BridgeOf(r) == actor.bridge) return doc;
    }
    return NotVisible(
        actor, document_id,
        absl::StrCat("document ", document_id, " has no recipient that bridge ",
                     actor.bridge, " reaches"));
  }
  if (doc.sender() == actor.agency) return doc;
  TRUC_ASSIGN_OR_RETURN(bool recipient,
                        d_.ledger->IsRecipient(document_id, actor.agency));
  if (recipient) return doc;
  return NotVisible(
      actor, document_id,
      absl::StrCat("document ", document_id,
                   " was neither sent by nor sent to agency ", actor.agency));
}

absl::StatusOr<truc::internal::DocumentRecord> Operations::ReceivedDocument(
    const Actor& actor, const std::string& document_id) {
  TRUC_ASSIGN_OR_RETURN(auto doc, d_.ledger->GetDocument(document_id));
  TRUC_ASSIGN_OR_RETURN(bool recipient,
                        d_.ledger->IsRecipient(document_id, actor.agency));
  if (recipient) return doc;
  if (doc.sender() == actor.agency) {
    return absl::PermissionDeniedError(absl::StrCat(
        "document ", document_id, " was sent by agency ", actor.agency,
        ", not to it: only a recipient reports "
        "its reception"));
  }
  return NotVisible(actor, document_id,
                    absl::StrCat("document ", document_id,
                                 " was not sent to agency ", actor.agency));
}

absl::StatusOr<truc::v1::DocumentStatus> Operations::StatusOf(
    const Actor& actor, const truc::v1::GetDocumentStatusRequest& request) {
  TRUC_RETURN_IF_ERROR(
      SentDocument(actor, request.document_id(), "read its status").status());
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::DocumentStatus status,
      d_.ledger->StatusOf(request.document_id(), request.evidence()));
  status.set_axis_organ_id(d_.axis_organ_id);
  return status;
}

absl::StatusOr<truc::v1::ResendResponse> Operations::Resend(
    const Actor& actor, const truc::v1::ResendRequest& request) {
  TRUC_RETURN_IF_ERROR(
      SentDocument(actor, request.document_id(), "resend it").status());
  TRUC_ASSIGN_OR_RETURN(
      std::vector<std::string> again,
      d_.ledger->Resend(request.document_id(), actor.identity));
  LogEvent("resent", {{"document", request.document_id()},
                      {"recipients", absl::StrCat(again.size())},
                      {"by", actor.Principal()}});
  truc::v1::ResendResponse response;
  for (auto& code : again) response.add_recipients(std::move(code));
  return response;
}

absl::StatusOr<truc::v1::RecipientStatus> Operations::RecordPaperCopy(
    const Actor& actor, const std::string& document_id,
    const truc::v1::PaperCopyRequest& request) {
  TRUC_RETURN_IF_ERROR(
      SentDocument(actor, document_id, "record a paper copy of it").status());
  truc::v1::PaperCopy paper;
  paper.set_carried_by(Trimmed(request.carried_by()));
  paper.set_signed_by(Trimmed(request.signed_by()));
  paper.set_note(Trimmed(request.note()));
  if (!Trimmed(request.carried_at()).empty()) {
    TRUC_ASSIGN_OR_RETURN(int64_t at,
                          ParseVietnamDateTime(request.carried_at()));
    paper.mutable_carried_at()->set_unix_micros(at);
  }
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::RecipientStatus recipient,
      d_.ledger->RecordPaperCopy(document_id, Trimmed(request.recipient()),
                                 std::move(paper), actor.identity));
  LogEvent("paper_copy", {{"document", document_id},
                          {"recipient", recipient.organ_id()},
                          {"by", actor.Principal()}});
  return recipient;
}

absl::StatusOr<truc::v1::ListSentResponse> Operations::ListSent(
    const Actor& actor, const truc::v1::ListSentRequest& request) {
  if (actor.is_operator()) return d_.ledger->ListRecent(request);
  TRUC_RETURN_IF_ERROR(RequireAgency(actor));
  return d_.ledger->ListSent(actor.agency, request);
}

absl::StatusOr<truc::v1::ListPendingResponse> Operations::ListPending(
    const Actor& actor, const truc::v1::ListPendingRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  return d_.ledger->ListPending(request);
}

absl::StatusOr<truc::v1::ServiceTable> Operations::MonthlyReport(
    const Actor& actor, truc::v1::ServiceTableRequest request) {
  if (!actor.is_operator()) {
    TRUC_RETURN_IF_ERROR(RequireAgency(actor));
    request.set_sender(actor.agency);
  }
  if (request.month().empty()) request.set_month(VietnamMonth(d_.clock()));
  return BuildMonthlyReport(d_.ledger, request);
}

absl::StatusOr<truc::v1::ListAlertsResponse> Operations::ListAlerts(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  truc::v1::ListAlertsResponse response;
  if (d_.alerts != nullptr) {
    for (auto& a : d_.alerts->Active()) *response.add_alerts() = std::move(a);
  }
  return response;
}

absl::StatusOr<truc::v1::AcknowledgeResponse> Operations::Acknowledge(
    const Actor& actor, const truc::v1::AcknowledgeRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireAgency(actor));
  TRUC_ASSIGN_OR_RETURN(auto response,
                        d_.ledger->Acknowledge(actor.identity, request));
  if (!response.already_acknowledged()) {
    LogEvent("arrived",
             {{"agency", actor.agency}, {"document", request.document_id()}});
  }
  return response;
}

namespace {

absl::Status RequireBridge(const Actor& actor) {
  if (actor.is_bridge() && !actor.bridge.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "only a bridge may do this; ", actor.Principal(), " is not one"));
}

// Whose status notices a system reads: its agency's, or its bridge's
// ("@<bridge>", as the ledger keys them).
std::string NoticeOwnerOf(const Actor& actor) {
  return actor.is_bridge() ? absl::StrCat("@", actor.bridge) : actor.agency;
}

}  // namespace

absl::Status Operations::RequireReach(const Actor& actor,
                                      const std::string& agency) const {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  if (!agency.empty() && d_.directory->BridgeOf(agency) == actor.bridge) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "bridge ", actor.bridge, " does not reach agency ",
      agency.empty() ? "(none named)" : agency,
      ": the directory names the bridge of each agency beyond this hub"));
}

absl::StatusOr<truc::v1::ForwardResponse> Operations::Forward(
    const Actor& actor, const truc::v1::ForwardRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  std::vector<std::string> recipients(request.recipients().begin(),
                                      request.recipients().end());
  TRUC_ASSIGN_OR_RETURN(
      auto response,
      d_.ledger->Forward(actor.identity, request.document_id(), recipients));
  LogEvent("forwarded",
           {{"bridge", actor.bridge},
            {"document", request.document_id()},
            {"recipients", absl::StrJoin(response.forwarded(), ",")}});
  return response;
}

std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>>
Operations::RecordBridged(
    const Actor& actor,
    const google::protobuf::RepeatedPtrField<truc::v1::BridgeStatusRequest>&
        statuses) {
  std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>> out(
      statuses.size(), absl::InternalError("not recorded"));
  std::vector<const truc::v1::BridgeStatusRequest*> reached;
  std::vector<size_t> where;
  for (int i = 0; i < statuses.size(); ++i) {
    absl::Status reach = RequireReach(actor, statuses[i].recipient());
    if (!reach.ok()) {
      out[i] = reach;
      continue;
    }
    reached.push_back(&statuses[i]);
    where.push_back(i);
  }
  auto recorded = d_.ledger->RecordBridgedStatuses(actor.identity, reached);
  for (size_t k = 0; k < reached.size(); ++k) {
    out[where[k]] = std::move(recorded[k]);
    if (!out[where[k]].ok() || out[where[k]]->already_recorded() ||
        reached[k]->status() == truc::v1::EDXML_STATUS_UNSPECIFIED) {
      continue;  // a location is in the audit log, not worth a line here
    }
    LogEvent(
        "status",
        {{"bridge", actor.bridge},
         {"agency", reached[k]->recipient()},
         {"document", reached[k]->document_id()},
         {"status", absl::StrCat(static_cast<int>(reached[k]->status()))}});
  }
  return out;
}

absl::StatusOr<truc::v1::BridgeStatusResponse> Operations::BridgeStatus(
    const Actor& actor, const truc::v1::BridgeStatusRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  google::protobuf::RepeatedPtrField<truc::v1::BridgeStatusRequest> one;
  *one.Add() = request;
  return std::move(RecordBridged(actor, one)[0]);
}

absl::StatusOr<truc::v1::BridgeStatusBatchResponse>
Operations::BridgeReportStatuses(const Actor& actor,
                                 const truc::v1::BridgeStatusBatch& batch) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  if (batch.statuses_size() > kMaxBridgeBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch holds at most ", kMaxBridgeBatch,
                     " statuses; this one holds ", batch.statuses_size()));
  }
  truc::v1::BridgeStatusBatchResponse out;
  for (auto& outcome : RecordBridged(actor, batch.statuses())) {
    auto* o = out.add_outcomes();
    if (outcome.ok()) {
      *o->mutable_recorded() = *std::move(outcome);
    } else {
      o->set_code(static_cast<uint32_t>(outcome.status().code()));
      o->set_message(std::string(outcome.status().message()));
    }
  }
  return out;
}

absl::StatusOr<truc::v1::BridgeStatusesResponse> Operations::BridgeStatuses(
    const Actor& actor, const truc::v1::BridgeStatusesRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  const size_t max =
      request.max() == 0 ? 100 : std::min<uint32_t>(request.max(), 1000);
  TRUC_ASSIGN_OR_RETURN(
      auto notices,
      d_.ledger->ListStatusNotices(absl::StrCat("@", actor.bridge), max));
  truc::v1::BridgeStatusesResponse out;
  for (const auto& n : notices) {
    TRUC_ASSIGN_OR_RETURN(auto doc, d_.ledger->GetDocument(n.document_id()));
    auto* s = out.add_statuses();
    s->set_document_id(n.document_id());
    s->set_origin_document_id(doc.idempotency_key());
    s->set_sender(doc.sender());
    s->set_recipient(n.recipient());
    s->set_status(n.status());
    s->set_description(n.description());
    *s->mutable_staff() = n.staff();
    s->mutable_at()->set_unix_micros(n.at_micros());
    s->set_header_sha256(doc.header_sha256());
    if (n.has_location()) *s->mutable_location() = n.location();
  }
  return out;
}

absl::Status Operations::BridgeClearStatus(
    const Actor& actor, const truc::v1::BridgeClearRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  return d_.ledger->ClearStatusNotice(
      absl::StrCat("@", actor.bridge), request.document_id(),
      request.recipient(), request.status(), request.at().unix_micros());
}

absl::Status Operations::BridgeClearStatuses(
    const Actor& actor, const truc::v1::BridgeClearBatch& batch) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  if (batch.clears_size() > kMaxBridgeBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch holds at most ", kMaxBridgeBatch,
                     " clears; this one holds ", batch.clears_size()));
  }
  std::vector<Ledger::NoticeToClear> notices;
  notices.reserve(batch.clears_size());
  for (const auto& c : batch.clears()) {
    notices.push_back({.document_id = c.document_id(),
                       .recipient = c.recipient(),
                       .status = c.status(),
                       .only_if_at_micros = c.at().unix_micros()});
  }
  return d_.ledger->ClearStatusNotices(absl::StrCat("@", actor.bridge),
                                       notices);
}

absl::Status Operations::BridgeLocation(
    const Actor& actor, const truc::v1::BridgeLocationRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  const std::string& recipient = request.recipient();
  if (recipient.empty() || d_.directory->BridgeOf(recipient) != actor.bridge) {
    return absl::PermissionDeniedError(
        absl::StrCat("bridge ", actor.bridge, " does not reach agency ",
                     recipient.empty() ? "(none named)" : recipient));
  }
  return d_.ledger->RecordLocation(actor.identity, request.document_id(),
                                   recipient, request.location());
}

absl::StatusOr<truc::v1::BridgeDirectoryResponse> Operations::BridgeDirectory(
    const Actor& actor, const truc::v1::BridgeDirectoryRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  const size_t max =
      request.max() == 0 ? 1000 : std::min<uint32_t>(request.max(), 5000);
  bool more = false;
  const uint64_t now = d_.directory->version();
  auto changes =
      d_.directory->ChangesAfter(request.after_version(), max, &more);
  truc::v1::BridgeDirectoryResponse out;
  for (const auto& r : changes) {
    auto* a = out.add_agencies();
    a->set_code(r.code());
    a->set_name(r.name());
    a->set_parent_code(r.parent_code());
    a->set_state(r.state());
    a->set_bridge(r.bridge());
  }
  out.set_more(more);
  // With more to come, the answer reaches its last change; otherwise the
  // whole directory as it was when asked (read before the changes).
  uint64_t reached = std::max(now, request.after_version());
  if (!changes.empty()) {
    reached = more ? changes.back().version()
                   : std::max(reached, changes.back().version());
  }
  out.set_version(reached);
  return out;
}

absl::StatusOr<truc::v1::SyncDirectoryResponse> Operations::BridgeSyncDirectory(
    const Actor& actor, const truc::v1::SyncDirectoryRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  std::vector<truc::v1::Agency> agencies(request.agencies().begin(),
                                         request.agencies().end());
  TRUC_ASSIGN_OR_RETURN(
      Directory::RemoteSync sync,
      d_.directory->SyncRemote(actor.bridge, agencies,
                               request.upstream_version(), actor.identity));
  truc::v1::SyncDirectoryResponse out;
  out.set_upstream_version(sync.upstream_version);
  out.set_added(sync.added);
  out.set_changed(sync.changed);
  for (auto& c : sync.conflicts) out.add_conflicts(std::move(c));
  if (sync.added + sync.changed > 0 || !sync.conflicts.empty()) {
    LogEvent("directory_synced",
             {{"bridge", actor.bridge},
              {"added", absl::StrCat(sync.added)},
              {"changed", absl::StrCat(sync.changed)},
              {"conflicts", absl::StrCat(sync.conflicts.size())},
              {"upstream_version", absl::StrCat(sync.upstream_version)}});
  }
  return out;
}

absl::StatusOr<truc::v1::ReportStatusResponse> Operations::ReportStatus(
    const Actor& actor, const truc::v1::ReportStatusRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireAgency(actor));
  TRUC_ASSIGN_OR_RETURN(auto response,
                        d_.ledger->ReportStatus(actor.identity, request));
  LogEvent("status",
           {{"agency", actor.agency},
            {"document", request.document_id()},
            {"status", absl::StrCat(static_cast<int>(request.status()))}});
  return response;
}

namespace {

// The national-axis API's operations are a system's, for its agency or
// its bridge.
absl::Status RequireSystem(const Actor& actor) {
  if (!actor.system.empty() &&
      (!actor.agency.empty() || (actor.is_bridge() && !actor.bridge.empty()))) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      actor.Principal(),
      " is not a system of the national-axis API; its operations are theirs"));
}

}  // namespace

absl::StatusOr<truc::v1::SendResponse> Operations::SendCarried(
    const Actor& actor, const truc::v1::DocumentHeader& header,
    const std::vector<std::string>& attachment_paths,
    const std::string& edxml_path, const std::string& idempotency_key,
    std::vector<std::string> deliver_to) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  if (d_.carried == nullptr) {
    return absl::UnavailableError("the national-axis API is not served");
  }
  std::string sender = actor.agency;
  if (actor.is_bridge()) {
    // A bridge's system brings in documents of the agencies it reaches,
    // for agencies here or beyond other bridges, never back its own way:
    // those it names, or else those of the header it does not reach.
    sender = header.from().organ_id();
    TRUC_RETURN_IF_ERROR(RequireReach(actor, sender));
    if (deliver_to.empty()) {
      for (const auto& r : header.to()) {
        if (d_.directory->BridgeOf(r.organ_id()) != actor.bridge) {
          deliver_to.push_back(r.organ_id());
        }
      }
    }
    for (const auto& r : deliver_to) {
      if (d_.directory->BridgeOf(r) == actor.bridge) {
        return absl::InvalidArgumentError(absl::StrCat(
            "recipient ", r, " is reached through bridge ", actor.bridge,
            " itself: a document is not sent back the way it came"));
      }
    }
    if (deliver_to.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "none of the document's recipients is reached through this hub "
          "but through bridge ",
          actor.bridge, " itself"));
    }
  } else {
    deliver_to.clear();  // an agency's software sends to its whole list
  }
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::SendResponse response,
      d_.carried->Store(sender, actor.system, header, attachment_paths,
                        edxml_path, idempotency_key, deliver_to));
  LogEvent("sent", {{"agency", sender},
                    {"document", response.document_id()},
                    {"system", actor.system},
                    {"duplicate", response.duplicate() ? "true" : "false"}});
  return response;
}

absl::StatusOr<std::vector<truc::internal::DocumentRecord>>
Operations::QueuedFor(const Actor& actor, size_t max) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  if (actor.is_bridge()) {
    return absl::FailedPreconditionError(
        "a bridge's queue is listed with BridgeQueue");
  }
  // Asking what waits is the software's poll: the agency is not silent.
  d_.directory->RecordPoll(actor.agency);
  return d_.ledger->ListQueued(actor.agency, max);
}

absl::StatusOr<std::vector<Ledger::BridgeQueued>> Operations::BridgeQueue(
    const Actor& actor, size_t max) {
  TRUC_RETURN_IF_ERROR(RequireBridge(actor));
  return d_.ledger->ListBridgeQueue(actor.bridge, max);
}

absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>>
Operations::StatusNoticesFor(const Actor& actor, size_t max) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  return d_.ledger->ListStatusNotices(NoticeOwnerOf(actor), max);
}

absl::Status Operations::ClearStatusNotice(const Actor& actor,
                                           const std::string& document_id,
                                           const std::string& recipient,
                                           truc::v1::EdxmlStatus status) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  return d_.ledger->ClearStatusNotice(NoticeOwnerOf(actor), document_id,
                                      recipient, status);
}

absl::Status Operations::ReportCarried(const Actor& actor,
                                       const std::string& document_id,
                                       const std::string& recipient,
                                       truc::v1::EdxmlStatus status,
                                       const std::string& description,
                                       const truc::v1::StaffInfo& staff) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  if (actor.is_bridge()) {
    // A recipient beyond this hub, reached through the system's bridge:
    // recorded as the bridge's own report, the hub signing as carrier.
    TRUC_RETURN_IF_ERROR(RequireReach(actor, recipient));
    TRUC_ASSIGN_OR_RETURN(truc::internal::DocumentRecord doc,
                          d_.ledger->GetDocument(document_id));
    truc::v1::BridgeStatusRequest report;
    report.set_document_id(document_id);
    report.set_recipient(recipient);
    report.set_status(status);
    report.set_description(description);
    *report.mutable_staff() = staff;
    TRUC_ASSIGN_OR_RETURN(
        *report.mutable_receipt(),
        d_.trust->SignCarriedStatement(doc, recipient, status, description,
                                       actor.system, actor.bridge));
    return BridgeStatus(actor, report).status();
  }
  if (recipient != actor.agency) {
    return absl::PermissionDeniedError(
        absl::StrCat("the status is from ", recipient, " but system ",
                     actor.system, " acts for ", actor.agency, " only"));
  }
  TRUC_ASSIGN_OR_RETURN(truc::internal::DocumentRecord doc,
                        ReceivedDocument(actor, document_id));
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::Receipt statement,
      d_.trust->SignCarriedStatement(doc, actor.agency, status, description,
                                     actor.system));
  if (status == truc::v1::EDXML_STATUS_ARRIVED) {
    truc::v1::AcknowledgeRequest ack;
    ack.set_document_id(document_id);
    *ack.mutable_receipt() = statement;
    return Acknowledge(actor, ack).status();
  }
  truc::v1::ReportStatusRequest report;
  report.set_document_id(document_id);
  report.set_status(status);
  report.set_description(description);
  *report.mutable_staff() = staff;
  *report.mutable_receipt() = statement;
  return ReportStatus(actor, report).status();
}

absl::StatusOr<std::string> Operations::FindByEdxmlId(
    const Actor& actor, const std::string& edxml_id) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  if (d_.ledger->GetDocument(edxml_id).ok()) return edxml_id;
  return d_.ledger->FindByEdxmlId(edxml_id);
}

absl::StatusOr<std::vector<truc::v1::Agency>> Operations::DirectoryFor(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  return d_.directory->List();
}

absl::StatusOr<std::vector<truc::internal::AgencyRecord>>
Operations::DirectoryChanges(const Actor& actor, uint64_t version, size_t max,
                             bool* more) {
  TRUC_RETURN_IF_ERROR(RequireSystem(actor));
  return d_.directory->ChangesAfter(version, max, more);
}

absl::StatusOr<truc::v1::AxisSystemSecret> Operations::AddAxisSystem(
    const Actor& actor, const truc::v1::AddAxisSystemRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  if (d_.systems == nullptr) {
    return absl::FailedPreconditionError(
        "the national-axis API is not configured (axis_api in hub.conf)");
  }
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::AxisSystemSecret added,
      d_.systems->Add(Trimmed(request.agency()), Trimmed(request.bridge()),
                      request.name(), actor.identity));
  LogEvent("axis_system_added", {{"system", added.system().id()},
                                 {"agency", added.system().agency()},
                                 {"bridge", added.system().bridge()},
                                 {"by", actor.Principal()}});
  return added;
}

absl::StatusOr<truc::v1::ListAxisSystemsResponse> Operations::ListAxisSystems(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  truc::v1::ListAxisSystemsResponse response;
  if (d_.systems == nullptr) return response;
  for (auto& s : d_.systems->List()) *response.add_systems() = std::move(s);
  return response;
}

absl::StatusOr<truc::v1::AxisSystem> Operations::RevokeAxisSystem(
    const Actor& actor, const truc::v1::RevokeAxisSystemRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  if (d_.systems == nullptr) {
    return absl::FailedPreconditionError(
        "the national-axis API is not configured (axis_api in hub.conf)");
  }
  TRUC_ASSIGN_OR_RETURN(truc::v1::AxisSystem revoked,
                        d_.systems->Revoke(Trimmed(request.id()),
                                           request.reason(), actor.identity));
  LogEvent("axis_system_revoked",
           {{"system", revoked.id()}, {"by", actor.Principal()}});
  return revoked;
}

absl::StatusOr<truc::v1::Agency> Operations::RegisterAgency(
    const Actor& actor, const truc::v1::RegisterAgencyRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::Agency agency,
      d_.directory->Register(Trimmed(request.code()), Trimmed(request.name()),
                             Trimmed(request.parent_code()), actor.identity,
                             Trimmed(request.bridge())));
  LogEvent("agency_registered",
           {{"agency", agency.code()}, {"by", actor.Principal()}});
  return agency;
}

absl::StatusOr<truc::v1::Agency> Operations::SetAgencyState(
    const Actor& actor, const std::string& code, truc::v1::AgencyState state) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::Agency agency,
      d_.directory->SetState(Trimmed(code), state, actor.identity));
  LogEvent(state == truc::v1::AGENCY_STATE_SUSPENDED ? "agency_suspended"
                                                     : "agency_resumed",
           {{"agency", agency.code()}, {"by", actor.Principal()}});
  return agency;
}

absl::StatusOr<truc::v1::ListAgenciesResponse> Operations::ListAgencies(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  const int64_t now = d_.clock();
  const std::map<std::string, int64_t> expiries =
      d_.certificates->LatestExpiries();
  truc::v1::ListAgenciesResponse response;
  for (auto& a : d_.directory->List()) {
    auto found =
        expiries.find(absl::StrCat(RoleName(Role::kAgency), ":", a.code()));
    const int64_t expiry = found == expiries.end() ? 0 : found->second;
    if (expiry != 0) {
      a.mutable_certificate_expires_at()->set_unix_micros(expiry * 1'000'000);
      a.set_certificate_expiring(expiry * 1'000'000 - now <
                                 d_.certificates->warning_micros());
    }
    *response.add_agencies() = std::move(a);
  }
  return response;
}

absl::StatusOr<truc::v1::CertificateInfo> Operations::RevokeCertificate(
    const Actor& actor, const truc::v1::RevokeCertificateRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(
      auto info, d_.certificates->Revoke(Trimmed(request.serial()),
                                         request.reason(), actor.identity));
  LogEvent("certificate_revoked", {{"serial", info.serial()},
                                   {"principal", info.principal()},
                                   {"by", actor.Principal()}});
  return info;
}

absl::StatusOr<truc::v1::ListCertificatesResponse> Operations::ListCertificates(
    const Actor& actor, const truc::v1::ListCertificatesRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  truc::v1::ListCertificatesResponse response;
  for (auto& c : d_.certificates->List(Trimmed(request.principal())))
    *response.add_certificates() = std::move(c);
  return response;
}

absl::StatusOr<truc::v1::AccountPassword> Operations::AddAccount(
    const Actor& actor, const truc::v1::AddAccountRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(auto added, d_.accounts->Add(request, actor.identity));
  LogEvent("account_added",
           {{"account", request.name()}, {"by", actor.Principal()}});
  return added;
}

absl::StatusOr<truc::v1::ListAccountsResponse> Operations::ListAccounts(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  truc::v1::ListAccountsResponse response;
  for (auto& a : d_.accounts->List()) *response.add_accounts() = std::move(a);
  return response;
}

absl::StatusOr<truc::v1::Account> Operations::SetAccountDisabled(
    const Actor& actor, const std::string& name, bool disabled) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(
      auto account, d_.accounts->SetDisabled(name, disabled, actor.identity));
  LogEvent(disabled ? "account_disabled" : "account_enabled",
           {{"account", name}, {"by", actor.Principal()}});
  return account;
}

absl::StatusOr<truc::v1::AccountPassword> Operations::ResetAccount(
    const Actor& actor, const truc::v1::ResetAccountRequest& request) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  TRUC_ASSIGN_OR_RETURN(
      auto reset,
      d_.accounts->Reset(request.name(), request.password(), actor.identity));
  LogEvent("password_reset",
           {{"account", request.name()}, {"by", actor.Principal()}});
  return reset;
}

absl::StatusOr<truc::v1::SignedCheckpoint> Operations::GetCheckpoint(
    const Actor&, const truc::v1::GetCheckpointRequest& request) {
  auto latest = d_.audit->LatestCheckpoint();
  if (!request.fresh() && latest) return *latest;
  return d_.audit->Checkpoint();
}

absl::StatusOr<truc::v1::ConsistencyProof> Operations::GetConsistencyProof(
    const Actor&, const truc::v1::GetConsistencyProofRequest& request) {
  if (request.old_size() > request.new_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("old_size ", request.old_size(),
                     " is larger than new_size ", request.new_size()));
  }
  TRUC_ASSIGN_OR_RETURN(
      std::vector<std::string> path,
      d_.audit->ConsistencyProof(request.old_size(), request.new_size()));
  truc::v1::ConsistencyProof proof;
  proof.set_old_size(request.old_size());
  proof.set_new_size(request.new_size());
  for (auto& h : path) proof.add_path(std::move(h));
  return proof;
}

absl::StatusOr<truc::v1::DocumentProof> Operations::ProveDocument(
    const Actor& actor, const truc::v1::ProveDocumentRequest& request) {
  TRUC_ASSIGN_OR_RETURN(auto doc,
                        ReadableDocument(actor, request.document_id()));
  std::function<bool(const truc::v1::AuditEvent&)> include;
  // A recipient sees the document's acceptance (or revocation) and what it
  // did itself, not what the other recipients did.
  if (!actor.is_operator() && doc.sender() != actor.agency) {
    include = [principal = actor.Principal()](const truc::v1::AuditEvent& e) {
      return e.actor() == principal || e.kind() == "accepted" ||
             e.kind() == "revoke";
    };
  }
  return d_.audit->ProveDocument(request.document_id(), include);
}

absl::StatusOr<truc::v1::VerifyLogResponse> Operations::VerifyLog(
    const Actor& actor) {
  TRUC_RETURN_IF_ERROR(RequireOperator(actor));
  truc::v1::VerifyLogResponse response;
  auto report = d_.audit->Verify(&d_.trust->anchor());
  if (report.ok()) {
    response.set_intact(true);
    response.set_events(report->events);
    response.set_checkpoints(report->checkpoints);
  } else if (absl::IsDataLoss(report.status())) {
    response.set_intact(false);
    response.set_problem(std::string(report.status().message()));
    LogEvent("audit_log_broken",
             {{"by", actor.Principal()},
              {"problem", std::string(report.status().message())}});
  } else {
    return report.status();
  }
  if (auto latest = d_.audit->LatestCheckpoint())
    *response.mutable_latest_checkpoint() = *latest;
  return response;
}

}  // namespace truc::hub
