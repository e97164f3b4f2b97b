#include "cli/ca.h"

#include <sys/stat.h>

#include <sstream>

#include "cli/profile.h"
#include "common/file_util.h"
#include "common/test_util.h"

namespace truc::cli {
namespace {

using ::testing::HasSubstr;
using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

Identity IdentityOf(const std::string& cert_path) {
  auto pem = ReadFile(cert_path);
  EXPECT_TRUE(pem.ok()) << pem.status();
  auto id = IdentityFromCertificatePem(pem.ok() ? *pem : "");
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : Identity();
}

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ostringstream out;
    TRUC_ASSERT_OK(CaInit(ca_dir_, "CA tỉnh Lạng Sơn", out));
  }
  IssueOptions Agency(const std::string& code) {
    IssueOptions o;
    o.ca_dir = ca_dir_;
    o.role = Role::kAgency;
    o.name = code;
    o.display_name = "Sở Y tế";
    o.out_dir = tmp_.Sub("out");
    return o;
  }

  TempDir tmp_;
  std::string ca_dir_ = tmp_.Sub("ca");
};

TEST_F(CaTest, InitWritesPrivateKeyAndCertificate) {
  EXPECT_EQ(ModeOf(JoinPath(ca_dir_, "ca.key")), 0600u);
  EXPECT_EQ(ModeOf(ca_dir_), 0700u);
  auto cert = ReadFile(JoinPath(ca_dir_, "ca.crt"));
  ASSERT_TRUE(cert.ok());
  EXPECT_THAT(*cert, HasSubstr("-----BEGIN CERTIFICATE-----"));
}

TEST_F(CaTest, IssueNeverWritesOverTheCaEvenWithForce) {
  IssueOptions o;
  o.ca_dir = ca_dir_;
  o.role = Role::kHub;
  o.name = "ca";
  o.out_dir = ca_dir_;
  o.force = true;
  auto before = ReadFile(JoinPath(ca_dir_, "ca.key"));
  std::ostringstream out;
  EXPECT_THAT(CaIssue(o, out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "is the CA's own file"));
  EXPECT_EQ(*ReadFile(JoinPath(ca_dir_, "ca.key")), *before);
}

TEST_F(CaTest, InitRefusesToOverwriteACa) {
  auto before = ReadFile(JoinPath(ca_dir_, "ca.key"));
  std::ostringstream out;
  EXPECT_THAT(
      CaInit(ca_dir_, "", out),
      StatusIs(absl::StatusCode::kAlreadyExists, "refusing to overwrite a CA"));
  EXPECT_EQ(*ReadFile(JoinPath(ca_dir_, "ca.key")), *before);
  EXPECT_EQ(out.str(), "");
  // Even when only the certificate is left.
  TRUC_ASSERT_OK(RemoveAll(JoinPath(ca_dir_, "ca.key")));
  EXPECT_THAT(CaInit(ca_dir_, "", out),
              StatusIs(absl::StatusCode::kAlreadyExists, "ca.crt"));
}

TEST_F(CaTest, IssueAgencyCertificateWhoseIdentityParsesBack) {
  std::ostringstream out;
  TRUC_ASSERT_OK(CaIssue(Agency("000.07.00.H99"), out));
  std::string key = tmp_.Sub("out/000.07.00.H99.key");
  std::string crt = tmp_.Sub("out/000.07.00.H99.crt");
  EXPECT_EQ(ModeOf(key), 0600u);
  Identity id = IdentityOf(crt);
  EXPECT_EQ(id.role, Role::kAgency);
  EXPECT_EQ(id.name, "000.07.00.H99");
  EXPECT_EQ(id.common_name, "Sở Y tế");
  EXPECT_THAT(out.str(), HasSubstr("agency 000.07.00.H99 (Sở Y tế)"));
}

TEST_F(CaTest, IssueOperatorWithProfileThatLoads) {
  IssueOptions o;
  o.ca_dir = ca_dir_;
  o.role = Role::kOperator;
  o.name = "van-thu";
  o.out_dir = tmp_.Sub("ops");
  o.profile_out = tmp_.Sub("profiles/van-thu.txt");
  o.hub_address = "127.0.0.1:7443";
  std::ostringstream out;
  TRUC_ASSERT_OK(CaIssue(o, out));
  EXPECT_EQ(ModeOf(tmp_.Sub("ops/van-thu.key")), 0600u);
  auto text = ReadFile(o.profile_out);
  ASSERT_TRUE(text.ok());
  // Relative paths, so the tree can move as a whole.
  EXPECT_THAT(*text, HasSubstr("ca_cert: \"../ca/ca.crt\""));
  EXPECT_THAT(*text, HasSubstr("cert: \"../ops/van-thu.crt\""));
  auto profile = LoadProfile(o.profile_out);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->identity.role, Role::kOperator);
  EXPECT_EQ(profile->identity.name, "van-thu");
  EXPECT_EQ(profile->profile.hub_address(), "127.0.0.1:7443");
}

TEST_F(CaTest, IssueHubWithDefaultNames) {
  IssueOptions o;
  o.ca_dir = ca_dir_;
  o.role = Role::kHub;
  o.name = "hub";
  o.out_dir = tmp_.Sub("hub");
  std::ostringstream out;
  TRUC_ASSERT_OK(CaIssue(o, out));
  EXPECT_EQ(IdentityOf(tmp_.Sub("hub/hub.crt")).role, Role::kHub);
  o.profile_out = tmp_.Sub("hub.txt");
  o.hub_address = "x:1";
  o.force = true;
  EXPECT_THAT(CaIssue(o, out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "--profile-out is for agency"));
}

TEST_F(CaTest, RefusesBadAgencyCodeAndWritesNothing) {
  std::ostringstream out;
  EXPECT_THAT(CaIssue(Agency("Sở Y tế"), out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "malformed agency code \"Sở Y tế\""));
  EXPECT_THAT(
      CaIssue(Agency("000.07.00.H9"), out),
      StatusIs(absl::StatusCode::kInvalidArgument, "malformed agency code"));
  EXPECT_FALSE(PathExists(tmp_.Sub("out")));
}

TEST_F(CaTest, RefusesToOverwriteAKeyUnlessForced) {
  std::ostringstream out;
  TRUC_ASSERT_OK(CaIssue(Agency("000.07.00.H99"), out));
  auto first = ReadFile(tmp_.Sub("out/000.07.00.H99.key"));
  EXPECT_THAT(CaIssue(Agency("000.07.00.H99"), out),
              StatusIs(absl::StatusCode::kAlreadyExists, "--force"));
  EXPECT_EQ(*ReadFile(tmp_.Sub("out/000.07.00.H99.key")), *first);
  IssueOptions forced = Agency("000.07.00.H99");
  forced.force = true;
  TRUC_ASSERT_OK(CaIssue(forced, out));
  EXPECT_NE(*ReadFile(tmp_.Sub("out/000.07.00.H99.key")), *first);
  EXPECT_EQ(ModeOf(tmp_.Sub("out/000.07.00.H99.key")), 0600u);
}

TEST_F(CaTest, RefusesMissingCaAndIncompleteProfileFlags) {
  std::ostringstream out;
  IssueOptions o = Agency("000.07.00.H99");
  o.ca_dir = tmp_.Sub("nowhere");
  EXPECT_THAT(CaIssue(o, out),
              StatusIs(absl::StatusCode::kNotFound, "truc ca init --dir"));
  o = Agency("000.07.00.H99");
  o.profile_out = tmp_.Sub("p.txt");
  EXPECT_THAT(CaIssue(o, out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "needs --hub-address"));
  o = Agency("000.07.00.H99");
  o.days = 0;
  EXPECT_THAT(CaIssue(o, out),
              StatusIs(absl::StatusCode::kInvalidArgument, "--days 0"));
  o = Agency("000.07.00.H99");
  o.dns_names = {"localhost"};
  EXPECT_THAT(CaIssue(o, out),
              StatusIs(absl::StatusCode::kInvalidArgument, "for --hub only"));
}

TEST(RelativePath, FromOneDirectoryToAnother) {
  EXPECT_EQ(RelativePath("/a/ca/ca.crt", "/a/clerks/yte"), "../../ca/ca.crt");
  EXPECT_EQ(RelativePath("/a/b/x.key", "/a/b"), "x.key");
  EXPECT_EQ(RelativePath("/a/b/./x.key", "/a/b/"), "x.key");
}

}  // namespace
}  // namespace truc::cli
