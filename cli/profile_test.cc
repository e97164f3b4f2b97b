#include "cli/profile.h"

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/test_util.h"

namespace truc::cli {
namespace {

using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

// Writes a CA and an agency (or operator) certificate under dir/tls.
void WriteTls(const std::string& dir, Role role, const std::string& name) {
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  IssueRequest req;
  req.role = role;
  req.name = name;
  auto issued = IssueCertificate(*ca, req);
  ASSERT_TRUE(issued.ok());
  TRUC_ASSERT_OK(MakeDirectories(JoinPath(dir, "tls")));
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(dir, "tls/ca.crt"), ca->cert_pem));
  TRUC_ASSERT_OK(
      WriteFileDurably(JoinPath(dir, "tls/me.crt"), issued->cert_pem));
  TRUC_ASSERT_OK(
      WriteFileDurably(JoinPath(dir, "tls/me.key"), issued->key_pem, 0600));
}

constexpr char kProfile[] =
    "hub_address: \"127.0.0.1:7443\"\n"
    "tls { ca_cert: \"tls/ca.crt\" cert: \"tls/me.crt\" key: \"tls/me.key\" "
    "}\n";

TEST(ChooseProfilePath, FlagThenEnvironmentThenAClearError) {
  EXPECT_EQ(*ChooseProfilePath("a.txt", "b.txt"), "a.txt");
  EXPECT_EQ(*ChooseProfilePath("", "b.txt"), "b.txt");
  EXPECT_THAT(ChooseProfilePath("", nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "no profile: pass --profile FILE or set TRUC_PROFILE"));
  EXPECT_THAT(ChooseProfilePath("", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, "--profile-out"));
}

TEST(LoadProfile, ResolvesPathsAgainstItsDirectory) {
  TempDir tmp;
  std::string dir = tmp.Sub("yte");
  WriteTls(dir, Role::kAgency, "000.07.00.H99");
  std::string path = JoinPath(dir, "profile.txt");
  TRUC_ASSERT_OK(WriteFileDurably(path, kProfile));
  auto p = LoadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->path, path);
  EXPECT_EQ(p->profile.tls().ca_cert(), JoinPath(dir, "tls/ca.crt"));
  EXPECT_EQ(p->profile.tls().cert(), JoinPath(dir, "tls/me.crt"));
  EXPECT_EQ(p->profile.tls().key(), JoinPath(dir, "tls/me.key"));
  EXPECT_EQ(p->identity.role, Role::kAgency);
  EXPECT_EQ(p->identity.name, "000.07.00.H99");
  TRUC_EXPECT_OK(RequireRole(*p, Role::kAgency, "truc send"));
  EXPECT_THAT(RequireRole(*p, Role::kOperator, "truc agency list"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "`truc agency list` needs an operator profile; " + path +
                           " is for agency 000.07.00.H99"));
  // A channel can be made (connecting happens on the first call).
  EXPECT_TRUE(ConnectToHub(*p).ok());
}

TEST(LoadProfile, AbsolutePathsStayAbsolute) {
  TempDir tmp;
  WriteTls(tmp.path(), Role::kOperator, "van-thu");
  std::string text = "hub_address: \"h:1\" tls { ca_cert: \"" +
                     tmp.Sub("tls/ca.crt") + "\" cert: \"" +
                     tmp.Sub("tls/me.crt") + "\" key: \"" +
                     tmp.Sub("tls/me.key") + "\" }";
  std::string path = tmp.Sub("elsewhere/p.txt");
  TRUC_ASSERT_OK(MakeDirectories(tmp.Sub("elsewhere")));
  TRUC_ASSERT_OK(WriteFileDurably(path, text));
  auto p = LoadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->profile.tls().cert(), tmp.Sub("tls/me.crt"));
  EXPECT_EQ(p->identity.role, Role::kOperator);
}

TEST(LoadProfile, ClearErrors) {
  TempDir tmp;
  WriteTls(tmp.path(), Role::kAgency, "000.07.00.H99");
  std::string path = tmp.Sub("p.txt");
  EXPECT_THAT(LoadProfile(path),
              StatusIs(absl::StatusCode::kNotFound,
                       "profile " + path + " does not exist"));

  TRUC_ASSERT_OK(WriteFileDurably(path, "hub_adress: \"x\"\n"));
  EXPECT_THAT(LoadProfile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, "hub_adress"));

  TRUC_ASSERT_OK(WriteFileDurably(path, "tls { ca_cert: \"tls/ca.crt\" }"));
  EXPECT_THAT(LoadProfile(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "hub_address is required"));

  TRUC_ASSERT_OK(WriteFileDurably(
      path, "hub_address: \"h:1\" tls { ca_cert: \"a\" cert: \"b\" }"));
  EXPECT_THAT(LoadProfile(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "tls.key is required"));

  // A file that is not there is named by its field and path.
  TRUC_ASSERT_OK(WriteFileDurably(
      path,
      "hub_address: \"h:1\" tls { ca_cert: \"tls/ca.crt\" cert: "
      "\"missing.crt\" key: \"tls/me.key\" }"));
  EXPECT_THAT(LoadProfile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tls.cert: open " + tmp.Sub("missing.crt")));

  // A hub address whose port is not one.
  for (const char* bad : {"h:99999", "h:65536", "h:", "h:abc", "h:0"}) {
    TRUC_ASSERT_OK(WriteFileDurably(
        path, absl::StrCat("hub_address: \"", bad,
                           "\" tls { ca_cert: \"tls/ca.crt\" cert: "
                           "\"tls/me.crt\" key: \"tls/me.key\" }")));
    EXPECT_THAT(LoadProfile(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("hub_address \"", bad, "\"")));
  }

  // The CA's own certificate speaks for nobody.
  TRUC_ASSERT_OK(WriteFileDurably(
      path,
      "hub_address: \"h:1\" tls { ca_cert: \"tls/ca.crt\" cert: "
      "\"tls/ca.crt\" key: \"tls/me.key\" }"));
  EXPECT_THAT(LoadProfile(path),
              StatusIs(absl::StatusCode::kUnauthenticated, "urn:truc:"));
}

}  // namespace
}  // namespace truc::cli
