#include "hub/ops/axis_systems.h"

#include <sys/stat.h>

#include "absl/strings/match.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::testing::HasSubstr;
using ::truc::testing::StatusIs;

class AxisSystemsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    Reload();
  }
  void Reload() {
    auto systems = AxisSystems::Open(
        faulty_.get(), audit_.get(), directory_.get(),
        [this] { return now_.load(); }, KeyFile());
    ASSERT_TRUE(systems.ok()) << systems.status();
    systems_ = std::move(*systems);
  }
  std::string KeyFile() const { return tmp_.Sub("axis-api.key"); }
  std::unique_ptr<AxisSystems> systems_;
};

TEST_F(AxisSystemsTest, ASystemsSecretIsShownOnceAndNeverStored) {
  auto added =
      systems_->Add(kHealth, "", "Phần mềm QLVB của Sở Y tế", Operator());
  ASSERT_TRUE(added.ok()) << added.status();
  const std::string id = added->system().id();
  const std::string secret = added->secret();
  EXPECT_TRUE(absl::StartsWith(id, "sys-")) << id;
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_EQ(added->system().secret_fingerprint(),
            HexEncode(Sha256::Of(secret)).substr(0, 16));
  EXPECT_EQ(added->system().created_by(), "operator:van-thu");
  // What the store holds never contains the secret.
  bool seen = false;
  ASSERT_TRUE(store_
                  ->Scan("", "",
                         [&](auto k, auto v) {
                           seen |= absl::StrContains(v, secret);
                           return true;
                         })
                  .ok());
  EXPECT_FALSE(seen);
  // The same secret comes back after a restart, derived again.
  Reload();
  auto creds = systems_->CredentialsOf(id);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->secret, secret);
  EXPECT_EQ(creds->agency, kHealth);
  EXPECT_TRUE(systems_->HasActiveSystem(kHealth));
  EXPECT_FALSE(systems_->HasActiveSystem(kOffice));
  struct stat st;
  ASSERT_EQ(::stat(KeyFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AxisSystemsTest, ARevokedSystemIsRefusedLikeAnUnknownOne) {
  auto added = systems_->Add(kHealth, "", "QLVB", Operator());
  ASSERT_TRUE(added.ok());
  const std::string id = added->system().id();
  EXPECT_THAT(systems_->Revoke(id, " ", Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "say why"));
  auto revoked = systems_->Revoke(id, "máy chủ bị thay", Operator());
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revocation_reason(), "máy chủ bị thay");
  EXPECT_THAT(
      systems_->CredentialsOf(id),
      StatusIs(absl::StatusCode::kUnauthenticated, "is unknown or revoked"));
  EXPECT_THAT(
      systems_->CredentialsOf("sys-0000000000000000"),
      StatusIs(absl::StatusCode::kUnauthenticated, "is unknown or revoked"));
  EXPECT_FALSE(systems_->HasActiveSystem(kHealth));
  EXPECT_THAT(systems_->Revoke("sys-nope", "x", Operator()),
              StatusIs(absl::StatusCode::kNotFound, "no system sys-nope"));
  // Both changes are in the audit log.
  std::vector<std::string> kinds;
  for (uint64_t i = 0; i < audit_->size(); ++i)
    kinds.push_back(audit_->Event(i)->kind());
  EXPECT_THAT(kinds, ::testing::Contains("axis_system_added"));
  EXPECT_THAT(kinds, ::testing::Contains("axis_system_revoked"));
}

TEST_F(AxisSystemsTest, BadRequestsAndAFailedWriteAddNothing) {
  EXPECT_THAT(systems_->Add("000.99.99.H99", "", "QLVB", Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "not registered"));
  EXPECT_THAT(systems_->Add(kHealth, "", "  ", Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "name of 1 to 200"));
  faulty_->FailWrites(1);
  EXPECT_FALSE(systems_->Add(kHealth, "", "QLVB", Operator()).ok());
  EXPECT_TRUE(systems_->List().empty());
  Reload();
  EXPECT_TRUE(systems_->List().empty());
}

TEST_F(AxisSystemsTest, AnotherKeyFileGivesOtherSecrets) {
  auto added = systems_->Add(kHealth, "", "QLVB", Operator());
  ASSERT_TRUE(added.ok());
  ASSERT_TRUE(RemoveAll(KeyFile()).ok());
  Reload();
  auto creds = systems_->CredentialsOf(added->system().id());
  ASSERT_TRUE(creds.ok());
  EXPECT_NE(creds->secret, added->secret());
  ASSERT_TRUE(WriteFileDurably(KeyFile(), "short").ok());
  EXPECT_THAT(AxisSystems::Open(
                  faulty_.get(), audit_.get(), directory_.get(),
                  [this] { return now_.load(); }, KeyFile()),
              StatusIs(absl::StatusCode::kDataLoss, "is not a national-axis"));
}

}  // namespace
}  // namespace truc::hub
