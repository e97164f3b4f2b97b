// HubEnd against a hub of an earlier version: one whose Bridge service has
// the one-status calls (ReportStatus, ClearStatus) but not the batches
// (ReportStatuses, ClearStatuses), which gRPC answers UNIMPLEMENTED. The
// statuses still cross, one call each, and the bridge stops asking for
// batches after the first refusal.
#include "bridge/hub_end.h"

#include <grpcpp/grpcpp.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "common/tls.h"
#include "gtest/gtest.h"
#include "truc/v1/bridge.grpc.pb.h"

namespace truc::bridge {
namespace {

// The Bridge service of an earlier hub: it records each status, location
// and clear it is given, and counts the batches it was asked for (which it does
// not have). Thread-safe.
class EarlierHub : public truc::v1::Bridge::CallbackService {
 public:
  grpc::ServerUnaryReactor* ReportStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeStatusRequest* request,
      truc::v1::BridgeStatusResponse*) override {
    absl::MutexLock lock(&mu_);
    reported_.push_back(*request);
    return Answer(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* ReportLocation(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeLocationRequest* request,
      truc::v1::BridgeLocationResponse*) override {
    absl::MutexLock lock(&mu_);
    located_.push_back(*request);
    return Answer(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* ClearStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeClearRequest* request,
      truc::v1::BridgeClearResponse*) override {
    absl::MutexLock lock(&mu_);
    cleared_.push_back(*request);
    return Answer(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* ReportStatuses(
      grpc::CallbackServerContext* ctx, const truc::v1::BridgeStatusBatch*,
      truc::v1::BridgeStatusBatchResponse*) override {
    return Unimplemented(ctx);
  }
  grpc::ServerUnaryReactor* ClearStatuses(
      grpc::CallbackServerContext* ctx, const truc::v1::BridgeClearBatch*,
      truc::v1::BridgeClearResponse*) override {
    return Unimplemented(ctx);
  }

  std::vector<truc::v1::BridgeStatusRequest> reported() {
    absl::MutexLock lock(&mu_);
    return reported_;
  }
  std::vector<truc::v1::BridgeLocationRequest> located() {
    absl::MutexLock lock(&mu_);
    return located_;
  }
  std::vector<truc::v1::BridgeClearRequest> cleared() {
    absl::MutexLock lock(&mu_);
    return cleared_;
  }
  int batches_asked() {
    absl::MutexLock lock(&mu_);
    return batches_asked_;
  }

 private:
  static grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* ctx,
                                          const grpc::Status& status) {
    auto* r = ctx->DefaultReactor();
    r->Finish(status);
    return r;
  }
  // What the generated service answers for a method a hub does not have.
  grpc::ServerUnaryReactor* Unimplemented(grpc::CallbackServerContext* ctx) {
    {
      absl::MutexLock lock(&mu_);
      ++batches_asked_;
    }
    return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""));
  }

  absl::Mutex mu_;
  std::vector<truc::v1::BridgeStatusRequest> reported_ ABSL_GUARDED_BY(mu_);
  std::vector<truc::v1::BridgeLocationRequest> located_ ABSL_GUARDED_BY(mu_);
  std::vector<truc::v1::BridgeClearRequest> cleared_ ABSL_GUARDED_BY(mu_);
  int batches_asked_ ABSL_GUARDED_BY(mu_) = 0;
};

class HubEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CreateCertificateAuthority("CA trục quốc gia");
    ASSERT_TRUE(ca.ok()) << ca.status();
    dir_.Write("ca.crt", ca->cert_pem);
    dir_.Issue(
        *ca, "hub",
        {Role::kHub, "hub", "Trục quốc gia", {"localhost"}, {"127.0.0.1"}});
    dir_.Issue(*ca, "bridge", {Role::kBridge, "lang-son", "Cầu nối Lạng Sơn"});
    truc::v1::TlsFiles server_tls;
    server_tls.set_ca_cert(dir_.Sub("ca.crt"));
    server_tls.set_cert(dir_.Sub("hub.crt"));
    server_tls.set_key(dir_.Sub("hub.key"));
    auto creds = MakeServerCredentials(server_tls);
    ASSERT_TRUE(creds.ok()) << creds.status();
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *creds, &port);
    builder.RegisterService(&hub_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    HubSettings s;
    s.address = "127.0.0.1:" + std::to_string(port);
    s.tls.set_ca_cert(dir_.Sub("ca.crt"));
    s.tls.set_cert(dir_.Sub("bridge.crt"));
    s.tls.set_key(dir_.Sub("bridge.key"));
    s.signing.set_cert(dir_.Sub("bridge.crt"));
    s.signing.set_key(dir_.Sub("bridge.key"));
    auto end = HubEnd::Create(s, "upstream_hub");
    ASSERT_TRUE(end.ok()) << end.status();
    end_ = *std::move(end);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  static truc::v1::BridgeStatus Status(const std::string& there,
                                       const std::string& recipient,
                                       truc::v1::EdxmlStatus status) {
    truc::v1::BridgeStatus s;
    s.set_document_id("20261207-0a1b");
    s.set_origin_document_id(there);
    s.set_recipient(recipient);
    s.set_status(status);
    s.set_header_sha256(std::string(32, '\x07'));
    s.mutable_at()->set_unix_micros(1'796'000'000'000'000 + status);
    if (status == truc::v1::EDXML_STATUS_UNSPECIFIED) {
      s.mutable_location()->set_hub("Trục tỉnh Lạng Sơn");
    }
    return s;
  }

  truc::testing::TempDir dir_;
  EarlierHub hub_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HubEnd> end_;
};

TEST_F(HubEndTest, AnEarlierHubGetsEachStatusAloneAndIsAskedForBatchesOnce) {
  const std::vector<truc::v1::BridgeStatus> first = {
      Status("QG-1", "000.07.00.H42", truc::v1::EDXML_STATUS_ARRIVED),
      Status("QG-1", "000.08.00.H42", truc::v1::EDXML_STATUS_UNSPECIFIED),
      Status("QG-1", "000.07.00.H42", truc::v1::EDXML_STATUS_ASSIGNED)};
  std::vector<absl::Status> answers = end_->RecordStatuses(first);
  ASSERT_EQ(answers.size(), first.size());
  for (const auto& a : answers) EXPECT_TRUE(a.ok()) << a;
  auto reported = hub_.reported();
  ASSERT_EQ(reported.size(), 2u);
  // In order, each as its own call: a status signed by the bridge as
  // carrier, where it waits as a location.
  EXPECT_EQ(reported[0].document_id(), "QG-1");
  EXPECT_EQ(reported[0].status(), truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_FALSE(reported[0].receipt().body().empty());
  EXPECT_EQ(reported[1].status(), truc::v1::EDXML_STATUS_ASSIGNED);
  auto located = hub_.located();
  ASSERT_EQ(located.size(), 1u);
  EXPECT_EQ(located[0].recipient(), "000.08.00.H42");
  EXPECT_EQ(located[0].location().hub(), "Trục tỉnh Lạng Sơn");
  EXPECT_EQ(hub_.batches_asked(), 1);

  // Cleared one by one too, without asking for a batch again; nor does a
  // later round ask.
  ASSERT_TRUE(end_->StatusesCarried(first).ok());
  auto cleared = hub_.cleared();
  ASSERT_EQ(cleared.size(), 3u);
  EXPECT_EQ(cleared[1].recipient(), "000.08.00.H42");
  EXPECT_EQ(cleared[2].at().unix_micros(), first[2].at().unix_micros());
  answers = end_->RecordStatuses(
      {Status("QG-2", "000.07.00.H42", truc::v1::EDXML_STATUS_ARRIVED)});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_EQ(hub_.reported().size(), 3u);
  EXPECT_EQ(hub_.batches_asked(), 1);
}

}  // namespace
}  // namespace truc::bridge
