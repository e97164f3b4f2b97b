#include "hub/console/sessions.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

constexpr int64_t kMinute = 60 * 1'000'000LL;

class SessionTableTest : public ::testing::Test {
 protected:
  int64_t now_ = 1'800'000'000'000'000;
  SessionTable table_{[this] { return now_; }};
};

TEST_F(SessionTableTest, ATokenFindsItsSessionUntilLoggedOut) {
  auto s = table_.Create("lan.vp");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->token.size(), 43u);  // 32 bytes, base64url
  EXPECT_NE(s->token, s->csrf_token);
  auto found = table_.Touch(s->token);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->account, "lan.vp");
  EXPECT_EQ(found->csrf_token, s->csrf_token);
  EXPECT_FALSE(table_.Touch(s->csrf_token).has_value());
  EXPECT_FALSE(table_.Touch("").has_value());
  EXPECT_TRUE(table_.Alive(s->token));
  table_.End(s->token);
  EXPECT_FALSE(table_.Touch(s->token).has_value());
  EXPECT_FALSE(table_.Alive(s->token));
}

TEST_F(SessionTableTest, TokensAreNeverTheSame) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto s = table_.Create(absl::StrCat("a", i));
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(seen.insert(s->token).second);
  }
}

TEST_F(SessionTableTest, IdleSessionsEndAndUseKeepsThemAlive) {
  auto s = *table_.Create("lan.vp");
  now_ += 29 * kMinute;
  EXPECT_TRUE(table_.Alive(s.token));
  ASSERT_TRUE(table_.Touch(s.token).has_value());
  now_ += 29 * kMinute;
  ASSERT_TRUE(table_.Touch(s.token).has_value()) << "used 29 min ago";
  now_ += 30 * kMinute;
  EXPECT_FALSE(table_.Touch(s.token).has_value());
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(SessionTableTest, NoSessionOutlivesItsDay) {
  auto s = *table_.Create("lan.vp");
  for (int i = 0; i < 12 * 3; ++i) {
    now_ += 20 * kMinute;
    if (i < 12 * 3 - 1) {
      ASSERT_TRUE(table_.Touch(s.token).has_value()) << i;
    }
  }
  EXPECT_FALSE(table_.Touch(s.token).has_value());
}

TEST_F(SessionTableTest, EndAccountEndsOnlyThatAccountsSessions) {
  auto a1 = *table_.Create("lan.vp");
  auto a2 = *table_.Create("lan.vp");
  auto b = *table_.Create("minh.syt");
  table_.EndAccount("lan.vp");
  EXPECT_FALSE(table_.Touch(a1.token).has_value());
  EXPECT_FALSE(table_.Touch(a2.token).has_value());
  EXPECT_TRUE(table_.Touch(b.token).has_value());
}

TEST_F(SessionTableTest, ANewSessionPastTheShareEndsTheOldest) {
  SessionTable table([this] { return now_; }, {.max_per_account = 2});
  auto first = *table.Create("lan.vp");
  now_ += kMinute;
  auto second = *table.Create("lan.vp");
  now_ += kMinute;
  auto third = *table.Create("lan.vp");
  EXPECT_FALSE(table.Touch(first.token).has_value());
  EXPECT_TRUE(table.Touch(second.token).has_value());
  EXPECT_TRUE(table.Touch(third.token).has_value());
}

}  // namespace
}  // namespace truc::hub
