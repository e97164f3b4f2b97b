#include "hub/server/config.h"

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/identity.h"
#include "common/net_address.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/tls.h"
#include "hub/ops/notifier.h"

namespace truc::hub {
namespace {

absl::Status InRange(uint64_t value, uint64_t lo, uint64_t hi,
                     absl::string_view field) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, " is ", value, "; it must be between ", lo, " and ", hi));
}

}  // namespace

absl::StatusOr<truc::v1::HubConfig> FinishHubConfig(
    truc::v1::HubConfig c, const std::string& base_dir) {
  if (c.listen_address().empty()) c.set_listen_address("127.0.0.1:7443");
  TRUC_RETURN_IF_ERROR(ParseHostPort(c.listen_address(), "listen_address",
                                     PortZero::kPicksAFreePort)
                           .status());
  if (c.data_dir().empty()) c.set_data_dir("data");
  c.set_data_dir(ResolvePath(base_dir, c.data_dir()));
  if (!c.port_file().empty())
    c.set_port_file(ResolvePath(base_dir, c.port_file()));
  if (!c.has_tls()) {
    return absl::InvalidArgumentError(
        "tls is required: tls { ca_cert: \"ca.crt\" cert: \"hub.crt\" key: "
        "\"hub.key\" }");
  }
  TRUC_ASSIGN_OR_RETURN(*c.mutable_tls(),
                        ResolveTlsFiles(c.tls(), base_dir, "tls"));
  if (c.name().size() > 200) {
    return absl::InvalidArgumentError(
        absl::StrCat("name must be at most 200 bytes, not ", c.name().size()));
  }
  for (int i = 0; i < c.federated_ca_certs_size(); ++i) {
    const std::string path = ResolvePath(base_dir, c.federated_ca_certs(i));
    auto anchor = TrustAnchor::FromFile(path);
    if (!anchor.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "federated_ca_certs: ", path, ": ", anchor.status().message()));
    }
    c.set_federated_ca_certs(i, path);
  }
  if (c.lease_seconds() == 0) c.set_lease_seconds(60);
  TRUC_RETURN_IF_ERROR(InRange(c.lease_seconds(), 1, 3600, "lease_seconds"));
  if (c.silence_threshold_seconds() == 0) c.set_silence_threshold_seconds(900);
  TRUC_RETURN_IF_ERROR(InRange(c.silence_threshold_seconds(), 10, 2592000,
                               "silence_threshold_seconds"));
  if (c.max_header_bytes() == 0) c.set_max_header_bytes(256 << 10);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_header_bytes(), 1024, 16 << 20, "max_header_bytes"));
  if (c.max_attachment_bytes() == 0)
    c.set_max_attachment_bytes(uint64_t{2} << 30);
  TRUC_RETURN_IF_ERROR(InRange(c.max_attachment_bytes(), 1, uint64_t{64} << 30,
                               "max_attachment_bytes"));
  if (c.max_attachments() == 0) c.set_max_attachments(100);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_attachments(), 1, 10000, "max_attachments"));
  if (c.max_poll_wait_seconds() == 0) c.set_max_poll_wait_seconds(60);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_poll_wait_seconds(), 1, 600, "max_poll_wait_seconds"));
  if (c.max_recipients() == 0) c.set_max_recipients(5000);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_recipients(), 1, 100000, "max_recipients"));
  if (c.store_cache_mb() == 0) c.set_store_cache_mb(256);
  TRUC_RETURN_IF_ERROR(InRange(c.store_cache_mb(), 8, 65536, "store_cache_mb"));
  if (c.worker_threads() == 0) c.set_worker_threads(16);
  TRUC_RETURN_IF_ERROR(InRange(c.worker_threads(), 1, 1024, "worker_threads"));
  TRUC_ASSIGN_OR_RETURN(*c.mutable_signing(),
                        ResolveSigningFiles(c.has_signing(), c.signing(),
                                            c.tls(), base_dir, "signing"));
  if (c.audit_checkpoint_seconds() == 0) c.set_audit_checkpoint_seconds(60);
  TRUC_RETURN_IF_ERROR(InRange(c.audit_checkpoint_seconds(), 1, 86400,
                               "audit_checkpoint_seconds"));
  if (c.max_streams_per_caller() == 0) c.set_max_streams_per_caller(300);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_streams_per_caller(), 1, 100000, "max_streams_per_caller"));
  if (c.max_call_seconds() == 0) c.set_max_call_seconds(3600);
  TRUC_RETURN_IF_ERROR(
      InRange(c.max_call_seconds(), 1, 86400, "max_call_seconds"));
  if (c.certificate_warning_days() == 0) c.set_certificate_warning_days(30);
  TRUC_RETURN_IF_ERROR(InRange(c.certificate_warning_days(), 1, 365,
                               "certificate_warning_days"));
  auto* console = c.mutable_console();
  if (!console->listen_address().empty()) {
    TRUC_RETURN_IF_ERROR(ParseHostPort(console->listen_address(),
                                       "console.listen_address",
                                       PortZero::kPicksAFreePort)
                             .status());
  }
  if (!c.metrics_listen_address().empty()) {
    TRUC_RETURN_IF_ERROR(ParseHostPort(c.metrics_listen_address(),
                                       "metrics_listen_address",
                                       PortZero::kPicksAFreePort)
                             .status());
  }
  if (!c.metrics_port_file().empty())
    c.set_metrics_port_file(ResolvePath(base_dir, c.metrics_port_file()));
  auto* axis = c.mutable_axis_api();
  if (!axis->listen_address().empty()) {
    TRUC_RETURN_IF_ERROR(ParseHostPort(axis->listen_address(),
                                       "axis_api.listen_address",
                                       PortZero::kPicksAFreePort)
                             .status());
  }
  if (!axis->port_file().empty())
    axis->set_port_file(ResolvePath(base_dir, axis->port_file()));
  if (axis->timestamp_window_seconds() == 0)
    axis->set_timestamp_window_seconds(300);
  TRUC_RETURN_IF_ERROR(InRange(axis->timestamp_window_seconds(), 10, 3600,
                               "axis_api.timestamp_window_seconds"));
  if (axis->max_body_mb() == 0) axis->set_max_body_mb(2560);
  TRUC_RETURN_IF_ERROR(
      InRange(axis->max_body_mb(), 1, 65536, "axis_api.max_body_mb"));
  if (axis->directory_page_size() == 0) axis->set_directory_page_size(500);
  TRUC_RETURN_IF_ERROR(InRange(axis->directory_page_size(), 1, 10000,
                               "axis_api.directory_page_size"));
  axis->set_key_file(axis->key_file().empty()
                         ? JoinPath(c.data_dir(), "axis-api.key")
                         : ResolvePath(base_dir, axis->key_file()));
  if (!c.axis_organ_id().empty()) {
    absl::Status code = ValidateAgencyCode(c.axis_organ_id());
    if (!code.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("axis_organ_id: ", code.message()));
    }
  }
  if (!console->port_file().empty())
    console->set_port_file(ResolvePath(base_dir, console->port_file()));
  if (console->session_idle_minutes() == 0)
    console->set_session_idle_minutes(30);
  TRUC_RETURN_IF_ERROR(InRange(console->session_idle_minutes(), 1, 720,
                               "console.session_idle_minutes"));
  if (console->max_event_streams() == 0) console->set_max_event_streams(1000);
  TRUC_RETURN_IF_ERROR(InRange(console->max_event_streams(), 1, 10000,
                               "console.max_event_streams"));
  auto* doors = c.mutable_web_doors();
  struct DoorLimit {
    uint32_t (truc::v1::WebDoorLimits::*get)() const;
    void (truc::v1::WebDoorLimits::*set)(uint32_t);
    uint32_t fallback, lo, hi;
    const char* field;
  };
  using L = truc::v1::WebDoorLimits;
  for (const DoorLimit& d : std::initializer_list<DoorLimit>{
           {&L::max_connections, &L::set_max_connections, 4096, 16, 1000000,
            "web_doors.max_connections"},
           {&L::max_connections_per_client, &L::set_max_connections_per_client,
            256, 1, 1000000, "web_doors.max_connections_per_client"},
           {&L::handshake_timeout_seconds, &L::set_handshake_timeout_seconds, 5,
            1, 300, "web_doors.handshake_timeout_seconds"},
           {&L::header_timeout_seconds, &L::set_header_timeout_seconds, 5, 1,
            300, "web_doors.header_timeout_seconds"},
           {&L::keep_alive_seconds, &L::set_keep_alive_seconds, 5, 1, 3600,
            "web_doors.keep_alive_seconds"},
           {&L::io_timeout_seconds, &L::set_io_timeout_seconds, 30, 1, 3600,
            "web_doors.io_timeout_seconds"},
           {&L::worker_threads, &L::set_worker_threads, 8, 1, 256,
            "web_doors.worker_threads"}}) {
    if ((doors->*d.get)() == 0) (doors->*d.set)(d.fallback);
    TRUC_RETURN_IF_ERROR(InRange((doors->*d.get)(), d.lo, d.hi, d.field));
  }
  auto* alerts = c.mutable_alerts();
  if (alerts->check_seconds() == 0) alerts->set_check_seconds(10);
  TRUC_RETURN_IF_ERROR(
      InRange(alerts->check_seconds(), 1, 600, "alerts.check_seconds"));
  for (const auto& [value, field] :
       std::initializer_list<std::pair<uint32_t, const char*>>{
           {alerts->express_arrival_seconds(),
            "alerts.express_arrival_seconds"},
           {alerts->very_urgent_arrival_seconds(),
            "alerts.very_urgent_arrival_seconds"},
           {alerts->urgent_arrival_seconds(), "alerts.urgent_arrival_seconds"},
           {alerts->normal_arrival_seconds(), "alerts.normal_arrival_seconds"},
           {alerts->silent_agency_seconds(), "alerts.silent_agency_seconds"}}) {
    TRUC_RETURN_IF_ERROR(InRange(value, 0, 2592000, field));
  }
  auto* notify = c.mutable_notify();
  if (notify->max_attempts() == 0) notify->set_max_attempts(20);
  TRUC_RETURN_IF_ERROR(
      InRange(notify->max_attempts(), 1, 1000, "notify.max_attempts"));
  if (notify->retry_initial_seconds() == 0)
    notify->set_retry_initial_seconds(5);
  if (notify->retry_max_seconds() == 0) notify->set_retry_max_seconds(600);
  TRUC_RETURN_IF_ERROR(InRange(notify->retry_initial_seconds(), 1, 86400,
                               "notify.retry_initial_seconds"));
  TRUC_RETURN_IF_ERROR(InRange(notify->retry_max_seconds(),
                               notify->retry_initial_seconds(), 86400,
                               "notify.retry_max_seconds"));
  if (!notify->has_daily_digests()) notify->set_daily_digests(true);
  if (!notify->has_digest_hour()) notify->set_digest_hour(7);
  TRUC_RETURN_IF_ERROR(
      InRange(notify->digest_hour(), 0, 23, "notify.digest_hour"));
  if (notify->timeout_seconds() == 0) notify->set_timeout_seconds(20);
  TRUC_RETURN_IF_ERROR(
      InRange(notify->timeout_seconds(), 1, 300, "notify.timeout_seconds"));
  if (!notify->smtp_password_file().empty())
    notify->set_smtp_password_file(
        ResolvePath(base_dir, notify->smtp_password_file()));
  TRUC_RETURN_IF_ERROR(Notifier::CheckConfig(*notify).status());
  if (c.tls_reload_seconds() == 0) c.set_tls_reload_seconds(10);
  TRUC_RETURN_IF_ERROR(
      InRange(c.tls_reload_seconds(), 1, 3600, "tls_reload_seconds"));
  auto* sl = c.mutable_send_limits();
  if (sl->max_in_flight() == 0) sl->set_max_in_flight(8);
  TRUC_RETURN_IF_ERROR(
      InRange(sl->max_in_flight(), 1, 1024, "send_limits.max_in_flight"));
  if (!sl->has_per_second()) sl->set_per_second(20);
  TRUC_RETURN_IF_ERROR(
      InRange(sl->per_second(), 0, 1000000, "send_limits.per_second"));
  if (sl->burst() == 0) sl->set_burst(200);
  TRUC_RETURN_IF_ERROR(InRange(sl->burst(), 1, 1000000, "send_limits.burst"));
  if (sl->max_waiting() == 0) sl->set_max_waiting(256);
  TRUC_RETURN_IF_ERROR(
      InRange(sl->max_waiting(), 1, 100000, "send_limits.max_waiting"));
  return c;
}

absl::StatusOr<truc::v1::HubConfig> LoadHubConfig(const std::string& path) {
  truc::v1::HubConfig config;
  TRUC_RETURN_IF_ERROR(LoadTextProtoFile(path, &config));
  auto finished = FinishHubConfig(std::move(config), DirName(path));
  if (!finished.ok()) {
    return absl::Status(finished.status().code(),
                        absl::StrCat(path, ": ", finished.status().message()));
  }
  return finished;
}

}  // namespace truc::hub
