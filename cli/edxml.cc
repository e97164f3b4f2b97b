#include "cli/edxml.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/send.h"
#include "cli/text.h"
#include "cli/vocabulary.h"
#include "common/edxml/import.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/signature.h"
#include "common/edxml/writer.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "truc/v1/edxml.pb.h"

namespace truc::cli {
namespace {

// A directory of its own under $TMPDIR (or /tmp), removed with its files.
class ScratchDir {
 public:
  static absl::StatusOr<ScratchDir> Create() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        JoinPath(base != nullptr && *base ? base : "/tmp", "truc-edxml-XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) {
      return ErrnoStatus(errno,
                         "create a scratch directory in " + DirName(tmpl));
    }
    return ScratchDir(tmpl);
  }
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) {
    o.path_.clear();
  }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    if (!path_.empty()) (void)RemoveAll(path_);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

std::string OrganLine(const truc::v1::Organ& o) {
  return CodeAndName(o.organ_id(), o.organ_name().empty()
                                       ? o.organization_in_charge()
                                       : o.organ_name());
}

std::string SignatureLine(const edxml::SignatureCheck& c) {
  return absl::StrCat(edxml::SignatureResultName(c.result),
                      c.signer.empty() ? "" : absl::StrCat(" (", c.signer, ")"),
                      ": ", c.detail);
}

void PrintDocument(const edxml::EdxmlDocument& doc, std::ostream& out) {
  const auto& h = doc.header;
  auto row = [&](absl::string_view label, const std::string& value) {
    if (!value.empty()) out << PadRight(label, 13) << " " << value << "\n";
  };
  row("from", OrganLine(h.from()));
  for (int i = 0; i < h.to_size(); ++i) {
    row(i == 0 ? "to" : "", OrganLine(h.to(i)));
  }
  row("DocumentId", edxml::DocumentIdOf(h));
  row("số, ký hiệu",
      absl::StrCat(h.code().code_number(), "/", h.code().code_notation()));
  row("loại", h.document_type().type_name());
  row("ngày", h.promulgation().has_promulgation_date()
                  ? FormatDate(h.promulgation().promulgation_date())
                  : "");
  row("trích yếu", h.subject());
  row("người ký", h.signer().full_name());
  row("độ khẩn", absl::StrCat(UrgencyLabel(h.urgency()), ", Priority ",
                              edxml::PriorityOf(h.urgency())));
  if (h.urgency() == truc::v1::URGENCY_EXPRESS_TIMED) {
    row("hẹn giờ", FormatVietnamTime(h.express_deadline().unix_micros()));
  }
  row("hạn xử lý", h.has_due_date() ? FormatDate(h.due_date()) : "");
  if (h.has_business()) {
    row("business",
        absl::StrCat(static_cast<int>(h.business().type()), " ",
                     truc::v1::BusinessType_Name(h.business().type()),
                     h.business().reason().empty()
                         ? ""
                         : absl::StrCat(": ", h.business().reason())));
  }
  for (int i = 0; i < h.edxml().trace_headers_size(); ++i) {
    const auto& t = h.edxml().trace_headers(i);
    row(i == 0 ? "trace" : "",
        absl::StrCat(t.organ_id(), " at ",
                     FormatVietnamTime(t.at().unix_micros())));
  }
  if (h.attachments_size() == 0) row("attachments", "none");
  for (int i = 0; i < h.attachments_size(); ++i) {
    const auto& a = h.attachments(i);
    row(i == 0 ? "attachments" : "",
        absl::StrCat(i + 1, ". ", a.name(), " (", a.content_id(), ", ",
                     a.content_type(), ", ", a.size(), " bytes, SHA-256 ",
                     HexEncode(a.sha256()), ")"));
  }
}

void PrintStatus(const truc::v1::EdxmlStatusMessage& s, std::ostream& out) {
  auto row = [&](absl::string_view label, const std::string& value) {
    if (!value.empty()) out << PadRight(label, 13) << " " << value << "\n";
  };
  row("from", OrganLine(s.from()));
  row("status", EdxmlStatusLabel(s.status()));
  row("about", s.response_for().document_id());
  row("of", s.response_for().organ_id());
  row("description", s.description());
  row("staff", s.staff().staff());
  row("at", FormatVietnamTime(s.timestamp().unix_micros()));
}

}  // namespace

absl::Status RunEdxmlCheck(const std::string& path, bool json,
                           std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(edxml::ParsedEdxml parsed,
                        edxml::ReadEdxmlFile(path, {}));
  const edxml::SignatureCheck signature = edxml::CheckSignatureFile(path);
  const bool is_status = edxml::IsStatusMessage(parsed);
  truc::v1::EdxmlStatusMessage status;
  edxml::EdxmlDocument doc;
  if (is_status) {
    TRUC_ASSIGN_OR_RETURN(status, edxml::StatusFromEdxml(parsed));
    doc.warnings = parsed.warnings;
  } else {
    TRUC_ASSIGN_OR_RETURN(doc, edxml::DocumentFromEdxml(std::move(parsed)));
  }
  if (json) {
    truc::v1::EdxmlCheckReport report;
    report.set_kind(is_status ? "status" : "document");
    if (is_status) {
      *report.mutable_status() = status;
    } else {
      *report.mutable_document() = doc.header;
    }
    report.mutable_signature()->set_result(
        edxml::SignatureResultName(signature.result));
    report.mutable_signature()->set_detail(signature.detail);
    report.mutable_signature()->set_signer(signature.signer);
    for (const auto& w : doc.warnings) report.add_warnings(w);
    out << JsonOutput(report);
    return absl::OkStatus();
  }
  out << "edXML " << (is_status ? "status message" : "document") << " " << path
      << "\n";
  if (is_status) {
    PrintStatus(status, out);
  } else {
    PrintDocument(doc, out);
  }
  out << absl::StrFormat("%-13s %s\n", "signature", SignatureLine(signature));
  for (const auto& w : doc.warnings) {
    out << absl::StrFormat("%-13s %s\n", "note", w);
  }
  return absl::OkStatus();
}

absl::Status RunEdxmlImport(truc::v1::Exchange::StubInterface* stub,
                            const Signer& signer, const TrustAnchor& anchor,
                            const std::string& path,
                            const std::string& idempotency_key,
                            const std::string& receipt_path, bool json,
                            std::ostream& out, std::ostream& err) {
  const Identity& sender = signer.identity();
  if (sender.role != Role::kAgency) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this profile's certificate is for ", sender.ToString(),
        ", which cannot send documents: use the sending agency's profile"));
  }
  TRUC_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create());
  TRUC_ASSIGN_OR_RETURN(
      edxml::DocumentToSend doc,
      edxml::ReadDocumentToSend(path, sender.name, scratch.path()));
  for (const auto& w : doc.warnings) err << "truc: note: " << w << "\n";
  err << "truc: the edXML's own signature (information only; truc signs "
         "the document with this agency's key): "
      << SignatureLine(edxml::CheckSignatureFile(path)) << "\n";
  std::vector<AttachmentFile> files;
  for (int i = 0; i < doc.header.attachments_size(); ++i) {
    const auto& a = doc.header.attachments(i);
    files.push_back(
        {doc.paths[i], a.name(), a.content_type(), a.description()});
  }
  const std::string key = idempotency_key.empty()
                              ? edxml::IdempotencyKeyOf(doc.header)
                              : idempotency_key;
  return SendPrepared(stub, signer, anchor, doc.header, files, key,
                      receipt_path, json, out, err);
}

absl::Status RunEdxmlExport(truc::v1::Exchange::StubInterface* stub,
                            const std::string& document_id,
                            const std::string& out_path, std::ostream& out,
                            std::ostream& err) {
  if (PathExists(out_path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out_path, " exists; name a new file"));
  }
  truc::v1::GetDocumentStatusRequest request;
  request.set_document_id(document_id);
  request.set_evidence(true);
  TRUC_ASSIGN_OR_RETURN(
      truc::v1::DocumentStatus status,
      Call<truc::v1::DocumentStatus>(
          [&](grpc::ClientContext* ctx, truc::v1::DocumentStatus* r) {
            return stub->GetDocumentStatus(ctx, request, r);
          }));
  truc::v1::DocumentHeader header;
  if (!header.ParseFromString(status.envelope().header())) {
    return absl::DataLossError(absl::StrCat(
        "document ", document_id, ": the hub's stored header does not parse"));
  }
  if (header.edxml_document_id().empty()) {
    header.set_edxml_document_id(status.edxml_document_id());
  }
  if (status.axis_organ_id().empty()) {
    err << "truc: note: the hub has no axis_organ_id configured, so the "
           "edXML carries no TraceHeader for it\n";
  } else {
    auto* trace = header.mutable_edxml()->add_trace_headers();
    trace->set_organ_id(status.axis_organ_id());
    *trace->mutable_at() = status.accepted_at();
  }
  TRUC_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create());
  std::vector<std::string> paths;
  for (int i = 0; i < header.attachments_size(); ++i) {
    paths.push_back(JoinPath(scratch.path(), absl::StrCat(i)));
    uint64_t downloaded = 0;
    TRUC_RETURN_IF_ERROR(DownloadAttachment(stub, document_id, i,
                                            header.attachments(i), paths[i],
                                            8 << 20, &downloaded));
  }
  TRUC_RETURN_IF_ERROR(edxml::WriteDocumentFile(header, paths, out_path));
  out << out_path << "\n";
  return absl::OkStatus();
}

}  // namespace truc::cli
