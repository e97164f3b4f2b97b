#include "hub/exchange/header_validation.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/attachment_name.h"
#include "common/identity.h"
#include "common/status_macros.h"

namespace truc::hub {
namespace {

absl::Status Required(bool present, absl::string_view field) {
  if (present) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("required field missing: ", field));
}

absl::Status ValidDate(const truc::v1::Date& d, absl::string_view field) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  bool ok = d.year() >= 1945 && d.year() <= 2200 && d.month() >= 1 &&
            d.month() <= 12 && d.day() >= 1 && d.day() <= kDays[d.month() - 1];
  if (ok && d.month() == 2 && d.day() == 29) {
    int y = d.year();
    ok = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("%s is not a valid date: %04d-%02d-%02d", field, d.year(),
                      d.month(), d.day()));
}

}  // namespace

absl::StatusOr<truc::v1::DocumentHeader> ParseAndValidateHeader(
    const std::string& bytes, const std::string& caller,
    const HeaderLimits& limits) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        "required field missing: envelope.header");
  }
  if (bytes.size() > limits.max_header_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("header is ", bytes.size(),
                                                     " bytes; the limit is ",
                                                     limits.max_header_bytes));
  }
  truc::v1::DocumentHeader h;
  if (!h.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        "envelope.header is not a serialized truc.v1.DocumentHeader (or has "
        "text that is not UTF-8)");
  }
  // Secret documents are refused before anything else is looked at.
  if (h.secrecy() != truc::v1::SECRECY_UNSPECIFIED &&
      h.secrecy() != truc::v1::SECRECY_NONE) {
    return absl::InvalidArgumentError(absl::StrCat(
        "secret documents (", truc::v1::Secrecy_Name(h.secrecy()),
        ": mật, tối mật, tuyệt mật) never travel on the axis; send it by the "
        "secret channel"));
  }
  TRUC_RETURN_IF_ERROR(Required(!h.from().organ_id().empty(), "from.organ_id"));
  if (h.from().organ_id() != caller) {
    return absl::PermissionDeniedError(
        absl::StrCat("from.organ_id is ", h.from().organ_id(),
                     " but the sending certificate is agency ", caller));
  }
  if (h.to_size() == 0) {
    return absl::InvalidArgumentError(
        "no recipient: the header's `to` is empty");
  }
  if (static_cast<uint32_t>(h.to_size()) > limits.max_recipients) {
    return absl::ResourceExhaustedError(absl::StrCat(
        h.to_size(), " recipients; the limit is ", limits.max_recipients));
  }
  std::set<std::string> seen;
  for (int i = 0; i < h.to_size(); ++i) {
    const std::string& code = h.to(i).organ_id();
    TRUC_RETURN_IF_ERROR(
        Required(!code.empty(), absl::StrCat("to[", i, "].organ_id")));
    absl::Status valid = ValidateAgencyCode(code);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("to[", i, "]: ", valid.message()));
    }
    if (!seen.insert(code).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("recipient ", code, " is listed twice"));
    }
  }
  TRUC_RETURN_IF_ERROR(Required(!h.subject().empty(), "subject"));
  TRUC_RETURN_IF_ERROR(
      Required(!h.code().code_number().empty(), "code.code_number"));
  TRUC_RETURN_IF_ERROR(
      Required(!h.code().code_notation().empty(), "code.code_notation"));
  TRUC_RETURN_IF_ERROR(Required(!h.document_type().type_name().empty(),
                                "document_type.type_name"));
  TRUC_RETURN_IF_ERROR(Required(h.promulgation().has_promulgation_date(),
                                "promulgation.promulgation_date"));
  TRUC_RETURN_IF_ERROR(ValidDate(h.promulgation().promulgation_date(),
                                 "promulgation.promulgation_date"));
  if (h.has_due_date())
    TRUC_RETURN_IF_ERROR(ValidDate(h.due_date(), "due_date"));
  TRUC_RETURN_IF_ERROR(
      Required(!h.signer().full_name().empty(), "signer.full_name"));
  if (h.urgency() == truc::v1::URGENCY_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "required field missing: urgency (normal, urgent, very urgent, "
        "express, "
        "express by a stated time)");
  }
  if (!truc::v1::Urgency_IsValid(h.urgency())) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown urgency ", h.urgency()));
  }
  if (h.urgency() == truc::v1::URGENCY_EXPRESS_TIMED &&
      h.express_deadline().unix_micros() <= 0) {
    return absl::InvalidArgumentError(
        "required field missing: express_deadline (urgency is express by a "
        "stated time)");
  }
  if (h.business().type() != truc::v1::BUSINESS_TYPE_NEW) {
    TRUC_RETURN_IF_ERROR(
        Required(!h.business().reason().empty(), "business.reason"));
    TRUC_RETURN_IF_ERROR(Required(!h.business().target_document_id().empty(),
                                  "business.target_document_id"));
  }
  if (static_cast<uint32_t>(h.attachments_size()) > limits.max_attachments) {
    return absl::ResourceExhaustedError(
        absl::StrCat(h.attachments_size(), " attachments; the limit is ",
                     limits.max_attachments));
  }
  std::set<std::string> names;
  for (int i = 0; i < h.attachments_size(); ++i) {
    const auto& a = h.attachments(i);
    TRUC_RETURN_IF_ERROR(ValidateAttachmentName(a.name()));
    if (!names.insert(a.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("attachment name \"", a.name(), "\" is used twice"));
    }
    if (a.sha256().size() != 32) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attachments[", i, "] (\"", a.name(),
          "\"): sha256 must be 32 bytes, not ", a.sha256().size()));
    }
    if (a.size() > limits.max_attachment_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("attachment \"", a.name(), "\" is ", a.size(),
                       " bytes; the limit is ", limits.max_attachment_bytes));
    }
  }
  return h;
}

}  // namespace truc::hub
