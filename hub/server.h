// HubServer: the whole hub in one object. Opens the store, the directory,
// the ledger and the attachment files under the configured data directory,
// and serves the Exchange and Operator services, gRPC health checking and
// server reflection over mutual TLS.
//
// Thread-safety: Start, Shutdown and Wait from one controlling thread; the
// accessors are thread-safe.
#ifndef TRUC_HUB_SERVER_H_
#define TRUC_HUB_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/store.h"
#include "truc/v1/config.pb.h"

namespace grpc {
class Server;
}

namespace truc::hub {

class Directory;
class Ledger;
class BlobStore;
class PollWaiters;
class SendAdmission;
class WorkPool;
class ExchangeService;
class OperatorService;

class HubServer {
 public:
  // Opens everything and starts serving `config` (as FinishHubConfig
  // returns it). `store` replaces the RocksDB store under data_dir when set
  // (tests inject faults this way); the server does not own it. Fails with
  // the store's error, UNAVAILABLE if the address cannot be bound, or
  // NOT_FOUND / INVALID_ARGUMENT for the TLS files.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(
      const truc::v1::HubConfig& config, Store* store = nullptr);
  ~HubServer();

  // The port it listens on (the real one when the config asked for 0).
  int port() const { return port_; }
  // Ends parked polls, refuses sends waiting for their turn (UNAVAILABLE),
  // stops accepting calls, waits up to 2 s for the
  // calls in flight. Idempotent.
  void Shutdown();
  // Blocks until Shutdown is called from another thread.
  void Wait();

  Directory* directory() { return directory_.get(); }
  Ledger* ledger() { return ledger_.get(); }
  BlobStore* blobs() { return blobs_.get(); }
  SendAdmission* admission() { return admission_.get(); }
  Store* store() { return store_; }

 private:
  HubServer() = default;

  std::unique_ptr<Store> owned_store_;
  Store* store_ = nullptr;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<PollWaiters> waiters_;
  // Outlives the server: sends end (Release) until the server is gone.
  std::unique_ptr<SendAdmission> admission_;
  // Outlives the server: calls in flight finish on it during shutdown.
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<ExchangeService> exchange_;
  std::unique_ptr<OperatorService> operator_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_SERVER_H_
