// What the exchange service and its reactors (send, poll, download) use.
// Owned by HubServer; every pointer outlives the calls.
#ifndef TRUC_HUB_RPC_EXCHANGE_DEPS_H_
#define TRUC_HUB_RPC_EXCHANGE_DEPS_H_

#include <cstdint>

#include "common/work_pool.h"
#include "hub/exchange/blob_store.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/header_validation.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/offers.h"
#include "hub/exchange/trust.h"
#include "hub/operations/operations.h"
#include "hub/rpc/authenticator.h"
#include "hub/rpc/call_tracker.h"
#include "hub/rpc/send_admission.h"

namespace truc::hub {

struct ExchangeDeps {
  Operations* operations;
  Authenticator* auth;
  Directory* directory;
  Ledger* ledger;
  BlobStore* blobs;
  Offers* offers;  // leases and parked polls
  SendAdmission* admission;
  WorkPool* pool;  // runs every reaction that may wait for the disk
  CallTracker* calls;
  CertificateRegistry* certificates;
  const HubTrust* trust;
  HeaderLimits limits;
  uint32_t max_poll_wait_seconds;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_EXCHANGE_DEPS_H_
