#include "bridge/axis_end.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/edxml/import.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace truc::bridge {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr char kOriginSeparator = '#';

// Spool folder names: ids are the axis's or the hub's, which may hold
// characters a file name should not; hex keeps any of them safe.
std::string SafeName(absl::string_view prefix, absl::string_view id) {
  return absl::StrCat(prefix, HexEncode(id));
}

// Streams the file at `path` into `sink`, a chunk at a time.
absl::Status StreamFile(const std::string& path, const ChunkSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::string buf(kChunkBytes, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) {
      TRUC_RETURN_IF_ERROR(
          sink(absl::string_view(buf.data(), static_cast<size_t>(n))));
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("reading ", path));
  return absl::OkStatus();
}

// Writes what `source` streams for attachment `index` into `path`.
absl::Status SpoolAttachment(const AttachmentSource& source, int index,
                             const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  TRUC_RETURN_IF_ERROR(source(index, [&](absl::string_view chunk) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!out) {
      return absl::ResourceExhaustedError(
          absl::StrCat("writing ", path, " failed (is the spool full?)"));
    }
    return absl::OkStatus();
  }));
  out.close();
  if (!out) {
    return absl::ResourceExhaustedError(absl::StrCat("closing ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::string AxisEnd::OriginId(const std::string& id,
                              const std::string& header_sha256) {
  return absl::StrCat(id, std::string(1, kOriginSeparator),
                      HexEncode(header_sha256));
}

bool AxisEnd::ParseOriginId(const std::string& edxml_id, std::string* id,
                            std::string* header_sha256) {
  const size_t at = edxml_id.rfind(kOriginSeparator);
  if (at == std::string::npos || at == 0) return false;
  const std::string hex = edxml_id.substr(at + 1);
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(c);
      })) {
    return false;
  }
  *id = edxml_id.substr(0, at);
  *header_sha256 = absl::HexStringToBytes(hex);
  return true;
}

AxisEnd::AxisEnd(const truc::v1::AxisProfile& profile, std::string spool,
                 absl::Duration call_timeout,
                 std::function<void(absl::Duration)> wait, EventLog* log)
    : client_([&] {
        axis::Endpoint e = axis::EndpointOf(profile);
        e.timeout_seconds = std::max<int>(
            1, static_cast<int>(absl::ToInt64Seconds(call_timeout)));
        return e;
      }()),
      transfers_(axis::EndpointOf(profile)),
      from_(profile.agency()),
      spool_(std::move(spool)),
      wait_(std::move(wait)),
      log_(log),
      name_(absl::StrCat("axis ", profile.url(), " (system ",
                         profile.system_id(), ")")) {}

absl::StatusOr<std::unique_ptr<AxisEnd>> AxisEnd::Create(
    const truc::v1::AxisProfile& profile, const std::string& spool_dir,
    absl::Duration call_timeout, std::function<void(absl::Duration)> wait,
    EventLog* log) {
  // What a crash left is of no use: each item is fetched again.
  TRUC_RETURN_IF_ERROR(RemoveAll(spool_dir));
  TRUC_RETURN_IF_ERROR(MakeDirectories(spool_dir, 0700));
  return std::unique_ptr<AxisEnd>(
      new AxisEnd(profile, spool_dir, call_timeout, std::move(wait), log));
}

absl::StatusOr<std::string> AxisEnd::SpoolFor(const std::string& key) {
  const std::string dir = JoinPath(spool_, key);
  TRUC_RETURN_IF_ERROR(RemoveAll(dir));
  TRUC_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  return dir;
}

absl::StatusOr<std::vector<Outgoing>> AxisEnd::Take(absl::Duration wait,
                                                    size_t max) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::AxisReceivedEdocList list,
                        client_.GetReceivedEdocList(from_));
  std::vector<Outgoing> out;
  for (const auto& item : list.data()) {
    if (out.size() == max) break;
    if (item.messagetype() != "edoc") continue;
    TRUC_ASSIGN_OR_RETURN(std::string dir,
                          SpoolFor(SafeName("in-", item.docid())));
    const std::string path = JoinPath(dir, "document.edxml");
    TRUC_RETURN_IF_ERROR(transfers_.GetEdoc(from_, item.docid(), path));
    absl::StatusOr<edxml::DocumentToSend> read =
        edxml::ReadDocumentToSend(path, "", dir);
    if (!read.ok()) {
      // The axis stored it, but it cannot cross as it is: refused there,
      // with the reason in the bridge's log, rather than offered forever.
      log_->Event("refused", {{"document", item.docid()},
                              {"at", name_},
                              {"error", std::string(read.status().message())}});
      TRUC_RETURN_IF_ERROR(
          client_.UpdateStatus(from_, item.docid(), "fail").status());
      (void)RemoveAll(dir);
      continue;
    }
    Outgoing doc;
    doc.document_id = item.docid();
    doc.header = read->header;
    doc.header.SerializeToString(doc.envelope.mutable_header());
    for (absl::string_view r : absl::StrSplit(item.to(), ',')) {
      if (!r.empty()) doc.recipients.emplace_back(r);
    }
    if (doc.recipients.empty()) {
      for (const auto& to : doc.header.to()) {
        doc.recipients.push_back(to.organ_id());
      }
    }
    {
      absl::MutexLock lock(&mu_);
      taken_[doc.document_id] = read->paths;
    }
    out.push_back(std::move(doc));
  }
  if (out.empty()) wait_(wait);
  return out;
}

absl::Status AxisEnd::Read(const Outgoing& doc, int index,
                           const ChunkSink& sink) {
  std::string path;
  {
    absl::MutexLock lock(&mu_);
    auto it = taken_.find(doc.document_id);
    if (it == taken_.end() || index < 0 ||
        static_cast<size_t>(index) >= it->second.size()) {
      return absl::NotFoundError(absl::StrCat("attachment ", index, " of ",
                                              doc.document_id,
                                              " is not in the spool"));
    }
    path = it->second[static_cast<size_t>(index)];
  }
  return StreamFile(path, sink);
}

absl::Status AxisEnd::Crossed(const Outgoing& doc) {
  TRUC_RETURN_IF_ERROR(
      client_.UpdateStatus(from_, doc.document_id, "done").status());
  {
    absl::MutexLock lock(&mu_);
    taken_.erase(doc.document_id);
  }
  (void)RemoveAll(JoinPath(spool_, SafeName("in-", doc.document_id)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> AxisEnd::BringIn(const Outgoing& doc,
                                             const AttachmentSource& source) {
  TRUC_ASSIGN_OR_RETURN(std::string dir,
                        SpoolFor(SafeName("out-", doc.document_id)));
  std::vector<std::string> paths;
  for (int i = 0; i < doc.header.attachments_size(); ++i) {
    paths.push_back(JoinPath(dir, absl::StrCat(i)));
    TRUC_RETURN_IF_ERROR(SpoolAttachment(source, i, paths.back()));
  }
  truc::v1::DocumentHeader header = doc.header;
  for (const auto& t : doc.trace)
    *header.mutable_edxml()->add_trace_headers() = t;
  header.set_edxml_document_id(
      OriginId(doc.document_id, Sha256::Of(doc.envelope.header())));
  const std::string path = JoinPath(dir, "document.edxml");
  TRUC_RETURN_IF_ERROR(edxml::WriteDocumentFile(header, paths, path));
  absl::StatusOr<truc::v1::AxisResult> sent = transfers_.SendEdoc(
      path, header.from().organ_id(), "edoc", doc.recipients);
  (void)RemoveAll(dir);
  if (!sent.ok()) return sent.status();
  return sent->docid();
}

absl::StatusOr<std::vector<truc::v1::BridgeStatus>> AxisEnd::StatusesToCarry(
    size_t max, absl::Duration /*wait: the API answers at once*/) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::AxisReceivedEdocList list,
                        client_.GetReceivedEdocList(from_));
  std::vector<truc::v1::BridgeStatus> out;
  for (const auto& item : list.data()) {
    if (out.size() == max) break;
    if (item.messagetype() != "status") continue;
    TRUC_ASSIGN_OR_RETURN(std::string dir,
                          SpoolFor(SafeName("status-", item.docid())));
    const std::string path = JoinPath(dir, "status.edxml");
    TRUC_RETURN_IF_ERROR(client_.GetEdoc(from_, item.docid(), path));
    absl::StatusOr<edxml::ParsedEdxml> parsed = edxml::ReadEdxmlFile(path, {});
    (void)RemoveAll(dir);
    absl::StatusOr<truc::v1::EdxmlStatusMessage> s =
        parsed.ok()
            ? edxml::StatusFromEdxml(*parsed)
            : absl::StatusOr<truc::v1::EdxmlStatusMessage>(parsed.status());
    truc::v1::BridgeStatus status;
    status.set_document_id(item.docid());
    if (!s.ok()) {
      // Left with no document named: recording it fails for good, which
      // logs it and clears it at the axis.
      log_->Event("unreadable_status",
                  {{"status", item.docid()},
                   {"error", std::string(s.status().message())}});
      out.push_back(std::move(status));
      continue;
    }
    std::string id, sha;
    if (ParseOriginId(s->response_for().document_id(), &id, &sha)) {
      status.set_origin_document_id(id);
      status.set_header_sha256(sha);
    } else {
      status.set_origin_document_id(s->response_for().document_id());
    }
    status.set_sender(s->response_for().organ_id());
    status.set_recipient(s->from().organ_id());
    status.set_status(s->status());
    status.set_description(s->description());
    *status.mutable_staff() = s->staff();
    *status.mutable_at() = s->timestamp();
    out.push_back(std::move(status));
  }
  return out;
}

absl::Status AxisEnd::StatusCarried(const truc::v1::BridgeStatus& status) {
  return client_.UpdateStatus(from_, status.document_id(), "done").status();
}

absl::Status AxisEnd::RecordStatus(const truc::v1::BridgeStatus& status) {
  truc::v1::EdxmlStatusMessage s;
  s.mutable_from()->set_organ_id(status.recipient());
  s.mutable_response_for()->set_organ_id(status.sender());
  s.mutable_response_for()->set_document_id(status.origin_document_id());
  *s.mutable_staff() = status.staff();
  s.set_status(status.status());
  s.set_description(status.description());
  *s.mutable_timestamp() = status.at();
  if (s.timestamp().unix_micros() == 0) {
    s.mutable_timestamp()->set_unix_micros(NowMicros());
  }
  TRUC_ASSIGN_OR_RETURN(
      std::string dir,
      SpoolFor(SafeName(
          "report-", absl::StrCat(status.document_id(), "/", status.recipient(),
                                  "/", status.status()))));
  const std::string path = JoinPath(dir, "status.edxml");
  absl::Status written = edxml::WriteStatusFile(s, path);
  absl::Status sent =
      written.ok()
          ? client_.SendEdoc(path, status.recipient(), "status").status()
          : written;
  (void)RemoveAll(dir);
  return sent;
}

absl::Status AxisEnd::RecordLocation(const truc::v1::BridgeStatus&) {
  // The API has no message for where a document waits.
  return absl::OkStatus();
}

absl::StatusOr<truc::v1::BridgeDirectoryResponse> AxisEnd::DirectoryAfter(
    uint64_t version, size_t max) {
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::AxisUnitList units,
      client_.GetSynchronizeUnit(from_, static_cast<int64_t>(version)));
  truc::v1::BridgeDirectoryResponse out;
  out.set_version(std::max<uint64_t>(
      version, static_cast<uint64_t>(std::max(0, units.version()))));
  out.set_more(units.hasmore());
  uint64_t last = version;
  for (const auto& u : units.data()) {
    if (static_cast<size_t>(out.agencies_size()) == max) {
      // The rest on the next call, from the last one taken.
      out.set_more(true);
      out.set_version(out.agencies_size() == 0 ? version : last);
      break;
    }
    last = std::max<uint64_t>(last, static_cast<uint64_t>(u.version()));
    if (u.code().empty()) continue;
    auto* a = out.add_agencies();
    a->set_code(u.code());
    a->set_name(u.name());
    a->set_parent_code(u.pid());
    a->set_state(u.deleted() ? truc::v1::AGENCY_STATE_SUSPENDED
                             : truc::v1::AGENCY_STATE_ACTIVE);
  }
  return out;
}

absl::StatusOr<truc::v1::SyncDirectoryResponse> AxisEnd::MirrorDirectory(
    const std::vector<truc::v1::Agency>&, uint64_t) {
  return absl::UnimplementedError(
      "the national axis's directory is its own: a bridge does not write to "
      "it");
}

}  // namespace truc::bridge
