#include "cli/send.h"

#include <sstream>

#include "absl/strings/match.h"
#include "cli/evidence.h"
#include "cli/fake_hub_test_util.h"
#include "cli/vocabulary.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"

namespace truc::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

SendFlags Flags() {
  SendFlags f;
  f.to = {"000.07.00.H99,000.09.00.H99", "000.03.30.H99"};
  f.subject = "Về việc phòng chống bão số 3";
  f.number = "123";
  f.notation = "UBND-VP";
  f.type = "Công văn";
  f.signer = "Nguyễn Văn A";
  f.signer_position = "Chủ tịch";
  f.place = "Lạng Sơn";
  f.content = "Đề nghị các đơn vị triển khai ngay.";
  return f;
}

std::vector<std::string> Recipients(const truc::v1::DocumentHeader& h) {
  std::vector<std::string> out;
  for (const auto& o : h.to()) out.push_back(o.organ_id());
  return out;
}

TEST(ParseRecipients, SplitsTrimsAndDeduplicates) {
  auto to =
      ParseRecipients({" 000.07.00.H99 , 000.09.00.H99,", "000.07.00.H99"});
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("000.07.00.H99", "000.09.00.H99"));
  EXPECT_THAT(ParseRecipients({}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no recipient: name at least one agency with --to"));
  EXPECT_THAT(ParseRecipients({","}),
              StatusIs(absl::StatusCode::kInvalidArgument, "no recipient"));
  EXPECT_THAT(ParseRecipients({"000.07.00.H99,Sở Y tế"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--to: malformed agency code \"Sở Y tế\""));
}

TEST(BuildHeader, FromFlagsKeepingUtf8) {
  auto h = BuildHeader(Flags());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_THAT(Recipients(*h),
              ElementsAre("000.07.00.H99", "000.09.00.H99", "000.03.30.H99"));
  EXPECT_EQ(h->subject(), "Về việc phòng chống bão số 3");
  EXPECT_EQ(h->code().code_number(), "123");
  EXPECT_EQ(h->code().code_notation(), "UBND-VP");
  EXPECT_EQ(h->document_type().type_name(), "Công văn");
  EXPECT_EQ(h->signer().full_name(), "Nguyễn Văn A");
  EXPECT_EQ(h->signer().position(), "Chủ tịch");
  EXPECT_EQ(h->promulgation().place(), "Lạng Sơn");
  EXPECT_EQ(h->content(), "Đề nghị các đơn vị triển khai ngay.");
  EXPECT_EQ(h->urgency(), truc::v1::URGENCY_NORMAL);
  EXPECT_EQ(h->secrecy(), truc::v1::SECRECY_NONE);
  EXPECT_FALSE(h->has_express_deadline());
  EXPECT_FALSE(h->has_due_date());
  EXPECT_TRUE(h->from().organ_id().empty());  // CompleteHeader fills it
  // Survives the wire.
  truc::v1::DocumentHeader back;
  ASSERT_TRUE(back.ParseFromString(h->SerializeAsString()));
  EXPECT_EQ(back.signer().full_name(), "Nguyễn Văn A");
}

TEST(BuildHeader, RequiredFlags) {
  const auto without = [](std::string SendFlags::*field) {
    SendFlags f = Flags();
    f.*field = "  ";
    return BuildHeader(f);
  };
  EXPECT_THAT(
      without(&SendFlags::subject),
      StatusIs(absl::StatusCode::kInvalidArgument, "--subject is required"));
  EXPECT_THAT(without(&SendFlags::number),
              StatusIs(absl::StatusCode::kInvalidArgument, "--number"));
  EXPECT_THAT(without(&SendFlags::notation),
              StatusIs(absl::StatusCode::kInvalidArgument, "--notation"));
  EXPECT_THAT(without(&SendFlags::type),
              StatusIs(absl::StatusCode::kInvalidArgument, "--type"));
  EXPECT_THAT(without(&SendFlags::signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "--signer"));
  SendFlags f = Flags();
  f.to.clear();
  EXPECT_THAT(BuildHeader(f),
              StatusIs(absl::StatusCode::kInvalidArgument, "--to"));
  f = Flags();
  f.subject = "B\xE1o c\xE1o";  // Windows-1258 bytes
  EXPECT_THAT(BuildHeader(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "--subject is not UTF-8"));
}

TEST(BuildHeader, UrgencyAndDeadline) {
  SendFlags f = Flags();
  f.urgency = "hỏa tốc";
  EXPECT_THAT(BuildHeader(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "unknown urgency \"hỏa tốc\""));
  f.urgency = "express-timed";
  EXPECT_THAT(BuildHeader(f),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "express-timed (Hỏa tốc hẹn giờ) needs --deadline"));
  f.deadline = "25/12/2026 17:00";
  auto h = BuildHeader(f);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->urgency(), truc::v1::URGENCY_EXPRESS_TIMED);
  // 17:00 in Vietnam is 10:00 UTC.
  EXPECT_EQ(h->express_deadline().unix_micros(), 1798192800LL * 1000000);
  f.deadline = "25/12/2026";
  EXPECT_THAT(BuildHeader(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "--deadline: not a date and time"));
  f.urgency = "express";
  f.deadline = "25/12/2026 17:00";
  EXPECT_THAT(BuildHeader(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "only for --urgency express-timed"));
  f.deadline.clear();
  EXPECT_EQ(BuildHeader(f)->urgency(), truc::v1::URGENCY_EXPRESS);
}

TEST(BuildHeader, SecrecyAndDueDate) {
  SendFlags f = Flags();
  f.secrecy = "confidential";
  f.due = "31/12/2026";
  auto h = BuildHeader(f);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->secrecy(), truc::v1::SECRECY_CONFIDENTIAL);
  EXPECT_EQ(FormatDate(h->due_date()), "31/12/2026");
  f.secrecy = "mat";
  EXPECT_THAT(BuildHeader(f),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown secrecy"));
  f = Flags();
  f.due = "31/02/2026";
  EXPECT_THAT(BuildHeader(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "--due: not a date"));
}

class RunSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pdf_ = tmp_.Sub("Công văn 123.pdf");
    TRUC_ASSERT_OK(WriteFileDurably(pdf_, "%PDF-1.7 công văn"));
  }
  absl::Status Send(const SendFlags& f, bool json = false) {
    return RunSend(hub_.exchange_stub.get(), *testing::TestKeys::Get().office,
                   *testing::TestKeys::Get().anchor, f, json, out_, err_);
  }
  SendFlags FlagsWithFile() {
    SendFlags f = Flags();
    f.files = {pdf_};
    return f;
  }

  TempDir tmp_;
  std::string pdf_;
  testing::FakeHub hub_;
  std::ostringstream out_, err_;
};

TEST_F(RunSendTest, SendsAndPrintsOnlyTheId) {
  SendFlags f = FlagsWithFile();
  f.idempotency_key = "k-1";
  TRUC_ASSERT_OK(Send(f));
  EXPECT_EQ(out_.str(), "doc-1\n");
  EXPECT_EQ(err_.str(), "");
  std::lock_guard<std::mutex> lock(hub_.exchange.mu);
  const truc::v1::DocumentHeader& h = hub_.exchange.header;
  EXPECT_EQ(hub_.exchange.idempotency_key, "k-1");
  EXPECT_EQ(h.from().organ_id(), "000.01.00.H99");
  EXPECT_EQ(h.subject(), "Về việc phòng chống bão số 3");
  ASSERT_EQ(h.attachments_size(), 1);
  EXPECT_EQ(h.attachments(0).name(), "Công văn 123.pdf");
  EXPECT_EQ(h.attachments(0).content_type(), "application/pdf");
  EXPECT_EQ(h.attachments(0).sha256(), Sha256::Of("%PDF-1.7 công văn"));
  EXPECT_TRUE(h.promulgation().has_promulgation_date());
  EXPECT_EQ(hub_.exchange.attachment_bytes[0], "%PDF-1.7 công văn");
  // Signed by the office, over the very header bytes sent.
  auto who = VerifySignature(*testing::TestKeys::Get().anchor, kHeaderContext,
                             h.SerializeAsString(), hub_.exchange.signature,
                             1795000000);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, "000.01.00.H99");
}

TEST_F(RunSendTest, SavesTheHubsReceiptWhenAsked) {
  SendFlags f = FlagsWithFile();
  f.receipt = tmp_.Sub("cv123.receipt");
  TRUC_ASSERT_OK(Send(f));
  EXPECT_THAT(err_.str(), HasSubstr("saved in " + f.receipt));
  std::ostringstream shown;
  TRUC_ASSERT_OK(
      RunReceiptVerify(*testing::TestKeys::Get().anchor, f.receipt, shown));
  EXPECT_THAT(shown.str(), HasSubstr("the hub accepted the document"));
  EXPECT_THAT(shown.str(), HasSubstr("doc-1"));
  EXPECT_THAT(shown.str(), HasSubstr("000.07.00.H99"));
}

TEST_F(RunSendTest, AReceiptThatDoesNotVerifyIsAnError) {
  {
    std::lock_guard<std::mutex> lock(hub_.exchange.mu);
    hub_.exchange.receipt_signer = testing::TestKeys::Get().health.get();
  }
  EXPECT_THAT(Send(FlagsWithFile()),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "was stored, but the hub's receipt does not verify"));
  EXPECT_EQ(out_.str(), "doc-1\n") << "the id is still printed";
}

TEST_F(RunSendTest, SameKeyAgainIsADuplicateNotedOnStderr) {
  SendFlags f = FlagsWithFile();
  f.idempotency_key = "k-1";
  TRUC_ASSERT_OK(Send(f));
  TRUC_ASSERT_OK(Send(f, true));
  EXPECT_THAT(out_.str(), HasSubstr("doc-1\n{"));
  EXPECT_THAT(out_.str(), HasSubstr("\"document_id\": \"doc-1\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"duplicate\": true"));
  EXPECT_THAT(err_.str(), HasSubstr("already used"));
}

TEST_F(RunSendTest, GeneratedKeyIsRandomAndNamedOnFailure) {
  TRUC_ASSERT_OK(Send(FlagsWithFile()));
  std::string key;
  {
    std::lock_guard<std::mutex> lock(hub_.exchange.mu);
    key = hub_.exchange.idempotency_key;
    hub_.exchange.fail_send =
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown recipient");
  }
  EXPECT_EQ(key.size(), 32u);
  // Refused for good: nothing was stored, and a retry cannot succeed.
  auto s = Send(FlagsWithFile());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "unknown recipient");
  for (grpc::StatusCode refused :
       {grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::NOT_FOUND, grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    {
      std::lock_guard<std::mutex> lock(hub_.exchange.mu);
      hub_.exchange.fail_send = grpc::Status(refused, "refused");
    }
    EXPECT_EQ(Send(FlagsWithFile()).message(), "refused");
  }
  // The outcome unknown (the call broke off): the hint, with the key.
  for (grpc::StatusCode unknown :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::INTERNAL}) {
    {
      std::lock_guard<std::mutex> lock(hub_.exchange.mu);
      hub_.exchange.fail_send = grpc::Status(unknown, "connection reset");
    }
    s = Send(FlagsWithFile());
    EXPECT_THAT(s.message(),
                HasSubstr("connection reset [to retry without risk of "
                          "sending twice, add --idempotency-key "));
  }
  // With the caller's own key, the error is the hub's alone.
  {
    std::lock_guard<std::mutex> lock(hub_.exchange.mu);
    hub_.exchange.fail_send =
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "unknown recipient");
  }
  SendFlags f = FlagsWithFile();
  f.idempotency_key = "mine";
  s = Send(f);
  EXPECT_EQ(s.message(), "unknown recipient");
}

TEST_F(RunSendTest, RefusedLocallyWithoutCallingTheHub) {
  EXPECT_THAT(RunSend(hub_.exchange_stub.get(), *testing::TestKeys::Get().hub,
                      *testing::TestKeys::Get().anchor, FlagsWithFile(), false,
                      out_, err_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "hub hub, which cannot send documents"));
  SendFlags f = FlagsWithFile();
  f.secrecy = "secret";
  EXPECT_THAT(Send(f),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Tối mật (secret) document never travels on the axis"));
  f = FlagsWithFile();
  f.urgency = "express-timed";
  EXPECT_THAT(Send(f),
              StatusIs(absl::StatusCode::kInvalidArgument, "--deadline"));
  f = FlagsWithFile();
  f.files = {tmp_.Sub("missing.pdf")};
  EXPECT_THAT(Send(f), StatusIs(absl::StatusCode::kNotFound, "missing.pdf"));
  f = FlagsWithFile();
  f.files.clear();
  EXPECT_THAT(Send(f), StatusIs(absl::StatusCode::kInvalidArgument, "no file"));
  std::lock_guard<std::mutex> lock(hub_.exchange.mu);
  EXPECT_EQ(hub_.exchange.send_calls, 0);
  EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace truc::cli
