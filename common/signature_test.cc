#include "common/signature.h"

#include <string>

#include "common/file_util.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "common/time_util.h"

namespace truc {
namespace {

using ::truc::testing::StatusIs;

// Certificates are issued from an hour ago: checks happen now.
const int64_t kNow = NowMicros() / 1000000;

class SignatureTest : public ::testing::TestWithParam<KeyType> {
 protected:
  void SetUp() override {
    // A CA of some years, as the province's is.
    auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn", 3650,
                                         kNow - 3 * 365 * 86400);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto anchor = TrustAnchor::FromPem(ca_.cert_pem);
    ASSERT_TRUE(anchor.ok()) << anchor.status();
    anchor_ = std::make_unique<TrustAnchor>(*anchor);
    signer_ = Issue("000.07.00.H99", "Sở Y tế", GetParam());
  }

  std::unique_ptr<Signer> Issue(const std::string& code,
                                const std::string& name, KeyType type,
                                const KeyAndCert* ca = nullptr,
                                int64_t not_before = 0, int64_t not_after = 0) {
    IssueRequest req;
    req.role = Role::kAgency;
    req.name = code;
    req.common_name = name;
    req.key_type = type;
    req.not_before_unix = not_before;
    req.not_after_unix = not_after;
    auto issued = IssueCertificate(ca ? *ca : ca_, req);
    EXPECT_TRUE(issued.ok()) << issued.status();
    auto signer = Signer::FromPem(issued->key_pem, issued->cert_pem);
    EXPECT_TRUE(signer.ok()) << signer.status();
    return std::move(*signer);
  }

  KeyAndCert ca_;
  std::unique_ptr<TrustAnchor> anchor_;
  std::unique_ptr<Signer> signer_;
  const std::string data_ = "V/v triển khai khẩn cấp các biện pháp ứng phó bão";
};

INSTANTIATE_TEST_SUITE_P(Keys, SignatureTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kRsa2048,
                                           KeyType::kRsa3072),
                         [](const auto& info) {
                           switch (info.param) {
                             case KeyType::kEcP256:
                               return "EcdsaP256";
                             case KeyType::kRsa2048:
                               return "Rsa2048";
                             default:
                               return "Rsa3072";
                           }
                         });

TEST_P(SignatureTest, SignedDataVerifiesAndNamesTheSigner) {
  auto sig = signer_->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok()) << sig.status();
  auto who = VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->role, Role::kAgency);
  EXPECT_EQ(who->name, "000.07.00.H99");
  EXPECT_EQ(who->common_name, "Sở Y tế");
  EXPECT_EQ(who->serial_hex, signer_->identity().serial_hex);
}

TEST_P(SignatureTest, EveryBitFlippedInTheDataIsRefused) {
  auto sig = signer_->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  for (size_t i = 0; i < data_.size() * 8; ++i) {
    std::string altered = data_;
    altered[i / 8] ^= static_cast<char>(1 << (i % 8));
    EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, altered, *sig, kNow),
                StatusIs(absl::StatusCode::kUnauthenticated, "does not match"))
        << "bit " << i;
  }
}

TEST_P(SignatureTest, EveryByteChangedInTheValueIsRefused) {
  auto sig = signer_->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  for (size_t i = 0; i < sig->value().size(); ++i) {
    truc::v1::Signature altered = *sig;
    (*altered.mutable_value())[i] ^= 0x01;
    EXPECT_FALSE(
        VerifySignature(*anchor_, kHeaderContext, data_, altered, kNow).ok())
        << "byte " << i;
  }
  truc::v1::Signature cut = *sig;
  cut.mutable_value()->pop_back();
  EXPECT_FALSE(
      VerifySignature(*anchor_, kHeaderContext, data_, cut, kNow).ok());
}

TEST_P(SignatureTest, EveryByteChangedInTheCertificateIsRefused) {
  auto sig = signer_->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  for (size_t i = 0; i < sig->certificate().size(); ++i) {
    truc::v1::Signature altered = *sig;
    (*altered.mutable_certificate())[i] ^= 0x01;
    EXPECT_FALSE(
        VerifySignature(*anchor_, kHeaderContext, data_, altered, kNow).ok())
        << "byte " << i;
  }
}

TEST_P(SignatureTest, ASignatureForOneContextIsNotValidForAnother) {
  auto sig = signer_->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  EXPECT_THAT(VerifySignature(*anchor_, kReceiptContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, "does not match"));
}

TEST_P(SignatureTest, AnotherCasCertificateIsRefused) {
  auto other_ca = CreateCertificateAuthority("CA tỉnh khác");
  ASSERT_TRUE(other_ca.ok());
  auto stranger = Issue("000.07.00.H99", "Sở Y tế", GetParam(), &*other_ca);
  auto sig = stranger->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "not issued by the province CA"));
}

TEST_P(SignatureTest, ACertificateOutsideItsValidityIsRefused) {
  auto old = Issue("000.07.00.H99", "Sở Y tế", GetParam(), nullptr,
                   kNow - 400 * 86400, kNow - 86400);
  auto sig = old->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
  // At a time inside its validity (a document accepted then), it verifies.
  EXPECT_TRUE(
      VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow - 2 * 86400)
          .ok());
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, *sig,
                              kNow - 500 * 86400),
              StatusIs(absl::StatusCode::kUnauthenticated, "valid only from"));
}

TEST_P(SignatureTest, ACertificateCheckedOnceIsStillCheckedForItsTime) {
  auto old = Issue("000.07.00.H99", "Sở Y tế", GetParam(), nullptr,
                   kNow - 400 * 86400, kNow - 86400);
  auto sig = old->Sign(kHeaderContext, data_);
  ASSERT_TRUE(sig.ok());
  // Checked (and remembered) as of a time inside its validity...
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow - 2 * 86400)
            .ok());
  }
  // ...it is not taken for valid at another time, nor for other data.
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_ + ".", *sig,
                              kNow - 2 * 86400),
              StatusIs(absl::StatusCode::kUnauthenticated, "does not match"));
  // A copy of the anchor shares what it checked, and its checks.
  TrustAnchor copy = *anchor_;
  EXPECT_THAT(VerifySignature(copy, kHeaderContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
}

TEST_P(SignatureTest, MissingPartsAreNamed) {
  truc::v1::Signature none;
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, none, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "no signature"));
  auto sig = signer_->Sign(kHeaderContext, data_);
  sig->set_certificate("not DER");
  EXPECT_THAT(VerifySignature(*anchor_, kHeaderContext, data_, *sig, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "DER"));
}

TEST(SignerTest, KeyMustBeTheCertificatesKey) {
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  IssueRequest req{Role::kAgency, "000.07.00.H99", "Sở Y tế"};
  auto a = IssueCertificate(*ca, req);
  auto b = IssueCertificate(*ca, req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(Signer::FromPem(a->key_pem, b->cert_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not the key of certificate"));
  EXPECT_THAT(Signer::FromPem("junk", a->cert_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, "PEM private key"));
  EXPECT_THAT(Signer::FromPem(a->key_pem, ca->cert_pem),
              StatusIs(absl::StatusCode::kUnauthenticated, "urn:truc:"));
}

TEST(SignerTest, FilesAreNamedWhenMissing) {
  truc::testing::TempDir dir;
  EXPECT_THAT(Signer::FromFiles(dir.Sub("a.key"), dir.Sub("a.crt")),
              StatusIs(absl::StatusCode::kNotFound, "signing key"));
}

TEST(TrustAnchorTest, RefusesALeafAsTheCa) {
  auto ca = CreateCertificateAuthority("CA");
  ASSERT_TRUE(ca.ok());
  auto leaf =
      IssueCertificate(*ca, {Role::kAgency, "000.07.00.H99", "Sở Y tế"});
  ASSERT_TRUE(leaf.ok());
  EXPECT_THAT(TrustAnchor::FromPem(leaf->cert_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, "CA:TRUE"));
  truc::testing::TempDir dir;
  EXPECT_THAT(TrustAnchor::FromFile(dir.Sub("ca.crt")),
              StatusIs(absl::StatusCode::kNotFound, "CA certificate"));
}

}  // namespace
}  // namespace truc
