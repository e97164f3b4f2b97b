// The hub's certificate lifecycle and limits, in-process over real mutual
// TLS: a revocation ends a certificate's open calls within a second and
// refuses its new ones, without a restart; an agency's other certificate
// goes on working (rotation); calls per caller and a call's duration are
// capped; the hub serves a new certificate of its own without a restart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/evidence.h"
#include "hub/rpc/call_tracker.h"
#include "hub/testing/server_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

// The serial of the certificate the console presents in a new handshake,
// checked against the province CA; empty if the handshake fails.
std::string ConsoleSerial(int port, const std::string& ca_file) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
    return "";
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string serial;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    SSL* ssl = SSL_new(ctx.get());
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      X509* peer = SSL_get1_peer_certificate(ssl);
      unsigned char* der = nullptr;
      const int len = i2d_X509(peer, &der);
      auto cert = Certificate::FromDer(
          std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
      if (cert.ok()) serial = cert->serial_hex();
      OPENSSL_free(der);
      X509_free(peer);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ::close(fd);
  return serial;
}

class ServerTrustTest : public ServerFixture {
 protected:
  // Revokes certificate `name` through the operator service.
  absl::Status Revoke(const std::string& name, const std::string& why) {
    truc::v1::RevokeCertificateRequest req;
    req.set_serial(SerialOf(name));
    req.set_reason(why);
    truc::v1::CertificateInfo info;
    auto op = OperatorStub();
    return Call(*op, &truc::v1::Operator::Stub::RevokeCertificate, req, &info);
  }
  // Polls as `cert` with a long wait, in the background.
  std::future<grpc::Status> ParkPoll(const std::string& cert,
                                     uint32_t wait = 30) {
    return std::async(std::launch::async, [this, cert, wait] {
      auto stub = Exchange(cert);
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(wait + 10));
      truc::v1::PollRequest req;
      req.set_wait_seconds(wait);
      truc::v1::PollResponse resp;
      return stub->Poll(&ctx, req, &resp);
    });
  }
};

TEST_F(ServerTrustTest, RevocationEndsOpenCallsWithinASecondAndRefusesNewOnes) {
  // Sở Y tế has two certificates: "revoked" (about to be) and its own.
  const std::string big(24 << 20, 'x');
  auto sent = Send(kOffice, {kHealth}, {{"Bản đồ.pdf", big}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  // The document is polled with the other certificate, so the parked poll
  // below has nothing to take.
  {
    auto own = Exchange(kHealth);
    truc::v1::PollRequest req;
    truc::v1::PollResponse resp;
    ASSERT_TRUE(Call(*own, &truc::v1::Exchange::Stub::Poll, req, &resp).ok());
  }
  // Open with the soon-revoked certificate: a parked poll, a slow
  // download, and a send waiting for its next chunk.
  auto poll = ParkPoll("revoked");
  auto stub = Exchange("revoked");
  grpc::ClientContext dctx;
  truc::v1::DownloadRequest dreq;
  dreq.set_document_id(sent->document_id());
  auto reader = stub->Download(&dctx, dreq);
  truc::v1::DownloadChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk)) << "the download has begun";
  grpc::ClientContext sctx;
  truc::v1::SendResponse sresp;
  auto writer = stub->Send(&sctx, &sresp);
  auto header = MakeHeader(kHealth, {kOffice});
  *header.add_attachments() = Describe("trả lời.pdf", "nội dung trả lời");
  truc::v1::SendRequest begin;
  begin.mutable_begin()->set_idempotency_key("k-open");
  *begin.mutable_begin()->mutable_envelope() =
      SignedEnvelope(header, SignerOf("revoked"));
  ASSERT_TRUE(writer->Write(begin));
  ASSERT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.07.00.H99") == 3; }));

  const absl::Time revoked_at = absl::Now();
  TRUC_ASSERT_OK(Revoke("revoked", "khóa bị lộ"));
  // The parked poll ends at once.
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  const grpc::Status polled = poll.get();
  EXPECT_EQ(polled.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(polled.error_message().find("revoked"), std::string::npos);
  // So do the others, each at its next step.
  while (reader->Read(&chunk)) {
  }
  const grpc::Status downloaded = reader->Finish();
  EXPECT_EQ(downloaded.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << downloaded.error_message();
  const grpc::Status send_done = writer->Finish();
  EXPECT_EQ(send_done.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << send_done.error_message();
  EXPECT_LT(absl::Now() - revoked_at, absl::Seconds(1));
  EXPECT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.07.00.H99") == 0; }));

  // New calls with it are refused, naming the revocation.
  truc::v1::PollRequest req;
  truc::v1::PollResponse resp;
  EXPECT_THAT(
      Call(*Exchange("revoked"), &truc::v1::Exchange::Stub::Poll, req, &resp),
      StatusIs(absl::StatusCode::kUnauthenticated, "khóa bị lộ"));
  // Its signatures too, even on a call made with a valid certificate.
  EXPECT_THAT(
      Send(kHealth, {kOffice}, {}, truc::v1::URGENCY_NORMAL, "", "revoked"),
      StatusIs(absl::StatusCode::kUnauthenticated, "revoked"));
  // Sở Y tế's other certificate goes on: nothing of its mail was lost.
  auto own = Exchange(kHealth);
  truc::v1::AcknowledgeResponse acked;
  TRUC_EXPECT_OK(Call(*own, &truc::v1::Exchange::Stub::Acknowledge,
                      AckRequest(kHealth, sent->document_id()), &acked));
  auto listed = hub_->certificates()->List(kHealth);
  int revoked = 0;
  for (const auto& c : listed) revoked += c.revoked();
  EXPECT_EQ(revoked, 1);
}

TEST_F(ServerTrustTest,
       ADownloadWhoseClientStoppedReadingEndsAfterARevocation) {
  // Large enough that the hub's writes stall once the client stops
  // reading: the end request is then never seen at a next chunk.
  const std::string big(64 << 20, 'y');
  auto sent = Send(kOffice, {kHealth}, {{"Bản đồ quy hoạch.tif", big}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto stub = Exchange("revoked");
  grpc::ClientContext ctx;
  truc::v1::DownloadRequest req;
  req.set_document_id(sent->document_id());
  auto reader = stub->Download(&ctx, req);
  truc::v1::DownloadChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk)) << "the download has begun";
  ASSERT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.07.00.H99") == 1; }));
  absl::SleepFor(absl::Milliseconds(300));  // the hub's window fills
  const absl::Time revoked_at = absl::Now();
  TRUC_ASSERT_OK(Revoke("revoked", "máy bị nhiễm mã độc"));
  // Cancelled a second after the end request it could not see.
  ASSERT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.07.00.H99") == 0; }));
  EXPECT_LT(absl::Now() - revoked_at, absl::Seconds(3));
  while (reader->Read(&chunk)) {
  }
  EXPECT_FALSE(reader->Finish().ok());
}

TEST_F(ServerTrustTest, ARecipientsProofHoldsItsOwnEventsNotTheOthers) {
  auto sent = Send(kOffice, {kHealth, kYTich});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  for (const char* who : {kHealth, kYTich}) {
    auto stub = Exchange(who);
    truc::v1::PollRequest poll;
    truc::v1::PollResponse polled;
    TRUC_ASSERT_OK(Call(*stub, &truc::v1::Exchange::Stub::Poll, poll, &polled));
    truc::v1::AcknowledgeResponse acked;
    TRUC_ASSERT_OK(Call(*stub, &truc::v1::Exchange::Stub::Acknowledge,
                        AckRequest(who, id), &acked));
  }
  auto actors = [&](const std::string& caller) {
    truc::v1::ProveDocumentRequest req;
    req.set_document_id(id);
    truc::v1::DocumentProof proof;
    auto stub = AuditStub(caller);
    EXPECT_TRUE(
        Call(*stub, &truc::v1::Audit::Stub::ProveDocument, req, &proof).ok());
    auto v = VerifyDocumentProof(Anchor(), proof);
    EXPECT_TRUE(v.ok()) << v.status();
    std::multiset<std::string> out;
    if (v.ok()) {
      for (const auto& e : v->events)
        out.insert(absl::StrCat(e.kind(), " ", e.actor()));
    }
    return out;
  };
  const std::string office = absl::StrCat("agency:", kOffice);
  const std::string health = absl::StrCat("agency:", kHealth);
  const std::string ytich = absl::StrCat("agency:", kYTich);
  EXPECT_EQ(actors(kHealth), (std::multiset<std::string>{"accepted " + office,
                                                         "leased " + health,
                                                         "arrived " + health}));
  // The sender, and an operator, see every recipient's.
  const std::multiset<std::string> all{"accepted " + office, "leased " + health,
                                       "arrived " + health, "leased " + ytich,
                                       "arrived " + ytich};
  EXPECT_EQ(actors(kOffice), all);
  EXPECT_EQ(actors("operator"), all);
}

TEST_F(ServerTrustTest, ACallerHoldsAtMostItsShareOfOpenCalls) {
  StartHub(nullptr, {}, "max_streams_per_caller: 2");
  auto first = ParkPoll(kHealth, 3);
  auto second = ParkPoll(kHealth, 3);
  ASSERT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.07.00.H99") == 2; }));
  truc::v1::PollRequest req;
  truc::v1::PollResponse resp;
  EXPECT_THAT(
      Call(*Exchange(kHealth), &truc::v1::Exchange::Stub::Poll, req, &resp),
      StatusIs(absl::StatusCode::kResourceExhausted, "allows 2 at once"));
  // Another agency is not held back.
  req.set_wait_seconds(0);
  EXPECT_TRUE(
      Call(*Exchange(kFinance), &truc::v1::Exchange::Stub::Poll, req, &resp)
          .ok());
  // Once their waits end there is room again.
  EXPECT_EQ(first.get().error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(second.get().error_code(), grpc::StatusCode::OK);
  EXPECT_TRUE(
      Call(*Exchange(kHealth), &truc::v1::Exchange::Stub::Poll, req, &resp)
          .ok());
}

TEST_F(ServerTrustTest, NoSendOrDownloadOutlivesTheHubsCap) {
  StartHub(nullptr, {}, "max_call_seconds: 1");
  // A send whose client set no deadline, and then stalls.
  auto stub = Exchange(kOffice);
  grpc::ClientContext ctx;
  truc::v1::SendResponse resp;
  auto writer = stub->Send(&ctx, &resp);
  auto header = MakeHeader(kOffice, {kHealth});
  *header.add_attachments() = Describe("a.pdf", "abc");
  ASSERT_TRUE(writer->Write(SignedBegin(header, "k-stall")));
  const absl::Time start = absl::Now();
  const grpc::Status done = writer->Finish();
  EXPECT_EQ(done.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << done.error_message();
  EXPECT_NE(done.error_message().find("max_call_seconds"), std::string::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(hub_->blobs()->TotalBytes(), 0u);
}

TEST_F(ServerTrustTest, AMessageOverTheHubsSizeIsRefusedAndNothingStored) {
  // The client sends 4 MiB chunks; the hub takes messages of up to 8 MiB
  // (or the header cap and 1 MiB, if larger).
  const std::string big(9 << 20, 'z');
  auto header = MakeHeader(kOffice, {kHealth});
  *header.add_attachments() = Describe("Bản quét.pdf", big);
  auto stub = Exchange(kOffice);
  grpc::ClientContext ctx;
  truc::v1::SendResponse resp;
  auto writer = stub->Send(&ctx, &resp);
  ASSERT_TRUE(writer->Write(SignedBegin(header, "k-big")));
  truc::v1::SendRequest chunk;
  chunk.mutable_chunk()->set_data(big);
  writer->Write(chunk);
  writer->WritesDone();
  const grpc::Status done = writer->Finish();
  EXPECT_EQ(done.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << done.error_message();
  EXPECT_NE(done.error_message().find("larger than max"), std::string::npos)
      << done.error_message();
  EXPECT_EQ(hub_->blobs()->TotalBytes(), 0u);
  EXPECT_TRUE(Eventually(
      [&] { return hub_->calls()->open("agency:000.01.00.H99") == 0; }));
}

TEST_F(ServerTrustTest, TheHubServesANewCertificateWithoutARestart) {
  auto serial_served = [&] {
    // A new channel, so a new handshake.
    auto stub = Exchange(kHealth);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    truc::v1::PollRequest req;
    truc::v1::PollResponse resp;
    EXPECT_TRUE(stub->Poll(&ctx, req, &resp).ok());
    auto pems = ctx.auth_context()->FindPropertyValues("x509_pem_cert");
    if (pems.empty()) return std::string();
    return IdentityFromCertificatePem(
               std::string(pems[0].data(), pems[0].size()))
        ->serial_hex;
  };
  // With the console, which presents the same certificate.
  StartHub(nullptr, {}, "console { listen_address: \"127.0.0.1:0\" }");
  const int console = hub_->console_port();
  ASSERT_NE(console, 0);
  const std::string before = SerialOf("hub");
  EXPECT_EQ(serial_served(), before);
  EXPECT_EQ(ConsoleSerial(console, dir_.Sub("ca.crt")), before);
  // A new key and certificate, renamed over the old ones.
  Issue("hub-new",
        {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}, 30});
  const std::string after = SerialOf("hub-new");
  ASSERT_EQ(
      ::rename(dir_.Sub("hub-new.key").c_str(), dir_.Sub("hub.key").c_str()),
      0);
  ASSERT_EQ(
      ::rename(dir_.Sub("hub-new.crt").c_str(), dir_.Sub("hub.crt").c_str()),
      0);
  EXPECT_TRUE(Eventually([&] { return serial_served() == after; }))
      << "the hub still serves " << before;
  EXPECT_TRUE(Eventually([&] {
    return ConsoleSerial(console, dir_.Sub("ca.crt")) == after;
  })) << "the console still serves "
      << before;
  // Its receipts are signed with the new key too.
  ASSERT_TRUE(Eventually([&] {
    auto sent = Send(kOffice, {kHealth});
    if (!sent.ok()) return false;
    auto v = VerifyReceipt(Anchor(), sent->receipt());
    return v.ok() && v->signer.serial_hex == after;
  }));
}

TEST_F(ServerTrustTest,
       AConsoleWithASeparateSigningKeyServesTheRenewedTlsPair) {
  // The hub signs with a key of its own; TLS (gRPC and the console) uses
  // hub.crt and hub.key.
  Issue("signing", {Role::kHub, "hub", "truc hub (ký)", {}, {}, 30});
  StartHub(nullptr, {},
           "console { listen_address: \"127.0.0.1:0\" } "
           "signing { key: \"signing.key\" cert: \"signing.crt\" }");
  const int console = hub_->console_port();
  ASSERT_NE(console, 0);
  const std::string before = SerialOf("hub");
  EXPECT_EQ(ConsoleSerial(console, dir_.Sub("ca.crt")), before);
  // A certificate with another key, renamed over the old one first: the
  // pair does not match, so the old one is still served.
  Issue("hub-new",
        {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}, 30});
  const std::string after = SerialOf("hub-new");
  ASSERT_EQ(
      ::rename(dir_.Sub("hub-new.crt").c_str(), dir_.Sub("hub.crt").c_str()),
      0);
  absl::SleepFor(absl::Seconds(2));  // two reload periods
  EXPECT_EQ(ConsoleSerial(console, dir_.Sub("ca.crt")), before);
  // With its key, the new pair is served.
  ASSERT_EQ(
      ::rename(dir_.Sub("hub-new.key").c_str(), dir_.Sub("hub.key").c_str()),
      0);
  EXPECT_TRUE(Eventually([&] {
    return ConsoleSerial(console, dir_.Sub("ca.crt")) == after;
  })) << "the console still serves "
      << before;
}

}  // namespace
}  // namespace truc::hub
