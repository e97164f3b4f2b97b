#include "hub/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/tls.h"
#include "common/urgency.h"
#include "common/work_pool.h"
#include "hub/axis/api.h"
#include "hub/axis/server.h"
#include "hub/console/api.h"
#include "hub/console/server.h"
#include "hub/console/sessions.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/blob_store.h"
#include "hub/exchange/carried_send.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/change_feed.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/offers.h"
#include "hub/exchange/trust.h"
#include "hub/ops/accounts.h"
#include "hub/ops/alerts.h"
#include "hub/ops/axis_systems.h"
#include "hub/ops/digests.h"
#include "hub/ops/notifier.h"
#include "hub/rpc/audit_service.h"
#include "hub/rpc/authenticator.h"
#include "hub/rpc/bridge_service.h"
#include "hub/rpc/call_tracker.h"
#include "hub/rpc/exchange_service.h"
#include "hub/rpc/operator_service.h"
#include "hub/rpc/send_admission.h"
#include "hub/server/metrics.h"
#include "hub/store/rocksdb_store.h"

namespace truc::hub {
namespace {

// How often the registry's last-use times reach the store, and how often
// an expiring certificate is warned about again.
constexpr int64_t kFlushMicros = 60'000'000;
constexpr int64_t kRewarnMicros = int64_t{24} * 3600 * 1'000'000;

// The web doors' limits from the config; a limit left at 0 (a config not
// read by LoadHubConfig, as in tests) keeps HttpLimits' default, which is
// the config's.
HttpLimits DoorLimitsOf(const truc::v1::WebDoorLimits& c) {
  HttpLimits l;
  const auto take = [](uint32_t value, uint32_t* into) {
    if (value != 0) *into = value;
  };
  take(c.max_connections(), &l.max_connections);
  take(c.max_connections_per_client(), &l.max_connections_per_client);
  take(c.handshake_timeout_seconds(), &l.handshake_timeout_seconds);
  take(c.header_timeout_seconds(), &l.header_timeout_seconds);
  take(c.keep_alive_seconds(), &l.keep_alive_seconds);
  take(c.io_timeout_seconds(), &l.io_timeout_seconds);
  take(c.worker_threads(), &l.worker_threads);
  return l;
}

}  // namespace

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
      hub->key_,
      HubSigningKey::Load(config.signing().key(), config.signing().cert()));
  TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor,
                        TrustAnchor::FromFile(config.tls().ca_cert()));
  HubSigningKey* key = hub->key_.get();
  TRUC_ASSIGN_OR_RETURN(
      hub->audit_,
      AuditLog::Open(hub->store_, NowMicros, [key] { return key->Current(); }));
  TRUC_ASSIGN_OR_RETURN(
      hub->directory_,
      Directory::Load(hub->store_, hub->audit_.get(), NowMicros,
                      int64_t{config.silence_threshold_seconds()} * 1'000'000));
  TRUC_ASSIGN_OR_RETURN(
      hub->certificates_,
      CertificateRegistry::Load(
          hub->store_, hub->audit_.get(), NowMicros,
          int64_t{config.certificate_warning_days()} * 86400 * 1'000'000));
  TRUC_ASSIGN_OR_RETURN(hub->accounts_,
                        AccountStore::Load(hub->store_, hub->audit_.get(),
                                           hub->directory_.get(), NowMicros));
  hub->trust_ = std::make_unique<HubTrust>(
      std::move(anchor), hub->certificates_.get(), key, NowMicros);
  std::vector<TrustAnchor> federated;
  for (const auto& path : config.federated_ca_certs()) {
    TRUC_ASSIGN_OR_RETURN(TrustAnchor f, TrustAnchor::FromFile(path));
    federated.push_back(std::move(f));
  }
  hub->trust_->SetFederatedAnchors(std::move(federated));
  hub->pool_ =
      std::make_unique<WorkPool>(static_cast<int>(config.worker_threads()));
  WorkPool* pool = hub->pool_.get();
  hub->offers_ = std::make_unique<Offers>(
      [pool](std::function<void()> wake) { pool->Run(std::move(wake)); });
  hub->ledger_ = std::make_unique<Ledger>(
      hub->store_, hub->directory_.get(), hub->audit_.get(), hub->trust_.get(),
      hub->offers_.get(), NowMicros,
      LedgerOptions{
          .lease_micros = int64_t{config.lease_seconds()} * 1'000'000,
          .hub_name = config.name().empty()
                          ? hub->trust_->anchor().certificate().common_name()
                          : config.name(),
          .trace_organ_id = config.axis_organ_id()});
  hub->feed_ = std::make_unique<ChangeFeed>();
  hub->ledger_->SetChangeFeed(hub->feed_.get());
  TRUC_ASSIGN_OR_RETURN(
      hub->notifier_,
      Notifier::Create(hub->store_, config.notify(), NowMicros));
  TRUC_ASSIGN_OR_RETURN(hub->queue_,
                        NotificationQueue::Load(
                            hub->store_, Notifier::Channels(config.notify())));
  TRUC_ASSIGN_OR_RETURN(
      hub->alerts_,
      AlertEngine::Load(hub->store_, hub->audit_.get(), hub->directory_.get(),
                        hub->ledger_.get(), hub->feed_.get(), NowMicros,
                        AlertThresholds::From(config.alerts()),
                        hub->queue_.get(),
                        key->Current()->identity().Principal()));
  if (config.notify().daily_digests()) {
    hub->digests_ = std::make_unique<DigestJob>(
        hub->store_, hub->audit_.get(), hub->directory_.get(),
        hub->ledger_.get(), hub->queue_.get(), NowMicros,
        config.notify().digest_hour(), key->Current()->identity().Principal());
  }
  hub->metrics_ = std::make_unique<Metrics>();
  Metrics* metrics = hub->metrics_.get();
  hub->feed_->Observe([metrics](const Change& c) { metrics->Observe(c); });
  metrics->AddGauges([self = hub.get()] { return self->Gauges(); });

  const auto& sl = config.send_limits();
  hub->admission_ = std::make_unique<SendAdmission>(AdmissionLimits{
      sl.max_in_flight(), sl.per_second(), sl.burst(), sl.max_waiting()});

  hub->calls_ = std::make_unique<CallTracker>(
      CallLimits{config.max_streams_per_caller(),
                 int64_t{config.max_call_seconds()} * 1'000'000},
      SteadyMicros);  // a step of the wall clock moves no call's end
  CallTracker* calls = hub->calls_.get();
  // A revocation ends the certificate's open calls at once; new ones are
  // refused by the authenticator.
  hub->certificates_->AddOnRevoked(
      [calls](const truc::v1::CertificateInfo& revoked) {
        const size_t ended = calls->EndCallsOf(
            revoked.serial(),
            absl::UnauthenticatedError(absl::StrCat(
                "certificate ", revoked.serial(), " was revoked by ",
                revoked.revoked_by(), ": ", revoked.revocation_reason())));
        LogEvent("revoked_calls_ended", {{"serial", revoked.serial()},
                                         {"calls", absl::StrCat(ended)}});
      });
  hub->auth_ = std::make_shared<Authenticator>(hub->certificates_.get());

  // The national-axis API's systems exist whether or not the door is
  // served, so that operators can add them before opening it; their
  // agencies' senders get status notices.
  TRUC_ASSIGN_OR_RETURN(
      hub->systems_,
      AxisSystems::Open(hub->store_, hub->audit_.get(), hub->directory_.get(),
                        NowMicros, config.axis_api().key_file()));
  AxisSystems* systems = hub->systems_.get();
  hub->ledger_->SetStatusNoticeFilter([systems](const std::string& agency) {
    return systems->HasActiveSystem(agency);
  });
  const HeaderLimits limits{config.max_header_bytes(),
                            config.max_attachment_bytes(),
                            config.max_attachments(), config.max_recipients()};
  hub->carried_ = std::make_unique<CarriedSend>(
      hub->ledger_.get(), hub->directory_.get(), hub->blobs_.get(),
      hub->trust_.get(), limits);
  hub->operations_ = std::make_unique<Operations>(OperationsDeps{
      hub->ledger_.get(), hub->directory_.get(), hub->certificates_.get(),
      hub->accounts_.get(), hub->audit_.get(), hub->trust_.get(),
      hub->alerts_.get(), NowMicros, config.axis_organ_id(), systems,
      hub->carried_.get()});
  Operations* operations = hub->operations_.get();
  const ExchangeDeps exchange_deps{operations,
                                   hub->auth_.get(),
                                   hub->directory_.get(),
                                   hub->ledger_.get(),
                                   hub->blobs_.get(),
                                   hub->offers_.get(),
                                   hub->admission_.get(),
                                   hub->pool_.get(),
                                   hub->calls_.get(),
                                   hub->certificates_.get(),
                                   hub->trust_.get(),
                                   limits,
                                   config.max_poll_wait_seconds()};
  hub->exchange_ = std::make_unique<ExchangeService>(exchange_deps);
  hub->bridge_ = std::make_unique<BridgeService>(exchange_deps);
  hub->operator_ = std::make_unique<OperatorService>(
      OperatorDeps{operations, hub->auth_.get(), hub->pool_.get()});
  hub->audit_service_ = std::make_unique<AuditService>(AuditDeps{
      operations, hub->auth_.get(), hub->directory_.get(), hub->pool_.get()});

  TRUC_ASSIGN_OR_RETURN(
      auto creds,
      MakeServerCredentials(config.tls(), config.tls_reload_seconds()));
  creds->SetAuthMetadataProcessor(hub->auth_);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(hub->metrics_->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.AddListeningPort(config.listen_address(), creds, &hub->port_);
  builder.RegisterService(hub->exchange_.get());
  builder.RegisterService(hub->bridge_.get());
  builder.RegisterService(hub->operator_.get());
  builder.RegisterService(hub->audit_service_.get());
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
  // The doors the console and the national-axis API present the hub's TLS
  // pair: the signing key when that is the same files (the default), else
  // a pair of their own, reloaded with it.
  const HubSigningKey* tls_key = hub->key_.get();
  if (config.tls().key() != config.signing().key() ||
      config.tls().cert() != config.signing().cert()) {
    TRUC_ASSIGN_OR_RETURN(
        hub->tls_key_,
        HubSigningKey::Load(config.tls().key(), config.tls().cert()));
    tls_key = hub->tls_key_.get();
  }
  hub->tls_pair_ = [tls_key] { return tls_key->Current(); };
  const HttpLimits doors = DoorLimitsOf(config.web_doors());
  // The doors serve before the port file says the hub is up.
  if (!config.axis_api().listen_address().empty()) {
    const std::string scratch = JoinPath(config.data_dir(), "axis-scratch");
    (void)RemoveAll(scratch);  // what a crashed hub left
    hub->axis_api_ = std::make_unique<AxisApi>(AxisApiDeps{
        operations, systems, hub->directory_.get(), hub->blobs_.get(),
        NowMicros, scratch, config.axis_organ_id(),
        int64_t{config.axis_api().timestamp_window_seconds()} * 1'000'000,
        config.axis_api().directory_page_size()});
    TRUC_ASSIGN_OR_RETURN(
        hub->axis_server_,
        AxisServer::Start(config.axis_api(), doors, &hub->tls_pair_,
                          config.tls().ca_cert(), scratch,
                          hub->axis_api_.get()));
  }
  if (!config.console().listen_address().empty()) {
    hub->sessions_ = std::make_unique<SessionTable>(
        NowMicros,
        SessionPolicy{.idle_micros =
                          int64_t{config.console().session_idle_minutes()} *
                          60 * 1'000'000});
    SessionTable* sessions = hub->sessions_.get();
    hub->accounts_->AddOnRevoked(
        [sessions](const std::string& name) { sessions->EndAccount(name); });
    hub->console_api_ = std::make_unique<ConsoleApi>(
        ConsoleDeps{operations, hub->directory_.get(), hub->accounts_.get(),
                    sessions, NowMicros, hub->alerts_.get()});
    TRUC_ASSIGN_OR_RETURN(
        hub->console_, ConsoleServer::Start(config.console(), doors, tls_key,
                                            hub->console_api_.get(), sessions,
                                            hub->feed_.get()));
  }
  if (!config.metrics_listen_address().empty()) {
    TRUC_ASSIGN_OR_RETURN(hub->metrics_server_,
                          MetricsServer::Start(config.metrics_listen_address(),
                                               config.metrics_port_file(),
                                               doors, hub->metrics_.get()));
  }
  if (!config.port_file().empty()) {
    TRUC_RETURN_IF_ERROR(
        WriteFileDurably(config.port_file(), absl::StrCat(hub->port_, "\n")));
  }
  hub->notifier_->Start();
  HubServer* self = hub.get();
  hub->maintenance_ = std::thread([self, config] { self->Maintain(config); });
  return hub;
}

namespace {

// Reads `key`'s files again if they changed, and says so in the log.
void ReloadKey(HubSigningKey* key, absl::string_view what) {
  auto reloaded = key->Reload();
  if (!reloaded.ok()) {
    LogEvent(absl::StrCat(what, "_reload_failed"),
             {{"reason", std::string(reloaded.status().message())},
              {"kept", "the key in use"}});
  } else if (*reloaded) {
    LogEvent(absl::StrCat(what, "_reloaded"),
             {{"serial", key->Current()->identity().serial_hex}});
  }
}

}  // namespace

void HubServer::Maintain(const truc::v1::HubConfig& config) {
  const int64_t checkpoint_every =
      int64_t{config.audit_checkpoint_seconds()} * 1'000'000;
  const int64_t reload_every = int64_t{config.tls_reload_seconds()} * 1'000'000;
  const int64_t alerts_every =
      int64_t{config.alerts().check_seconds()} * 1'000'000;
  int64_t last_checkpoint = NowMicros(), last_reload = last_checkpoint,
          last_flush = last_checkpoint, last_alerts = 0;
  std::map<std::string, int64_t> warned;  // serial -> when
  while (true) {
    const int64_t now = NowMicros();
    if (now - last_checkpoint >= checkpoint_every) {
      last_checkpoint = now;
      auto cp = audit_->Checkpoint();
      if (!cp.ok() && !absl::IsFailedPrecondition(cp.status())) {
        LogEvent("audit_checkpoint_failed",
                 {{"reason", std::string(cp.status().message())}});
      }
    }
    if (now - last_reload >= reload_every) {
      last_reload = now;
      ReloadKey(key_.get(), "signing_key");
      if (tls_key_) ReloadKey(tls_key_.get(), "console_certificate");
    }
    if (now - last_alerts >= alerts_every) {
      last_alerts = now;
      auto checked = alerts_->Evaluate();
      if (!checked.ok()) {
        LogEvent("alert_check_failed",
                 {{"reason", std::string(checked.status().message())}});
      }
      if (digests_) {
        auto queued = digests_->RunIfDue();
        if (!queued.ok()) {
          LogEvent("digests_failed",
                   {{"reason", std::string(queued.status().message())}});
        }
      }
    }
    if (now - last_flush >= kFlushMicros) {
      last_flush = now;
      (void)certificates_->Flush();
    }
    // Certificates close to their end: the agencies', and the hub's own.
    std::vector<truc::v1::CertificateInfo> expiring = certificates_->Expiring();
    const Identity& own = key_->Current()->identity();
    if (own.not_after_unix * 1'000'000 - now <
        certificates_->warning_micros()) {
      truc::v1::CertificateInfo& c = expiring.emplace_back();
      c.set_serial(own.serial_hex);
      c.set_principal(own.Principal());
      c.mutable_not_after()->set_unix_micros(own.not_after_unix * 1'000'000);
    }
    for (const auto& c : expiring) {
      int64_t& last = warned[c.serial()];
      if (last != 0 && now - last < kRewarnMicros) continue;
      last = now;
      LogEvent("certificate_expiring",
               {{"principal", c.principal()},
                {"serial", c.serial()},
                {"expires", FormatVietnamTime(c.not_after().unix_micros())},
                {"in", FormatAge(c.not_after().unix_micros() - now)},
                {"do", "issue a new one with truc ca issue"}});
    }
    absl::MutexLock lock(&maintenance_mu_);
    if (maintenance_mu_.AwaitWithTimeout(absl::Condition(&stop_maintenance_),
                                         absl::Seconds(1))) {
      return;
    }
  }
}

HubServer::~HubServer() { Shutdown(); }

void HubServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (maintenance_.joinable()) {
    {
      absl::MutexLock lock(&maintenance_mu_);
      stop_maintenance_ = true;
    }
    maintenance_.join();
  }
  if (metrics_server_) metrics_server_->Stop();
  if (notifier_) notifier_->Stop();
  if (feed_) feed_->Close();
  if (console_) console_->Stop();
  if (axis_server_) axis_server_->Stop();
  if (offers_) offers_->Shutdown();
  if (admission_) admission_->Shutdown();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
  // Calls still in flight were finished on the pool; drain and join it.
  if (pool_) pool_->Shutdown();
  // Parked polls were all answered by the offers' shutdown, on the pool;
  // its thread is joined when it is destroyed, before the ledger and the
  // pool (hub/server/server.h orders them).
  // What was logged last is covered by a signed checkpoint.
  if (audit_) (void)audit_->Checkpoint();
  if (certificates_) (void)certificates_->Flush();
}

int HubServer::metrics_port() const {
  return metrics_server_ ? metrics_server_->port() : 0;
}

std::vector<GaugeFamily> HubServer::Gauges() {
  std::vector<GaugeFamily> out;
  const int64_t now = NowMicros();
  // Deliveries not received, by urgency, and the oldest express one.
  std::map<std::string, double> outstanding;
  for (int rank = 0; rank < kUrgencyRanks; ++rank)
    outstanding[std::string(UrgencyName(UrgencyOfRank(rank)))] = 0;
  int64_t oldest_express = 0;
  double refused_on_arrival = 0;
  (void)ledger_->ForEachOutstanding([&](const Ledger::OutstandingDelivery& d) {
    outstanding[std::string(UrgencyName(UrgencyOfRank(d.rank)))] += 1;
    if (d.refused_on_arrival) refused_on_arrival += 1;
    if (d.rank == 0 &&
        (oldest_express == 0 || d.accepted_at_micros < oldest_express))
      oldest_express = d.accepted_at_micros;
    return true;
  });
  GaugeFamily& o = out.emplace_back();
  o.name = "truc_deliveries_outstanding";
  o.help =
      "Deliveries not yet received (refused on arrival included; paper "
      "copies count as received), by urgency.";
  for (const auto& [u, n] : outstanding)
    o.samples.push_back({{{"urgency", u}}, n});
  out.push_back({"truc_deliveries_refused_on_arrival",
                 "Deliveries whose recipient's agent refused the document on "
                 "arrival (it failed its checks): not received; resend them.",
                 {{{}, refused_on_arrival}}});
  out.push_back(
      {"truc_oldest_outstanding_express_age_seconds",
       "Age of the oldest express delivery not yet received (0: "
       "none).",
       {{{}, oldest_express == 0 ? 0.0 : (now - oldest_express) / 1e6}}});
  double silent = 0, never = 0;
  for (const auto& a : directory_->List()) {
    if (a.state() != truc::v1::AGENCY_STATE_ACTIVE) continue;
    if (!a.has_last_poll_at()) {
      never += 1;
    } else if (a.silent()) {
      silent += 1;
    }
  }
  out.push_back({"truc_agencies_silent",
                 "Active agencies whose agent polled once but not within the "
                 "silence threshold.",
                 {{{}, silent}}});
  out.push_back({"truc_agencies_never_polled",
                 "Active agencies whose agent has never polled.",
                 {{{}, never}}});
  double late = 0, quiet = 0;
  for (const auto& a : alerts_->Active()) {
    (a.kind() == truc::v1::Alert::KIND_SILENT_AGENCY ? quiet : late) += 1;
  }
  out.push_back({"truc_alerts_firing",
                 "Alerts raised now, by kind.",
                 {{{{"kind", "late_delivery"}}, late},
                  {{{"kind", "silent_agency"}}, quiet}}});
  out.push_back({"truc_store_size_bytes",
                 "The store's approximate size on disk.",
                 {{{}, static_cast<double>(store_->ApproximateSizeBytes())}}});
  out.push_back({"truc_audit_log_events",
                 "Events in the audit log.",
                 {{{}, static_cast<double>(audit_->size())}}});
  out.push_back(
      {"truc_console_sessions",
       "Console sessions open now.",
       {{{}, sessions_ ? static_cast<double>(sessions_->size()) : 0}}});
  return out;
}

int HubServer::console_port() const { return console_ ? console_->port() : 0; }

int HubServer::axis_port() const {
  return axis_server_ ? axis_server_->port() : 0;
}

void HubServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace truc::hub
