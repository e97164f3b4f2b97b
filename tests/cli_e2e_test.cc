// The `truc` command line against a real hub and real agents, as a clerk
// and an operator use it from the README.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "gtest/gtest.h"
#include "tests/province.h"

namespace truc::testing {
namespace {

class CliEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.StartHub();
    for (const char* code : {kOffice, kHealth, kFinance, kYTich})
      p_.IssueAgency(code);
    operator_ = p_.Profile("operator");
    office_ = p_.Profile(kOffice);
  }
  RunResult Truc(const std::string& profile, std::vector<std::string> args) {
    args.insert(args.begin(), TRUC_CLI_BIN);
    return RunCommand(args, {{"TRUC_PROFILE", profile}});
  }
  Province p_;
  std::string operator_, office_;
};

TEST_F(CliEndToEnd, ImportSendStatusPending) {
  // The directory from the sample province's CSV.
  std::string csv = p_.Path("province.csv");
  ASSERT_TRUE(
      WriteFileDurably(
          csv,
          "# demo\ncode,name,parent,kind\n"
          "000.00.00.H99,UBND tỉnh Lạng Sơn,,province\n"
          "000.01.00.H99,Văn phòng UBND tỉnh Lạng Sơn,000.00.00.H99,office\n"
          "000.03.00.H99,Sở Tài chính,000.00.00.H99,department\n"
          "000.07.00.H99,Sở Y tế,000.00.00.H99,department\n"
          "000.09.00.H99,\"Sở Văn hóa, Thể thao và Du "
          "lịch\",000.00.00.H99,department\n"
          "000.21.30.H99,UBND xã Y Tịch,000.00.00.H99,commune\n")
          .ok());
  auto r = Truc(operator_, {"agency", "import", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(operator_, {"agency", "import", csv});
  ASSERT_EQ(r.exit_code, 0) << "importing again is harmless: " << r.err;

  p_.StartAgent(kHealth);
  p_.StartAgent(kFinance);
  std::string file = p_.Path("Công văn 45.txt");
  ASSERT_TRUE(
      WriteFileDurably(file, "Kính gửi: Sở Y tế, Sở Tài chính, UBND xã Y Tịch")
          .ok());
  r = Truc(office_,
           {"send", "--to", absl::StrCat(kHealth, ",", kFinance, ",", kYTich),
            "--subject", "V/v ứng phó bão số 9", "--number", "45", "--notation",
            "UBND-VP", "--type", "Công văn", "--signer", "Nguyễn Văn An",
            "--urgency", "express", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id(absl::StripAsciiWhitespace(r.out));
  ASSERT_FALSE(id.empty());

  // The two running agents receive it; the commune's never polled.
  const std::string summary =
      absl::StrCat("2 of 3 received; not yet: ", kYTich, " (UBND xã Y Tịch)");
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(Truc(office_, {"status", id}).out, summary);
      },
      std::chrono::seconds(30)))
      << Truc(office_, {"status", id}).out;
  r = Truc(operator_, {"status", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, summary)) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "SILENT")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Sở Tài chính")) << r.out;
  r = Truc(operator_, {"status", id, "--json"});
  EXPECT_TRUE(absl::StrContains(r.out, "\"received_count\": 2")) << r.out;

  r = Truc(operator_, {"pending", "--urgency", "express"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, id)) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "UBND xã Y Tịch")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "Sở Y tế ("))
      << "Sở Y tế has it: " << r.out;
  r = Truc(operator_, {"pending", "--older-than", "1h"});
  EXPECT_FALSE(absl::StrContains(r.out, id))
      << "it is younger than an hour: " << r.out;
  r = Truc(operator_, {"pending", "--json"});
  EXPECT_TRUE(absl::StrContains(r.out, kYTich)) << r.out;

  // The office's own view: its documents and who lacks them.
  r = Truc(office_, {"sent", "--outstanding"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, id)) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "received by 2 of 3; not yet:"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "UBND xã Y Tịch")) << r.out;
  r = Truc(operator_, {"sent"});
  EXPECT_EQ(r.exit_code, 1) << "an operator sends nothing";

  r = Truc(operator_, {"agency", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "Sở Văn hóa, Thể thao và Du lịch"))
      << r.out;
  r = Truc(operator_, {"agency", "list", "--json"});
  EXPECT_TRUE(absl::StrContains(r.out, "\"silent\": true")) << r.out;

  // The commune's agent comes back: it gets the document.
  p_.StartAgent(kYTich);
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(Truc(office_, {"status", id}).out,
                                 "3 of 3 received");
      },
      std::chrono::seconds(30)));
  r = Truc(office_, {"sent", "--outstanding", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(absl::StrContains(r.out, id))
      << "now received by all: " << r.out;
}

TEST_F(CliEndToEnd, ErrorsAreOneClearLineAndNonZero) {
  auto r = RunCommand({TRUC_CLI_BIN, "status", "x"}, {{"TRUC_PROFILE", ""}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StartsWith(r.err, "truc: error:")) << r.err;
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(absl::StripTrailingAsciiWhitespace(r.err), '\n'))
                .size(),
            1u)
      << r.err;

  r = Truc(operator_, {"agency", "add", "000.07.00.H99", "Sở Y tế"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(office_, {"send", "--to", "000.77.00.H99", "--subject", "x",
                     "--number", "1", "--notation", "VP", "--type", "Công văn",
                     "--signer", "A", p_.Path("ca.crt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "000.01.00.H99 is not registered"))
      << r.err;
  r = Truc(operator_,
           {"agency", "add", "000.01.00.H99", "Văn phòng UBND tỉnh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(office_, {"send", "--to", "000.77.00.H99", "--subject", "x",
                     "--number", "1", "--notation", "VP", "--type", "Công văn",
                     "--signer", "A", p_.Path("ca.crt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown recipient: 000.77.00.H99"))
      << r.err;
  r = Truc(office_, {"send", "--to", kHealth, "--subject", "x", "--number", "1",
                     "--notation", "VP", "--type", "Công văn", "--signer", "A",
                     "--secrecy", "secret", p_.Path("ca.crt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "never travel")) << r.err;
  r = Truc(office_, {"agency", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StartsWith(r.err, "truc: error:")) << r.err;
  r = Truc(operator_, {"status", "20261122-000000000000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no document")) << r.err;
  // The hub is down: the message says what may be wrong.
  p_.StopHub();
  r = Truc(operator_, {"agency", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "certificate")) << r.err;
}

TEST_F(CliEndToEnd, ConsoleAccountsAreAddedListedDisabledAndReset) {
  auto r = Truc(operator_,
                {"agency", "add", kOffice, "Văn phòng UBND tỉnh Lạng Sơn"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(operator_,
           {"account", "add", "lan.vp", "--role", "clerk", "--agency", kOffice,
            "--display-name", "Nguyễn Thị Lan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "Added account lan.vp (Nguyễn Thị Lan)"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "shown this once")) << r.out;

  // A clerk needs an agency the hub knows; a name is taken once.
  r = Truc(operator_, {"account", "add", "minh", "--role", "clerk", "--agency",
                       "000.77.00.H99", "--display-name", "Minh"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "000.77.00.H99")) << r.err;
  r = Truc(operator_, {"account", "add", "lan.vp", "--role", "operator",
                       "--display-name", "Lan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "lan.vp")) << r.err;
  r = Truc(operator_,
           {"account", "add", "x", "--role", "boss", "--display-name", "X"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "--role")) << r.err;

  r = Truc(operator_, {"account", "disable", "lan.vp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(operator_, {"account", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "lan.vp")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Nguyễn Thị Lan")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "DISABLED")) << r.out;
  r = Truc(operator_, {"account", "enable", "lan.vp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truc(operator_, {"account", "reset", "lan.vp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "shown this once")) << r.out;
  r = Truc(operator_, {"account", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "\"must_change_password\": true"))
      << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "argon2")) << "no hash leaves the hub";
  r = Truc(operator_, {"account", "disable", "nobody"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "nobody")) << r.err;

  // Only operators manage accounts.
  r = Truc(office_, {"account", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "operator")) << r.err;
}

}  // namespace
}  // namespace truc::testing
