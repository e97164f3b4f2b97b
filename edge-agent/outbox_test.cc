#include "edge-agent/outbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "common/text_proto.h"
#include "edge-agent/fake_exchange.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using testing::FakeHub;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::RandomBytes;
using truc::testing::StatusIs;
using truc::testing::TempDir;

constexpr char kAgency[] = "000.07.00.H99";

constexpr char kEnvelope[] =
    R"pb(# Công văn gửi UBND xã
         to { organ_id: "000.00.12.H42" organ_name: "UBND xã Y Tịch" }
         from { organ_name: "Sở Y tế" }
         code { code_number: "123" code_notation: "SYT-VP" }
         promulgation { place: "Lạng Sơn" }
         document_type { type_name: "Công văn" }
         subject: "Về việc báo cáo tình hình dịch bệnh"
         signer { position: "Giám đốc" full_name: "Nguyễn Văn An" }
         urgency: URGENCY_URGENT
         attachments {
           name: "Công văn 123.pdf"
           content_type: "application/pdf"
         }
         attachments { name: "Phụ lục.xlsx" description: "Số liệu" }
    )pb";

std::string Read(const std::string& path) {
  auto s = ReadFile(path, 1 << 30);
  return s.ok() ? *s
                : std::string("<") + std::string(s.status().message()) + ">";
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : log_("truc-agent", kAgency,
             [this](const std::string& line) { log_text_ += line; }) {
    folders_ = testing::TestFolders(tmp_.path());
    sender_ = std::make_unique<OutboxSender>(
        folders_, kAgency, hub_.stub().get(), &log_, Options(),
        &testing::TestPki::Get().SignerOf(kAgency));
  }

  // Slow back-off, and no settle time (folders are sent as soon as dropped).
  static OutboxSender::Options Options() {
    OutboxSender::Options options;
    options.retry_initial = absl::Seconds(10);
    options.retry_max = absl::Seconds(60);
    options.settle_time = absl::ZeroDuration();
    return options;
  }

  // outbox/<name>/ with these files; the envelope written last.
  void Drop(const std::string& name, const std::string& envelope,
            const std::vector<std::pair<std::string, std::string>>& files) {
    const std::string dir = JoinPath(folders_.outbox, name);
    ASSERT_TRUE(MakeDirectories(dir).ok());
    for (const auto& [file, bytes] : files) {
      ASSERT_TRUE(WriteFileDurably(JoinPath(dir, file), bytes).ok());
    }
    if (!envelope.empty()) {
      ASSERT_TRUE(
          WriteFileDurably(JoinPath(dir, "envelope.txtpb"), envelope).ok());
    }
  }
  // The idempotency key file of outbox/<name>.
  std::string KeyPath(const std::string& name) {
    return JoinPath(JoinPath(folders_.outbox, name), ".truc-idempotency-key");
  }

  TempDir tmp_;
  FakeHub hub_;
  std::string log_text_;
  EventLog log_;
  AgentFolders folders_;
  std::unique_ptr<OutboxSender> sender_;
};

TEST_F(OutboxTest, SendsFolderAndMovesItToSent) {
  const std::string pdf = RandomBytes(3 * 1024 * 1024 + 5, 1);  // 4 chunks
  const std::string xlsx = RandomBytes(777, 2);
  Drop("cong-van-123", kEnvelope,
       {{"Công văn 123.pdf", pdf}, {"Phụ lục.xlsx", xlsx}});

  EXPECT_EQ(sender_->SendFolder("cong-van-123"), OutboxSender::Outcome::kSent);

  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 1u);
  const truc::v1::DocumentHeader& h = sends[0].header;
  EXPECT_EQ(h.from().organ_id(), kAgency);
  EXPECT_EQ(h.from().organ_name(), "Sở Y tế");
  EXPECT_EQ(h.to(0).organ_name(), "UBND xã Y Tịch");
  ASSERT_EQ(h.attachments_size(), 2);
  EXPECT_EQ(h.attachments(0).name(), "Công văn 123.pdf");
  EXPECT_EQ(h.attachments(0).size(), pdf.size());
  EXPECT_EQ(h.attachments(0).sha256(), Sha256::Of(pdf));
  EXPECT_EQ(
      h.attachments(1).content_type(),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(h.attachments(1).description(), "Số liệu");
  EXPECT_EQ(sends[0].attachments[0], pdf);
  EXPECT_EQ(sends[0].attachments[1], xlsx);
  EXPECT_EQ(sends[0].idempotency_key.size(), 32u);

  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "cong-van-123")));
  const std::string sent = JoinPath(folders_.sent, "D1");
  EXPECT_EQ(Read(JoinPath(sent, "Công văn 123.pdf")), pdf);
  truc::v1::SendResponse receipt;
  TRUC_ASSERT_OK(LoadTextProtoFile(JoinPath(sent, "receipt.txtpb"), &receipt));
  EXPECT_EQ(receipt.document_id(), "D1");
  // The key went with the folder.
  EXPECT_EQ(Read(JoinPath(sent, ".truc-idempotency-key")),
            sends[0].idempotency_key + "\n");
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(sent, ".truc-idempotency-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(PathExists(JoinPath(folders_.state, "outbox-keys")));
  EXPECT_THAT(log_text_,
              HasSubstr("event=sent folder=cong-van-123 document=D1"));
  // Signed by the agency, over the header bytes it sent.
  const TrustAnchor anchor = testing::TestPki::Get().Anchor();
  auto who =
      VerifySignature(anchor, kHeaderContext, sends[0].header_bytes,
                      sends[0].signature, absl::ToUnixSeconds(absl::Now()));
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, kAgency);
  // The hub's signed receipt is kept beside the readable answer.
  auto bytes =
      Dearmor(kReceiptLabel, Read(JoinPath(sent, "acceptance.receipt")));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  truc::v1::Receipt hub_receipt;
  ASSERT_TRUE(hub_receipt.ParseFromString(*bytes));
  auto v = VerifyReceipt(anchor, hub_receipt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.document_id(), "D1");
  EXPECT_EQ(v->body.header_sha256(), Sha256::Of(sends[0].header_bytes));
}

TEST_F(OutboxTest, TransientFailureKeepsFolderAndRetriesWithTheSameKey) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "hub restarting"));

  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kRetry);
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "cv/envelope.txtpb")));
  ASSERT_TRUE(PathExists(KeyPath("cv")));
  const std::string key = Read(KeyPath("cv"));
  EXPECT_THAT(log_text_,
              HasSubstr("event=send_retry folder=cv code=UNAVAILABLE"));

  // The back-off holds the folder back in a scan right away...
  sender_->ScanOnce(absl::Now());
  EXPECT_EQ(hub_.service().sends().size(), 1u);
  // ...and lets it go once it has passed.
  sender_->ScanOnce(absl::Now() + absl::Seconds(11));
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].idempotency_key, sends[1].idempotency_key);
  EXPECT_EQ(absl::StrCat(sends[1].idempotency_key, "\n"), key);
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D1/Phụ lục.xlsx")));
  EXPECT_EQ(Read(JoinPath(folders_.sent, "D1/.truc-idempotency-key")), key);
}

TEST_F(OutboxTest, LostAnswerRetryGetsTheSameDocument) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  // The hub stores the document but its answer is lost.
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded"),
      /*store_first=*/true);
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kRetry);
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kSent);
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].idempotency_key, sends[1].idempotency_key);
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D1/receipt.txtpb")));
  EXPECT_THAT(log_text_, HasSubstr("document=D1 duplicate=true"));
}

TEST_F(OutboxTest, RefusalMovesFolderToFailedWithTheReason) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                   "recipient 000.00.12.H42 is suspended"));
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kFailed);
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "cv")));
  EXPECT_THAT(
      Read(JoinPath(folders_.failed, "cv/error.txt")),
      HasSubstr("INVALID_ARGUMENT): recipient 000.00.12.H42 is suspended"));
  EXPECT_EQ(Read(JoinPath(folders_.failed, "cv/Công văn 123.pdf")), "a");
  EXPECT_TRUE(
      PathExists(JoinPath(folders_.failed, "cv/.truc-idempotency-key")));

  // The same name refused again does not overwrite the first.
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no such document type"));
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "cv.2/error.txt")),
              HasSubstr("no such document type"));
}

// A suspended agency (or a refused certificate) gets PERMISSION_DENIED or
// UNAUTHENTICATED for every call: the folder waits, it is not refused.
TEST_F(OutboxTest, SuspendedAgencyKeepsTheFolderAndRetries) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                   "agency 000.07.00.H99 (Sở Y tế) is suspended"));
  hub_.service().ScriptSend(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                         "no verified client certificate"));
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kRetry);
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kRetry);
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "cv/envelope.txtpb")));
  EXPECT_FALSE(PathExists(JoinPath(folders_.failed, "cv")));
  EXPECT_THAT(log_text_,
              HasSubstr("event=send_retry folder=cv code=PERMISSION_DENIED"));
  EXPECT_THAT(log_text_,
              HasSubstr("event=send_retry folder=cv code=UNAUTHENTICATED"));
  EXPECT_THAT(log_text_, Not(HasSubstr("event=send_refused")));
  // Reinstated: sent, with the key of the first attempt.
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kSent);
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 3u);
  EXPECT_EQ(sends[0].idempotency_key, sends[2].idempotency_key);
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D1/receipt.txtpb")));
}

// RESOURCE_EXHAUSTED is the hub's answer to a document over one of its
// limits: retrying cannot help, so the clerk gets the folder back.
TEST_F(OutboxTest, HubLimitIsARefusalNotARetry) {
  Drop("qua-lon", kEnvelope,
       {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "header is 70000 bytes; the limit is 65536"));
  EXPECT_EQ(sender_->SendFolder("qua-lon"), OutboxSender::Outcome::kFailed);
  EXPECT_FALSE(PathExists(JoinPath(folders_.outbox, "qua-lon")));
  EXPECT_THAT(Read(JoinPath(folders_.failed, "qua-lon/error.txt")),
              HasSubstr("(RESOURCE_EXHAUSTED): header is 70000 bytes; the "
                        "limit is 65536"));
  EXPECT_EQ(Read(JoinPath(folders_.failed, "qua-lon/Phụ lục.xlsx")), "b");
  EXPECT_THAT(log_text_, HasSubstr("event=send_refused folder=qua-lon"));
  EXPECT_THAT(log_text_, Not(HasSubstr("event=send_retry")));

  // A later scan does not send it again.
  sender_->ScanOnce(absl::Now() + absl::Hours(1));
  EXPECT_EQ(hub_.service().sends().size(), 1u);
}

TEST_F(OutboxTest, StopCancelsAnUploadInFlight) {
  Drop("cv", kEnvelope,
       {{"Công văn 123.pdf", RandomBytes(2 << 20, 3)}, {"Phụ lục.xlsx", "b"}});
  hub_.service().HoldNextSend(absl::Seconds(20));
  StopSignal stop;
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_, Options(),
                      &testing::TestPki::Get().SignerOf(kAgency), &stop);
  std::thread running([&] { sender.Run(absl::Milliseconds(20)); });
  for (int i = 0; i < 1000 && !hub_.service().holding_send(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(hub_.service().holding_send());
  const absl::Time start = absl::Now();
  stop.Stop();
  running.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  // The folder and its key stay: the next run sends it with the same key.
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "cv/envelope.txtpb")));
  EXPECT_TRUE(PathExists(KeyPath("cv")));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
  EXPECT_THAT(log_text_, Not(HasSubstr("event=send_retry")));
}

TEST_F(OutboxTest, SendAfterStopIsCancelledAtOnce) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  StopSignal stop;
  stop.Stop();
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_, Options(),
                      &testing::TestPki::Get().SignerOf(kAgency), &stop);
  CallCancellationScope scope(&stop);
  EXPECT_EQ(sender.SendFolder("cv"), OutboxSender::Outcome::kRetry);
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "cv/envelope.txtpb")));
}

TEST_F(OutboxTest, OnlyTheOutboxFolderFilesAreReservedNames) {
  // header.bin and delivery.txtpb are fine: in the inbox, attachments have a
  // folder of their own.
  Drop("ten-la",
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n"
       "attachments { name: \"header.bin\" }\n"
       "attachments { name: \"delivery.txtpb\" }\n",
       {{"header.bin", "h"}, {"delivery.txtpb", "d"}});
  EXPECT_EQ(sender_->SendFolder("ten-la"), OutboxSender::Outcome::kSent)
      << log_text_;
  // The agent's own files in sent/: not attachments.
  Drop("bien-nhan",
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n"
       "attachments { name: \"acceptance.receipt\" }\n",
       {{"acceptance.receipt", "r"}});
  EXPECT_EQ(sender_->SendFolder("bien-nhan"), OutboxSender::Outcome::kFailed);
  // error.txt would be overwritten if the folder were refused.
  Drop("loi",
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n"
       "attachments { name: \"error.txt\" }\n",
       {{"error.txt", "e"}});
  EXPECT_EQ(sender_->SendFolder("loi"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "loi/error.txt")),
              HasSubstr("is reserved for the agent's own files"));
  EXPECT_EQ(hub_.service().sends().size(), 1u);
}

TEST_F(OutboxTest, EnvelopeWithTypoGoesToFailedNamingTheLine) {
  Drop("typo",
       "to { organ_id: \"000.00.12.H42\" }\n"
       "subjet: \"Về việc họp giao ban\"\n"
       "urgency: URGENCY_NORMAL\n",
       {});
  EXPECT_EQ(sender_->SendFolder("typo"), OutboxSender::Outcome::kFailed);
  const std::string error = Read(JoinPath(folders_.failed, "typo/error.txt"));
  EXPECT_THAT(error, HasSubstr("envelope.txtpb:2:"));
  EXPECT_THAT(error, HasSubstr("subjet"));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
}

TEST_F(OutboxTest, MissingAttachmentGoesToFailed) {
  Drop("thieu", kEnvelope, {{"Công văn 123.pdf", "a"}});
  EXPECT_EQ(sender_->SendFolder("thieu"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "thieu/error.txt")),
              HasSubstr("attachment \"Phụ lục.xlsx\" is listed but there is no "
                        "such file"));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
}

TEST_F(OutboxTest, AttachmentNameLeavingTheFolderIsRefused) {
  TRUC_ASSERT_OK(WriteFileDurably(tmp_.Sub("secret.txt"), "bí mật"));
  Drop("escape",
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n"
       "attachments { name: \"../../secret.txt\" }\n",
       {});
  EXPECT_EQ(sender_->SendFolder("escape"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "escape/error.txt")),
              HasSubstr("attachment name \"../../secret.txt\" is not allowed"));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
}

TEST_F(OutboxTest, FromAnotherAgencyIsRefused) {
  Drop("gia-mao",
       "from { organ_id: \"000.00.01.H01\" }\n"
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n",
       {});
  EXPECT_EQ(sender_->SendFolder("gia-mao"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "gia-mao/error.txt")),
              HasSubstr("is not this agent's agency 000.07.00.H99"));
}

TEST_F(OutboxTest, DeclaredShaMustMatchTheFile) {
  Drop("sha",
       "to { organ_id: \"000.00.12.H42\" }\nsubject: \"x\"\n"
       "attachments { name: \"a.pdf\" size: 3 }\n",
       {{"a.pdf", "abcd"}});
  EXPECT_EQ(sender_->SendFolder("sha"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "sha/error.txt")),
              HasSubstr("declares size 3 but the file has 4 bytes"));
}

TEST_F(OutboxTest, ScanIgnoresHiddenAndUnfinishedFolders) {
  Drop(".dang-soan", kEnvelope,
       {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  Drop("chua-xong", "", {{"Công văn 123.pdf", "a"}});
  sender_->ScanOnce(absl::Now());
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, ".dang-soan")));
  EXPECT_TRUE(PathExists(JoinPath(folders_.outbox, "chua-xong")));
  EXPECT_EQ(sender_->SendFolder("chua-xong"), OutboxSender::Outcome::kNotReady);
}

TEST_F(OutboxTest, ScanSendsReadyFolders) {
  Drop("a", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  Drop("b", kEnvelope, {{"Công văn 123.pdf", "c"}, {"Phụ lục.xlsx", "d"}});
  sender_->ScanOnce(absl::Now());
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_NE(sends[0].idempotency_key, sends[1].idempotency_key);
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D1")));
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D2")));
}

// The key lives in the folder: renaming the folder between attempts keeps
// it, so the retry still gets the first document back.
TEST_F(OutboxTest, FolderRenamedBetweenAttemptsKeepsItsKey) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded"),
      /*store_first=*/true);
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kRetry);
  const std::string key = Read(KeyPath("cv"));
  TRUC_ASSERT_OK(RenameDurably(JoinPath(folders_.outbox, "cv"),
                               JoinPath(folders_.outbox, "cv-123-so-y-te")));
  EXPECT_EQ(sender_->SendFolder("cv-123-so-y-te"),
            OutboxSender::Outcome::kSent);
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].idempotency_key, sends[1].idempotency_key);
  EXPECT_EQ(absl::StrCat(sends[1].idempotency_key, "\n"), key);
  EXPECT_THAT(log_text_, HasSubstr("document=D1 duplicate=true"));
  EXPECT_EQ(Read(JoinPath(folders_.sent, "D1/.truc-idempotency-key")), key);
}

// A new folder with the name of one already sent (even one whose move to
// sent/ was the last thing before a crash) is a new document: new key.
TEST_F(OutboxTest, NewFolderWithASentFoldersNameGetsANewKey) {
  Drop("bao-cao", kEnvelope,
       {{"Công văn 123.pdf", "tháng 10"}, {"Phụ lục.xlsx", "b"}});
  EXPECT_EQ(sender_->SendFolder("bao-cao"), OutboxSender::Outcome::kSent);
  Drop("bao-cao", kEnvelope,
       {{"Công văn 123.pdf", "tháng 11"}, {"Phụ lục.xlsx", "b"}});
  EXPECT_FALSE(PathExists(KeyPath("bao-cao")));
  EXPECT_EQ(sender_->SendFolder("bao-cao"), OutboxSender::Outcome::kSent);
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_NE(sends[0].idempotency_key, sends[1].idempotency_key);
  EXPECT_EQ(sends[1].attachments[0], "tháng 11");
  EXPECT_EQ(Read(JoinPath(folders_.sent, "D1/Công văn 123.pdf")), "tháng 10");
  EXPECT_EQ(Read(JoinPath(folders_.sent, "D2/Công văn 123.pdf")), "tháng 11");
}

// A copy of a sent folder put back into the outbox carries the sent
// document's key: the hub answers with that document, and the copy goes to
// failed/ saying what to do.
TEST_F(OutboxTest, CopyOfASentFolderIsNotSentAgain) {
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kSent);
  const std::string sent = JoinPath(folders_.sent, "D1");
  Drop(
      "cv-lai", "",
      {{"Công văn 123.pdf", "a"},
       {"Phụ lục.xlsx", "b"},
       {".truc-idempotency-key", Read(JoinPath(sent, ".truc-idempotency-key"))},
       {"envelope.txtpb", kEnvelope}});
  EXPECT_EQ(sender_->SendFolder("cv-lai"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "cv-lai/error.txt")),
              HasSubstr("delete .truc-idempotency-key and receipt.txtpb"));
}

// The key file's name does not depend on the folder's: a folder name of
// 250 bytes works.
TEST_F(OutboxTest, LongFolderName) {
  const std::string name(250, 'x');
  Drop(name, kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  EXPECT_EQ(sender_->SendFolder(name), OutboxSender::Outcome::kSent)
      << log_text_;
}

TEST_F(OutboxTest, AttachmentThatIsASymbolicLinkGoesToFailed) {
  TRUC_ASSERT_OK(WriteFileDurably(tmp_.Sub("Công văn 123.pdf"), "a"));
  Drop("lien-ket", "", {{"Phụ lục.xlsx", "b"}});
  ASSERT_EQ(
      ::symlink(tmp_.Sub("Công văn 123.pdf").c_str(),
                JoinPath(folders_.outbox, "lien-ket/Công văn 123.pdf").c_str()),
      0);
  TRUC_ASSERT_OK(WriteFileDurably(
      JoinPath(folders_.outbox, "lien-ket/envelope.txtpb"), kEnvelope));
  EXPECT_EQ(sender_->SendFolder("lien-ket"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "lien-ket/error.txt")),
              HasSubstr("attachment \"Công văn 123.pdf\" is a symbolic link; "
                        "copy the file into the folder"));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());

  // A folder listed as an attachment neither.
  Drop("thu-muc", "", {{"Công văn 123.pdf", "a"}});
  TRUC_ASSERT_OK(
      MakeDirectories(JoinPath(folders_.outbox, "thu-muc/Phụ lục.xlsx")));
  TRUC_ASSERT_OK(WriteFileDurably(
      JoinPath(folders_.outbox, "thu-muc/envelope.txtpb"), kEnvelope));
  EXPECT_EQ(sender_->SendFolder("thu-muc"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "thu-muc/error.txt")),
              HasSubstr("attachment \"Phụ lục.xlsx\" is not a regular file"));
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
}

// Sets the modification time of `path` itself (not of a link's target).
void SetMtime(const std::string& path, absl::Time t) {
  struct timespec times[2];
  times[0].tv_nsec = UTIME_OMIT;
  times[1] = absl::ToTimespec(t);
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0)
      << path;
}

TEST_F(OutboxTest, FolderStillBeingWrittenIsLeftAlone) {
  OutboxSender::Options options = Options();
  options.settle_time = absl::Seconds(2);
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_, options,
                      &testing::TestPki::Get().SignerOf(kAgency));
  Drop("dang-ghi", kEnvelope,
       {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  const std::string dir = JoinPath(folders_.outbox, "dang-ghi");
  // Just written.
  EXPECT_EQ(sender.SendFolder("dang-ghi"), OutboxSender::Outcome::kNotReady);
  sender.ScanOnce(absl::Now());
  EXPECT_THAT(hub_.service().sends(), IsEmpty());

  // Everything older than the settle time but one attachment.
  const absl::Time old = absl::Now() - absl::Seconds(10);
  for (const char* f : {"Công văn 123.pdf", "envelope.txtpb"}) {
    SetMtime(JoinPath(dir, f), old);
  }
  SetMtime(dir, old);
  EXPECT_EQ(sender.SendFolder("dang-ghi"), OutboxSender::Outcome::kNotReady);
  // The folder itself modified recently (a file added or renamed in).
  SetMtime(JoinPath(dir, "Phụ lục.xlsx"), old);
  SetMtime(dir, absl::Now());
  EXPECT_EQ(sender.SendFolder("dang-ghi"), OutboxSender::Outcome::kNotReady);
  EXPECT_THAT(hub_.service().sends(), IsEmpty());
  EXPECT_TRUE(log_text_.empty()) << log_text_;

  // Settled.
  SetMtime(dir, old);
  EXPECT_EQ(sender.SendFolder("dang-ghi"), OutboxSender::Outcome::kSent);

  // A time far in the future (a copy from a machine whose clock is ahead)
  // does not hold a folder back for ever.
  Drop("tuong-lai", kEnvelope,
       {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  const std::string future_dir = JoinPath(folders_.outbox, "tuong-lai");
  for (const char* f : {"Công văn 123.pdf", "envelope.txtpb"}) {
    SetMtime(JoinPath(future_dir, f), old);
  }
  SetMtime(JoinPath(future_dir, "Phụ lục.xlsx"), absl::Now() + absl::Hours(24));
  SetMtime(future_dir, old);
  EXPECT_EQ(sender.SendFolder("tuong-lai"), OutboxSender::Outcome::kSent);
  EXPECT_EQ(hub_.service().sends().size(), 2u);
}

// An attachment that changes while it is being sent: SendDocument abandons
// the upload with FAILED_PRECONDITION before the hub stores anything; the
// outbox retries (the folder is still being written), it does not refuse.
TEST_F(OutboxTest, AttachmentChangedWhileSentIsTransient) {
  const std::string path = tmp_.Sub("a.pdf");
  TRUC_ASSERT_OK(WriteFileDurably(path, "bản một"));
  std::vector<AttachmentFile> files = {{path, "a.pdf", "", ""}};
  truc::v1::DocumentHeader header;
  header.add_to()->set_organ_id("000.00.12.H42");
  header.set_subject("x");
  TRUC_ASSERT_OK(CompleteHeader(kAgency, files, &header));
  TRUC_ASSERT_OK(WriteFileDurably(path, "bản mới"));  // same size
  absl::StatusOr<truc::v1::SendResponse> sent =
      SendDocument(hub_.stub().get(), testing::TestPki::Get().SignerOf(kAgency),
                   header, files, "k1");
  EXPECT_THAT(sent, StatusIs(absl::StatusCode::kFailedPrecondition,
                             "changed while it was being sent"));
  EXPECT_TRUE(IsTransientSendFailure(sent.status()));
  // Other FAILED_PRECONDITIONs are refusals.
  EXPECT_FALSE(IsTransientSendFailure(
      absl::FailedPreconditionError("document D1 is already completed")));
  EXPECT_TRUE(IsTransientSendFailure(absl::UnavailableError("down")));
  EXPECT_FALSE(IsTransientSendFailure(absl::InvalidArgumentError("bad")));
}

// The full example of README.md is a valid envelope that the agent sends.
TEST_F(OutboxTest, ReadmeExampleIsSent) {
  absl::StatusOr<std::string> readme = ReadFile(TRUC_AGENT_README);
  TRUC_ASSERT_OK(readme.status());
  size_t start = readme->find("```\n", readme->find("Full example"));
  ASSERT_NE(start, std::string::npos);
  start += 4;
  const std::string envelope =
      readme->substr(start, readme->find("```", start) - start);
  Drop("cv-123-syt", envelope,
       {{"Công văn 123.pdf", "%PDF-1.7"}, {"Phụ lục số liệu.xlsx", "PK"}});
  EXPECT_EQ(sender_->SendFolder("cv-123-syt"), OutboxSender::Outcome::kSent)
      << log_text_;
  auto sends = hub_.service().sends();
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].header.to_size(), 2);
  EXPECT_EQ(sends[0].header.signer().full_name(), "Nguyễn Văn An");
  EXPECT_EQ(sends[0].header.attachments(1).description(), "Biểu mẫu báo cáo");
}

TEST(IsTransientTest, Codes) {
  for (auto c :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
        absl::StatusCode::kAborted, absl::StatusCode::kCancelled,
        absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kUnauthenticated}) {
    EXPECT_TRUE(IsTransient(c)) << c;
  }
  for (auto c :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kAlreadyExists,
        absl::StatusCode::kResourceExhausted}) {
    EXPECT_FALSE(IsTransient(c)) << c;
  }
}

}  // namespace
}  // namespace truc::agent
