#include "bridge/hub_end.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/identity.h"
#include "common/status_macros.h"
#include "common/stop_signal.h"
#include "common/time_util.h"
#include "common/tls.h"

namespace truc::bridge {
namespace {

using Clock = std::chrono::system_clock;

std::chrono::seconds TransferTime(uint64_t bytes) {
  return std::chrono::seconds(300 + bytes / (256 * 1024));
}

// `id`, read from `cert_path`, must be a bridge's.
absl::Status MustBeBridge(const Identity& id, const std::string& cert_path,
                          const std::string& field) {
  if (id.role == Role::kBridge) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": ", cert_path, " is the certificate of ", id.ToString(),
      ", not of a bridge (issue one with `truc ca issue --bridge NAME`)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HubEnd>> HubEnd::Create(
    const HubSettings& settings, const std::string& field) {
  // The TLS certificate (gRPC presents it; only its identity is read
  // here) and the signing key, which parses its own certificate.
  TRUC_ASSIGN_OR_RETURN(std::string pem, ReadFile(settings.tls.cert()));
  auto tls = IdentityFromCertificatePem(pem);
  if (!tls.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".tls.cert: ", settings.tls.cert(), ": ",
                     tls.status().message()));
  }
  TRUC_RETURN_IF_ERROR(
      MustBeBridge(*tls, settings.tls.cert(), field + ".tls.cert"));
  TRUC_ASSIGN_OR_RETURN(
      auto signer,
      Signer::FromFiles(settings.signing.key(), settings.signing.cert()));
  TRUC_RETURN_IF_ERROR(MustBeBridge(signer->identity(), settings.signing.cert(),
                                    field + ".signing"));
  if (tls->name != signer->identity().name) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": the TLS certificate names bridge ", tls->name,
        " and the signing certificate bridge ", signer->identity().name,
        "; both must be the same bridge's"));
  }
  TRUC_ASSIGN_OR_RETURN(auto channel,
                        MakeChannel(settings.address, settings.tls));
  return std::unique_ptr<HubEnd>(new HubEnd(
      truc::v1::Bridge::NewStub(channel), std::move(signer), tls->name,
      absl::StrCat("hub ", settings.address, " (bridge ", tls->name, ")")));
}

absl::Status HubEnd::Named(const grpc::Status& status) const {
  absl::Status s = FromGrpcStatus(status);
  return absl::Status(s.code(), absl::StrCat(name_, ": ", s.message()));
}

template <typename Req, typename Resp>
absl::Status HubEnd::Unary(grpc::Status (truc::v1::Bridge::Stub::*method)(
                               grpc::ClientContext*, const Req&, Resp*),
                           const Req& req, Resp* resp,
                           std::chrono::seconds timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + timeout);
  CancelOnStop cancel(&ctx);
  grpc::Status st = (stub_.get()->*method)(&ctx, req, resp);
  return st.ok() ? absl::OkStatus() : Named(st);
}

absl::StatusOr<std::vector<Outgoing>> HubEnd::Take(absl::Duration wait,
                                                   size_t max) {
  truc::v1::PollRequest req;
  req.set_wait_seconds(static_cast<uint32_t>(absl::ToInt64Seconds(wait)));
  req.set_max_deliveries(static_cast<uint32_t>(max));
  truc::v1::PollResponse resp;
  TRUC_RETURN_IF_ERROR(Unary(&truc::v1::Bridge::Stub::Poll, req, &resp,
                             LongPollTimeout(req.wait_seconds())));
  std::vector<Outgoing> out;
  for (auto& d : *resp.mutable_deliveries()) {
    Outgoing o;
    o.document_id = d.document_id();
    o.attempt = d.attempt();
    if (!o.header.ParseFromString(d.envelope().header())) {
      return absl::DataLossError(
          absl::StrCat(name_, ": the header of document ", d.document_id(),
                       " does not parse"));
    }
    o.envelope = std::move(*d.mutable_envelope());
    o.trace.assign(d.trace().begin(), d.trace().end());
    o.original_edxml_sha256 = d.original_edxml_sha256();
    o.original_edxml_size = d.original_edxml_size();
    o.recipients.assign(d.recipients().begin(), d.recipients().end());
    out.push_back(std::move(o));
  }
  return out;
}

absl::Status HubEnd::Read(const Outgoing& doc, int index,
                          const ChunkSink& sink) {
  if (index < 0 || index >= doc.files()) {
    return absl::InvalidArgumentError(
        absl::StrCat("document ", doc.document_id, " has no file ", index));
  }
  truc::v1::DownloadRequest req;
  req.set_document_id(doc.document_id);
  req.set_attachment_index(static_cast<uint32_t>(index));
  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + TransferTime(doc.size_of(index)));
  CancelOnStop cancel(&ctx);
  auto reader = stub_->Download(&ctx, req);
  truc::v1::DownloadChunk chunk;
  uint64_t offset = 0;
  absl::Status sunk;
  while (reader->Read(&chunk)) {
    if (chunk.offset() != offset) {
      ctx.TryCancel();
      reader->Finish();
      return absl::DataLossError(absl::StrCat(
          name_, ": attachment ", index, " of document ", doc.document_id,
          " jumped from byte ", offset, " to ", chunk.offset()));
    }
    offset += chunk.data().size();
    sunk = sink(chunk.data());
    if (!sunk.ok()) {
      ctx.TryCancel();
      reader->Finish();
      return sunk;
    }
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) return Named(st);
  if (offset != doc.size_of(index)) {
    return absl::DataLossError(absl::StrCat(
        name_, ": attachment ", index, " of document ", doc.document_id,
        " ended after ", offset, " of its ", doc.size_of(index), " bytes"));
  }
  return absl::OkStatus();
}

absl::Status HubEnd::Crossed(const Outgoing& doc) {
  truc::v1::ForwardRequest req;
  req.set_document_id(doc.document_id);
  for (const auto& r : doc.recipients) req.add_recipients(r);
  truc::v1::ForwardResponse resp;
  return Unary(&truc::v1::Bridge::Stub::Forward, req, &resp);
}

absl::StatusOr<std::string> HubEnd::BringIn(const Outgoing& doc,
                                            const AttachmentSource& source) {
  truc::v1::SendRequest begin;
  auto* b = begin.mutable_begin();
  b->set_idempotency_key(doc.document_id);
  for (const auto& r : doc.recipients) b->add_deliver_to(r);
  for (const auto& t : doc.trace) *b->add_trace() = t;
  if (!doc.original_edxml_sha256.empty()) {
    b->set_original_edxml_sha256(doc.original_edxml_sha256);
    b->set_original_edxml_size(doc.original_edxml_size);
  }
  auto* env = b->mutable_envelope();
  env->set_header(doc.envelope.header());
  if (doc.envelope.has_signature()) {
    *env->mutable_signature() = doc.envelope.signature();
  }
  env->set_carried_for_system(doc.envelope.carried_for_system());
  env->set_carried_by_bridge(bridge_name_);
  TRUC_ASSIGN_OR_RETURN(*env->mutable_carrier_signature(),
                        signer_->Sign(kBridgedHeaderContext, env->header()));
  uint64_t total = 0;
  for (int i = 0; i < doc.files(); ++i) total += doc.size_of(i);

  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + TransferTime(total));
  CancelOnStop cancel(&ctx);
  truc::v1::SendResponse resp;
  auto writer = stub_->Send(&ctx, &resp);
  bool open = writer->Write(begin);
  absl::Status read;
  for (int i = 0; open && i < doc.files(); ++i) {
    uint64_t offset = 0;
    read = source(i, [&](absl::string_view data) -> absl::Status {
      truc::v1::SendRequest chunk;
      auto* c = chunk.mutable_chunk();
      c->set_attachment_index(static_cast<uint32_t>(i));
      c->set_offset(offset);
      c->set_data(data.data(), data.size());
      offset += data.size();
      if (!writer->Write(chunk)) {
        open = false;
        return absl::UnavailableError("the upload stream closed");
      }
      return absl::OkStatus();
    });
    if (!read.ok() && open) {
      // The source failed (not this hub): nothing must be stored here.
      ctx.TryCancel();
      writer->Finish();
      return read;
    }
  }
  if (open) writer->WritesDone();
  grpc::Status st = writer->Finish();
  if (!st.ok()) return Named(st);
  return resp.document_id();
}

absl::StatusOr<std::vector<truc::v1::BridgeStatus>> HubEnd::StatusesToCarry(
    size_t max, absl::Duration wait) {
  truc::v1::BridgeStatusesRequest req;
  req.set_max(static_cast<uint32_t>(max));
  req.set_wait_seconds(static_cast<uint32_t>(absl::ToInt64Seconds(wait)));
  truc::v1::BridgeStatusesResponse resp;
  TRUC_RETURN_IF_ERROR(Unary(&truc::v1::Bridge::Stub::Statuses, req, &resp,
                             LongPollTimeout(req.wait_seconds())));
  return std::vector<truc::v1::BridgeStatus>(resp.statuses().begin(),
                                             resp.statuses().end());
}

absl::Status HubEnd::StatusCarried(const truc::v1::BridgeStatus& status) {
  truc::v1::BridgeClearRequest req;
  req.set_document_id(status.document_id());
  req.set_recipient(status.recipient());
  req.set_status(status.status());
  *req.mutable_at() = status.at();
  truc::v1::BridgeClearResponse resp;
  absl::Status st = Unary(&truc::v1::Bridge::Stub::ClearStatus, req, &resp);
  // Cleared already (by an earlier attempt that did not hear the answer).
  return absl::IsNotFound(st) ? absl::OkStatus() : st;
}

absl::StatusOr<truc::v1::BridgeStatusRequest> HubEnd::ReportOf(
    const truc::v1::BridgeStatus& status) const {
  truc::v1::BridgeStatusRequest req;
  req.set_document_id(status.origin_document_id());
  req.set_recipient(status.recipient());
  req.set_status(status.status());
  if (status.status() == truc::v1::EDXML_STATUS_UNSPECIFIED) {
    *req.mutable_location() = status.location();  // where it waits
    return req;
  }
  req.set_description(status.description());
  *req.mutable_staff() = status.staff();
  TRUC_ASSIGN_OR_RETURN(
      *req.mutable_receipt(),
      SignBridgedStatement(*signer_, status.origin_document_id(),
                           status.header_sha256(), status.recipient(),
                           status.status(), status.description(), NowMicros()));
  return req;
}

absl::Status HubEnd::RecordStatus(const truc::v1::BridgeStatus& status) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::BridgeStatusRequest req, ReportOf(status));
  truc::v1::BridgeStatusResponse resp;
  return Unary(&truc::v1::Bridge::Stub::ReportStatus, req, &resp);
}

std::vector<absl::Status> HubEnd::RecordStatuses(
    const std::vector<truc::v1::BridgeStatus>& statuses) {
  if (no_batches_.load()) return End::RecordStatuses(statuses);
  std::vector<absl::Status> answers(statuses.size());
  // In batches, each answer in its place.
  truc::v1::BridgeStatusBatch batch;
  std::vector<size_t> in_batch;
  auto send = [&]() -> absl::Status {
    if (in_batch.empty()) return absl::OkStatus();
    truc::v1::BridgeStatusBatchResponse resp;
    absl::Status st = Unary(&truc::v1::Bridge::Stub::ReportStatuses, batch,
                            &resp, std::chrono::seconds(120));
    if (absl::IsUnimplemented(st)) return st;
    if (st.ok() && resp.outcomes_size() != static_cast<int>(in_batch.size())) {
      st = absl::InternalError(absl::StrCat(name_, " answered ",
                                            resp.outcomes_size(), " of ",
                                            in_batch.size(), " statuses"));
    }
    for (size_t k = 0; k < in_batch.size(); ++k) {
      if (!st.ok()) {
        answers[in_batch[k]] = st;
        continue;
      }
      const auto& o = resp.outcomes(static_cast<int>(k));
      answers[in_batch[k]] =
          o.code() == 0
              ? absl::OkStatus()
              : Named(grpc::Status(static_cast<grpc::StatusCode>(o.code()),
                                   o.message()));
    }
    batch.Clear();
    in_batch.clear();
    return absl::OkStatus();
  };
  for (size_t i = 0; i < statuses.size(); ++i) {
    absl::StatusOr<truc::v1::BridgeStatusRequest> req = ReportOf(statuses[i]);
    if (!req.ok()) {
      answers[i] = req.status();
      continue;
    }
    *batch.add_statuses() = *std::move(req);
    in_batch.push_back(i);
    if (batch.statuses_size() == kBatch && absl::IsUnimplemented(send())) {
      break;
    }
  }
  if (absl::IsUnimplemented(send())) {
    no_batches_.store(true);
    return End::RecordStatuses(statuses);
  }
  return answers;
}

absl::Status HubEnd::StatusesCarried(
    const std::vector<truc::v1::BridgeStatus>& statuses) {
  if (no_batches_.load()) return End::StatusesCarried(statuses);
  for (size_t first = 0; first < statuses.size(); first += kBatch) {
    truc::v1::BridgeClearBatch batch;
    for (size_t i = first; i < statuses.size() && i < first + kBatch; ++i) {
      auto* c = batch.add_clears();
      c->set_document_id(statuses[i].document_id());
      c->set_recipient(statuses[i].recipient());
      c->set_status(statuses[i].status());
      *c->mutable_at() = statuses[i].at();
    }
    truc::v1::BridgeClearResponse resp;
    absl::Status st =
        Unary(&truc::v1::Bridge::Stub::ClearStatuses, batch, &resp);
    if (absl::IsUnimplemented(st)) {
      // An older hub: one call each (clearing one already cleared is OK).
      no_batches_.store(true);
      return End::StatusesCarried(statuses);
    }
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status HubEnd::RecordLocation(const truc::v1::BridgeStatus& status) {
  truc::v1::BridgeLocationRequest req;
  req.set_document_id(status.origin_document_id());
  req.set_recipient(status.recipient());
  *req.mutable_location() = status.location();
  truc::v1::BridgeLocationResponse resp;
  return Unary(&truc::v1::Bridge::Stub::ReportLocation, req, &resp);
}

absl::StatusOr<truc::v1::BridgeDirectoryResponse> HubEnd::DirectoryAfter(
    uint64_t version, size_t max) {
  truc::v1::BridgeDirectoryRequest req;
  req.set_after_version(version);
  req.set_max(static_cast<uint32_t>(max));
  truc::v1::BridgeDirectoryResponse resp;
  TRUC_RETURN_IF_ERROR(Unary(&truc::v1::Bridge::Stub::Directory, req, &resp,
                             std::chrono::seconds(60)));
  return resp;
}

absl::StatusOr<truc::v1::SyncDirectoryResponse> HubEnd::MirrorDirectory(
    const std::vector<truc::v1::Agency>& agencies, uint64_t upstream_version) {
  truc::v1::SyncDirectoryRequest req;
  for (const auto& a : agencies) *req.add_agencies() = a;
  req.set_upstream_version(upstream_version);
  truc::v1::SyncDirectoryResponse resp;
  TRUC_RETURN_IF_ERROR(Unary(&truc::v1::Bridge::Stub::SyncDirectory, req, &resp,
                             std::chrono::seconds(60)));
  return resp;
}

}  // namespace truc::bridge
