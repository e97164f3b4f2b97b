// `truc send`: a document header built from a clerk's flags, checked
// locally, then sent with its attachment files through the Exchange service
// (common/exchange_client.h streams them in chunks).
//
// Thread-safety: functions are thread-safe; the stub may be shared.
#ifndef TRUC_CLI_SEND_H_
#define TRUC_CLI_SEND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/exchange_client.h"
#include "common/identity.h"
#include "common/signature.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::cli {

// The flags of `truc send`, as typed (UTF-8).
struct SendFlags {
  std::vector<std::string> to;  // agency codes; each may be "A,B"
  std::string subject;          // trích yếu
  std::string number;           // số
  std::string notation;         // ký hiệu, e.g. "UBND-VP"
  std::string type;             // loại văn bản, e.g. "Công văn"
  std::string signer;           // full name of the signer
  std::string signer_position;  // e.g. "Chủ tịch"
  std::string urgency = "normal";
  std::string deadline;  // "dd/MM/yyyy HH:mm", Vietnam time
  std::string secrecy = "none";
  std::string due;              // "dd/MM/yyyy"
  std::string place;            // nơi ban hành, e.g. "Lạng Sơn"
  std::string content;          // summary
  std::string idempotency_key;  // empty: a new random key
  std::string receipt;          // where to save the hub's receipt, if set
  std::vector<std::string> files;
};

// The recipient codes of `to`, split on commas, trimmed, in order, without
// duplicates. Fails INVALID_ARGUMENT when empty or on a malformed code.
absl::StatusOr<std::vector<std::string>> ParseRecipients(
    const std::vector<std::string>& to);

// A header from `flags`: recipients, code, type, subject, content, signer,
// urgency (with express_deadline), secrecy, due date, place. Does not fill
// the sender or the attachments (see CompleteHeader). Fails
// INVALID_ARGUMENT naming the flag: no --to, a required flag empty
// (--subject, --number, --notation, --type, --signer), an unknown urgency
// or secrecy word, express-timed without --deadline, --deadline with
// another urgency, a malformed date or time.
absl::StatusOr<truc::v1::DocumentHeader> BuildHeader(const SendFlags& flags);

// Builds the header, refuses locally what never travels on the axis (a
// secret document) and a sender that is not an agency, describes the files,
// signs the header with `signer` (the sending agency's key) and sends.
// Checks the hub's signed receipt against `anchor` and, with
// flags.receipt, saves it there (`truc receipt verify` reads it). Prints
// the document id alone on `out` (or the SendResponse as JSON with
// `json`); a note on `err` when the hub reports a duplicate. On a failed
// send with a generated idempotency key, the error says which key to retry
// with so the document is not stored twice. A receipt that does not verify
// fails UNAUTHENTICATED after the send (the document is stored; its id is
// printed).
absl::Status RunSend(truc::v1::Exchange::StubInterface* stub,
                     const Signer& signer, const TrustAnchor& anchor,
                     const SendFlags& flags, bool json, std::ostream& out,
                     std::ostream& err);

// Sends `header` (its attachments described, in the order of `files`),
// signed by `signer`, as RunSend does from there: with `idempotency_key`
// (a new random one when empty, named in the error when the outcome of a
// failed send is unknown), printing the document id (or JSON), noting a
// duplicate on `err`, checking the hub's receipt against `anchor` and
// saving it to `receipt_path` when set.
absl::Status SendPrepared(truc::v1::Exchange::StubInterface* stub,
                          const Signer& signer, const TrustAnchor& anchor,
                          const truc::v1::DocumentHeader& header,
                          const std::vector<AttachmentFile>& files,
                          const std::string& idempotency_key,
                          const std::string& receipt_path, bool json,
                          std::ostream& out, std::ostream& err);

}  // namespace truc::cli

#endif  // TRUC_CLI_SEND_H_
