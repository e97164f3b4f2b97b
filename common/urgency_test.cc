#include "common/urgency.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

using truc::v1::Urgency;

TEST(UrgencyTest, RanksGroupsAndNames) {
  struct Row {
    Urgency urgency;
    uint8_t rank;
    Urgency group;
    const char* name;
    const char* vietnamese;
  };
  const Row rows[] = {
      {truc::v1::URGENCY_UNSPECIFIED, 3, truc::v1::URGENCY_NORMAL,
       "unspecified", "thường"},
      {truc::v1::URGENCY_NORMAL, 3, truc::v1::URGENCY_NORMAL, "normal",
       "thường"},
      {truc::v1::URGENCY_URGENT, 2, truc::v1::URGENCY_URGENT, "urgent", "khẩn"},
      {truc::v1::URGENCY_VERY_URGENT, 1, truc::v1::URGENCY_VERY_URGENT,
       "very_urgent", "thượng khẩn"},
      {truc::v1::URGENCY_EXPRESS, 0, truc::v1::URGENCY_EXPRESS, "express",
       "hỏa tốc"},
      {truc::v1::URGENCY_EXPRESS_TIMED, 0, truc::v1::URGENCY_EXPRESS,
       "express_timed", "hỏa tốc hẹn giờ"},
  };
  // A level added to the enum without a row here fails.
  EXPECT_EQ(std::size(rows),
            static_cast<size_t>(truc::v1::Urgency_descriptor()->value_count()));
  for (const Row& row : rows) {
    SCOPED_TRACE(truc::v1::Urgency_Name(row.urgency));
    EXPECT_EQ(UrgencyRank(row.urgency), row.rank);
    EXPECT_EQ(UrgencyGroup(row.urgency), row.group);
    EXPECT_EQ(UrgencyOfRank(row.rank), row.group);
    EXPECT_EQ(UrgencyName(row.urgency), row.name);
    EXPECT_EQ(UrgencyVietnamese(row.urgency), row.vietnamese);
  }
  EXPECT_EQ(UrgencyOfRank(kUrgencyRanks), truc::v1::URGENCY_NORMAL);
}

}  // namespace
}  // namespace truc
