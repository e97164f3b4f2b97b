// One send in progress: the plain logic behind the streaming Send RPC.
// Begin checks the header and the sender's signature over it (and answers
// at once for a repeated idempotency key); AddChunk streams attachment bytes to
// staging files, checking order, offsets and declared sizes; Finish checks
// every attachment's SHA-256, places the files and commits the document in one
// batch.
//
// If the session is dropped before Finish succeeds (client gone, any
// error), nothing of the send is visible: staged files are removed.
//
// Thread-safety: one thread at a time (the RPC's reactor serialises reads).
#ifndef TRUC_HUB_EXCHANGE_SEND_SESSION_H_
#define TRUC_HUB_EXCHANGE_SEND_SESSION_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/exchange/blob_store.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/header_validation.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/trust.h"
#include "truc/v1/exchange.pb.h"

namespace truc::hub {

class SendSession {
 public:
  // `caller` is the sending agency's identity, from its TLS certificate, or
  // a bridge's, bringing in a document of an agency beyond the hub that it
  // reaches (kept for SendBegin.deliver_to only).
  SendSession(Ledger* ledger, Directory* directory, BlobStore* blobs,
              const HubTrust* trust, const HeaderLimits& limits,
              Identity caller)
      : ledger_(ledger),
        directory_(directory),
        blobs_(blobs),
        trust_(trust),
        limits_(limits),
        caller_(std::move(caller)) {}

  // Dispatches one client message. Returns a response when the send is
  // complete early (a repeated idempotency key), nullopt to keep reading.
  // Errors: INVALID_ARGUMENT / PERMISSION_DENIED / UNAUTHENTICATED /
  // RESOURCE_EXHAUSTED as in exchange.proto, naming the field, recipient,
  // signature or attachment at fault.
  absl::StatusOr<std::optional<truc::v1::SendResponse>> OnMessage(
      const truc::v1::SendRequest& request);

  // The client has sent everything: verify and commit.
  absl::StatusOr<truc::v1::SendResponse> Finish();

 private:
  absl::StatusOr<std::optional<truc::v1::SendResponse>> Begin(
      const truc::v1::SendBegin& begin);
  absl::Status AddChunk(const truc::v1::AttachmentChunk& chunk);
  // Completes attachment `index_`: all bytes present, digest right.
  absl::Status CompleteCurrent();
  std::string Describe(size_t index) const;
  // A bridge's deliver_to, checked: each a recipient of the header, none
  // reached back through the calling bridge.
  absl::StatusOr<std::vector<std::string>> DeliverTo(
      const truc::v1::SendBegin& begin) const;

  Ledger* const ledger_;
  Directory* const directory_;
  BlobStore* const blobs_;
  const HubTrust* const trust_;
  const HeaderLimits limits_;
  const Identity caller_;

  bool begun_ = false;
  std::string idempotency_key_;
  // A bridge's document: the CA its sender's signature checked out under.
  std::string origin_checked_under_;
  // A bridge's: the axes the document crossed before this hub.
  std::vector<truc::v1::TraceHeader> trace_;
  // A bridge's: the original edXML, expected after the last attachment
  // (empty sha256: none).
  truc::v1::AttachmentDescriptor original_;
  // How many files follow the header (the attachments, then the
  // original), and what file `index` must be.
  size_t Count() const;
  const truc::v1::AttachmentDescriptor& Expected(size_t index) const;
  truc::v1::Envelope envelope_;
  truc::v1::DocumentHeader header_;
  std::vector<std::string> deliver_to_;  // the recipients this hub keeps
  size_t index_ = 0;                     // the attachment being received
  std::unique_ptr<BlobStore::Upload> upload_;
  // Checked and synced in staging; placed in the store by Finish.
  std::vector<std::unique_ptr<BlobStore::Upload>> completed_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_SEND_SESSION_H_
