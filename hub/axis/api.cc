#include "hub/axis/api.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/axis/client.h"
#include "common/axis/signing.h"
#include "common/edxml/import.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::hub {
namespace {

using truc::axis::AxisTimestamp;

// Items of getReceivedEdocList, at most.
constexpr size_t kMaxItems = 500;
// A status notice's id: <document>~<recipient>~<NN>.
constexpr char kNoticeSeparator = '~';

std::string NoticeId(const truc::internal::StatusNoticeRecord& n) {
  return absl::StrFormat("%s%c%s%c%02d", n.document_id(), kNoticeSeparator,
                         n.recipient(), kNoticeSeparator,
                         static_cast<int>(n.status()));
}

struct NoticeKey {
  std::string document_id;
  std::string recipient;
  truc::v1::EdxmlStatus status = truc::v1::EDXML_STATUS_UNSPECIFIED;
};

std::optional<NoticeKey> ParseNoticeId(const std::string& id) {
  std::vector<std::string> parts = absl::StrSplit(id, kNoticeSeparator);
  int status = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &status)) {
    return std::nullopt;
  }
  return NoticeKey{parts[0], parts[1],
                   static_cast<truc::v1::EdxmlStatus>(status)};
}

HttpResponse Json(const google::protobuf::Message& message) {
  HttpResponse r;
  r.body = axis::ToJson(message);
  return r;
}

HttpResponse Ok(std::string doc_id = "") {
  truc::v1::AxisResult r;
  r.set_status("OK");
  r.set_errorcode("0");
  r.set_docid(std::move(doc_id));
  return Json(r);
}

template <typename List>
void SetOk(List* list) {
  list->set_status("OK");
  list->set_errorcode("0");
}

// The header of a stored document, its edXML id filled.
absl::StatusOr<truc::v1::DocumentHeader> HeaderOf(
    const truc::internal::DocumentRecord& doc) {
  truc::v1::DocumentHeader h;
  if (!h.ParseFromString(doc.envelope().header())) {
    return absl::DataLossError(absl::StrCat(
        "document ", doc.document_id(), ": the stored header does not parse"));
  }
  if (h.edxml_document_id().empty()) {
    h.set_edxml_document_id(doc.edxml_document_id());
  }
  return h;
}

std::string Notation(const truc::v1::DocumentHeader& h) {
  if (h.code().code_number().empty()) return h.code().code_notation();
  return absl::StrCat(h.code().code_number(), "/", h.code().code_notation());
}

// What an updateStatus value means; INVALID_ARGUMENT for another.
absl::StatusOr<std::string> TransportStatus(const std::string& s) {
  const std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
  if (v == "processing" || v == "done" || v == "fail") return v;
  return absl::InvalidArgumentError(
      absl::StrCat("status \"", s, "\" is not processing, done or fail"));
}

// A folder of its own under `base`, removed with what it holds.
class Scratch {
 public:
  static absl::StatusOr<Scratch> In(const std::string& base) {
    TRUC_RETURN_IF_ERROR(MakeDirectories(base));
    TRUC_ASSIGN_OR_RETURN(std::string token, RandomBytes(8));
    Scratch s(JoinPath(base, HexEncode(token)));
    TRUC_RETURN_IF_ERROR(MakeDirectories(s.path_));
    return s;
  }
  Scratch(Scratch&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() {
    if (!path_.empty()) (void)RemoveAll(path_);
  }
  const std::string& path() const { return path_; }

 private:
  explicit Scratch(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

HttpResponse AxisApi::Error(const absl::Status& status, int http) {
  truc::v1::AxisResult r;
  r.set_status("FAIL");
  if (http == 0) http = HttpStatusFor(status.code());
  r.set_errorcode(absl::StrCat(http));
  r.set_errordesc(std::string(status.message()));
  HttpResponse out = Json(r);
  out.status = http;
  return out;
}

bool AxisApi::FirstTimeSeen(const std::string& mac, int64_t now) {
  absl::MutexLock lock(&replay_mu_);
  while (!seen_order_.empty() &&
         seen_order_.front().first < now - 2 * d_.window_micros) {
    seen_.erase(seen_order_.front().second);
    seen_order_.pop_front();
  }
  if (!seen_.insert(mac).second) return false;
  seen_order_.emplace_back(now, mac);
  return true;
}

absl::StatusOr<AxisApi::Caller> AxisApi::Authenticate(
    const HttpRequest& request, bool with_file) {
  std::string agency;
  std::string bridge;
  auto verified = axis::VerifySignedHeaders(
      request.headers, with_file,
      [&](const std::string& id) -> absl::StatusOr<std::string> {
        TRUC_ASSIGN_OR_RETURN(AxisSystems::Credentials c,
                              d_.systems->CredentialsOf(id));
        agency = c.agency;
        bridge = c.bridge;
        return c.secret;
      });
  if (!verified.ok()) return verified.status();
  const int64_t now = d_.clock();
  auto at = axis::ParseAxisTimestamp(verified->params[axis::kTimestamp]);
  if (!at.ok()) return absl::UnauthenticatedError(at.status().message());
  if (*at < now - d_.window_micros || *at > now + d_.window_micros) {
    return absl::UnauthenticatedError(
        absl::StrCat("the request's timestamp ",
                     verified->params[axis::kTimestamp], " is more than ",
                     d_.window_micros / 1'000'000, " s from the hub's clock (",
                     AxisTimestamp(now), "); check the system's clock"));
  }
  // The MAC covers the timestamp, so a request seen within the window
  // again is a replay.
  const std::string mac = absl::AsciiStrToLower(
      request.headers.at(absl::AsciiStrToLower(axis::kHashHeader)));
  if (!FirstTimeSeen(mac, now)) {
    return absl::UnauthenticatedError(
        "this signed request was already received: a replay is refused; "
        "sign each request anew");
  }
  auto from = verified->params.find(axis::kFrom);
  if (!bridge.empty()) {
    // A bridge's system names, in `from`, an agency the bridge reaches (or
    // none, for what is no one agency's).
    if (from != verified->params.end() && !from->second.empty() &&
        d_.directory->BridgeOf(from->second) != bridge) {
      return absl::PermissionDeniedError(absl::StrCat(
          "from is ", from->second, " but system ", verified->system_id,
          " acts for bridge ", bridge, ", which does not reach it"));
    }
    d_.systems->RecordUse(verified->system_id);
    return Caller{Actor::ForBridgeSystem(verified->system_id, bridge),
                  std::move(verified->params)};
  }
  if (from != verified->params.end() && !from->second.empty() &&
      from->second != agency) {
    return absl::PermissionDeniedError(
        absl::StrCat("from is ", from->second, " but system ",
                     verified->system_id, " acts for ", agency, " only"));
  }
  d_.systems->RecordUse(verified->system_id);
  return Caller{Actor::ForSystem(verified->system_id, agency),
                std::move(verified->params)};
}

HttpResponse AxisApi::Handle(const HttpRequest& request) {
  const std::string op(absl::StripPrefix(request.path, "/"));
  if (request.method != "POST") {
    return Error(absl::InvalidArgumentError(
        absl::StrCat(request.method, " ", request.path,
                     ": the API takes POST /<operation>")));
  }
  const bool with_file = op == "sendEdoc";
  static const std::set<std::string> kOperations = {
      "sendEdoc",           "getReceivedEdocList", "getEdoc",
      "updateStatus",       "getSentEdocList",     "countReceiveEdoc",
      "countReceiveStatus", "getAgenciesList",     "getSynchronizeUnit"};
  if (!kOperations.count(op)) {
    return Error(absl::NotFoundError(
        absl::StrCat("no operation \"", op, "\" (docs/AXIS-API.md)")));
  }
  absl::StatusOr<Caller> caller = Authenticate(request, with_file);
  if (!caller.ok()) {
    LogEvent("axis_refused",
             {{"operation", op},
              {"remote", request.remote},
              {"reason", std::string(caller.status().message())}});
    return Error(caller.status());
  }
  if (op == "sendEdoc") return SendEdoc(*caller, request);
  if (op == "getReceivedEdocList") return ReceivedList(*caller);
  if (op == "getEdoc") return GetEdoc(*caller);
  if (op == "updateStatus") return UpdateStatus(*caller);
  if (op == "getSentEdocList") return SentList(*caller);
  if (op == "countReceiveEdoc") return Count(*caller, false);
  if (op == "countReceiveStatus") return Count(*caller, true);
  if (op == "getAgenciesList") return Agencies(*caller);
  return SynchronizeUnit(*caller);
}

HttpResponse AxisApi::SendEdoc(const Caller& caller,
                               const HttpRequest& request) {
  if (request.body_file.empty()) {
    return Error(absl::InvalidArgumentError(absl::StrCat(
        "sendEdoc carries the edXML file as multipart/form-data field ",
        axis::kFileField)));
  }
  auto digest = Sha256OfFile(request.body_file);
  if (!digest.ok()) return Error(digest.status());
  const std::string sha = HexEncode(*digest);
  const std::string& declared = caller.params.at(axis::kHashFile);
  if (absl::AsciiStrToLower(declared) != sha) {
    return Error(absl::InvalidArgumentError(
        absl::StrCat("the file's SHA-256 is ", sha, "; hash-file says ",
                     declared, ": it changed on the way")));
  }
  auto type = caller.params.find(axis::kMessageType);
  const std::string message_type = type == caller.params.end()
                                       ? "edoc"
                                       : absl::AsciiStrToLower(type->second);
  absl::StatusOr<std::string> id;
  if (message_type == "edoc") {
    id = SendDocument(caller, request.body_file);
  } else if (message_type == "status") {
    id = SendStatus(caller, request.body_file);
  } else {
    id = absl::InvalidArgumentError(
        absl::StrCat("messagetype \"", type->second,
                     "\" is not edoc or status (a revocation, an update or a "
                     "replacement is an edoc with its BussinessDocType)"));
  }
  if (!id.ok()) return Error(id.status());
  return Ok(*id);
}

absl::StatusOr<std::string> AxisApi::SendDocument(const Caller& caller,
                                                  const std::string& path) {
  TRUC_ASSIGN_OR_RETURN(Scratch scratch, Scratch::In(d_.scratch_dir));
  TRUC_ASSIGN_OR_RETURN(
      edxml::DocumentToSend doc,
      edxml::ReadDocumentToSend(path, caller.actor.agency, scratch.path()));
  std::vector<std::string> deliver_to;
  auto to = caller.params.find(axis::kTo);
  if (caller.actor.is_bridge() && to != caller.params.end() &&
      !to->second.empty()) {
    TRUC_ASSIGN_OR_RETURN(deliver_to, axis::ParseJsonArray(to->second, "to"));
  }
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::SendResponse sent,
      d_.operations->SendCarried(caller.actor, doc.header, doc.paths, path,
                                 edxml::IdempotencyKeyOf(doc.header),
                                 std::move(deliver_to)));
  return sent.document_id();
}

absl::StatusOr<std::string> AxisApi::SendStatus(const Caller& caller,
                                                const std::string& path) {
  TRUC_ASSIGN_OR_RETURN(edxml::ParsedEdxml parsed,
                        edxml::ReadEdxmlFile(path, {}));
  if (!edxml::IsStatusMessage(parsed)) {
    return absl::InvalidArgumentError(
        "messagetype is status but the file is a document (no StatusCode)");
  }
  TRUC_ASSIGN_OR_RETURN(truc::v1::EdxmlStatusMessage s,
                        edxml::StatusFromEdxml(parsed));
  const int code = static_cast<int>(s.status());
  if (code > 6) {
    return absl::FailedPreconditionError(absl::StrCat(
        "status ", code,
        " (a recall or its answer) is not carried by truc yet; send 01 to "
        "06"));
  }
  TRUC_ASSIGN_OR_RETURN(std::string id,
                        d_.operations->FindByEdxmlId(
                            caller.actor, s.response_for().document_id()));
  TRUC_RETURN_IF_ERROR(
      d_.operations->ReportCarried(caller.actor, id, s.from().organ_id(),
                                   s.status(), s.description(), s.staff()));
  return id;
}

absl::StatusOr<std::vector<Ledger::BridgeQueued>> AxisApi::Queued(
    const Caller& caller, size_t max) {
  if (caller.actor.is_bridge()) {
    return d_.operations->BridgeQueue(caller.actor, max);
  }
  TRUC_ASSIGN_OR_RETURN(auto docs, d_.operations->QueuedFor(caller.actor, max));
  std::vector<Ledger::BridgeQueued> out;
  for (auto& doc : docs) out.push_back({std::move(doc), {caller.actor.agency}});
  return out;
}

absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>>
AxisApi::Notices(const Caller& caller, size_t max) {
  TRUC_ASSIGN_OR_RETURN(auto notices,
                        d_.operations->StatusNoticesFor(caller.actor, max));
  std::vector<truc::internal::StatusNoticeRecord> out;
  for (auto& n : notices) {
    if (n.status() != truc::v1::EDXML_STATUS_UNSPECIFIED) {
      out.push_back(std::move(n));
      continue;
    }
    // Where a document waits beyond (a bridge's notice of status 0): the
    // API has no message for it, so it is not listed, and cleared so that
    // it does not hold back the statuses behind it.
    TRUC_RETURN_IF_ERROR(d_.operations->ClearStatusNotice(
        caller.actor, n.document_id(), n.recipient(), n.status()));
  }
  return out;
}

HttpResponse AxisApi::ReceivedList(const Caller& caller) {
  auto docs = Queued(caller, kMaxItems);
  if (!docs.ok()) return Error(docs.status());
  auto notices = Notices(caller, kMaxItems);
  if (!notices.ok()) return Error(notices.status());
  truc::v1::AxisReceivedEdocList list;
  SetOk(&list);
  for (const auto& [doc, recipients] : *docs) {
    auto* item = list.add_data();
    item->set_docid(doc.document_id());
    item->set_servicetype("eDoc");
    item->set_messagetype("edoc");
    item->set_created_time(AxisTimestamp(doc.accepted_at_micros()));
    item->set_updated_time(item->created_time());
    item->set_from(doc.sender());
    // A bridge's system: the recipients it is to take the document to.
    item->set_to(absl::StrJoin(recipients, ","));
    item->set_status("initial");
    item->set_title(doc.subject());
    auto h = HeaderOf(doc);
    if (h.ok()) item->set_notation(Notation(*h));
  }
  for (const auto& n : *notices) {
    auto* item = list.add_data();
    item->set_docid(NoticeId(n));
    item->set_servicetype("eDoc");
    item->set_messagetype("status");
    item->set_created_time(AxisTimestamp(n.at_micros()));
    item->set_updated_time(item->created_time());
    item->set_from(n.recipient());
    item->set_to(caller.actor.is_bridge() ? "" : caller.actor.agency);
    item->set_status("initial");
    item->set_title(absl::StrFormat("%02d %s", static_cast<int>(n.status()),
                                    n.description()));
  }
  return Json(list);
}

HttpResponse AxisApi::GetEdoc(const Caller& caller) {
  auto doc_id = caller.params.find(axis::kDocId);
  if (doc_id == caller.params.end() || doc_id->second.empty()) {
    return Error(absl::InvalidArgumentError("getEdoc needs the docId header"));
  }
  HttpResponse r;
  r.content_type = "application/xml; charset=utf-8";
  if (auto key = ParseNoticeId(doc_id->second)) {
    // A status about a document the system's agency sent, as edXML.
    auto notices = Notices(caller, 100000);
    if (!notices.ok()) return Error(notices.status());
    for (const auto& n : *notices) {
      if (NoticeId(n) != doc_id->second) continue;
      auto doc = d_.operations->ReadableDocument(caller.actor, n.document_id());
      if (!doc.ok()) return Error(doc.status());
      auto h = HeaderOf(*doc);
      if (!h.ok()) return Error(h.status());
      truc::v1::EdxmlStatusMessage s;
      s.mutable_from()->set_organ_id(n.recipient());
      s.mutable_from()->set_organ_name(d_.directory->NameOf(n.recipient()));
      s.mutable_response_for()->set_organ_id(doc->sender());
      s.mutable_response_for()->set_code(Notation(*h));
      s.mutable_response_for()->set_document_id(h->edxml_document_id());
      if (h->promulgation().has_promulgation_date()) {
        *s.mutable_response_for()->mutable_promulgation_date() =
            h->promulgation().promulgation_date();
      }
      if (n.has_staff()) *s.mutable_staff() = n.staff();
      s.set_status(n.status());
      s.set_description(n.description());
      s.mutable_timestamp()->set_unix_micros(n.at_micros());
      auto text = edxml::StatusText(s);
      if (!text.ok()) return Error(text.status());
      r.body = *std::move(text);
      return r;
    }
    return Error(absl::NotFoundError(absl::StrCat(
        "no status ", doc_id->second, " waits for ",
        caller.actor.is_bridge() ? absl::StrCat("bridge ", caller.actor.bridge)
                                 : caller.actor.agency)));
  }
  auto doc = d_.operations->ReadableDocument(caller.actor, doc_id->second);
  if (!doc.ok()) return Error(doc.status());
  auto h = HeaderOf(*doc);
  if (!h.ok()) return Error(h.status());
  for (auto& t : TraceOf(*doc, d_.axis_organ_id)) {
    *h->mutable_edxml()->add_trace_headers() = std::move(t);
  }
  std::vector<std::string> paths;
  for (const auto& a : h->attachments()) {
    paths.push_back(d_.blobs->PathOf(a.sha256()));
  }
  // Checked before the first byte goes out: a header edXML cannot carry
  // is an error answer, not a broken stream.
  auto envelope = edxml::DocumentEnvelope(*h);
  if (!envelope.ok()) return Error(envelope.status());
  r.stream = [header = *std::move(h),
              paths](const std::function<bool(const char*, size_t)>& write) {
    return edxml::WriteDocument(header, paths, [&](absl::string_view s) {
      if (!write(s.data(), s.size())) {
        return absl::CancelledError("the client went away");
      }
      return absl::OkStatus();
    });
  };
  return r;
}

HttpResponse AxisApi::UpdateStatus(const Caller& caller) {
  auto doc_id = caller.params.find(axis::kDocId);
  auto status = caller.params.find(axis::kStatus);
  if (doc_id == caller.params.end() || status == caller.params.end()) {
    return Error(absl::InvalidArgumentError(
        "updateStatus needs the docId and status headers"));
  }
  auto transport = TransportStatus(status->second);
  if (!transport.ok()) return Error(transport.status());
  if (auto key = ParseNoticeId(doc_id->second)) {
    if (*transport != "done") return Ok(doc_id->second);
    absl::Status cleared = d_.operations->ClearStatusNotice(
        caller.actor, key->document_id, key->recipient, key->status);
    if (!cleared.ok()) return Error(cleared);
    return Ok(doc_id->second);
  }
  absl::Status s;
  if (caller.actor.is_bridge()) {
    s = BridgeTransport(caller, doc_id->second, *transport);
  } else if (*transport == "done") {
    // The software has the document: its arrival, 01.
    s = d_.operations->ReportCarried(caller.actor, doc_id->second,
                                     caller.actor.agency,
                                     truc::v1::EDXML_STATUS_ARRIVED, "", {});
  } else if (*transport == "fail") {
    // It could not take it: a refusal on arrival (not received).
    s = d_.operations->ReportCarried(
        caller.actor, doc_id->second, caller.actor.agency,
        truc::v1::EDXML_STATUS_REFUSED,
        "the agency's document software could not take it (updateStatus "
        "fail)",
        {});
  } else {
    // processing: the software is fetching it; nothing is recorded.
    auto doc = d_.operations->ReceivedDocument(caller.actor, doc_id->second);
    s = doc.status();
  }
  if (!s.ok()) return Error(s);
  return Ok(doc_id->second);
}

absl::Status AxisApi::BridgeTransport(const Caller& caller,
                                      const std::string& document_id,
                                      const std::string& transport) {
  if (transport == "processing") {
    return d_.operations->ReadableDocument(caller.actor, document_id).status();
  }
  if (transport == "done") {
    // The bridge took the document beyond: forwarded, still not received
    // until the arrivals come back.
    truc::v1::ForwardRequest forward;
    forward.set_document_id(document_id);
    return d_.operations->Forward(caller.actor, forward).status();
  }
  // fail: the tier beyond will not take it; each recipient the bridge
  // reaches refused it on arrival.
  TRUC_ASSIGN_OR_RETURN(
      auto doc, d_.operations->ReadableDocument(caller.actor, document_id));
  for (const auto& r : doc.recipients()) {
    if (d_.directory->BridgeOf(r) != caller.actor.bridge) continue;
    TRUC_RETURN_IF_ERROR(d_.operations->ReportCarried(
        caller.actor, document_id, r, truc::v1::EDXML_STATUS_REFUSED,
        absl::StrCat("not carried beyond bridge ", caller.actor.bridge,
                     " (updateStatus fail)"),
        {}));
  }
  return absl::OkStatus();
}

HttpResponse AxisApi::SentList(const Caller& caller) {
  truc::v1::ListSentRequest req;
  req.set_since_seconds(7 * 86400);
  req.set_limit(200);
  auto sent = d_.operations->ListSent(caller.actor, req);
  if (!sent.ok()) return Error(sent.status());
  truc::v1::AxisSentEdocList list;
  SetOk(&list);
  for (const auto& doc : sent->documents()) {
    truc::v1::GetDocumentStatusRequest sreq;
    sreq.set_document_id(doc.document_id());
    auto status = d_.operations->StatusOf(caller.actor, sreq);
    if (!status.ok()) return Error(status.status());
    auto record =
        d_.operations->ReadableDocument(caller.actor, doc.document_id());
    std::string notation;
    if (record.ok()) {
      auto h = HeaderOf(*record);
      if (h.ok()) notation = Notation(*h);
    }
    for (const auto& r : status->recipients()) {
      auto* row = list.add_data();
      row->set_senderdocid(doc.document_id());
      row->set_receiverdocid(doc.document_id());
      row->set_fromcode(status->sender());
      row->set_tocode(r.organ_id());
      row->set_sendstatus("done");
      row->set_sendstatusdesc("stored by the hub");
      const bool arrived = r.reception() == truc::v1::RECEPTION_RECEIVED;
      const bool refused_on_arrival =
          r.state() == truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL;
      row->set_receivestatus(arrived              ? "done"
                             : refused_on_arrival ? "fail"
                             : r.state() == truc::v1::DELIVERY_STATE_LEASED
                                 ? "processing"
                                 : "initial");
      row->set_receivestatusdesc(truc::v1::DeliveryState_Name(r.state()));
      row->set_senttime(AxisTimestamp(status->accepted_at().unix_micros()));
      if (r.arrived_at().unix_micros() != 0) {
        row->set_receivedtime(AxisTimestamp(r.arrived_at().unix_micros()));
      }
      row->set_title(status->subject());
      row->set_notation(notation);
      row->set_messagetype("edoc");
      row->set_servicetype("eDoc");
      if (r.history_size() > 0) {
        row->set_businessstatus(absl::StrFormat(
            "%02d",
            static_cast<int>(r.history(r.history_size() - 1).status())));
      }
    }
  }
  return Json(list);
}

HttpResponse AxisApi::Count(const Caller& caller, bool statuses) {
  truc::v1::AxisCount count;
  SetOk(&count);
  if (statuses) {
    auto notices = Notices(caller, 100000);
    if (!notices.ok()) return Error(notices.status());
    count.set_total(static_cast<int32_t>(notices->size()));
  } else {
    auto docs = Queued(caller, 100000);
    if (!docs.ok()) return Error(docs.status());
    count.set_total(static_cast<int32_t>(docs->size()));
  }
  return Json(count);
}

HttpResponse AxisApi::Agencies(const Caller& caller) {
  auto agencies = d_.operations->DirectoryFor(caller.actor);
  if (!agencies.ok()) return Error(agencies.status());
  truc::v1::AxisAgencyList list;
  SetOk(&list);
  for (const auto& a : *agencies) {
    auto* out = list.add_data();
    out->set_id(a.code());
    out->set_pid(a.parent_code());
    out->set_code(a.code());
    out->set_name(a.name());
    out->set_code102(a.code());
  }
  return Json(list);
}

HttpResponse AxisApi::SynchronizeUnit(const Caller& caller) {
  uint64_t version = 0;
  auto v = caller.params.find(axis::kVersion);
  if (v != caller.params.end() && !v->second.empty() &&
      !absl::SimpleAtoi(v->second, &version)) {
    return Error(absl::InvalidArgumentError(
        absl::StrCat("version \"", v->second, "\" is not a whole number")));
  }
  bool more = false;
  auto changes = d_.operations->DirectoryChanges(caller.actor, version,
                                                 d_.directory_page_size, &more);
  if (!changes.ok()) return Error(changes.status());
  truc::v1::AxisUnitList list;
  SetOk(&list);
  // Versions travel as JSON numbers of 31 bits (AxisUnit.version).
  constexpr uint64_t kMaxVersion = 0x7fffffff;
  if (version > kMaxVersion || d_.directory->version() > kMaxVersion) {
    return Error(absl::OutOfRangeError(
        absl::StrCat("the directory's version is past ", kMaxVersion,
                     ", which the API's version field cannot carry")));
  }
  list.set_version(static_cast<int32_t>(version));
  for (const auto& r : *changes) {
    list.set_version(static_cast<int32_t>(r.version()));
    // A bridge's own agencies are not its news.
    if (caller.actor.is_bridge() && r.bridge() == caller.actor.bridge) continue;
    auto* u = list.add_data();
    u->set_id(r.code());
    u->set_pid(r.parent_code());
    u->set_code(r.code());
    u->set_name(r.name());
    u->set_version(static_cast<int32_t>(r.version()));
    u->set_deleted(r.state() == truc::v1::AGENCY_STATE_SUSPENDED);
    u->set_modifydate(AxisTimestamp(r.modified_at_micros()));
    u->set_isagency(true);
  }
  list.set_hasmore(more);
  return Json(list);
}

}  // namespace truc::hub
