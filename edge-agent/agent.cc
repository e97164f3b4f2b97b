#include "edge-agent/agent.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/identity.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "edge-agent/inbox.h"
#include "edge-agent/outbox.h"

namespace truc::agent {

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
             std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
             std::unique_ptr<EventLog> log)
    : settings_(std::move(settings)),
      agency_(std::move(agency)),
      stub_(std::move(stub)),
      log_(log ? std::move(log) : std::make_unique<EventLog>(agency_)) {}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(AgentSettings settings) {
  TRUC_ASSIGN_OR_RETURN(std::string agency, AgencyFromCertificate(settings));
  TRUC_ASSIGN_OR_RETURN(auto stub, ConnectToHub(settings));
  return CreateForTest(std::move(settings), std::move(agency), std::move(stub));
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::CreateForTest(
    AgentSettings settings, std::string agency,
    std::shared_ptr<truc::v1::Exchange::StubInterface> stub,
    std::unique_ptr<EventLog> log) {
  TRUC_RETURN_IF_ERROR(CreateFolders(settings.folders));
  return std::unique_ptr<Agent>(new Agent(
      std::move(settings), std::move(agency), std::move(stub), std::move(log)));
}

void Agent::Run() {
  const AgentFolders& f = settings_.folders;
  log_->Event("started", {{"hub", settings_.hub_address},
                          {"inbox", f.inbox},
                          {"outbox", f.outbox},
                          {"state", f.state}});
  InboxWriter writer(f, stub_.get(), log_.get());
  Receiver::Options receive_options;
  receive_options.poll_wait_seconds = settings_.poll_wait_seconds;
  receive_options.retry_initial = settings_.retry_initial;
  receive_options.retry_max = settings_.retry_max;
  Receiver receiver(receive_options, stub_.get(), &writer, log_.get(), &stop_);

  OutboxSender::Options send_options;
  send_options.retry_initial = settings_.retry_initial;
  send_options.retry_max = settings_.retry_max;
  OutboxSender sender(f, agency_, stub_.get(), log_.get(), send_options,
                      &stop_);

  std::thread receiving([&] { receiver.Run(); });
  std::thread sending([&] { sender.Run(settings_.outbox_scan); });
  receiving.join();
  sending.join();
  log_->Event("stopped");
}

}  // namespace truc::agent
