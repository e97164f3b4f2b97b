#include "hub/ops/accounts.h"

#include "absl/strings/match.h"
#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;
using truc::v1::AccountRole;

class AccountsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    Reload();
  }
  void Reload() {
    auto accounts =
        AccountStore::Load(faulty_.get(), audit_.get(), directory_.get(),
                           [this] { return now_.load(); });
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    accounts_ = std::move(*accounts);
  }
  truc::v1::AddAccountRequest Clerk(const std::string& name,
                                    const std::string& password = "") {
    truc::v1::AddAccountRequest req;
    req.set_name(name);
    req.set_display_name("Nguyễn Thị Lan");
    req.set_role(truc::v1::ACCOUNT_ROLE_CLERK);
    req.set_agency(kOffice);
    req.set_password(password);
    return req;
  }
  std::vector<std::string> EventKinds() {
    std::vector<std::string> kinds;
    for (uint64_t i = 0; i < audit_->size(); ++i)
      kinds.push_back(audit_->Event(i)->kind());
    return kinds;
  }
  std::unique_ptr<AccountStore> accounts_;
};

TEST_F(AccountsTest, AnAccountWithADrawnPasswordChangesItAtTheFirstLogIn) {
  auto added = accounts_->Add(Clerk("lan.nt"), Operator());
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->password().size(), 19u);
  EXPECT_EQ(added->account().agency_name(), "Văn phòng UBND tỉnh Lạng Sơn");
  EXPECT_EQ(added->account().created_by(), "operator:van-thu");
  auto user = accounts_->Login("lan.nt", added->password());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_TRUE(user->must_change_password);
  EXPECT_EQ(user->agency, kOffice);
  EXPECT_FALSE(user->is_operator());
  EXPECT_EQ(user->Actor().Principal(), "account:lan.nt");

  std::vector<std::string> revoked;
  accounts_->AddOnRevoked([&](const std::string& n) { revoked.push_back(n); });
  EXPECT_THAT(
      accounts_->ChangePassword("lan.nt", added->password(), "ngắn"),
      StatusIs(absl::StatusCode::kInvalidArgument, "at least 12 characters"));
  TRUC_ASSERT_OK(accounts_->ChangePassword("lan.nt", added->password(),
                                           "Mùa thu Hà Nội 2026"));
  EXPECT_EQ(revoked, std::vector<std::string>{"lan.nt"})
      << "its other sessions end";
  EXPECT_FALSE(accounts_->Login("lan.nt", added->password()).ok());
  user = accounts_->Login("lan.nt", "Mùa thu Hà Nội 2026");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_FALSE(user->must_change_password);
  auto kinds = EventKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "account_added"),
            kinds.end());
  EXPECT_EQ(kinds.back(), "password_changed");
  // Nothing of a password is in the log or the listing.
  for (uint64_t i = 0; i < audit_->size(); ++i) {
    EXPECT_FALSE(
        absl::StrContains(audit_->Event(i)->SerializeAsString(), "Mùa thu"));
  }
  EXPECT_FALSE(absl::StrContains(accounts_->List()[0].DebugString(), "argon2"));
}

TEST_F(AccountsTest, BadAccountsAreNamed) {
  auto req = Clerk("Lan NT");
  EXPECT_THAT(accounts_->Add(req, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be 2 to 64"));
  req = Clerk("lan");
  req.set_display_name(" ");
  EXPECT_THAT(accounts_->Add(req, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "display_name"));
  req = Clerk("lan");
  req.clear_agency();
  EXPECT_THAT(accounts_->Add(req, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs its agency"));
  req.set_agency("000.99.99.H99");
  EXPECT_THAT(
      accounts_->Add(req, Operator()),
      StatusIs(absl::StatusCode::kInvalidArgument, "not in the directory"));
  req = Clerk("lan");
  req.set_role(truc::v1::ACCOUNT_ROLE_OPERATOR);
  EXPECT_THAT(accounts_->Add(req, Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "give no agency"));
  req.set_role(truc::v1::ACCOUNT_ROLE_UNSPECIFIED);
  EXPECT_THAT(
      accounts_->Add(req, Operator()),
      StatusIs(absl::StatusCode::kInvalidArgument, "operator or clerk"));
  EXPECT_THAT(accounts_->Add(Clerk("lan", "aaaaaaaaaaaaaaa"), Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "repeated"));
  EXPECT_THAT(accounts_->Add(Clerk("lan", "lan-mat-khau-2026"), Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument, "account's name"));
  TRUC_ASSERT_OK(
      accounts_->Add(Clerk("lan", "Mùa thu Hà Nội 2026"), Operator()).status());
  EXPECT_THAT(accounts_->Add(Clerk("lan"), Operator()),
              StatusIs(absl::StatusCode::kAlreadyExists, "exists already"));
  EXPECT_EQ(accounts_->List().size(), 1u);
}

TEST_F(AccountsTest, WrongPasswordsLockTheAccountUntilItsTimeOrAReset) {
  const std::string good = "Mùa thu Hà Nội 2026";
  TRUC_ASSERT_OK(accounts_->Add(Clerk("lan", good), Operator()).status());
  // An unknown name and a wrong password get the same answer.
  EXPECT_THAT(accounts_->Login("khong-co", "x"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "wrong account name or password"));
  for (int i = 0; i < 4; ++i) {
    auto r = accounts_->Login("lan", "sai mật khẩu");
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnauthenticated,
                            "wrong account name or password"));
    EXPECT_FALSE(absl::StrContains(r.status().message(), "locked"));
  }
  EXPECT_THAT(accounts_->Login("lan", "sai mật khẩu"),
              StatusIs(absl::StatusCode::kUnauthenticated, "is locked until"));
  EXPECT_EQ(EventKinds().back(), "account_locked");
  // Locked: even the right password does not open it.
  EXPECT_THAT(accounts_->Login("lan", good),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "locked after 5 wrong passwords"));
  EXPECT_TRUE(accounts_->Describe("lan")->has_locked_until());
  // The lock-out survives a restart, and ends with its time.
  Reload();
  EXPECT_FALSE(accounts_->Login("lan", good).ok());
  now_ += 901'000'000;
  TRUC_EXPECT_OK(accounts_->Login("lan", good).status());
  // A reset unlocks at once.
  for (int i = 0; i < 5; ++i) (void)accounts_->Login("lan", "sai");
  EXPECT_FALSE(accounts_->Login("lan", good).ok());
  auto reset = accounts_->Reset("lan", "", Operator());
  ASSERT_TRUE(reset.ok()) << reset.status();
  auto user = accounts_->Login("lan", reset->password());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_TRUE(user->must_change_password);
  EXPECT_THAT(accounts_->Reset("khong-co", "", Operator()),
              StatusIs(absl::StatusCode::kNotFound, "no account khong-co"));
}

TEST_F(AccountsTest, ADisabledAccountCannotLogInAndItsSessionsEnd) {
  const std::string good = "Mùa thu Hà Nội 2026";
  TRUC_ASSERT_OK(accounts_->Add(Clerk("lan", good), Operator()).status());
  std::vector<std::string> revoked;
  accounts_->AddOnRevoked([&](const std::string& n) { revoked.push_back(n); });
  auto disabled = accounts_->SetDisabled("lan", true, Operator());
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(disabled->disabled());
  EXPECT_EQ(revoked.size(), 1u);
  EXPECT_THAT(accounts_->Login("lan", good),
              StatusIs(absl::StatusCode::kPermissionDenied, "disabled"));
  EXPECT_THAT(accounts_->Login("lan", "sai"),
              StatusIs(absl::StatusCode::kUnauthenticated, "wrong"))
      << "told only to one who knows the password";
  EXPECT_THAT(accounts_->Current("lan"),
              StatusIs(absl::StatusCode::kPermissionDenied, "disabled"));
  Reload();
  EXPECT_TRUE(accounts_->Describe("lan")->disabled());
  TRUC_ASSERT_OK(accounts_->SetDisabled("lan", false, Operator()).status());
  TRUC_EXPECT_OK(accounts_->Login("lan", good).status());
  auto kinds = EventKinds();
  EXPECT_EQ(kinds[kinds.size() - 2], "account_disabled");
  EXPECT_EQ(kinds.back(), "account_enabled");
}

TEST_F(AccountsTest, AnAccountThatCannotBeWrittenIsNotAdded) {
  faulty_->FailWrites(1);
  EXPECT_THAT(accounts_->Add(Clerk("lan", "Mùa thu Hà Nội 2026"), Operator()),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_TRUE(accounts_->List().empty());
  Reload();
  EXPECT_TRUE(accounts_->List().empty());
}

}  // namespace
}  // namespace truc::hub
