#include "cli/send.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/evidence.h"
#include "cli/format.h"
#include "cli/text.h"
#include "cli/vocabulary.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace truc::cli {
namespace {

// Trimmed `value`; INVALID_ARGUMENT naming `flag` if empty or not UTF-8.
absl::StatusOr<std::string> Required(absl::string_view flag,
                                     absl::string_view value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  if (v.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " is required"));
  }
  if (!IsValidUtf8(v)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " is not UTF-8 text"));
  }
  return std::string(v);
}

absl::Status CheckUtf8(absl::string_view flag, absl::string_view value) {
  if (IsValidUtf8(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(flag, " is not UTF-8 text"));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseRecipients(
    const std::vector<std::string>& to) {
  std::vector<std::string> codes;
  std::set<std::string> seen;
  for (const std::string& flag : to) {
    for (absl::string_view part : absl::StrSplit(flag, ',')) {
      std::string code(absl::StripAsciiWhitespace(part));
      if (code.empty()) continue;
      absl::Status valid = ValidateAgencyCode(code);
      if (!valid.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--to: ", valid.message()));
      }
      if (seen.insert(code).second) codes.push_back(std::move(code));
    }
  }
  if (codes.empty()) {
    return absl::InvalidArgumentError(
        "no recipient: name at least one agency with --to CODE[,CODE...]");
  }
  return codes;
}

absl::StatusOr<truc::v1::DocumentHeader> BuildHeader(const SendFlags& flags) {
  truc::v1::DocumentHeader h;
  TRUC_ASSIGN_OR_RETURN(std::vector<std::string> to, ParseRecipients(flags.to));
  for (const std::string& code : to) h.add_to()->set_organ_id(code);
  TRUC_ASSIGN_OR_RETURN(*h.mutable_subject(),
                        Required("--subject", flags.subject));
  TRUC_ASSIGN_OR_RETURN(*h.mutable_code()->mutable_code_number(),
                        Required("--number", flags.number));
  TRUC_ASSIGN_OR_RETURN(*h.mutable_code()->mutable_code_notation(),
                        Required("--notation", flags.notation));
  TRUC_ASSIGN_OR_RETURN(*h.mutable_document_type()->mutable_type_name(),
                        Required("--type", flags.type));
  TRUC_ASSIGN_OR_RETURN(*h.mutable_signer()->mutable_full_name(),
                        Required("--signer", flags.signer));
  TRUC_RETURN_IF_ERROR(CheckUtf8("--signer-position", flags.signer_position));
  h.mutable_signer()->set_position(
      std::string(absl::StripAsciiWhitespace(flags.signer_position)));
  TRUC_RETURN_IF_ERROR(CheckUtf8("--content", flags.content));
  h.set_content(flags.content);
  TRUC_RETURN_IF_ERROR(CheckUtf8("--place", flags.place));
  if (!flags.place.empty()) {
    h.mutable_promulgation()->set_place(
        std::string(absl::StripAsciiWhitespace(flags.place)));
  }

  TRUC_ASSIGN_OR_RETURN(truc::v1::Urgency urgency, ParseUrgency(flags.urgency));
  h.set_urgency(urgency);
  if (urgency == truc::v1::URGENCY_EXPRESS_TIMED) {
    if (flags.deadline.empty()) {
      return absl::InvalidArgumentError(
          "--urgency express-timed (Hỏa tốc hẹn giờ) needs --deadline "
          "\"dd/MM/yyyy HH:mm\" (Vietnam time)");
    }
    auto deadline = ParseVietnamDateTime(flags.deadline);
    if (!deadline.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--deadline: ", deadline.status().message()));
    }
    h.mutable_express_deadline()->set_unix_micros(*deadline);
  } else if (!flags.deadline.empty()) {
    return absl::InvalidArgumentError(
        "--deadline is only for --urgency express-timed (Hỏa tốc hẹn giờ)");
  }

  TRUC_ASSIGN_OR_RETURN(truc::v1::Secrecy secrecy, ParseSecrecy(flags.secrecy));
  h.set_secrecy(secrecy);
  if (!flags.due.empty()) {
    auto due = ParseDate(flags.due);
    if (!due.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--due: ", due.status().message()));
    }
    *h.mutable_due_date() = *due;
  }
  return h;
}

absl::Status RunSend(truc::v1::Exchange::StubInterface* stub,
                     const Signer& signer, const TrustAnchor& anchor,
                     const SendFlags& flags, bool json, std::ostream& out,
                     std::ostream& err) {
  const Identity& sender = signer.identity();
  if (sender.role != Role::kAgency) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this profile's certificate is for ", sender.ToString(),
        ", which cannot send documents: use the sending agency's profile"));
  }
  TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentHeader header, BuildHeader(flags));
  if (header.secrecy() != truc::v1::SECRECY_NONE &&
      header.secrecy() != truc::v1::SECRECY_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", SecrecyLabel(header.secrecy()),
                     " document never travels on the axis: send it on paper"));
  }
  if (flags.files.empty()) {
    return absl::InvalidArgumentError(
        "no file: name the document's files (the signed PDF first)");
  }
  std::vector<AttachmentFile> files;
  for (const std::string& path : flags.files) {
    AttachmentFile f;
    f.path = path;
    files.push_back(std::move(f));
  }
  TRUC_RETURN_IF_ERROR(CompleteHeader(sender.name, files, &header));
  return SendPrepared(stub, signer, anchor, header, files,
                      flags.idempotency_key, flags.receipt, json, out, err);
}

absl::Status SendPrepared(truc::v1::Exchange::StubInterface* stub,
                          const Signer& signer, const TrustAnchor& anchor,
                          const truc::v1::DocumentHeader& header,
                          const std::vector<AttachmentFile>& files,
                          const std::string& idempotency_key,
                          const std::string& receipt_path, bool json,
                          std::ostream& out, std::ostream& err) {
  if (idempotency_key.size() > 128) {
    return absl::InvalidArgumentError(
        "--idempotency-key is longer than 128 bytes");
  }
  const bool generated_key = idempotency_key.empty();
  const std::string key = generated_key ? NewIdempotencyKey() : idempotency_key;
  auto response = SendDocument(stub, signer, header, files, key);
  if (!response.ok()) {
    // The hint only where the outcome is unknown (the hub may have stored
    // the document before the answer was lost): a refusal stored nothing,
    // and the same send again would be refused again.
    if (!generated_key || !OutcomeMayBeUnknown(response.status().code()))
      return response.status();
    return absl::Status(
        response.status().code(),
        absl::StrCat(response.status().message(),
                     " [to retry without risk of sending twice, add "
                     "--idempotency-key ",
                     key, "]"));
  }
  if (response->duplicate()) {
    err << "truc: note: this idempotency key was already used; the hub kept "
           "the first document and stored nothing new\n";
  }
  if (json) {
    out << JsonOutput(*response);
  } else {
    out << response->document_id() << "\n";
  }
  auto checked = VerifyReceipt(anchor, response->receipt());
  if (!checked.ok() || checked->body.document_id() != response->document_id()) {
    return absl::UnauthenticatedError(
        absl::StrCat("document ", response->document_id(),
                     " was stored, but the hub's receipt does not verify: ",
                     checked.ok() ? "it names another document"
                                  : std::string(checked.status().message())));
  }
  if (!receipt_path.empty()) {
    TRUC_RETURN_IF_ERROR(WriteReceiptFile(receipt_path, response->receipt()));
    err << "truc: the hub's signed receipt is saved in " << receipt_path
        << "\n";
  }
  return absl::OkStatus();
}

}  // namespace truc::cli
