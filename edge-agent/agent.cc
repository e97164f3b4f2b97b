#include "edge-agent/agent.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/identity.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "edge-agent/inbox.h"
#include "edge-agent/outbox.h"

namespace truc::agent {
namespace {

// Opens state/agent.lock and takes flock(LOCK_EX | LOCK_NB) on it; returns
// the descriptor, which holds the lock until it is closed (also by a crash:
// the kernel releases it). Writes this process's id into the file, for
// whoever wonders which agent holds it.
absl::StatusOr<int> LockFolders(const AgentFolders& folders) {
  const std::string path = folders.lock_file();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    if (err == EWOULDBLOCK) {
      char buf[32];
      const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      if (n > 0) {
        holder =
            std::string(absl::StripAsciiWhitespace(absl::string_view(buf, n)));
      }
    }
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return ErrnoStatus(err, absl::StrCat("lock ", path));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "another truc-agent is running on ", folders.state, " (",
        holder.empty() ? "" : absl::StrCat("process ", holder, " "),
        "holds the lock on ", path, "); stop it first"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) == 0) {
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::string> AgencyFromCertificate(
    const AgentSettings& settings) {
  absl::StatusOr<std::string> pem = ReadFile(settings.tls.cert(), 1 << 20);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat("cannot read the agent's certificate "
                                     "(tls.cert): ",
                                     pem.status().message()));
  }
  absl::StatusOr<Identity> id = IdentityFromCertificatePem(*pem);
  if (!id.ok()) {
    return absl::Status(
        id.status().code(),
        absl::StrCat(settings.tls.cert(), ": ", id.status().message()));
  }
  if (id->role != Role::kAgency) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.tls.cert(), " is the certificate of ",
                     id->ToString(), ", not of an agency"));
  }
  return id->name;
}

absl::StatusOr<std::shared_ptr<truc::v1::Exchange::StubInterface>> ConnectToHub(
    const AgentSettings& settings) {
  TRUC_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                        MakeChannel(settings.hub_address, settings.tls));
  return std::shared_ptr<truc::v1::Exchange::StubInterface>(
      truc::v1::Exchange::NewStub(channel));
}

Agent::Agent(AgentSettings settings, std::string agency,
             std::unique_ptr<AgentKeys> keys,
             std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
             std::unique_ptr<EventLog> log, int lock_fd)
    : settings_(std::move(settings)),
      agency_(std::move(agency)),
      keys_(std::move(keys)),
      stub_(std::move(stub)),
      log_(log ? std::move(log)
               : std::make_unique<EventLog>("truc-agent", agency_)),
      lock_fd_(lock_fd) {}

Agent::~Agent() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(AgentSettings settings) {
  TRUC_ASSIGN_OR_RETURN(std::string agency, AgencyFromCertificate(settings));
  TRUC_ASSIGN_OR_RETURN(auto keys, LoadAgentKeys(settings, agency));
  TRUC_ASSIGN_OR_RETURN(auto stub, ConnectToHub(settings));
  return CreateForTest(std::move(settings), std::move(agency), std::move(keys),
                       std::move(stub));
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::CreateForTest(
    AgentSettings settings, std::string agency, std::unique_ptr<AgentKeys> keys,
    std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
    std::unique_ptr<EventLog> log) {
  TRUC_RETURN_IF_ERROR(CreateFolders(settings.folders));
  TRUC_ASSIGN_OR_RETURN(const int lock_fd, LockFolders(settings.folders));
  return std::unique_ptr<Agent>(
      new Agent(std::move(settings), std::move(agency), std::move(keys),
                std::move(stub), std::move(log), lock_fd));
}

void Agent::Run() {
  const AgentFolders& f = settings_.folders;
  log_->Event("started", {{"hub", settings_.hub_address},
                          {"inbox", f.inbox},
                          {"outbox", f.outbox},
                          {"state", f.state}});
  InboxWriter writer(f, stub_.get(), log_.get(), keys_.get(),
                     InboxWriter::kDownloadRange, settings_.write_edxml);
  Receiver::Options receive_options;
  receive_options.poll_wait_seconds = settings_.poll_wait_seconds;
  receive_options.retry_initial = settings_.retry_initial;
  receive_options.retry_max = settings_.retry_max;
  Receiver receiver(receive_options, stub_.get(), &writer, log_.get(), &stop_);

  OutboxSender::Options send_options;
  send_options.retry_initial = settings_.retry_initial;
  send_options.retry_max = settings_.retry_max;
  send_options.settle_time = settings_.outbox_settle;
  OutboxSender sender(f, agency_, stub_.get(), log_.get(), send_options,
                      keys_->signer.get(), &stop_);
  EdxmlDrops::Options drop_options;
  drop_options.settle_time = settings_.outbox_settle;
  drop_options.retry_initial = settings_.retry_initial;
  drop_options.retry_max = settings_.retry_max;
  EdxmlDrops drops(f, agency_, stub_.get(), keys_.get(), log_.get(),
                   drop_options);
  sender.AlsoTake(&drops);

  std::thread receiving([&] { receiver.Run(); });
  std::thread sending([&] { sender.Run(settings_.outbox_scan); });
  receiving.join();
  sending.join();
  log_->Event("stopped");
}

}  // namespace truc::agent
