// HubServer: the whole hub in one object. Opens the store, the audit log,
// the directory, the certificate registry, the ledger and the attachment
// files under the configured data directory, and serves the Exchange,
// Operator and Audit services, gRPC health checking and server reflection
// over mutual TLS. Its maintenance thread signs audit checkpoints at the
// configured interval, reloads the hub's signing key and the console's
// TLS pair when their files change (the gRPC credentials reload
// themselves), and warns in the log of
// certificates close to their expiry.
//
// Thread-safety: Start, Shutdown and Wait from one controlling thread; the
// accessors are thread-safe.
#ifndef TRUC_HUB_SERVER_SERVER_H_
#define TRUC_HUB_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/signature.h"
#include "hub/server/metrics.h"
#include "hub/store/store.h"
#include "truc/v1/config.pb.h"

namespace grpc {
class Server;
}

namespace truc {
class WorkPool;
}  // namespace truc

namespace truc::hub {

class AccountStore;
class AlertEngine;
class DigestJob;
class Metrics;
class MetricsServer;
class NotificationQueue;
class Notifier;
class AuditLog;
class AuditService;
class Authenticator;
class AxisApi;
class AxisServer;
class AxisSystems;
class CarriedSend;
class BlobStore;
class CallTracker;
class CertificateRegistry;
class ChangeFeed;
class ConsoleApi;
class ConsoleServer;
class SessionTable;
class Directory;
class BridgeService;
class ExchangeService;
class HubSigningKey;
class HubTrust;
class Ledger;
class Operations;
class OperatorService;
class Offers;
class SendAdmission;

class HubServer {
 public:
  // Opens everything and starts serving `config` (as FinishHubConfig
  // returns it). `store` replaces the RocksDB store under data_dir when set
  // (tests inject faults this way); the server does not own it, and it
  // must outlive the server. Fails with
  // the store's error, UNAVAILABLE if the address cannot be bound, or
  // NOT_FOUND / INVALID_ARGUMENT for the TLS files.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(
      const truc::v1::HubConfig& config, Store* store = nullptr);
  ~HubServer();

  // The port it listens on (the real one when the config asked for 0).
  int port() const { return port_; }
  // The console's port, or 0 when it is not served.
  int console_port() const;
  // The national-axis API's port, or 0 when it is not served.
  int axis_port() const;
  // The metrics' port, or 0 when they are not served.
  int metrics_port() const;
  // Ends parked polls, refuses sends waiting for their turn (UNAVAILABLE),
  // stops accepting calls, waits up to 2 s for the calls in flight, and
  // signs a last audit checkpoint. Idempotent.
  void Shutdown();
  // Blocks until Shutdown is called from another thread.
  void Wait();

  Directory* directory() { return directory_.get(); }
  Ledger* ledger() { return ledger_.get(); }
  BlobStore* blobs() { return blobs_.get(); }
  SendAdmission* admission() { return admission_.get(); }
  AuditLog* audit() { return audit_.get(); }
  CertificateRegistry* certificates() { return certificates_.get(); }
  AccountStore* accounts() { return accounts_.get(); }
  AxisSystems* systems() { return systems_.get(); }
  CallTracker* calls() { return calls_.get(); }
  ChangeFeed* feed() { return feed_.get(); }
  AlertEngine* alerts() { return alerts_.get(); }
  Notifier* notifier() { return notifier_.get(); }
  Store* store() { return store_; }

 private:
  HubServer() = default;
  // The metrics read from the hub at a scrape (metrics.h).
  std::vector<GaugeFamily> Gauges();
  // The maintenance thread's loop (see the class comment).
  void Maintain(const truc::v1::HubConfig& config);

  std::unique_ptr<Store> owned_store_;
  Store* store_ = nullptr;
  std::unique_ptr<HubSigningKey> key_;
  // The TLS pair the console and the national-axis API present, when it is
  // not the signing key's; and the function they ask for it.
  std::unique_ptr<HubSigningKey> tls_key_;
  std::function<std::shared_ptr<const Signer>()> tls_pair_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<CertificateRegistry> certificates_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<HubTrust> trust_;
  // Before the ledger, which publishes to it, and the console, which reads.
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<NotificationQueue> queue_;
  std::unique_ptr<AlertEngine> alerts_;
  std::unique_ptr<DigestJob> digests_;  // null when daily digests are off
  // Before the gRPC server, whose interceptor reports to it.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<SessionTable> sessions_;
  std::unique_ptr<ConsoleApi> console_api_;
  std::unique_ptr<ConsoleServer> console_;
  std::unique_ptr<AxisSystems> systems_;
  std::unique_ptr<CarriedSend> carried_;
  std::unique_ptr<AxisApi> axis_api_;
  std::unique_ptr<AxisServer> axis_server_;
  // Outlives the server: sends end (Release) until the server is gone.
  std::unique_ptr<SendAdmission> admission_;
  // Outlives the server: calls in flight finish on it during shutdown.
  std::unique_ptr<WorkPool> pool_;
  // After the ledger and the pool: it holds the leases the ledger records
  // and posts parked polls' wakes to the pool; destroyed (its thread
  // joined) before either.
  std::unique_ptr<Offers> offers_;
  // Outlive the server: calls remove themselves as they end.
  std::unique_ptr<CallTracker> calls_;
  std::shared_ptr<Authenticator> auth_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<ExchangeService> exchange_;
  std::unique_ptr<BridgeService> bridge_;
  std::unique_ptr<OperatorService> operator_;
  std::unique_ptr<AuditService> audit_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;

  absl::Mutex maintenance_mu_;
  bool stop_maintenance_ ABSL_GUARDED_BY(maintenance_mu_) = false;
  std::thread maintenance_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_SERVER_SERVER_H_
