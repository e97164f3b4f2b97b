#include "cli/commands.h"

#include <google/protobuf/util/json_util.h>

#include <sstream>

#include "absl/strings/match.h"
#include "cli/ca.h"
#include "cli/fake_hub_test_util.h"
#include "cli/profile.h"
#include "cli/vocabulary.h"
#include "common/file_util.h"
#include "common/test_util.h"
#include "common/time_util.h"
#include "common/tls.h"

namespace truc::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

constexpr int64_t kMinute = 60 * 1000000LL;

int64_t Base() { return *ParseVietnamDateTime("22/11/2026 09:00"); }

truc::v1::Agency MakeAgency(const std::string& code, const std::string& name,
                            const std::string& parent) {
  truc::v1::Agency a;
  a.set_code(code);
  a.set_name(name);
  a.set_parent_code(parent);
  a.set_state(truc::v1::AGENCY_STATE_ACTIVE);
  return a;
}

truc::v1::DocumentStatus Status() {
  truc::v1::DocumentStatus s;
  s.set_document_id("doc-42");
  s.set_sender("000.01.00.H99");
  s.set_subject("Về việc phòng chống bão số 3");
  s.set_urgency(truc::v1::URGENCY_EXPRESS);
  s.mutable_accepted_at()->set_unix_micros(Base());
  auto* r = s.add_recipients();
  r->set_organ_id("000.07.00.H99");
  r->set_name("Sở Y tế");
  r->set_state(truc::v1::DELIVERY_STATE_ACCEPTED);
  r = s.add_recipients();
  r->set_organ_id("000.00.12.H42");
  r->set_name("UBND xã Liên Sơn");
  r->set_state(truc::v1::DELIVERY_STATE_QUEUED);
  r->set_silent(true);
  return s;
}

class CommandsTest : public ::testing::Test {
 protected:
  truc::v1::Operator::StubInterface* op() { return hub_.op_stub.get(); }
  testing::FakeOperator& fake() { return hub_.op; }

  testing::FakeHub hub_;
  std::ostringstream out_;
};

TEST_F(CommandsTest, AgencyAdd) {
  TRUC_ASSERT_OK(RunAgencyAdd(op(), "000.07.00.H99", " Sở Y tế ",
                              "000.00.00.H99", "", out_));
  EXPECT_EQ(out_.str(),
            "Registered 000.07.00.H99 Sở Y tế (parent 000.00.00.H99)\n");
  std::lock_guard<std::mutex> lock(fake().mu);
  ASSERT_EQ(fake().register_calls.size(), 1u);
  EXPECT_EQ(fake().register_calls[0].name(), "Sở Y tế");
  EXPECT_EQ(fake().register_calls[0].parent_code(), "000.00.00.H99");
}

TEST_F(CommandsTest, AgencyAddChecksLocally) {
  EXPECT_THAT(RunAgencyAdd(op(), "7", "Sở Y tế", "", "", out_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "malformed agency code \"7\""));
  EXPECT_THAT(RunAgencyAdd(op(), "000.07.00.H99", "Sở Y tế", "x", "", out_),
              StatusIs(absl::StatusCode::kInvalidArgument, "--parent"));
  EXPECT_THAT(RunAgencyAdd(op(), "000.07.00.H99", " ", "", "", out_),
              StatusIs(absl::StatusCode::kInvalidArgument, "name is empty"));
  std::lock_guard<std::mutex> lock(fake().mu);
  EXPECT_EQ(fake().calls, 0);
}

TEST_F(CommandsTest, AgencyAddReportsTheHubsRefusal) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().agencies.push_back(MakeAgency("000.07.00.H99", "Sở Y tế", ""));
  }
  EXPECT_THAT(RunAgencyAdd(op(), "000.07.00.H99", "Sở Tài chính", "", "", out_),
              StatusIs(absl::StatusCode::kAlreadyExists, "exists"));
}

TEST_F(CommandsTest, AgencyImportSkipsIdenticalAndRegistersParentsFirst) {
  TempDir tmp;
  std::string csv = tmp.Sub("p.csv");
  TRUC_ASSERT_OK(WriteFileDurably(
      csv,
      "# Lạng Sơn\n"
      "code,name,parent,kind\n"
      "000.03.30.H99,UBND xã Bắc Thủy,000.00.30.H99,commune\n"
      "000.00.30.H99,UBND huyện Chi Lăng,000.00.00.H99,district\n"
      "000.00.00.H99,UBND tỉnh Lạng Sơn,,province\n"
      "000.09.00.H99,\"Sở Văn hóa, Thể thao và Du lịch\",000.00.00.H99,"
      "department\n"
      "000.07.00.H99,Sở Y tế,000.00.00.H99,department\n"));
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().agencies.push_back(
        MakeAgency("000.00.00.H99", "UBND tỉnh Lạng Sơn", ""));
    fake().agencies.push_back(
        MakeAgency("000.07.00.H99", "Sở Y tế (cũ)", "000.00.00.H99"));
  }
  auto counts = RunAgencyImport(op(), csv, out_);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->registered, 3);
  EXPECT_EQ(counts->unchanged, 1);
  EXPECT_EQ(counts->conflicting, 1);
  EXPECT_EQ(counts->failed, 0);
  std::vector<std::string> order;
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    for (const auto& r : fake().register_calls) order.push_back(r.code());
    EXPECT_EQ(fake().register_calls[1].name(),
              "Sở Văn hóa, Thể thao và Du lịch");
  }
  EXPECT_THAT(order,
              ElementsAre("000.00.30.H99", "000.09.00.H99", "000.03.30.H99"));
  EXPECT_THAT(out_.str(),
              HasSubstr(csv + ":7: 000.07.00.H99 is already registered as "
                              "\"Sở Y tế (cũ)\""));
  EXPECT_THAT(out_.str(),
              HasSubstr("5 agencies in " + csv +
                        ": 3 registered, 1 already registered, 1 registered "
                        "differently (not changed)\n"));

  // Again: everything is already there.
  out_.str("");
  counts = RunAgencyImport(op(), csv, out_);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->registered, 0);
  EXPECT_EQ(counts->unchanged, 4);
}

TEST_F(CommandsTest, AgencyImportRefusesAMalformedFileBeforeCallingTheHub) {
  TempDir tmp;
  std::string csv = tmp.Sub("p.csv");
  TRUC_ASSERT_OK(WriteFileDurably(
      csv,
      "code,name,parent,kind\n"
      "000.00.00.H99,UBND tỉnh Lạng Sơn,,province\n"
      "000.09.00.H99,Sở Văn hóa, Thể thao và Du lịch,000.00.00.H99,x\n"));
  EXPECT_THAT(RunAgencyImport(op(), csv, out_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       csv + ":3: expected 4 fields, found 5"));
  EXPECT_THAT(RunAgencyImport(op(), tmp.Sub("none.csv"), out_),
              StatusIs(absl::StatusCode::kNotFound, "none.csv"));
  std::lock_guard<std::mutex> lock(fake().mu);
  EXPECT_EQ(fake().calls, 0);
}

TEST_F(CommandsTest, AgencyImportStopsWhenTheHubRefusesTheCaller) {
  TempDir tmp;
  std::string csv = tmp.Sub("p.csv");
  TRUC_ASSERT_OK(WriteFileDurably(csv,
                                  "000.00.00.H99,UBND tỉnh,,province\n"
                                  "000.07.00.H99,Sở Y tế,,department\n"));
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().fail_register =
        grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not an operator");
  }
  EXPECT_THAT(RunAgencyImport(op(), csv, out_),
              StatusIs(absl::StatusCode::kPermissionDenied, "not an operator"));
  std::lock_guard<std::mutex> lock(fake().mu);
  EXPECT_EQ(fake().register_calls.size(), 1u);
}

TEST_F(CommandsTest, AgencyListTableAndJson) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().agencies.push_back(
        MakeAgency("000.00.00.H99", "UBND tỉnh Lạng Sơn", ""));
    auto a = MakeAgency("000.07.00.H99", "Sở Y tế", "000.00.00.H99");
    a.set_silent(true);
    a.mutable_last_poll_at()->set_unix_micros(Base() - 185 * kMinute);
    fake().agencies.push_back(a);
  }
  TRUC_ASSERT_OK(RunAgencyList(op(), false, out_, Base()));
  EXPECT_EQ(
      out_.str(),
      "CODE           NAME                PARENT         STATE   LAST "
      "POLL                        SILENT  CERTIFICATE\n"
      "000.00.00.H99  UBND tỉnh Lạng Sơn                 active  never    "
      "                                -\n"
      "000.07.00.H99  Sở Y tế             000.00.00.H99  active  "
      "22/11/2026 05:55:00 (3h05m ago)  SILENT  -\n"
      "2 agencies; 0 suspended; 1 silent\n");
  out_.str("");
  TRUC_ASSERT_OK(RunAgencyList(op(), true, out_, Base()));
  truc::v1::ListAgenciesResponse back;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(out_.str(), &back).ok())
      << out_.str();
  ASSERT_EQ(back.agencies_size(), 2);
  EXPECT_EQ(back.agencies(1).name(), "Sở Y tế");
  EXPECT_TRUE(back.agencies(1).silent());
}

TEST_F(CommandsTest, SuspendAndResume) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().agencies.push_back(MakeAgency("000.07.00.H99", "Sở Y tế", ""));
  }
  TRUC_ASSERT_OK(RunAgencySuspend(op(), "000.07.00.H99", out_));
  EXPECT_THAT(out_.str(), HasSubstr("Suspended 000.07.00.H99 Sở Y tế"));
  TRUC_ASSERT_OK(RunAgencyResume(op(), "000.07.00.H99", out_));
  EXPECT_THAT(out_.str(), HasSubstr("Resumed 000.07.00.H99 Sở Y tế\n"));
  EXPECT_THAT(RunAgencySuspend(op(), "000.99.00.H99", out_),
              StatusIs(absl::StatusCode::kNotFound, "no agency"));
  EXPECT_THAT(RunAgencyResume(op(), "bad", out_),
              StatusIs(absl::StatusCode::kInvalidArgument, "malformed"));
  std::lock_guard<std::mutex> lock(fake().mu);
  EXPECT_THAT(fake().suspended, ElementsAre("000.07.00.H99"));
  EXPECT_THAT(fake().resumed, ElementsAre("000.07.00.H99"));
}

TEST_F(CommandsTest, StatusAsOperator) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().status = Status();
  }
  TRUC_ASSERT_OK(RunStatusAsOperator(op(), "doc-42", false, out_, Base()));
  EXPECT_THAT(out_.str(), HasSubstr("Urgency   Hỏa tốc (express)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("SILENT (never polled)"));
  EXPECT_TRUE(absl::EndsWith(
      out_.str(),
      "\n1 of 2 received; not yet: 000.00.12.H42 (UBND xã Liên Sơn)\n"));
  EXPECT_THAT(RunStatusAsOperator(op(), "doc-9", false, out_, Base()),
              StatusIs(absl::StatusCode::kNotFound, "no document doc-9"));
  EXPECT_THAT(RunStatusAsOperator(op(), " ", false, out_, Base()),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

TEST_F(CommandsTest, StatusAsAgencyJson) {
  {
    std::lock_guard<std::mutex> lock(hub_.exchange.mu);
    hub_.exchange.status = Status();
  }
  TRUC_ASSERT_OK(RunStatusAsAgency(hub_.exchange_stub.get(), "doc-42", true,
                                   out_, Base()));
  truc::v1::DocumentStatus back;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(out_.str(), &back).ok());
  EXPECT_EQ(back.SerializeAsString(), Status().SerializeAsString());
  out_.str("");
  TRUC_ASSERT_OK(RunStatusAsAgency(hub_.exchange_stub.get(), "doc-42", false,
                                   out_, Base()));
  EXPECT_THAT(out_.str(), HasSubstr("accepted 03"));
}

TEST_F(CommandsTest, PendingSendsTheFiltersAndPrints) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    auto* d = fake().pending.add_documents();
    d->set_document_id("doc-42");
    d->set_sender("000.01.00.H99");
    d->set_subject("Về việc phòng chống bão số 3");
    d->set_urgency(truc::v1::URGENCY_EXPRESS);
    d->mutable_accepted_at()->set_unix_micros(Base() - 15 * kMinute);
    d->set_recipient_count(2);
    auto* r = d->add_recipients();
    r->set_organ_id("000.00.12.H42");
    r->set_name("UBND xã Liên Sơn");
    r->set_state(truc::v1::DELIVERY_STATE_QUEUED);
    r->set_silent(true);
  }
  PendingFlags flags;
  flags.urgency = "express";
  flags.older_than = "10m";
  flags.limit = 5;
  TRUC_ASSERT_OK(RunPending(op(), flags, out_, Base()));
  EXPECT_THAT(out_.str(), HasSubstr("doc-42  Hỏa tốc (express)  waiting 15m"));
  EXPECT_THAT(out_.str(), HasSubstr("not received by 1 of 2:\n"));
  EXPECT_THAT(out_.str(), HasSubstr("UBND xã Liên Sơn  queued  SILENT "
                                    "(never polled)\n"));
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    EXPECT_EQ(fake().pending_request.min_urgency(), truc::v1::URGENCY_EXPRESS);
    EXPECT_EQ(fake().pending_request.older_than_seconds(), 600u);
    EXPECT_EQ(fake().pending_request.limit(), 5u);
  }
  out_.str("");
  flags.json = true;
  TRUC_ASSERT_OK(RunPending(op(), flags, out_, Base()));
  EXPECT_THAT(out_.str(), HasSubstr("\"document_id\": \"doc-42\""));
}

TEST_F(CommandsTest, PendingEmptyAndBadFlags) {
  TRUC_ASSERT_OK(RunPending(op(), {}, out_, Base()));
  EXPECT_EQ(out_.str(), "No document is waiting for any recipient.\n");
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    EXPECT_EQ(fake().pending_request.min_urgency(),
              truc::v1::URGENCY_UNSPECIFIED);
  }
  PendingFlags flags;
  flags.urgency = "khẩn";
  EXPECT_THAT(RunPending(op(), flags, out_, Base()),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown urgency"));
  flags = {};
  flags.older_than = "ten minutes";
  EXPECT_THAT(RunPending(op(), flags, out_, Base()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--older-than: not a duration"));
}

TEST_F(CommandsTest, HubErrorsComeBackAsTheyAre) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    fake().fail_all = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                   "agency certificates cannot call Operator");
  }
  EXPECT_THAT(RunAgencyList(op(), false, out_, Base()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "agency certificates cannot call Operator"));
  EXPECT_THAT(RunPending(op(), {}, out_, Base()),
              StatusIs(absl::StatusCode::kPermissionDenied, "Operator"));
  EXPECT_EQ(out_.str(), "");
}

TEST(CommandsUnreachable, ExplainsThatTheCertificateMayBeWrong) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  auto stub = truc::v1::Operator::NewStub(channel);
  std::ostringstream out;
  EXPECT_THAT(RunAgencyList(stub.get(), false, out),
              StatusIs(absl::StatusCode::kUnavailable, "certificate"));
}

// The whole chain a province sets up by hand: a CA, the hub's certificate
// (default names localhost and 127.0.0.1), an operator's profile written by
// `ca issue --profile-out`, and a call over mutual TLS.
TEST(OverMutualTls, ProfileWrittenByCaIssueReachesTheHub) {
  TempDir tmp;
  std::ostringstream log;
  TRUC_ASSERT_OK(CaInit(tmp.Sub("ca"), "CA tỉnh Lạng Sơn", log));
  IssueOptions hub_cert;
  hub_cert.ca_dir = tmp.Sub("ca");
  hub_cert.role = Role::kHub;
  hub_cert.name = "hub";
  hub_cert.out_dir = tmp.Sub("hub");
  TRUC_ASSERT_OK(CaIssue(hub_cert, log));
  truc::v1::TlsFiles server_files;
  server_files.set_ca_cert(tmp.Sub("ca/ca.crt"));
  server_files.set_cert(tmp.Sub("hub/hub.crt"));
  server_files.set_key(tmp.Sub("hub/hub.key"));
  auto credentials = MakeServerCredentials(server_files);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  testing::FakeHub hub(*credentials);
  {
    std::lock_guard<std::mutex> lock(hub.op.mu);
    hub.op.agencies.push_back(MakeAgency("000.07.00.H99", "Sở Y tế", ""));
  }

  IssueOptions op_cert;
  op_cert.ca_dir = tmp.Sub("ca");
  op_cert.role = Role::kOperator;
  op_cert.name = "van-thu";
  op_cert.out_dir = tmp.Sub("ops/van-thu");
  op_cert.profile_out = tmp.Sub("ops/van-thu/profile.txt");
  op_cert.hub_address = absl::StrCat("127.0.0.1:", hub.port);
  TRUC_ASSERT_OK(CaIssue(op_cert, log));
  auto profile = LoadProfile(op_cert.profile_out);
  ASSERT_TRUE(profile.ok()) << profile.status();
  auto channel = ConnectToHub(*profile);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = truc::v1::Operator::NewStub(*channel);
  std::ostringstream out;
  TRUC_ASSERT_OK(RunAgencyList(stub.get(), false, out, Base()));
  EXPECT_THAT(out.str(), HasSubstr("000.07.00.H99  Sở Y tế"));

  // A certificate from another CA is refused in the handshake; the error
  // says the certificate may be the cause.
  TRUC_ASSERT_OK(CaInit(tmp.Sub("other-ca"), "", log));
  op_cert.ca_dir = tmp.Sub("other-ca");
  op_cert.out_dir = tmp.Sub("ops/stranger");
  op_cert.profile_out = tmp.Sub("ops/stranger/profile.txt");
  TRUC_ASSERT_OK(CaIssue(op_cert, log));
  // It trusts the province CA, so only its own certificate is wrong.
  profile = LoadProfile(op_cert.profile_out);
  ASSERT_TRUE(profile.ok()) << profile.status();
  profile->profile.mutable_tls()->set_ca_cert(tmp.Sub("ca/ca.crt"));
  channel = ConnectToHub(*profile);
  ASSERT_TRUE(channel.ok());
  stub = truc::v1::Operator::NewStub(*channel);
  EXPECT_THAT(RunAgencyList(stub.get(), false, out, Base()),
              StatusIs(absl::StatusCode::kUnavailable, "certificate"));
}

}  // namespace
}  // namespace truc::cli
