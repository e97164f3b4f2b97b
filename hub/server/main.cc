// truc-hub: the province's document exchange hub.
//
//   truc-hub --config hub.conf
//
// Serves until SIGINT or SIGTERM, then stops cleanly. Exits 2 if the
// configuration is wrong (the message names the field), 1 if the hub
// cannot start (store locked or unreadable, address in use, TLS files).
#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/event_log.h"
#include "common/net_address.h"
#include "common/stop_signal.h"
#include "hub/server/config.h"
#include "hub/server/server.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: truc-hub --config FILE\n"
               "  FILE: a truc.v1.HubConfig in protobuf text format "
               "(docs/OPERATIONS.md)\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so absl::Mutex keeps a lock
  // graph on every acquisition and aborts the process on a lock-order
  // inversion it merely suspects. The unit tests keep that check; a
  // production process must neither pay for it nor die of it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives each busy thread an arena of its own, up to eight per core,
  // and each keeps the 1 MiB chunks of transfers it freed: with the work
  // pool's threads that added some 30 MB to the hub during a 200 MB
  // transfer (docs/PERFORMANCE.md, scenario 3). Four arenas are plenty for
  // threads that mostly wait for the disk.
  mallopt(M_ARENA_MAX, 4);
  // Each web door holds up to web_doors.max_connections sockets, beside
  // the agents' gRPC connections, the store's files and the blobs: take
  // every descriptor the system allows this process (systemd's default
  // soft limit is 1024; its hard limit is far higher).
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 &&
                      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &files);
  }
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else if (arg == "--help" || arg == "-h") {
      Usage();
      return 0;
    } else {
      std::fprintf(stderr, "truc-hub: error: unknown argument \"%s\"\n",
                   arg.c_str());
      Usage();
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "truc-hub: error: --config FILE is required\n");
    Usage();
    return 2;
  }
  auto config = truc::hub::LoadHubConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "truc-hub: error: bad config: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }

  // Blocked in every thread; one thread waits for them.
  truc::TerminationSignals signals;

  auto hub = truc::hub::HubServer::Start(*config);
  if (!hub.ok()) {
    std::fprintf(stderr, "truc-hub: error: cannot start: %s\n",
                 std::string(hub.status().message()).c_str());
    return 1;
  }
  // The settings in effect, so the log says what the hub ran with.
  std::string ready = absl::StrCat(
      "truc-hub event=serving address=", config->listen_address(),
      " port=", (*hub)->port(), " data_dir=", config->data_dir(),
      " lease_seconds=", config->lease_seconds(),
      " silence_threshold_seconds=", config->silence_threshold_seconds(),
      " max_header_bytes=", config->max_header_bytes(),
      " max_attachment_bytes=", config->max_attachment_bytes(),
      " max_attachments=", config->max_attachments(),
      " max_recipients=", config->max_recipients(),
      " max_poll_wait_seconds=", config->max_poll_wait_seconds(),
      " store_cache_mb=", config->store_cache_mb(),
      " worker_threads=", config->worker_threads(),
      " send_limits.max_in_flight=", config->send_limits().max_in_flight(),
      " send_limits.per_second=", config->send_limits().per_second(),
      " send_limits.burst=", config->send_limits().burst(),
      " send_limits.max_waiting=", config->send_limits().max_waiting(), "\n");
  std::fwrite(ready.data(), 1, ready.size(), stderr);
  // Where people reach the HTTP servers (their real port when 0 asked).
  const auto log_url = [](absl::string_view event, absl::string_view scheme,
                          const std::string& address, int port,
                          absl::string_view path) {
    auto hp = truc::ParseHostPort(
        address, event,
        truc::PortZero::kPicksAFreePort);  // checked at load
    truc::hub::LogEvent(
        event,
        {{"url", absl::StrCat(scheme, "://", hp.ok() ? hp->host : address, ":",
                              port, path)}});
  };
  if ((*hub)->metrics_port() != 0) {
    log_url("metrics_serving", "http", config->metrics_listen_address(),
            (*hub)->metrics_port(), "/metrics");
  }
  if ((*hub)->console_port() != 0) {
    log_url("console_serving", "https", config->console().listen_address(),
            (*hub)->console_port(), "/");
  }

  std::thread stopper([&] {
    const std::string sig = signals.Wait();
    std::fprintf(stderr, "truc-hub event=stopping signal=%s\n", sig.c_str());
    (*hub)->Shutdown();
  });
  (*hub)->Wait();
  stopper.join();
  hub->reset();
  std::fprintf(stderr, "truc-hub event=stopped\n");
  return 0;
}
