// A document that came through the hub's national-axis API (hub/axis/),
// stored as any send is: its header checked as SendSession checks one
// (fields, sender, secrecy, sizes, recipients known and active), each
// attachment's bytes placed in the blob store by their SHA-256, the
// system's original edXML kept beside them as evidence, and the document
// committed by the ledger in one batch with its audit event and the hub's
// acceptance receipt. The agency's software signs nothing truc can check,
// so the hub, which authenticated the system, signs the header as its
// carrier (Envelope.carried_for_system; docs/TRUST.md).
//
// On any failure nothing is stored: uploads not placed are removed.
//
// Thread-safety: thread-safe (each call stands alone).
#ifndef TRUC_HUB_EXCHANGE_CARRIED_SEND_H_
#define TRUC_HUB_EXCHANGE_CARRIED_SEND_H_

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

class CarriedSend {
 public:
  // Every pointer must outlive this object.
  CarriedSend(Ledger* ledger, Directory* directory, BlobStore* blobs,
              const HubTrust* trust, HeaderLimits limits)
      : ledger_(ledger),
        directory_(directory),
        blobs_(blobs),
        trust_(trust),
        limits_(limits) {}

  // Stores `header` (its attachments described, their bytes in
  // `attachment_paths` in the same order) sent by `agency` through
  // `system_id`, with the system's file `edxml_path` kept as evidence. The
  // same `idempotency_key` again returns the first answer (duplicate).
  // Errors: ParseAndValidateHeader's (INVALID_ARGUMENT, PERMISSION_DENIED,
  // RESOURCE_EXHAUSTED), the directory's for a recipient unknown or
  // suspended, INVALID_ARGUMENT for a file that is not its descriptor's,
  // the store's, the blob store's or the signer's.
  // `deliver_to`, when not empty, is the part of the header's recipients
  // this hub delivers to (a bridge's system: the others are reached some
  // other way); INVALID_ARGUMENT for one the header does not name.
  absl::StatusOr<truc::v1::SendResponse> Store(
      const std::string& agency, const std::string& system_id,
      const truc::v1::DocumentHeader& header,
      const std::vector<std::string>& attachment_paths,
      const std::string& edxml_path, const std::string& idempotency_key,
      const std::vector<std::string>& deliver_to = {});

 private:
  // Uploads the file at `path`, whose bytes must hash to `sha256` (empty:
  // computed first).
  absl::StatusOr<std::unique_ptr<BlobStore::Upload>> Upload(
      const std::string& path, std::string* sha256, uint64_t* size);

  Ledger* const ledger_;
  Directory* const directory_;
  BlobStore* const blobs_;
  const HubTrust* const trust_;
  const HeaderLimits limits_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_CARRIED_SEND_H_
