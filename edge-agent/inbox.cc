#include "edge-agent/inbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/armor.h"
#include "common/crash_point.h"
#include "common/edxml/mapping.h"
#include "common/edxml/writer.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/time_util.h"
#include "edge-agent/edxml_drops.h"
#include "edge-agent/names.h"

namespace truc::agent {
namespace {

// Gives `status` a prefix naming what was being done, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

// Makes `to` name the same file as `from`: a hard link, so the verified part
// stays in staging until the document is in the inbox; a rename where the
// filesystem has no hard links.
absl::Status LinkOrRename(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return absl::OkStatus();
  int err = errno;
  if (err == EPERM || err == EOPNOTSUPP || err == EMLINK || err == ENOSYS) {
    if (::rename(from.c_str(), to.c_str()) == 0) return absl::OkStatus();
    err = errno;
  }
  return ErrnoStatus(err, absl::StrCat("link ", from, " to ", to));
}

// A new, empty folder inside the staging folder, not synced: the staging
// folder is synced as a whole, bottom up, before it counts.
absl::Status MakeFolder(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
  return ErrnoStatus(errno, absl::StrCat("mkdir ", dir));
}

// A file of the staged document: written in place and fdatasync'd. No
// temporary file and no directory sync, since the folder is rebuilt from
// scratch if it was not complete and is synced before the marker.
absl::Status WriteStagedFile(const std::string& path,
                             absl::string_view contents) {
  TRUC_ASSIGN_OR_RETURN(AppendFile file, AppendFile::Open(path));
  TRUC_RETURN_IF_ERROR(file.Append(contents));
  return file.Sync();
}

std::string DeliveryText(const truc::v1::Delivery& delivery) {
  truc::v1::Delivery info;
  info.set_document_id(delivery.document_id());
  *info.mutable_accepted_at() = delivery.accepted_at();
  info.set_attempt(delivery.attempt());
  return ToTextProto(info);
}

}  // namespace

InboxWriter::InboxWriter(AgentFolders folders,
                         truc::v1::Exchange::StubInterface* stub, EventLog* log,
                         const AgentKeys* keys, uint64_t download_range,
                         bool write_edxml)
    : folders_(std::move(folders)),
      stub_(stub),
      log_(log),
      keys_(keys),
      download_range_(download_range),
      write_edxml_(write_edxml) {}

absl::Status InboxWriter::CheckEnvelope(
    const truc::v1::Delivery& delivery,
    truc::v1::DocumentHeader* header) const {
  const truc::v1::Envelope& envelope = delivery.envelope();
  if (!header->ParseFromString(envelope.header())) {
    return absl::InvalidArgumentError(
        "the header is not a valid DocumentHeader");
  }
  // VerifyEnvelope owns what must be signed: the sender's signature, or
  // for a document from beyond the hub its bridge's as carrier (from the
  // national axis's API there is no sender's signature to carry).
  // Checked as of the hub's acceptance: a certificate that expired since
  // does not undo a document it signed while valid.
  const int64_t at = delivery.accepted_at().unix_micros() > 0
                         ? delivery.accepted_at().unix_micros()
                         : NowMicros();
  absl::StatusOr<Identity> signer = VerifyEnvelope(
      keys_->anchor, envelope, header->from().organ_id(), at / 1'000'000);
  if (!signer.ok()) {
    return absl::Status(signer.status().code(),
                        absl::StrCat("the sender's signature does not check "
                                     "out: ",
                                     signer.status().message()));
  }
  return ValidateInboxAttachmentNames(*header);
}

absl::StatusOr<truc::v1::Receipt> InboxWriter::ArrivalStatement(
    const std::string& marker) const {
  TRUC_ASSIGN_OR_RETURN(std::string text, ReadFile(marker, 1 << 20));
  auto bytes = Dearmor(kReceiptLabel, text);
  truc::v1::Receipt statement;
  truc::v1::ReceiptBody body;
  if (!bytes.ok() || !statement.ParseFromString(*bytes) ||
      !body.ParseFromString(statement.body())) {
    return absl::DataLossError(absl::StrCat(
        "the marker ", marker,
        " does not hold this agent's signed statement of the arrival (the "
        "file was altered); move it aside to have the document stored "
        "again"));
  }
  const Certificate& current = keys_->signer->certificate();
  if (statement.signature().certificate() == current.Der()) return statement;
  // Signed with the certificate the agent had before its rotation, which
  // the hub may have revoked since: the arrival is stated again with the
  // current one, as of when it happened if that certificate was valid
  // then.
  const int64_t at =
      body.at().unix_micros() / 1'000'000 >= current.not_before_unix()
          ? body.at().unix_micros()
          : NowMicros();
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::Receipt fresh,
      SignStatusStatement(*keys_->signer, body.document_id(),
                          body.header_sha256(), truc::v1::EDXML_STATUS_ARRIVED,
                          "", at));
  TRUC_RETURN_IF_ERROR(WriteFileDurably(
      marker, Armor(kReceiptLabel, fresh.SerializeAsString())));
  return fresh;
}

absl::StatusOr<InboxWriter::Stored> InboxWriter::Store(
    const truc::v1::Delivery& delivery) {
  const std::string& id = delivery.document_id();
  TRUC_RETURN_IF_ERROR(ValidateDocumentId(id));
  const std::string marker = JoinPath(folders_.received(), id);
  const std::string final_dir = JoinPath(folders_.inbox, id);
  const std::string staging = JoinPath(folders_.incoming(), id);
  const std::string doc = JoinPath(staging, "document");
  Stored result;
  const bool staged = PathExists(doc);
  // The marker is written once the document is complete in staging, just
  // before the rename: with the document still in staging, the rename is
  // what a crash interrupted. Finish it.
  if (PathExists(marker) && staged && !PathExists(final_dir)) {
    TRUC_RETURN_IF_ERROR(MoveIntoInbox(id, doc, final_dir));
    RemoveStaging(id, staging);
    log_->Event("stored", {{"document", id},
                           {"completed", "rename into the inbox"},
                           {"folder", final_dir}});
    TRUC_ASSIGN_OR_RETURN(result.statement, ArrivalStatement(marker));
    return result;
  }
  // Stored before. The marker alone tells it, even if the clerk has moved
  // the folder out of the inbox since.
  if (PathExists(marker)) {
    TRUC_ASSIGN_OR_RETURN(result.statement, ArrivalStatement(marker));
    RemoveStaging(id, staging);
    result.already_stored = true;
    return result;
  }

  // Step 0, before anything is written.
  truc::v1::DocumentHeader header;
  absl::Status checked = CheckEnvelope(delivery, &header);
  // Only what is wrong with the document is refused; a failure of the
  // check itself (OpenSSL's INTERNAL) is an error, and the next offer
  // checks again.
  if (!checked.ok() && !absl::IsUnauthenticated(checked) &&
      !absl::IsInvalidArgument(checked)) {
    return Annotate(
        checked, absl::StrCat("document ", id, ": cannot check its signature"));
  }
  if (!checked.ok()) {
    result.refused = true;
    // The hub records it as "refused on arrival": the reason alone.
    result.refusal = std::string(checked.message());
    TRUC_ASSIGN_OR_RETURN(
        result.statement,
        SignStatusStatement(
            *keys_->signer, id, Sha256::Of(delivery.envelope().header()),
            truc::v1::EDXML_STATUS_REFUSED, result.refusal, NowMicros()));
    log_->Event("refused", {{"document", id}, {"reason", result.refusal}});
    return result;
  }

  TRUC_RETURN_IF_ERROR(MakeDirectories(staging));
  std::vector<std::string> parts;
  for (int i = 0; i < header.attachments_size(); ++i) {
    parts.push_back(JoinPath(staging, absl::StrCat(i, ".part")));
    TRUC_RETURN_IF_ERROR(FetchAttachment(id, i, header.attachments(i),
                                         parts.back(), &result.downloaded));
    result.bytes += header.attachments(i).size();
  }
  result.attachments = header.attachments_size();

  // Build the document folder from scratch (a stale one from an earlier
  // offer may be half built). Nothing in it counts until the marker is
  // written, so its files are written in place and synced, and the
  // folders synced once, bottom up.
  const std::string attachments = JoinPath(doc, kAttachmentsDir);
  TRUC_RETURN_IF_ERROR(RemoveAll(doc));
  TRUC_RETURN_IF_ERROR(MakeFolder(doc));
  TRUC_RETURN_IF_ERROR(MakeFolder(attachments));
  for (int i = 0; i < header.attachments_size(); ++i) {
    TRUC_RETURN_IF_ERROR(LinkOrRename(
        parts[i], JoinPath(attachments, header.attachments(i).name())));
  }
  const std::string envelope_text =
      absl::StrCat("# truc document ", id, ", accepted by the hub at ",
                   FormatVietnamTime(delivery.accepted_at().unix_micros()),
                   " (Vietnam time)\n", ToTextProto(header));
  TRUC_RETURN_IF_ERROR(
      WriteStagedFile(JoinPath(doc, kEnvelopeFile), envelope_text));
  TRUC_RETURN_IF_ERROR(WriteStagedFile(JoinPath(doc, kHeaderFile),
                                       delivery.envelope().header()));
  TRUC_RETURN_IF_ERROR(
      WriteStagedFile(JoinPath(doc, kDeliveryFile), DeliveryText(delivery)));
  if (write_edxml_) {
    std::vector<std::string> files;
    for (const auto& a : header.attachments()) {
      files.push_back(JoinPath(attachments, a.name()));
    }
    // The axes it crossed on the way here, after those its edXML named.
    truc::v1::DocumentHeader traced = header;
    for (const auto& t : delivery.trace()) {
      *traced.mutable_edxml()->add_trace_headers() = t;
    }
    TRUC_RETURN_IF_ERROR(WriteEdxml(id, traced, files, doc));
  }
  if (header.attachments_size() > 0) {
    TRUC_RETURN_IF_ERROR(SyncDirectory(attachments));
  }
  TRUC_RETURN_IF_ERROR(SyncDirectory(doc));
  TRUC_RETURN_IF_ERROR(SyncDirectory(staging));
  // From here on the document is received: the marker with "document"
  // still in staging means "rename it into the inbox". It holds the
  // agent's signed statement of the arrival.
  TRUC_ASSIGN_OR_RETURN(
      result.statement,
      SignStatusStatement(*keys_->signer, id,
                          Sha256::Of(delivery.envelope().header()),
                          truc::v1::EDXML_STATUS_ARRIVED, "", NowMicros()));
  if (write_edxml_) NoteEdxmlId(id, header);
  TRUC_RETURN_IF_ERROR(WriteFileDurably(
      marker, Armor(kReceiptLabel, result.statement.SerializeAsString())));

  CrashPoint("after_download");

  TRUC_RETURN_IF_ERROR(MoveIntoInbox(id, doc, final_dir));
  RemoveStaging(id, staging);
  log_->Event("stored", {{"document", id},
                         {"attachments", absl::StrCat(result.attachments)},
                         {"bytes", absl::StrCat(result.bytes)},
                         {"downloaded", absl::StrCat(result.downloaded)},
                         {"folder", final_dir}});
  return result;
}

absl::Status InboxWriter::MoveIntoInbox(const std::string& id,
                                        const std::string& doc,
                                        const std::string& final_dir) {
  absl::Status renamed = RenameDurably(doc, final_dir);
  if (renamed.ok()) return renamed;
  return Annotate(
      renamed,
      absl::StrCat("document ", id, ": cannot move it into the inbox",
                   absl::StrContains(renamed.message(), "cross-device")
                       ? " (the inbox and state folders must be on one "
                         "filesystem)"
                       : ""));
}

absl::Status InboxWriter::WriteEdxml(const std::string& id,
                                     const truc::v1::DocumentHeader& header,
                                     const std::vector<std::string>& files,
                                     const std::string& doc) {
  const std::string path = JoinPath(doc, kEdxmlFile);
  absl::Status written;
  {
    TRUC_ASSIGN_OR_RETURN(AppendFile file, AppendFile::Open(path));
    written = edxml::WriteDocument(
        header, files, [&](absl::string_view s) { return file.Append(s); });
    if (written.ok()) return file.Sync();
  }
  // What edXML cannot carry (a control character in a field, say) does not
  // keep the document from the inbox: it is stored without its edXML.
  TRUC_RETURN_IF_ERROR(RemoveAll(path));
  if (written.code() != absl::StatusCode::kInvalidArgument) return written;
  log_->Event("edxml_not_written",
              {{"document", id}, {"error", std::string(written.message())}});
  return absl::OkStatus();
}

void InboxWriter::NoteEdxmlId(const std::string& id,
                              const truc::v1::DocumentHeader& header) {
  absl::Status s = WriteEdxmlIdNote(folders_, edxml::DocumentIdOf(header), id);
  if (!s.ok()) {
    log_->Event("edxml_id_not_noted",
                {{"document", id}, {"error", std::string(s.message())}});
  }
}

void InboxWriter::RemoveStaging(const std::string& id,
                                const std::string& staging) {
  // Only once the document is durably in the inbox and the marker written.
  absl::Status cleaned = RemoveAll(staging);
  if (!cleaned.ok()) {
    log_->Event("staging_cleanup_failed",
                {{"document", id}, {"error", std::string(cleaned.message())}});
  }
}

absl::Status InboxWriter::FetchAttachment(
    const std::string& document_id, int index,
    const truc::v1::AttachmentDescriptor& desc, const std::string& part_path,
    uint64_t* downloaded) {
  // Each call is cancelled by Stop() (under Receiver::Run's scope).
  return DownloadAttachment(
      stub_, document_id, index, desc, part_path, download_range_, downloaded,
      [](grpc::ClientContext* ctx) -> std::shared_ptr<void> {
        return std::make_shared<CancelOnStop>(ctx);
      });
}

Receiver::Receiver(Options options, truc::v1::Exchange::StubInterface* stub,
                   InboxWriter* writer, EventLog* log, StopSignal* stop)
    : options_(options), stub_(stub), writer_(writer), log_(log), stop_(stop) {}

absl::Status Receiver::PollOnce() {
  grpc::ClientContext ctx;
  // The hub answers by wait_seconds; allow for the network on top.
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(options_.poll_wait_seconds + 15));
  CancelOnStop cancel_on_stop(&ctx);
  truc::v1::PollRequest request;
  request.set_wait_seconds(options_.poll_wait_seconds);
  request.set_max_deliveries(options_.max_deliveries);
  truc::v1::PollResponse response;
  grpc::Status status = stub_->Poll(&ctx, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  for (const truc::v1::Delivery& delivery : response.deliveries()) {
    if (stop_->stopped()) break;
    (void)HandleDelivery(delivery);
  }
  return absl::OkStatus();
}

absl::Status Receiver::HandleDelivery(const truc::v1::Delivery& delivery) {
  const std::string& id = delivery.document_id();
  absl::StatusOr<InboxWriter::Stored> stored = writer_->Store(delivery);
  if (!stored.ok()) {
    if (!stop_->stopped()) {
      log_->Event("store_failed",
                  {{"document", id},
                   {"attempt", absl::StrCat(delivery.attempt())},
                   {"code", absl::StatusCodeToString(stored.status().code())},
                   {"error", std::string(stored.status().message())}});
    }
    return stored.status();
  }
  if (stored->refused) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    CancelOnStop cancel_on_stop(&ctx);
    truc::v1::ReportStatusRequest request;
    request.set_document_id(id);
    request.set_status(truc::v1::EDXML_STATUS_REFUSED);
    request.set_description(stored->refusal);
    *request.mutable_receipt() = stored->statement;
    truc::v1::ReportStatusResponse response;
    absl::Status reported =
        FromGrpcStatus(stub_->ReportStatus(&ctx, request, &response));
    if (!reported.ok()) {
      if (!stop_->stopped()) {
        log_->Event("refusal_report_failed",
                    {{"document", id},
                     {"code", absl::StatusCodeToString(reported.code())},
                     {"error", std::string(reported.message())}});
      }
      return reported;
    }
    log_->Event("refusal_reported", {{"document", id}});
    return absl::OkStatus();
  }
  if (stored->already_stored) {
    log_->Event("redelivered", {{"document", id}});
  } else {
    CrashPoint("after_inbox");
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  CancelOnStop cancel_on_stop(&ctx);
  truc::v1::AcknowledgeRequest request;
  request.set_document_id(id);
  *request.mutable_receipt() = stored->statement;
  truc::v1::AcknowledgeResponse response;
  absl::Status acked =
      FromGrpcStatus(stub_->Acknowledge(&ctx, request, &response));
  if (!acked.ok()) {
    if (!stop_->stopped()) {
      log_->Event("ack_failed",
                  {{"document", id},
                   {"code", absl::StatusCodeToString(acked.code())},
                   {"error", std::string(acked.message())}});
    }
    return acked;
  }
  log_->Event(
      "acknowledged",
      {{"document", id},
       {"already", response.already_acknowledged() ? "true" : "false"}});
  return absl::OkStatus();
}

void Receiver::Run() {
  CallCancellationScope scope(stop_);
  Backoff backoff(options_.retry_initial, options_.retry_max);
  while (!stop_->stopped()) {
    absl::Status status = PollOnce();
    if (stop_->stopped()) break;
    if (status.ok()) {
      backoff.Reset();
      continue;
    }
    absl::Duration delay = backoff.Next();
    log_->Event(
        "poll_failed",
        {{"code", absl::StatusCodeToString(status.code())},
         {"error", std::string(status.message())},
         {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(delay))}});
    stop_->WaitFor(delay);
  }
}

}  // namespace truc::agent
