// Trust and evidence across real processes: truc-hub, truc-agent and truc
// over loopback mutual TLS. Revocation and rotation of an agency's
// certificate, an envelope altered in the hub's store and refused by its
// recipient, the audit log checked and proven from the command line, and
// receipts checked with the CA's certificate alone.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/file_util.h"
#include "gtest/gtest.h"
#include "hub/store/key_layout.h"
#include "hub/store/rocksdb_store.h"
#include "tests/province.h"
#include "truc/internal/records.pb.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TrustEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.StartHub();
    p_.Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn");
    p_.Register(kHealth, "Sở Y tế");
    p_.Register(kYTich, "UBND xã Y Tịch");
    operator_ = p_.Profile("operator");
    office_ = p_.Profile(kOffice);
  }

  std::string Serial(const std::string& file) {
    return IdentityFromCertificatePem(*ReadFile(p_.Path(file + ".crt")))
        ->serial_hex;
  }
  bool InInbox(const std::string& code, const std::string& id) {
    auto ids = p_.Inbox(code);
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  std::string AgentLog(const std::string& code) {
    return ReadFile(JoinPath(p_.AgentDir(code), "agent.log")).value_or("");
  }
  std::string Sent(const std::string& subject) {
    auto sent = p_.Send(kOffice, {kHealth}, subject);
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->document_id() : "";
  }
  // Stops the hub, lets `change` edit its store, starts it again.
  void WithTheStore(const std::function<void(hub::Store*)>& change) {
    ASSERT_EQ(p_.StopHub(), 0);
    {
      auto store = hub::RocksDbStore::Open(p_.Path("hub-data/db"));
      ASSERT_TRUE(store.ok()) << store.status();
      change(store->get());
    }
    p_.StartHub();
  }

  Province p_;
  std::string operator_, office_;
};

TEST_F(TrustEndToEnd,
       ARevokedCertificateStopsItsAgentAndARotatedOneLosesNothing) {
  p_.StartAgent(kHealth);
  const std::string first = Sent("V/v trước khi thu hồi");
  ASSERT_TRUE(WaitFor([&] { return InInbox(kHealth, first); },
                      std::chrono::seconds(30)));
  // The agent is parked in its 5 s long poll. Revoke its certificate.
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time revoked_at = absl::Now();
  auto r = p_.Truc(operator_, {"cert", "revoke", Serial(kHealth), "--reason",
                               "máy tính văn thư bị mất"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("agency:000.07.00.H99"));
  // Its open poll ends at once, long before the poll's 5 s wait.
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(AgentLog(kHealth), "code=UNAUTHENTICATED");
      },
      std::chrono::seconds(4)));
  EXPECT_LT(absl::Now() - revoked_at, absl::Seconds(3));
  EXPECT_THAT(AgentLog(kHealth), HasSubstr("máy tính văn thư bị mất"));
  // Nothing reaches it while it has only that certificate.
  const std::string during = Sent("V/v trong khi bị thu hồi");
  absl::SleepFor(absl::Seconds(2));
  EXPECT_FALSE(InInbox(kHealth, during));
  EXPECT_EQ(p_.Status(during)->received_count(), 0u);

  // Rotation: a new certificate from the province CA, the agent restarted
  // on it, in the same folders. What waited is delivered, once.
  p_.IssueFile("health-2027", {Role::kAgency, kHealth, "Sở Y tế", {}, {}, 30});
  ASSERT_EQ(p_.StopAgent(kHealth), 0);
  p_.StartAgent(kHealth, {}, "health-2027");
  const std::string after = Sent("V/v sau khi thay chứng thư");
  for (const std::string& id : {during, after}) {
    ASSERT_TRUE(
        WaitFor([&] { return InInbox(kHealth, id); }, std::chrono::seconds(30)))
        << id;
  }
  ASSERT_TRUE(WaitFor([&] { return p_.Status(after)->received_count() == 1; },
                      std::chrono::seconds(10)));
  for (const std::string& id : {first, during, after}) {
    auto status = p_.Status(id);
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(status->recipients_size(), 1);
    EXPECT_EQ(status->recipients(0).history_size(), 1)
        << id << " arrived exactly once";
  }
  EXPECT_EQ(p_.Inbox(kHealth).size(), 3u);
  // `truc cert list` shows both, the old one revoked with its reason.
  r = p_.Truc(operator_, {"cert", "list", "--agency", kHealth});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("REVOKED"));
  EXPECT_THAT(r.out, HasSubstr("máy tính văn thư bị mất"));
  EXPECT_THAT(r.out, HasSubstr(Serial("health-2027")));
}

TEST_F(TrustEndToEnd, RotatingWithAnOverlapDropsNoDelivery) {
  p_.StartAgent(kHealth);
  // The office sends all along, while Sở Y tế changes certificates.
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::vector<std::string> ids;
  std::thread sender([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto sent = p_.Send(kOffice, {kHealth}, absl::StrCat("V/v số ", i));
      if (sent.ok()) {
        absl::MutexLock lock(&mu);
        ids.push_back(sent->document_id());
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  absl::SleepFor(absl::Seconds(1));
  // The new certificate, valid alongside the old one; the agent moves to it.
  p_.IssueFile("health-2027", {Role::kAgency, kHealth, "Sở Y tế", {}, {}, 30});
  ASSERT_EQ(p_.StopAgent(kHealth), 0);
  p_.StartAgent(kHealth, {}, "health-2027");
  absl::SleepFor(absl::Seconds(1));
  // Once it runs on the new one, the old one is revoked.
  auto r = p_.Truc(operator_, {"cert", "revoke", Serial(kHealth), "--reason",
                               "thay bằng chứng thư 2027"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  sender.join();
  std::vector<std::string> all;
  {
    absl::MutexLock lock(&mu);
    all = ids;
  }
  ASSERT_GT(all.size(), 20u);
  for (const std::string& id : all) {
    ASSERT_TRUE(
        WaitFor([&] { return InInbox(kHealth, id); }, std::chrono::seconds(30)))
        << id << " was not delivered";
  }
  for (const std::string& id : all) {
    ASSERT_TRUE(WaitFor([&] { return p_.Status(id)->received_count() == 1; },
                        std::chrono::seconds(10)));
    EXPECT_EQ(p_.Status(id)->recipients(0).history_size(), 1)
        << id << " arrived exactly once";
  }
  EXPECT_EQ(p_.Inbox(kHealth).size(), all.size());
  EXPECT_THAT(AgentLog(kHealth), Not(HasSubstr("UNAUTHENTICATED")));
}

// The stored header of a document sent to two units is altered on the
// hub's disk. The recipient's agent refuses it and stores nothing: that unit
// has NOT received it, and every view the office and the operators use says
// so (truc status and its JSON, truc pending, truc sent --outstanding),
// marked "refused on arrival" with the reason. Once the header is
// restored, a resend delivers a good copy and clears it everywhere.
TEST_F(TrustEndToEnd, AnEnvelopeAlteredInTheStoreIsRefusedByItsRecipient) {
  auto sent = p_.Send(kOffice, {kHealth, kYTich}, "V/v kiểm tra tính toàn vẹn");
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  std::string original;
  // Someone with the hub's disk changes the subject of the stored header.
  WithTheStore([&](hub::Store* store) {
    auto bytes = store->Get(hub::keys::Document(id));
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    original = *bytes;
    truc::internal::DocumentRecord doc;
    ASSERT_TRUE(doc.ParseFromString(*bytes));
    truc::v1::DocumentHeader header;
    ASSERT_TRUE(header.ParseFromString(doc.envelope().header()));
    header.set_subject("V/v đã bị sửa trên máy chủ");
    header.SerializeToString(doc.mutable_envelope()->mutable_header());
    hub::WriteBatch b;
    b.Put(hub::keys::Document(id), doc.SerializeAsString());
    ASSERT_TRUE(store->Write(b, {}).ok());
  });
  p_.StartAgent(kHealth);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = p_.Status(id);
        return s.ok() && s->recipients(0).state() ==
                             truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL;
      },
      std::chrono::seconds(30)))
      << AgentLog(kHealth);
  auto status = p_.Status(id);
  const auto& step = status->recipients(0).history(0);
  EXPECT_EQ(step.status(), truc::v1::EDXML_STATUS_REFUSED);
  EXPECT_THAT(step.description(), HasSubstr("does not match"));
  EXPECT_THAT(status->recipients(0).refusal_reason(),
              HasSubstr("the sender's signature does not check out"));
  EXPECT_EQ(status->received_count(), 0u);
  EXPECT_FALSE(InInbox(kHealth, id));

  // truc status: the row, its note, and the summary line.
  auto r = p_.Truc(office_, {"status", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("refused on arrival 02"));
  EXPECT_THAT(r.out, HasSubstr("refused on arrival: the sender's signature "
                               "does not check out"));
  EXPECT_THAT(r.out, HasSubstr("0 of 2 received; not yet: 000.07.00.H99 (Sở "
                               "Y tế) [refused on arrival: resend], "
                               "000.21.30.H99 (UBND xã Y Tịch)"));
  r = p_.Truc(office_, {"status", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("\"state\": \"DELIVERY_STATE_REFUSED_ON_ARRIVAL\""));
  EXPECT_THAT(r.out, Not(HasSubstr("\"received_count\"")))
      << "0 received: proto3 JSON leaves the field out";
  EXPECT_THAT(r.out, HasSubstr("\"refused_on_arrival_count\": 1"));
  // The operators' pending list and the office's outstanding list keep it.
  for (const auto& [profile, args] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {operator_, {"pending", "--json"}},
           {office_, {"sent", "--outstanding", "--json"}}}) {
    r = p_.Truc(profile, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(id)) << args[0];
    EXPECT_THAT(r.out, HasSubstr("DELIVERY_STATE_REFUSED_ON_ARRIVAL"))
        << args[0];
    EXPECT_THAT(r.out, HasSubstr("the sender's signature does not check out"))
        << args[0];
  }
  r = p_.Truc(operator_, {"pending"});
  EXPECT_THAT(r.out, HasSubstr("refused on arrival: the sender's signature"));

  // The sending office's evidence view shows what does not hold.
  r = p_.Truc(office_, {"status", id, "--evidence"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("BAD  the sender's signature"));
  EXPECT_THAT(r.out, HasSubstr("000.07.00.H99: 02"));

  // The header restored, the office resends: a good copy arrives, and the
  // unit leaves every list of those without it.
  ASSERT_EQ(p_.StopAgent(kHealth), 0);
  WithTheStore([&](hub::Store* store) {
    hub::WriteBatch b;
    b.Put(hub::keys::Document(id), original);
    ASSERT_TRUE(store->Write(b, {}).ok());
  });
  p_.StartAgent(kHealth);
  r = p_.Truc(office_, {"resend", id});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  ASSERT_TRUE(
      WaitFor([&] { return InInbox(kHealth, id); }, std::chrono::seconds(30)))
      << AgentLog(kHealth);
  ASSERT_TRUE(WaitFor([&] { return p_.Status(id)->received_count() == 1; },
                      std::chrono::seconds(10)));
  EXPECT_EQ(p_.Status(id)->recipients(0).state(),
            truc::v1::DELIVERY_STATE_ARRIVED);
  r = p_.Truc(operator_, {"pending", "--json"});
  EXPECT_THAT(r.out, Not(HasSubstr("DELIVERY_STATE_REFUSED_ON_ARRIVAL")));
  r = p_.Truc(office_, {"status", id});
  EXPECT_THAT(r.out, HasSubstr("1 of 2 received; not yet: 000.21.30.H99"));
}

TEST_F(TrustEndToEnd, TheAuditLogIsVerifiedProvenAndOnlyGrows) {
  p_.StartAgent(kHealth);
  const std::string id = Sent("V/v kiểm toán nhật ký");
  ASSERT_TRUE(WaitFor([&] { return p_.Status(id)->received_count() == 1; },
                      std::chrono::seconds(30)));
  auto r = p_.Truc(operator_, {"audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("The audit log is intact"));

  // A checkpoint kept by an inspector; a proof of the document's events.
  const std::string old_cp = p_.Path("inspector.checkpoint");
  r = p_.Truc(operator_, {"audit", "checkpoint", "--out", old_cp});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string proof = p_.Path("document.proof");
  r = p_.Truc(office_, {"audit", "prove", id, "--out", proof});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* kind : {"accepted", "leased", "arrived"})
    EXPECT_THAT(r.out, HasSubstr(kind));
  r = RunCommand({TRUC_CLI_BIN, "audit", "verify-proof", proof, "--ca",
                  p_.Path("ca.crt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("verifies"));
  std::string text = *ReadFile(proof);
  text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(WriteFileDurably(p_.Path("bent.proof"), text).ok());
  r = RunCommand({TRUC_CLI_BIN, "audit", "verify-proof", p_.Path("bent.proof"),
                  "--ca", p_.Path("ca.crt")});
  EXPECT_NE(r.exit_code, 0);

  // After a restart and more mail, the log extends the inspector's.
  ASSERT_EQ(p_.StopHub(), 0);
  p_.StartHub();
  Sent("V/v sau khi khởi động lại");
  r = p_.Truc(office_, {"audit", "verify-consistency", old_cp});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("only appended to"));

  // Tampering in the store, each named by `truc audit verify`.
  ASSERT_EQ(p_.StopAgent(kHealth), 0);
  std::string original3, original4;
  WithTheStore([&](hub::Store* store) {
    original3 = *store->Get(hub::keys::AuditEvent(3));
    truc::v1::AuditEvent e;
    ASSERT_TRUE(e.ParseFromString(original3));
    e.set_detail(e.detail() + " (sửa)");
    hub::WriteBatch b;
    b.Put(hub::keys::AuditEvent(3), e.SerializeAsString());
    ASSERT_TRUE(store->Write(b, {}).ok());
  });
  r = p_.Truc(operator_, {"audit", "verify"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("audit event 3 was altered"));
  WithTheStore([&](hub::Store* store) {
    hub::WriteBatch b;
    b.Put(hub::keys::AuditEvent(3), original3);
    original4 = *store->Get(hub::keys::AuditEvent(4));
    b.Delete(hub::keys::AuditEvent(4));
    ASSERT_TRUE(store->Write(b, {}).ok());
  });
  r = p_.Truc(operator_, {"audit", "verify"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("audit event 4 is missing"));
  WithTheStore([&](hub::Store* store) {
    hub::WriteBatch b;
    b.Put(hub::keys::AuditEvent(4), original3);
    b.Put(hub::keys::AuditEvent(3), original4);
    ASSERT_TRUE(store->Write(b, {}).ok());
  });
  r = p_.Truc(operator_, {"audit", "verify"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("audit event 3 carries index 4"));
}

TEST_F(TrustEndToEnd, ReceiptsAndEvidenceVerifyWithTheCaAlone) {
  p_.StartAgent(kHealth);
  const std::string file = p_.Path("Công văn 45.txt");
  ASSERT_TRUE(WriteFileDurably(file, "Kính gửi: Sở Y tế").ok());
  const std::string receipt = p_.Path("cv45.receipt");
  auto r = p_.Truc(
      office_, {"send", "--to", kHealth, "--urgency", "express", "--subject",
                "V/v ứng phó bão số 9", "--number", "45", "--notation",
                "UBND-VP", "--type", "Công văn", "--signer", "Nguyễn Văn An",
                "--receipt", receipt, file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id(absl::StripAsciiWhitespace(r.out));
  // Offline, with nothing but the CA's certificate.
  r = RunCommand(
      {TRUC_CLI_BIN, "receipt", "verify", receipt, "--ca", p_.Path("ca.crt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(id));
  EXPECT_THAT(r.out, HasSubstr("the hub accepted the document"));
  std::string text = *ReadFile(receipt);
  text[40] = text[40] == 'x' ? 'y' : 'x';
  ASSERT_TRUE(WriteFileDurably(p_.Path("bent.receipt"), text).ok());
  r = RunCommand({TRUC_CLI_BIN, "receipt", "verify", p_.Path("bent.receipt"),
                  "--ca", p_.Path("ca.crt")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("truc: error:"));

  // The recipient's statements: arrival, then accepted by its clerk.
  ASSERT_TRUE(WaitFor([&] { return p_.Status(id)->received_count() == 1; },
                      std::chrono::seconds(30)));
  r = RunCommand({TRUC_AGENT_BIN, "report", "--config",
                  JoinPath(p_.AgentDir(kHealth), "agent.conf"), id, "03",
                  "--description", "Đã vào sổ văn bản đến", "--staff",
                  "Trần Thị Bình"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string saved = p_.Path("evidence");
  r = p_.Truc(office_, {"status", id, "--evidence", "--save", saved});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   header"));
  EXPECT_THAT(r.out, HasSubstr("ok   accepted at"));
  EXPECT_THAT(r.out, HasSubstr("000.07.00.H99: 01"));
  EXPECT_THAT(r.out, HasSubstr("000.07.00.H99: 03"));
  EXPECT_THAT(r.out, Not(HasSubstr("BAD")));
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(saved)) {
    r = RunCommand({TRUC_CLI_BIN, "receipt", "verify", e.path().string(),
                    "--ca", p_.Path("ca.crt")});
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.err;
    ++checked;
  }
  EXPECT_EQ(checked, 3) << "the hub's receipt and two statements";
}

TEST_F(TrustEndToEnd, AnRsaAgencyKeySignsAndIsCheckedLikeAnyOther) {
  // Vietnamese CAs issue RSA keys: UBND xã Y Tịch has one.
  IssueRequest rsa{Role::kAgency, kYTich, "UBND xã Y Tịch", {}, {}, 30};
  rsa.key_type = KeyType::kRsa2048;
  p_.IssueFile("ytich-rsa", rsa);
  p_.StartAgent(kYTich, {}, "ytich-rsa");
  auto sent = p_.Send(kOffice, {kYTich}, "V/v gửi xã Y Tịch");
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_TRUE(WaitFor([&] { return InInbox(kYTich, sent->document_id()); },
                      std::chrono::seconds(30)));
  ASSERT_TRUE(WaitFor(
      [&] { return p_.Status(sent->document_id())->received_count() == 1; },
      std::chrono::seconds(10)));
  // Its clerk answers with `truc send`, signed with the RSA key.
  const std::string file = p_.Path("Báo cáo.txt");
  ASSERT_TRUE(WriteFileDurably(file, "Xã Y Tịch báo cáo").ok());
  auto r = p_.Truc(p_.Profile(kYTich, "ytich-rsa"),
                   {"send", "--to", kOffice, "--subject", "Báo cáo tình hình",
                    "--number", "7", "--notation", "UBND", "--type", "Báo cáo",
                    "--signer", "Hoàng Văn Bình", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto status = p_.Truc(office_, {"status", sent->document_id(), "--evidence"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("signed by agency 000.21.30.H99"));
}

TEST_F(TrustEndToEnd, ACertificateCloseToItsEndIsWarned) {
  p_.IssueFile("ytich-short",
               {Role::kAgency, kYTich, "UBND xã Y Tịch", {}, {}, 10});
  p_.StartAgent(kYTich, {}, "ytich-short");
  auto r = p_.Truc(operator_, {"agency", "list"});
  ASSERT_TRUE(WaitFor(
      [&] {
        r = p_.Truc(operator_, {"agency", "list"});
        return absl::StrContains(r.out, "EXPIRES IN");
      },
      std::chrono::seconds(20)))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("warning: the certificate of 000.21.30.H99"));
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(
            ReadFile(p_.Path("hub.log")).value_or(""),
            "event=certificate_expiring principal=agency:000.21.30.H99");
      },
      std::chrono::seconds(10)));
}

}  // namespace
}  // namespace truc::testing
