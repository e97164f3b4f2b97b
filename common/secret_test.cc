#include "common/secret.h"

#include <set>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace truc {
namespace {

TEST(SecretTest, TokensAreFreshAndCookieSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto t = RandomToken();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), 43u);  // 32 bytes, base64url, no padding
    for (char c : *t) EXPECT_TRUE(isalnum(c) || c == '-' || c == '_') << *t;
    seen.insert(*t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SecretTest, PasswordsAreGroupsOfUnmistakableCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto p = NewPassword();
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->size(), 19u) << *p;
    for (size_t j = 0; j < p->size(); ++j) {
      if (j % 5 == 4) {
        EXPECT_EQ((*p)[j], '-') << *p;
      } else {
        EXPECT_FALSE(absl::StrContains("01ilouv", (*p)[j])) << *p;
        EXPECT_TRUE(islower((*p)[j]) || isdigit((*p)[j])) << *p;
      }
    }
    seen.insert(*p);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SecretTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace truc
