#include "common/edxml/import.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/attachment_name.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::edxml {

absl::StatusOr<DocumentToSend> ReadDocumentToSend(const std::string& path,
                                                  const std::string& agency,
                                                  const std::string& dir) {
  ReadOptions options;
  options.attachment_dir = dir;
  TRUC_ASSIGN_OR_RETURN(ParsedEdxml parsed, ReadEdxmlFile(path, options));
  if (IsStatusMessage(parsed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is an edXML status message (it has a StatusCode), not a document"));
  }
  TRUC_ASSIGN_OR_RETURN(EdxmlDocument doc,
                        DocumentFromEdxml(std::move(parsed)));
  const std::string& from = doc.header.from().organ_id();
  if (!agency.empty() && from != agency) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": its sender (MessageHeader/From/OrganId) is ",
                     from, ", but this profile sends as ", agency,
                     "; import it with the sending agency's profile"));
  }
  if (doc.header.business().type() != truc::v1::BUSINESS_TYPE_NEW) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": a ", truc::v1::BusinessType_Name(doc.header.business().type()),
        " (BussinessDocType ", static_cast<int>(doc.header.business().type()),
        ") names a document sent before; truc sends only new documents "
        "(BussinessDocType 0) from edXML so far"));
  }
  std::set<std::string> names;
  for (const auto& a : doc.header.attachments()) {
    absl::Status ok = ValidateAttachmentName(a.name());
    if (!ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": attachment ", a.content_id(), ": ", ok.message()));
    }
    if (!names.insert(a.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": two attachments are named \"", a.name(), "\""));
    }
  }
  DocumentToSend out;
  out.header = std::move(doc.header);
  out.warnings = std::move(doc.warnings);
  for (const auto& a : doc.attachments) out.paths.push_back(a.path);
  return out;
}

std::string IdempotencyKeyOf(const truc::v1::DocumentHeader& header) {
  std::string bytes;
  header.SerializeToString(&bytes);
  return absl::StrCat("edxml-", HexEncode(Sha256::Of(bytes)).substr(0, 32));
}

}  // namespace truc::edxml
