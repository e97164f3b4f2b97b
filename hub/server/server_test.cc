// The hub in-process over real mutual TLS on a loopback port: the services'
// wiring, identities from certificates, and every refusal of a caller.
#include "hub/server/server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/exchange_client.h"
#include "common/grpc_status.h"
#include "common/pki.h"
#include "common/tls.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/rpc/send_admission.h"
#include "hub/server/config.h"
#include "hub/store/memory_store.h"
#include "hub/testing/fault_store.h"
#include "hub/testing/hub_fixture.h"
#include "hub/testing/server_fixture.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

class ServerTest : public ServerFixture {};

TEST_F(ServerTest, SendPollDownloadAcknowledgeStatus) {
  // Bytes that differ with their position, so a wrong range shows.
  std::string scan(2'500'000, '\0');
  for (size_t i = 0; i < scan.size(); ++i) scan[i] = static_cast<char>(i % 251);
  auto sent = Send(kOffice, {kHealth, kFinance, kYTich},
                   {{"Công văn 123.pdf", scan}, {"Phụ lục.txt", "Sở Y tế"}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();

  auto health = Exchange(kHealth);
  truc::v1::PollRequest poll;
  poll.set_wait_seconds(0);
  truc::v1::PollResponse polled;
  ASSERT_TRUE(
      Call(*health, &truc::v1::Exchange::Stub::Poll, poll, &polled).ok());
  ASSERT_EQ(polled.deliveries_size(), 1);
  EXPECT_EQ(polled.deliveries(0).document_id(), id);
  truc::v1::DocumentHeader header;
  ASSERT_TRUE(header.ParseFromString(polled.deliveries(0).envelope().header()));
  EXPECT_EQ(header.attachments(0).name(), "Công văn 123.pdf");

  EXPECT_EQ(*DownloadAll(kHealth, id, 0), scan);
  EXPECT_EQ(*DownloadAll(kHealth, id, 0, 2'000'000), scan.substr(2'000'000));
  // A range: `length` bytes from the offset, or what is left of the file.
  EXPECT_EQ(*DownloadAll(kHealth, id, 0, 1'000'000, 1'200'000),
            scan.substr(1'000'000, 1'200'000));
  EXPECT_EQ(*DownloadAll(kHealth, id, 0, 2'000'000, 8'000'000),
            scan.substr(2'000'000));
  EXPECT_EQ(*DownloadAll(kHealth, id, 0, 2'500'000, 10), "");
  EXPECT_EQ(*DownloadAll(kHealth, id, 1), "Sở Y tế");
  EXPECT_THAT(
      DownloadAll(kHealth, id, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, "has 2 attachments"));

  truc::v1::AcknowledgeRequest ack = AckRequest(kHealth, id);
  truc::v1::AcknowledgeResponse acked;
  ASSERT_TRUE(
      Call(*health, &truc::v1::Exchange::Stub::Acknowledge, ack, &acked).ok());

  truc::v1::GetDocumentStatusRequest sreq;
  sreq.set_document_id(id);
  truc::v1::DocumentStatus status;
  auto office = Exchange(kOffice);
  ASSERT_TRUE(
      Call(*office, &truc::v1::Exchange::Stub::GetDocumentStatus, sreq, &status)
          .ok());
  EXPECT_EQ(status.received_count(), 1u);
  EXPECT_EQ(status.recipient_count(), 3u);
  truc::v1::DocumentStatus op_status;
  auto op = OperatorStub();
  ASSERT_TRUE(
      Call(*op, &truc::v1::Operator::Stub::GetDocumentStatus, sreq, &op_status)
          .ok());
  EXPECT_EQ(op_status.received_count(), 1u);
  for (const auto& r : op_status.recipients()) {
    if (r.organ_id() == kHealth) {
      EXPECT_FALSE(r.silent()) << "it just polled";
      EXPECT_EQ(r.name(), "Sở Y tế");
    }
    if (r.organ_id() == kYTich) {
      EXPECT_TRUE(r.silent());
    }
  }
}

TEST_F(ServerTest, LongPollWakesWhenADocumentArrives) {
  auto yt = Exchange(kYTich);
  auto start = std::chrono::steady_clock::now();
  auto polled = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    truc::v1::PollRequest req;
    req.set_wait_seconds(20);
    truc::v1::PollResponse resp;
    auto s = yt->Poll(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto sent = Send(kOffice, {kYTich});
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto resp = polled.get();
  ASSERT_EQ(resp.deliveries_size(), 1);
  EXPECT_EQ(resp.deliveries(0).document_id(), sent->document_id());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// Polls that park just as a send wakes them, and polls whose client gives
// up while they park: each call is finished once, by whoever takes it out
// of the waiters, and nothing touches a call after that (a poll that
// looked at its call once parked read gRPC's freed context, and a busy
// hub died of it). Every delivery reaches every agency.
TEST_F(ServerTest, PollsWokenOrCancelledAsTheyParkAreEachAnsweredOnce) {
  const std::vector<std::string> agencies = {kHealth, kFinance, kYTich};
  constexpr int kDocuments = 30;
  constexpr int kPollers = 6;  // per agency
  absl::Mutex mu;
  std::map<std::string, std::set<std::string>> acked;  // agency -> ids
  std::atomic<bool> done{false};
  std::vector<std::thread> pollers;
  for (const auto& agency : agencies) {
    for (int p = 0; p < kPollers; ++p) {
      pollers.emplace_back([&, agency, p] {
        auto stub = Exchange(agency);
        for (int round = 0; !done.load(); ++round) {
          grpc::ClientContext ctx;
          // Every other poll gives up soon, often while it parks.
          const auto patience = (p + round) % 2 == 0
                                    ? std::chrono::milliseconds(5 + round % 40)
                                    : std::chrono::milliseconds(3000);
          ctx.set_deadline(std::chrono::system_clock::now() + patience);
          truc::v1::PollRequest req;
          req.set_wait_seconds(2);
          truc::v1::PollResponse resp;
          if (!stub->Poll(&ctx, req, &resp).ok()) continue;
          for (const auto& d : resp.deliveries()) {
            truc::v1::AcknowledgeResponse ack;
            if (Call(*stub, &truc::v1::Exchange::Stub::Acknowledge,
                     AckRequest(agency, d.document_id()), &ack)
                    .ok()) {
              absl::MutexLock lock(&mu);
              acked[agency].insert(d.document_id());
            }
          }
        }
      });
    }
  }
  std::set<std::string> sent;
  for (int i = 0; i < kDocuments; ++i) {
    auto s = Send(kOffice, agencies);
    ASSERT_TRUE(s.ok()) << s.status();
    sent.insert(s->document_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 7));
  }
  // A delivery leased to a poll whose client had gone is offered again
  // when its lease ends.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      absl::MutexLock lock(&mu);
      bool all = true;
      for (const auto& a : agencies) all = all && acked[a] == sent;
      if (all) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  done = true;
  for (auto& t : pollers) t.join();
  for (const auto& a : agencies) EXPECT_EQ(acked[a], sent) << a;
}

TEST_F(ServerTest, LongPollAnswersEmptyAfterItsWaitAndReoffersAfterLease) {
  auto sent = Send(kOffice, {kFinance});
  auto fin = Exchange(kFinance);
  truc::v1::PollRequest req;
  req.set_wait_seconds(1);
  truc::v1::PollResponse first, second;
  ASSERT_TRUE(Call(*fin, &truc::v1::Exchange::Stub::Poll, req, &first).ok());
  ASSERT_EQ(first.deliveries_size(), 1);
  // Not acknowledged: the 2 s lease ends while this poll waits, and the
  // parked poll is woken with the document again.
  req.set_wait_seconds(10);
  ASSERT_TRUE(Call(*fin, &truc::v1::Exchange::Stub::Poll, req, &second).ok());
  ASSERT_EQ(second.deliveries_size(), 1);
  EXPECT_EQ(second.deliveries(0).attempt(), 2u);
  // Nothing queued: an empty answer after the wait.
  auto ytich = Exchange(kYTich);
  req.set_wait_seconds(1);
  truc::v1::PollResponse empty;
  ASSERT_TRUE(Call(*ytich, &truc::v1::Exchange::Stub::Poll, req, &empty).ok());
  EXPECT_EQ(empty.deliveries_size(), 0);
}

TEST_F(ServerTest, RefusesCallersWithoutTheRightCertificate) {
  // No client certificate at all.
  grpc::SslCredentialsOptions anon;
  anon.pem_root_certs = ca_.cert_pem;
  auto anon_stub = truc::v1::Exchange::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", hub_->port()), grpc::SslCredentials(anon)));
  truc::v1::PollRequest req;
  truc::v1::PollResponse resp;
  absl::Status s =
      Call(*anon_stub, &truc::v1::Exchange::Stub::Poll, req, &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, "certificate"));
  // A certificate from another CA, for a real agency code.
  auto foreign = truc::v1::Exchange::NewStub(Channel("foreign"));
  s = Call(*foreign, &truc::v1::Exchange::Stub::Poll, req, &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, "province CA"));
  // An agency calling the operator service.
  auto as_agency = OperatorStub(kHealth);
  truc::v1::ListAgenciesResponse agencies;
  s = Call(*as_agency, &truc::v1::Operator::Stub::ListAgencies,
           truc::v1::ListAgenciesRequest(), &agencies);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied,
                          "needs an operator certificate"));
  // An operator calling the exchange service.
  auto op_exchange = truc::v1::Exchange::NewStub(Channel("operator"));
  s = Call(*op_exchange, &truc::v1::Exchange::Stub::Poll, req, &resp);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied,
                          "needs an agency certificate"));
  // A valid certificate of an agency the directory does not know.
  auto unknown = Exchange("000.50.00.H99");
  s = Call(*unknown, &truc::v1::Exchange::Stub::Poll, req, &resp);
  EXPECT_THAT(s,
              StatusIs(absl::StatusCode::kPermissionDenied, "not registered"));
}

TEST_F(ServerTest, AnAgencyCannotTouchAnotherAgencysDelivery) {
  auto sent = Send(kOffice, {kHealth}, {{"a.pdf", "abc"}});
  ASSERT_TRUE(sent.ok());
  const std::string id = sent->document_id();
  auto fin = Exchange(kFinance);
  truc::v1::AcknowledgeRequest ack = AckRequest(kFinance, id);
  truc::v1::AcknowledgeResponse acked;
  EXPECT_THAT(Call(*fin, &truc::v1::Exchange::Stub::Acknowledge, ack, &acked),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "was not sent to agency 000.03.00.H99"));
  EXPECT_THAT(DownloadAll(kFinance, id, 0),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "neither sent by nor sent to agency"));
  truc::v1::GetDocumentStatusRequest sreq;
  sreq.set_document_id(id);
  truc::v1::DocumentStatus status;
  auto health = Exchange(kHealth);
  EXPECT_THAT(Call(*health, &truc::v1::Exchange::Stub::GetDocumentStatus, sreq,
                   &status),
              StatusIs(absl::StatusCode::kPermissionDenied, "only its sender"));
  truc::v1::ReportStatusRequest rep =
      ReportRequest(kFinance, id, truc::v1::EDXML_STATUS_ACCEPTED);
  truc::v1::ReportStatusResponse reported;
  EXPECT_THAT(
      Call(*fin, &truc::v1::Exchange::Stub::ReportStatus, rep, &reported),
      StatusIs(absl::StatusCode::kPermissionDenied, "was not sent"));
  // The sender may fetch its own attachment back.
  EXPECT_EQ(*DownloadAll(kOffice, id, 0), "abc");
}

TEST_F(ServerTest, BadSendsAreRefusedWithTheirReason) {
  EXPECT_THAT(Send(kOffice, {"000.77.00.H99"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown recipient: 000.77.00.H99"));
  EXPECT_THAT(Send(kOffice, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "no recipient"));
  // Bytes that do not match the declared digest: describe one file, send
  // another.
  std::string path = dir_.Sub("swap.pdf");
  ASSERT_TRUE(WriteFileDurably(path, "original").ok());
  std::vector<AttachmentFile> files = {{path, "", "", ""}};
  auto header = MakeHeader(kOffice, {kHealth});
  ASSERT_TRUE(CompleteHeader(kOffice, files, &header).ok());
  header.mutable_attachments(0)->set_sha256(std::string(32, 'x'));
  auto stub = Exchange(kOffice);
  EXPECT_THAT(
      SendDocument(stub.get(), SignerOf(kOffice), header, files, "k-swap"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "changed while it was being sent"));
  // The same, written by hand so the hub sees it.
  grpc::ClientContext ctx;
  truc::v1::SendResponse response;
  auto writer = stub->Send(&ctx, &response);
  writer->Write(SignedBegin(header, "k-hand"));
  truc::v1::SendRequest chunk;
  chunk.mutable_chunk()->set_data("original");
  writer->Write(chunk);
  writer->WritesDone();
  EXPECT_THAT(
      FromGrpcStatus(writer->Finish()),
      StatusIs(absl::StatusCode::kInvalidArgument, "bytes hash to SHA-256"));
  truc::v1::ListPendingResponse pending;
  auto op = OperatorStub();
  ASSERT_TRUE(Call(*op, &truc::v1::Operator::Stub::ListPending,
                   truc::v1::ListPendingRequest(), &pending)
                  .ok());
  EXPECT_EQ(pending.documents_size(), 0)
      << "nothing of the refused sends is visible";
  EXPECT_EQ(hub_->blobs()->TotalBytes(), 0u);
}

TEST_F(ServerTest, ACancelledSendStoresNothing) {
  auto header = MakeHeader(kOffice, {kHealth});
  *header.add_attachments() = Describe("a.pdf", "abc");
  auto stub = Exchange(kOffice);
  {
    grpc::ClientContext ctx;
    truc::v1::SendResponse response;
    auto writer = stub->Send(&ctx, &response);
    ASSERT_TRUE(writer->Write(SignedBegin(header, "k-cancel")));
    truc::v1::SendRequest chunk;
    chunk.mutable_chunk()->set_data("abc");
    ASSERT_TRUE(writer->Write(chunk));
    // Every byte was sent, but the sender gives up before saying so.
    ctx.TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  truc::v1::ListPendingResponse pending;
  auto op = OperatorStub();
  ASSERT_TRUE(Call(*op, &truc::v1::Operator::Stub::ListPending,
                   truc::v1::ListPendingRequest(), &pending)
                  .ok());
  EXPECT_EQ(pending.documents_size(), 0);
  EXPECT_EQ(hub_->blobs()->TotalBytes(), 0u);
}

// Opens a send of `from` (signed by `signer`) to `to` and writes its
// header; the caller finishes it (or lets its deadline pass).
struct OpenSend {
  OpenSend(truc::v1::Exchange::Stub* stub, const Signer& signer,
           const std::string& from, const std::string& to,
           std::chrono::milliseconds deadline) {
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    writer = stub->Send(&ctx, &response);
    truc::v1::SendRequest begin;
    begin.mutable_begin()->set_idempotency_key(NewIdempotencyKey());
    *begin.mutable_begin()->mutable_envelope() =
        SignedEnvelope(MakeHeader(from, {to}), signer);
    (void)writer->Write(begin);
  }
  absl::Status Finish() {
    writer->WritesDone();
    return FromGrpcStatus(writer->Finish());
  }
  grpc::ClientContext ctx;
  truc::v1::SendResponse response;
  std::unique_ptr<grpc::ClientWriter<truc::v1::SendRequest>> writer;
};

TEST_F(ServerTest, OneAgencysSendsWaitTheirTurnAndOthersGoAhead) {
  truc::v1::SendLimits limits;
  limits.set_max_in_flight(1);
  limits.set_per_second(0);
  limits.set_max_waiting(1);
  StartHub(nullptr, limits);
  SendAdmission* admission = hub_->admission();
  auto office = Exchange(kOffice);
  const auto kLong = std::chrono::seconds(30);

  OpenSend first(office.get(), SignerOf(kOffice), kOffice, kHealth, kLong);
  ASSERT_TRUE(Eventually([&] { return admission->in_flight(kOffice) == 1; }));
  OpenSend second(office.get(), SignerOf(kOffice), kOffice, kFinance, kLong);
  ASSERT_TRUE(Eventually([&] { return admission->waiting(kOffice) == 1; }));

  // The office is at its limits; Sở Y tế is not held back by it.
  auto other = Send(kHealth, {kYTich});
  ASSERT_TRUE(other.ok()) << other.status();
  // A third send of the office is refused, retryably, and stores nothing.
  EXPECT_THAT(Send(kOffice, {kYTich}),
              StatusIs(absl::StatusCode::kUnavailable,
                       "has too many sends waiting for their turn"));

  ASSERT_TRUE(first.Finish().ok());
  const absl::Status second_done = second.Finish();
  ASSERT_TRUE(second_done.ok()) << second_done;
  EXPECT_NE(first.response.document_id(), second.response.document_id());
  EXPECT_TRUE(Eventually([&] { return admission->in_flight(kOffice) == 0; }));

  // A send whose deadline passes while it waits leaves the queue.
  OpenSend holder(office.get(), SignerOf(kOffice), kOffice, kHealth, kLong);
  ASSERT_TRUE(Eventually([&] { return admission->in_flight(kOffice) == 1; }));
  OpenSend late(office.get(), SignerOf(kOffice), kOffice, kFinance,
                std::chrono::milliseconds(300));
  EXPECT_EQ(late.Finish().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(Eventually([&] { return admission->waiting(kOffice) == 0; }));
  ASSERT_TRUE(holder.Finish().ok());

  truc::v1::ListPendingResponse pending;
  auto op = OperatorStub();
  ASSERT_TRUE(Call(*op, &truc::v1::Operator::Stub::ListPending,
                   truc::v1::ListPendingRequest(), &pending)
                  .ok());
  EXPECT_EQ(pending.documents_size(), 4)
      << "the two office sends that went through, the holder and Sở Y tế's";
}

TEST_F(ServerTest, StorageFailureFailsTheSendAndLeavesNothing) {
  auto base = std::make_unique<MemoryStore>();
  FaultInjectingStore faulty(base.get());
  StartHub(&faulty);
  // Every key but soft state (last polls, certificates seen).
  auto keys = [&] {
    std::vector<std::string> out;
    (void)base->Scan("", "", [&](auto k, auto) {
      if (k.substr(0, 2) != "l/" && k.substr(0, 2) != "c/") out.emplace_back(k);
      return true;
    });
    return out;
  };
  // The office's certificate is seen once before the fault.
  ASSERT_TRUE(
      Send(kOffice, {kHealth}, {}, truc::v1::URGENCY_EXPRESS, "k0").ok());
  const auto before = keys();
  faulty.FailWrites(1);
  EXPECT_THAT(Send(kOffice, {kHealth}, {{"a.pdf", "abc"}},
                   truc::v1::URGENCY_EXPRESS, "k1"),
              StatusIs(absl::StatusCode::kUnavailable, "injected sync error"));
  EXPECT_EQ(keys(), before) << "nothing of the failed send, nor its record";
  auto retry = Send(kOffice, {kHealth}, {{"a.pdf", "abc"}},
                    truc::v1::URGENCY_EXPRESS, "k1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->duplicate());
  hub_.reset();  // before the store it uses
}

TEST_F(ServerTest, ServesHealthAndReflection) {
  grpc::GenericStub generic(Channel("operator"));
  grpc::ClientContext ctx;
  grpc::Slice empty_slice("");
  grpc::ByteBuffer request(&empty_slice, 1), response;  // HealthCheckRequest{}
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                    &request, &response,
                    [&](grpc::Status s) { done.set_value(s); });
  grpc::Status s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto bytes_of = [](grpc::ByteBuffer& b) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(b.Dump(&slices).ok());
    std::string out;
    for (auto& sl : slices)
      out += std::string(reinterpret_cast<const char*>(sl.begin()), sl.size());
    return out;
  };
  EXPECT_EQ(bytes_of(response), std::string("\x08\x01", 2))
      << "status: SERVING";

  // Reflection: list_services (field 7) over the bidi stream, one step at
  // a time on a completion queue.
  grpc::CompletionQueue cq;
  grpc::ClientContext rctx;
  auto call = generic.PrepareCall(
      &rctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      &cq);
  void* tag;
  bool ok;
  auto step = [&](intptr_t want) {
    ASSERT_TRUE(cq.Next(&tag, &ok));
    ASSERT_EQ(reinterpret_cast<intptr_t>(tag), want);
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  grpc::Slice req_slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer req_buf(&req_slice, 1);
  call->Write(req_buf, reinterpret_cast<void*>(2));
  step(2);
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(4));
  step(4);
  ASSERT_TRUE(ok);
  std::string listed = bytes_of(reply);
  EXPECT_NE(listed.find("truc.v1.Exchange"), std::string::npos);
  EXPECT_NE(listed.find("truc.v1.Operator"), std::string::npos);
  EXPECT_NE(listed.find("truc.v1.Audit"), std::string::npos);
  grpc::Status fs;
  call->Finish(&fs, reinterpret_cast<void*>(5));
  step(5);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(HubConfig, ErrorsNameTheField) {
  TempDir dir;
  // The TLS files the configurations name: checked for being PEM here.
  for (const char* name : {"ca.crt", "h.crt", "h.key"}) {
    ASSERT_TRUE(WriteFileDurably(dir.Sub(name),
                                 "-----BEGIN CERTIFICATE-----\nAA==\n"
                                 "-----END CERTIFICATE-----\n")
                    .ok());
  }
  auto write = [&](const std::string& text) {
    EXPECT_TRUE(WriteFileDurably(dir.Sub("hub.conf"), text).ok());
    return LoadHubConfig(dir.Sub("hub.conf"));
  };
  EXPECT_THAT(write("lease_seconds: 5\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "tls is required"));
  const std::string tls =
      "tls { ca_cert: \"ca.crt\" cert: \"h.crt\" key: \"h.key\" }\n";
  EXPECT_THAT(write(tls + "lease_secs: 5\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease_secs"));
  EXPECT_THAT(
      write(tls + "lease_seconds: 99999\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "lease_seconds is 99999"));
  EXPECT_THAT(write(tls + "listen_address: \"7443\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "HOST:PORT"));
  EXPECT_THAT(
      write("tls { ca_cert: \"ca.crt\" cert: \"h.crt\" }\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "tls.key is required"));
  auto ok = write(tls + "data_dir: \"store\"\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->data_dir(), dir.Sub("store"));
  EXPECT_EQ(ok->tls().cert(), dir.Sub("h.crt"));
  EXPECT_EQ(ok->lease_seconds(), 60u);
  EXPECT_EQ(ok->store_cache_mb(), 256u);
  EXPECT_THAT(write(tls + "store_cache_mb: 4\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "store_cache_mb is 4; it must be between 8 and 65536"));
  EXPECT_EQ(ok->worker_threads(), 16u);
  EXPECT_THAT(
      write(tls + "worker_threads: 5000\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "worker_threads is 5000; it must be between 1 and 1024"));
  EXPECT_EQ(ok->send_limits().max_in_flight(), 8u);
  EXPECT_EQ(ok->send_limits().per_second(), 20u);
  EXPECT_EQ(ok->send_limits().burst(), 200u);
  EXPECT_EQ(ok->send_limits().max_waiting(), 256u);
  auto unlimited = write(tls + "send_limits { per_second: 0 }\n");
  ASSERT_TRUE(unlimited.ok()) << unlimited.status();
  EXPECT_EQ(unlimited->send_limits().per_second(), 0u);
  EXPECT_THAT(write(tls + "send_limits { max_in_flight: 5000 }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "send_limits.max_in_flight is 5000"));
  for (const char* address :
       {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:abc"}) {
    for (const char* field : {"listen_address", "metrics_listen_address",
                              "console.listen_address"}) {
      const std::string line =
          absl::string_view(field) == "console.listen_address"
              ? absl::StrCat("console { listen_address: \"", address, "\" }\n")
              : absl::StrCat(field, ": \"", address, "\"\n");
      EXPECT_THAT(write(tls + line),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           absl::StrCat(field, " \"", address, "\"")));
    }
  }
  auto any_port = write(tls + "listen_address: \"127.0.0.1:0\"\n");
  EXPECT_TRUE(any_port.ok()) << "0 picks a free port";
  // The web doors' limits: defaults, and a value out of range named.
  EXPECT_EQ(any_port->web_doors().max_connections_per_client(), 256u);
  EXPECT_EQ(any_port->web_doors().header_timeout_seconds(), 5u);
  EXPECT_EQ(any_port->console().max_event_streams(), 1000u);
  EXPECT_THAT(write(tls + "web_doors { header_timeout_seconds: 900 }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "web_doors.header_timeout_seconds is 900"));
  EXPECT_THAT(write(tls + "web_doors { max_connections: 4 }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "web_doors.max_connections is 4"));
  EXPECT_THAT(write(tls + "notify { webhook_urls: \"ftp://x\" }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "notify.webhook_urls \"ftp://x\""));
  EXPECT_THAT(write("tls { ca_cert: \"ca.crt\" cert: \"gone.crt\" key: "
                    "\"h.key\" }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tls.cert: open " + dir.Sub("gone.crt")));
  EXPECT_THAT(
      write(tls + "signing { cert: \"h.crt\" key: \"gone.key\" }\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "signing.key: open"));
  EXPECT_THAT(LoadHubConfig(dir.Sub("missing.conf")),
              StatusIs(absl::StatusCode::kNotFound, "missing.conf"));
}

}  // namespace
}  // namespace truc::hub
