#include "edge-agent/outbox.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
      : log_(kAgency, [this](const std::string& line) { log_text_ += line; }) {
    folders_.inbox = tmp_.Sub("inbox");
    folders_.outbox = tmp_.Sub("outbox");
    folders_.sent = tmp_.Sub("sent");
    folders_.failed = tmp_.Sub("failed");
    folders_.state = tmp_.Sub("state");
    EXPECT_TRUE(CreateFolders(folders_).ok());
    OutboxSender::Options options;
    options.retry_initial = absl::Seconds(10);
    options.retry_max = absl::Seconds(60);
    sender_ = std::make_unique<OutboxSender>(folders_, kAgency,
                                             hub_.stub().get(), &log_, options);
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
  std::string KeyPath(const std::string& name) {
    return JoinPath(folders_.outbox_keys(), name);
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
  EXPECT_FALSE(PathExists(KeyPath("cong-van-123")));
  EXPECT_THAT(log_text_,
              HasSubstr("event=sent folder=cong-van-123 document=D1"));
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
  EXPECT_FALSE(PathExists(KeyPath("cv")));
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
  EXPECT_FALSE(PathExists(KeyPath("cv")));

  // The same name refused again does not overwrite the first.
  Drop("cv", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  hub_.service().ScriptSend(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours"));
  EXPECT_EQ(sender_->SendFolder("cv"), OutboxSender::Outcome::kFailed);
  EXPECT_THAT(Read(JoinPath(folders_.failed, "cv.2/error.txt")),
              HasSubstr("not yours"));
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
  EXPECT_FALSE(PathExists(KeyPath("qua-lon")));
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
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_,
                      OutboxSender::Options(), &stop);
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
  OutboxSender sender(folders_, kAgency, hub_.stub().get(), &log_,
                      OutboxSender::Options(), &stop);
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

TEST_F(OutboxTest, ScanSendsReadyFoldersAndDropsStaleKeys) {
  TRUC_ASSERT_OK(WriteFileDurably(KeyPath("da-gui-truoc"), "oldkey\n"));
  Drop("a", kEnvelope, {{"Công văn 123.pdf", "a"}, {"Phụ lục.xlsx", "b"}});
  Drop("b", kEnvelope, {{"Công văn 123.pdf", "c"}, {"Phụ lục.xlsx", "d"}});
  sender_->ScanOnce(absl::Now());
  EXPECT_EQ(hub_.service().sends().size(), 2u);
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D1")));
  EXPECT_TRUE(PathExists(JoinPath(folders_.sent, "D2")));
  EXPECT_FALSE(PathExists(KeyPath("da-gui-truoc")));
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
        absl::StatusCode::kAborted, absl::StatusCode::kCancelled}) {
    EXPECT_TRUE(IsTransient(c)) << c;
  }
  for (auto c :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kNotFound, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kUnauthenticated,
        absl::StatusCode::kResourceExhausted}) {
    EXPECT_FALSE(IsTransient(c)) << c;
  }
}

}  // namespace
}  // namespace truc::agent
