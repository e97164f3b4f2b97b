#include "edge-agent/status_report.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "edge-agent/names.h"

namespace truc::agent {
namespace {

constexpr absl::string_view kAllowed =
    "02 (refused), 03 (accepted), 04 (assigned), 05 (processing), "
    "06 (completed)";

struct Named {
  absl::string_view name;
  truc::v1::EdxmlStatus status;
};
constexpr Named kNames[] = {
    {"refused", truc::v1::EDXML_STATUS_REFUSED},
    {"accepted", truc::v1::EDXML_STATUS_ACCEPTED},
    {"assigned", truc::v1::EDXML_STATUS_ASSIGNED},
    {"processing", truc::v1::EDXML_STATUS_PROCESSING},
    {"completed", truc::v1::EDXML_STATUS_COMPLETED},
};

}  // namespace

std::string StatusCodeLabel(truc::v1::EdxmlStatus status) {
  for (const Named& n : kNames) {
    if (n.status == status) {
      return absl::StrCat("0", static_cast<int>(status), " (", n.name, ")");
    }
  }
  return absl::StrCat(static_cast<int>(status));
}

absl::StatusOr<truc::v1::EdxmlStatus> ParseStatusCode(absl::string_view text) {
  const std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (const Named& n : kNames) {
    if (lower == n.name) return n.status;
  }
  int code = 0;
  bool digits = !lower.empty() && lower.size() <= 2 &&
                lower.find_first_not_of("0123456789") == std::string::npos &&
                absl::SimpleAtoi(lower, &code);
  if (digits && code >= 2 && code <= 6) {
    return static_cast<truc::v1::EdxmlStatus>(code);
  }
  if (digits && code == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status code \"", text,
        "\": 01 (arrived) is recorded by the hub when the agent acknowledges "
        "a document; report one of ",
        kAllowed));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("status code \"", text, "\" is not one of ", kAllowed));
}

absl::StatusOr<std::string> ReceivedHeaderDigest(
    const AgentFolders& folders, const std::string& document_id) {
  const std::string marker = JoinPath(folders.received(), document_id);
  auto text = ReadFile(marker, 1 << 20);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(absl::StrCat(
          "document ", document_id, " was not received by this agent (no ",
          marker,
          "); status can only be reported on documents this agency "
          "received"));
    }
    return text.status();
  }
  auto bytes = Dearmor(kReceiptLabel, *text);
  truc::v1::Receipt statement;
  truc::v1::ReceiptBody body;
  if (bytes.ok() && statement.ParseFromString(*bytes) &&
      body.ParseFromString(statement.body())) {
    return body.header_sha256();
  }
  return absl::DataLossError(
      absl::StrCat("the marker ", marker, " of document ", document_id,
                   " does not hold this agent's signed statement of the "
                   "arrival (the file was altered)"));
}

absl::StatusOr<truc::v1::ReportStatusResponse> ReportStatus(
    truc::v1::Exchange::StubInterface* stub, const AgentFolders& folders,
    const AgentKeys& keys, truc::v1::ReportStatusRequest request) {
  TRUC_RETURN_IF_ERROR(ValidateDocumentId(request.document_id()));
  if (request.status() < truc::v1::EDXML_STATUS_REFUSED ||
      request.status() > truc::v1::EDXML_STATUS_COMPLETED) {
    return absl::InvalidArgumentError(
        absl::StrCat("status ", static_cast<int>(request.status()),
                     " is not one of ", kAllowed));
  }
  TRUC_ASSIGN_OR_RETURN(const std::string digest,
                        ReceivedHeaderDigest(folders, request.document_id()));
  TRUC_ASSIGN_OR_RETURN(
      *request.mutable_receipt(),
      SignStatusStatement(*keys.signer, request.document_id(), digest,
                          request.status(), request.description(),
                          NowMicros()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  truc::v1::ReportStatusResponse response;
  grpc::Status status = stub->ReportStatus(&ctx, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace truc::agent
