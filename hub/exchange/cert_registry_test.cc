#include "hub/exchange/cert_registry.h"

#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

class CertRegistryTest : public HubFixture {
 protected:
  // An identity of Sở Y tế valid from `from` for `days` days.
  Identity HealthCert(int64_t from_s, int days) {
    IssueRequest req{Role::kAgency, kHealth, "Sở Y tế"};
    req.not_before_unix = from_s;
    req.not_after_unix = from_s + int64_t{days} * 86400;
    return *IdentityFromCertificatePem(keys_.Issue(req).cert_pem);
  }
  int64_t NowS() const { return now_.load() / 1000000; }
};

TEST_F(CertRegistryTest, ACertificateSeenIsListedWithWhomItNames) {
  auto listed = registry_->List(kHealth);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].serial(), Who(kHealth).serial_hex);
  EXPECT_EQ(listed[0].principal(), "agency:000.07.00.H99");
  EXPECT_EQ(listed[0].first_seen().unix_micros(), now_.load());
  EXPECT_FALSE(listed[0].revoked());
  EXPECT_EQ(registry_->List("agency:000.07.00.H99").size(), 1u);
  EXPECT_EQ(registry_->List().size(), 5u);
}

TEST_F(CertRegistryTest, ARevocationRefusesTheCertificateAndOutlivesARestart) {
  std::vector<std::string> told;
  registry_->AddOnRevoked(
      [&](const truc::v1::CertificateInfo& c) { told.push_back(c.serial()); });
  const std::string serial = Who(kYTich).serial_hex;
  // Typed as an operator might: upper case, colons, a leading zero.
  std::string typed = "0";
  for (size_t i = 0; i < serial.size(); ++i) {
    if (i > 0 && i % 2 == 0) typed += ':';
    typed += static_cast<char>(std::toupper(serial[i]));
  }
  auto info = registry_->Revoke(typed, "máy tính xã bị mất", Operator());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->serial(), serial);
  EXPECT_TRUE(info->revoked());
  EXPECT_EQ(info->revoked_by(), "operator:van-thu");
  EXPECT_EQ(told, std::vector<std::string>{serial});
  EXPECT_THAT(registry_->Admit(Who(kYTich)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "was revoked at 22/11/2026"));
  EXPECT_THAT(
      registry_->Admit(Who(kYTich)),
      StatusIs(absl::StatusCode::kUnauthenticated, "máy tính xã bị mất"));
  // Again: the first revocation stands, nothing new is written.
  const uint64_t events = audit_->size();
  now_ += 1'000'000;
  auto again = registry_->Revoke(serial, "lần nữa", Operator());
  EXPECT_EQ(again->revocation_reason(), "máy tính xã bị mất");
  EXPECT_EQ(audit_->size(), events);
  EXPECT_EQ(told.size(), 1u);
  Open();
  EXPECT_TRUE(registry_->IsRevoked(serial));
  EXPECT_FALSE(registry_->Admit(Who(kYTich)).ok());
}

TEST_F(CertRegistryTest, BadRevocationsAreNamed) {
  EXPECT_THAT(registry_->Revoke("xyz", "lý do", Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not a certificate serial"));
  EXPECT_THAT(registry_->Revoke(Who(kYTich).serial_hex, "  ", Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs a reason"));
  EXPECT_THAT(
      registry_->Revoke(Operator().serial_hex, "tự thu hồi", Operator()),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "the one this call is made with"));
  // A serial never seen (lost before its first use) may be revoked.
  auto unseen = registry_->Revoke("abcdef0123", "chưa dùng đã mất", Operator());
  ASSERT_TRUE(unseen.ok()) << unseen.status();
  EXPECT_EQ(unseen->principal(), "");
  EXPECT_TRUE(registry_->IsRevoked("abcdef0123"));
}

TEST_F(CertRegistryTest, CertificatesOutsideTheirValidityAreRefused) {
  EXPECT_THAT(registry_->Admit(HealthCert(NowS() - 100 * 86400, 30)),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired at"));
  EXPECT_THAT(
      registry_->Admit(HealthCert(NowS() + 86400, 30)),
      StatusIs(absl::StatusCode::kUnauthenticated, "is not valid before"));
}

TEST_F(CertRegistryTest, ExpiryIsWarnedUntilANewerCertificateIsInUse) {
  EXPECT_TRUE(registry_->Expiring().empty());
  // Sở Tài chính's only certificate has ten days left... (the fixture's
  // are valid for 800 days; a new one replaces it in this test)
  const Identity soon = [&] {
    IssueRequest req{Role::kAgency, kFinance, "Sở Tài chính"};
    req.not_before_unix = NowS() - 300 * 86400;
    req.not_after_unix = NowS() + 10 * 86400;
    return *IdentityFromCertificatePem(keys_.Issue(req).cert_pem);
  }();
  ASSERT_TRUE(registry_->Admit(soon).ok());
  // The fixture's longer certificate of Sở Tài chính is also in use: no
  // warning while it lasts.
  EXPECT_TRUE(registry_->Expiring().empty());
  ASSERT_TRUE(
      registry_->Revoke(Who(kFinance).serial_hex, "thay chứng thư", Operator())
          .ok());
  auto expiring = registry_->Expiring();
  ASSERT_EQ(expiring.size(), 1u);
  EXPECT_EQ(expiring[0].serial(), soon.serial_hex);
  EXPECT_TRUE(expiring[0].expiring());
  EXPECT_EQ(registry_->LatestExpiry("agency:000.03.00.H99"),
            soon.not_after_unix);
}

TEST_F(CertRegistryTest, ASightingIsWrittenByTheNextFlush) {
  const Identity fresh = HealthCert(NowS() - 86400, 365);
  TRUC_ASSERT_OK(registry_->Admit(fresh));
  EXPECT_EQ(registry_->List(kHealth).size(), 2u);  // at once, in memory
  TRUC_ASSERT_OK(registry_->Flush());
  Open();
  auto listed = registry_->List(kHealth);
  ASSERT_EQ(listed.size(), 2u);
  bool found = false;
  for (const auto& c : listed) {
    if (c.serial() != fresh.serial_hex) continue;
    found = true;
    EXPECT_EQ(c.principal(), "agency:000.07.00.H99");
    EXPECT_EQ(c.common_name(), "Sở Y tế");
  }
  EXPECT_TRUE(found);
}

TEST_F(CertRegistryTest, ARevocationThatCannotBeRecordedDoesNotHappen) {
  faulty_->FailWrites(1);
  EXPECT_THAT(registry_->Revoke(Who(kYTich).serial_hex, "lý do", Operator()),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_FALSE(registry_->IsRevoked(Who(kYTich).serial_hex));
  TRUC_EXPECT_OK(registry_->Admit(Who(kYTich)));
}

}  // namespace
}  // namespace truc::hub
