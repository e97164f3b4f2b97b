#include "common/time_util.h"

#include "common/test_util.h"

namespace truc {
namespace {

TEST(TimeUtil, VietnamTime) {
  // 2026-11-22 02:03:14 UTC is 09:03:14 in Hà Nội.
  EXPECT_EQ(FormatVietnamTime(1795312994LL * 1000000), "22/11/2026 09:03:14");
  EXPECT_EQ(FormatVietnamTime(0), "");
}

TEST(TimeUtil, Durations) {
  EXPECT_EQ(*ParseDurationSeconds("10m"), 600);
  EXPECT_EQ(*ParseDurationSeconds("90s"), 90);
  EXPECT_EQ(*ParseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(*ParseDurationSeconds("2d"), 172800);
  EXPECT_FALSE(ParseDurationSeconds("ten minutes").ok());
  EXPECT_FALSE(ParseDurationSeconds("-5m").ok());
}

TEST(TimeUtil, Age) {
  EXPECT_EQ(FormatAge(42'000'000), "42s");
  EXPECT_EQ(FormatAge(180'000'000), "3m");
  EXPECT_EQ(FormatAge(int64_t{7500} * 1'000'000), "2h05m");
}

TEST(VietnamMonthTest, ItIsAlreadyTomorrowInHanoi) {
  // 30/11/2026 23:30 UTC is 01/12/2026 06:30 in Vietnam.
  EXPECT_EQ(VietnamMonth(1796081400LL * 1000000), "2026-12");
  EXPECT_EQ(VietnamMonth(1796058000LL * 1000000 - 1), "2026-11");
}

}  // namespace
}  // namespace truc
