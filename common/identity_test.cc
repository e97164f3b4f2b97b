#include "common/identity.h"

#include "common/pki.h"
#include "common/test_util.h"

namespace truc {
namespace {

using ::truc::testing::StatusIs;

TEST(Identity, AgencyCertificateRoundTrip) {
  auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
  ASSERT_TRUE(ca.ok()) << ca.status();
  IssueRequest req;
  req.role = Role::kAgency;
  req.name = "000.07.00.H99";
  req.common_name = "Sở Y tế";
  auto issued = IssueCertificate(*ca, req);
  ASSERT_TRUE(issued.ok()) << issued.status();
  auto id = IdentityFromCertificatePem(issued->cert_pem);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->role, Role::kAgency);
  EXPECT_EQ(id->name, "000.07.00.H99");
  EXPECT_EQ(id->common_name, "Sở Y tế");
  EXPECT_FALSE(id->serial_hex.empty());
  EXPECT_GT(id->not_after_unix, 1700000000);
  EXPECT_EQ(id->ToString(), "agency 000.07.00.H99");
}

TEST(Identity, OperatorAndHub) {
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  IssueRequest op{Role::kOperator, "van-thu", "Văn thư", {}, {}, 30};
  auto id = IdentityFromCertificatePem(IssueCertificate(*ca, op)->cert_pem);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, Role::kOperator);
  EXPECT_EQ(id->name, "van-thu");
  IssueRequest hub{Role::kHub,    "hub",         "truc hub",
                   {"localhost"}, {"127.0.0.1"}, 30};
  id = IdentityFromCertificatePem(IssueCertificate(*ca, hub)->cert_pem);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, Role::kHub);
}

TEST(Identity, RefusesMalformedNames) {
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  EXPECT_THAT(
      IssueCertificate(*ca, {Role::kAgency, "Sở Y tế", "", {}, {}, 1}),
      StatusIs(absl::StatusCode::kInvalidArgument, "malformed agency code"));
  EXPECT_THAT(IssueCertificate(*ca, {Role::kOperator, "a b", "", {}, {}, 1}),
              StatusIs(absl::StatusCode::kInvalidArgument, "malformed name"));
}

TEST(Identity, RefusesGarbageAndForeignCertificates) {
  EXPECT_THAT(IdentityFromCertificatePem("not a cert"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid PEM"));
  // A CA certificate has no truc URI.
  auto ca = CreateCertificateAuthority("CA");
  EXPECT_THAT(
      IdentityFromCertificatePem(ca->cert_pem),
      StatusIs(absl::StatusCode::kUnauthenticated, "exactly one urn:truc:"));
}

TEST(Identity, AgencyCodeShape) {
  EXPECT_TRUE(ValidateAgencyCode("000.00.12.H42").ok());
  EXPECT_TRUE(ValidateAgencyCode("000.00.00.G22").ok());
  EXPECT_FALSE(ValidateAgencyCode("000.00.12.h42").ok());
  EXPECT_FALSE(ValidateAgencyCode("000.00.12.H4").ok());
  EXPECT_FALSE(ValidateAgencyCode("").ok());
  EXPECT_FALSE(ValidateAgencyCode("000-00.12.H42").ok());
}

}  // namespace
}  // namespace truc

namespace truc {
namespace {

TEST(Identity, SerialsHaveOneSpellingWithoutLeadingZeros) {
  // OpenSSL writes whole bytes, so one serial in eight would start with a
  // zero; the identity's spelling must be the one a revocation uses.
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  for (int i = 0; i < 40; ++i) {
    auto kc =
        IssueCertificate(*ca, {Role::kAgency, "000.07.00.H99", "Sở Y tế"});
    ASSERT_TRUE(kc.ok());
    auto id = IdentityFromCertificatePem(kc->cert_pem);
    ASSERT_TRUE(id.ok());
    ASSERT_FALSE(id->serial_hex.empty());
    EXPECT_NE(id->serial_hex[0], '0') << id->serial_hex;
    EXPECT_EQ(id->serial_hex, Certificate::FromPem(kc->cert_pem)->serial_hex());
  }
}

}  // namespace
}  // namespace truc
