#include "hub/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/tls.h"
#include "hub/blob_store.h"
#include "hub/directory.h"
#include "hub/ledger.h"
#include "hub/poll_waiters.h"
#include "hub/rocksdb_store.h"
#include "hub/send_admission.h"
#include "hub/service.h"
#include "hub/work_pool.h"

namespace truc::hub {

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(
    const truc::v1::HubConfig& config, Store* store) {
  std::unique_ptr<HubServer> hub(new HubServer());
  TRUC_RETURN_IF_ERROR(MakeDirectories(config.data_dir(), 0750));
  if (store != nullptr) {
    hub->store_ = store;
  } else {
    TRUC_ASSIGN_OR_RETURN(
        auto rocks, RocksDbStore::Open(JoinPath(config.data_dir(), "db"),
                                       size_t{config.store_cache_mb()} << 20));
    hub->owned_store_ = std::move(rocks);
    hub->store_ = hub->owned_store_.get();
  }
  TRUC_ASSIGN_OR_RETURN(hub->blobs_, BlobStore::Open(config.data_dir()));
  TRUC_ASSIGN_OR_RETURN(
      hub->directory_,
      Directory::Load(hub->store_, NowMicros,
                      int64_t{config.silence_threshold_seconds()} * 1'000'000));
  hub->ledger_ = std::make_unique<Ledger>(
      hub->store_, hub->directory_.get(), NowMicros,
      LedgerOptions{.lease_micros =
                        int64_t{config.lease_seconds()} * 1'000'000});
  hub->waiters_ = std::make_unique<PollWaiters>();
  PollWaiters* waiters = hub->waiters_.get();
  hub->ledger_->SetOnQueued(
      [waiters](const std::string& r) { waiters->Notify(r); });

  const auto& sl = config.send_limits();
  hub->admission_ = std::make_unique<SendAdmission>(AdmissionLimits{
      sl.max_in_flight(), sl.per_second(), sl.burst(), sl.max_waiting()});

  hub->pool_ =
      std::make_unique<WorkPool>(static_cast<int>(config.worker_threads()));

  HubCore core{
      hub->directory_.get(),
      hub->ledger_.get(),
      hub->blobs_.get(),
      hub->waiters_.get(),
      hub->admission_.get(),
      hub->pool_.get(),
      HeaderLimits{config.max_header_bytes(), config.max_attachment_bytes(),
                   config.max_attachments(), config.max_recipients()},
      config.max_poll_wait_seconds()};
  hub->exchange_ = std::make_unique<ExchangeService>(core);
  hub->operator_ = std::make_unique<OperatorService>(core);

  TRUC_ASSIGN_OR_RETURN(auto creds, MakeServerCredentials(config.tls()));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), creds, &hub->port_);
  builder.RegisterService(hub->exchange_.get());
  builder.RegisterService(hub->operator_.get());
  // A chunk is at most 4 MiB; the header is capped separately.
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::max<uint64_t>(
      8 << 20, uint64_t{config.max_header_bytes()} + (1 << 20))));
  builder.SetMaxSendMessageSize(64 << 20);
  hub->server_ = builder.BuildAndStart();
  if (hub->server_ == nullptr || hub->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen_address(),
                     " (address in use, or not an address of this machine)"));
  }
  if (!config.port_file().empty()) {
    TRUC_RETURN_IF_ERROR(
        WriteFileDurably(config.port_file(), absl::StrCat(hub->port_, "\n")));
  }
  return hub;
}

HubServer::~HubServer() { Shutdown(); }

void HubServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (waiters_) waiters_->Shutdown();
  if (admission_) admission_->Shutdown();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
  // Calls still in flight were finished on the pool; drain and join it.
  if (pool_) pool_->Shutdown();
  // Parked polls were all answered by the waiters' shutdown; join its thread
  // before the ledger it calls goes away.
  waiters_.reset();
}

void HubServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace truc::hub
