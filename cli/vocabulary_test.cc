#include "cli/vocabulary.h"

#include <ctime>

#include "common/test_util.h"
#include "common/time_util.h"

namespace truc::cli {
namespace {

using ::truc::testing::StatusIs;

int64_t UtcMicros(int y, int mo, int d, int h, int mi, int s = 0) {
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

TEST(Urgency, ParsesEveryWord) {
  EXPECT_EQ(*ParseUrgency("normal"), truc::v1::URGENCY_NORMAL);
  EXPECT_EQ(*ParseUrgency("urgent"), truc::v1::URGENCY_URGENT);
  EXPECT_EQ(*ParseUrgency("very-urgent"), truc::v1::URGENCY_VERY_URGENT);
  EXPECT_EQ(*ParseUrgency("very_urgent"), truc::v1::URGENCY_VERY_URGENT);
  EXPECT_EQ(*ParseUrgency("express"), truc::v1::URGENCY_EXPRESS);
  EXPECT_EQ(*ParseUrgency(" Express-Timed "), truc::v1::URGENCY_EXPRESS_TIMED);
}

TEST(Urgency, RefusesUnknownWordsListingTheKnownOnes) {
  EXPECT_THAT(ParseUrgency("hỏa tốc"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown urgency \"hỏa tốc\": use normal (Thường)"));
  EXPECT_THAT(ParseUrgency(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "express-timed (Hỏa tốc hẹn giờ)"));
}

TEST(Urgency, LabelsInVietnameseAndEnglish) {
  EXPECT_EQ(UrgencyLabel(truc::v1::URGENCY_EXPRESS), "Hỏa tốc (express)");
  EXPECT_EQ(UrgencyLabel(truc::v1::URGENCY_NORMAL), "Thường (normal)");
  EXPECT_EQ(UrgencyLabel(truc::v1::URGENCY_VERY_URGENT),
            "Thượng khẩn (very-urgent)");
  EXPECT_EQ(UrgencyLabel(truc::v1::URGENCY_EXPRESS_TIMED),
            "Hỏa tốc hẹn giờ (express-timed)");
  // Every label's English word parses back to the same urgency.
  for (auto u : {truc::v1::URGENCY_NORMAL, truc::v1::URGENCY_URGENT,
                 truc::v1::URGENCY_VERY_URGENT, truc::v1::URGENCY_EXPRESS,
                 truc::v1::URGENCY_EXPRESS_TIMED}) {
    EXPECT_EQ(*ParseUrgency(UrgencyWord(u)), u);
  }
}

TEST(Secrecy, ParsesWords) {
  EXPECT_EQ(*ParseSecrecy("none"), truc::v1::SECRECY_NONE);
  EXPECT_EQ(*ParseSecrecy("confidential"), truc::v1::SECRECY_CONFIDENTIAL);
  EXPECT_EQ(*ParseSecrecy("secret"), truc::v1::SECRECY_SECRET);
  EXPECT_EQ(*ParseSecrecy("top-secret"), truc::v1::SECRECY_TOP_SECRET);
  EXPECT_THAT(ParseSecrecy("mật"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            "unknown secrecy \"mật\""));
  EXPECT_EQ(SecrecyLabel(truc::v1::SECRECY_SECRET), "Tối mật (secret)");
}

TEST(DeliveryState, Labels) {
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_QUEUED), "queued");
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_LEASED),
            "leased (fetching)");
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_ARRIVED), "arrived 01");
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_REFUSED),
            "refused 02 by the unit");
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL),
            "refused on arrival 02");
  EXPECT_EQ(DeliveryStateLabel(truc::v1::DELIVERY_STATE_COMPLETED),
            "completed 06");
  EXPECT_EQ(EdxmlStatusLabel(truc::v1::EDXML_STATUS_PROCESSING),
            "05 processing");
}

TEST(VietnamDateTime, ConvertsToUtcMicros) {
  EXPECT_EQ(*ParseVietnamDateTime("25/12/2026 17:00"),
            UtcMicros(2026, 12, 25, 10, 0));
  EXPECT_EQ(*ParseVietnamDateTime("01/01/1970 07:00"), 0);
  // Before 07:00 in Vietnam it is still the previous day in UTC.
  EXPECT_EQ(*ParseVietnamDateTime("01/03/2028 06:30:15"),
            UtcMicros(2028, 2, 29, 23, 30, 15));
  EXPECT_EQ(*ParseVietnamDateTime("2026/12/25 17:00"),
            UtcMicros(2026, 12, 25, 10, 0));
}

TEST(VietnamDateTime, RefusesMalformedText) {
  for (const char* bad :
       {"25/12/2026", "31/02/2026 10:00", "25/12/2026 24:00", "25/12/2026 9h",
        "2026-12-25T10:00", "12/25/2026 10:00", "", "25/12/26 10:00"}) {
    EXPECT_THAT(ParseVietnamDateTime(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "write dd/MM/yyyy HH:mm in Vietnam time"))
        << bad;
  }
}

TEST(Date, ParsesAndChecksTheCalendar) {
  auto d = ParseDate("31/12/2026");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->year(), 2026);
  EXPECT_EQ(d->month(), 12);
  EXPECT_EQ(d->day(), 31);
  EXPECT_EQ(FormatDate(*d), "31/12/2026");
  EXPECT_EQ(FormatDate(*ParseDate("2026/01/05")), "05/01/2026");
  EXPECT_EQ(FormatDate(*ParseDate("5/1/2026")), "05/01/2026");
  EXPECT_TRUE(ParseDate("29/02/2028").ok());
  EXPECT_THAT(ParseDate("29/02/2027"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a date"));
  EXPECT_THAT(ParseDate("31/04/2026"),
              StatusIs(absl::StatusCode::kInvalidArgument, "dd/MM/yyyy"));
  EXPECT_EQ(FormatDate(truc::v1::Date()), "");
}

}  // namespace
}  // namespace truc::cli
