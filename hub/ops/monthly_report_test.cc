#include "hub/ops/monthly_report.h"

#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;

class ServiceTableTest : public HubFixture {
 protected:
  absl::StatusOr<truc::v1::ServiceTable> Table(const std::string& month,
                                               const std::string& sender = "") {
    truc::v1::ServiceTableRequest req;
    req.set_month(month);
    req.set_sender(sender);
    return BuildMonthlyReport(ledger_.get(), req);
  }
};

TEST(PercentileTest, NearestRank) {
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({7}, 95), 7);
  EXPECT_EQ(Percentile({30, 10, 20, 40}, 50), 20);
  EXPECT_EQ(Percentile({30, 10, 20, 40}, 95), 40);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(Percentile(hundred, 95), 95);
}

// A refusal on arrival is a document the unit never received; a refusal by
// the unit is one it received.
TEST_F(ServiceTableTest, ARefusalOnArrivalIsNeverReceived) {
  auto sent = Accept(MakeHeader(kOffice, {kHealth, kYTich}), "k");
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  TRUC_ASSERT_OK(
      Refuse(kYTich, id, "the header is not a valid DocumentHeader"));
  TRUC_ASSERT_OK(Ack(kHealth, id).status());
  TRUC_ASSERT_OK(Refuse(kHealth, id, "Gửi nhầm đơn vị"));
  auto table = Table("2026-11");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->units_size(), 2);
  EXPECT_EQ(table->units(0).agency(), kYTich);
  EXPECT_EQ(table->units(0).never_received_size(), 1);
  EXPECT_EQ(table->units(1).agency(), kHealth);
  EXPECT_EQ(table->units(1).never_received_size(), 0);
  EXPECT_EQ(table->units(1).by_urgency(0).arrived(), 1u);
}

TEST_F(ServiceTableTest, EachUnitsTimesByUrgencyAndWhatItNeverReceived) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto sent =
        Accept(MakeHeader(kOffice, {kHealth, kYTich}), absl::StrCat("k", i));
    ASSERT_TRUE(sent.ok()) << sent.status();
    ids.push_back(sent->document_id());
  }
  auto normal =
      Accept(MakeHeader(kHealth, {kFinance}, truc::v1::URGENCY_NORMAL), "n");
  ASSERT_TRUE(normal.ok());
  for (int i = 0; i < 3; ++i) {
    now_ += 30'000'000;  // 30 s, 60 s, 90 s after sending
    ASSERT_TRUE(Ack(kHealth, ids[i]).ok());
  }
  now_ += 30'000'000;
  truc::v1::ReportStatusRequest read;
  read.set_document_id(ids[0]);
  read.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  ASSERT_TRUE(Report(kHealth, read).ok());

  auto table = Table("2026-11");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->documents(), 4u);
  ASSERT_EQ(table->units_size(), 3);
  // The unit that never received anything comes first.
  const auto& ytich = table->units(0);
  EXPECT_EQ(ytich.agency(), kYTich);
  EXPECT_EQ(ytich.name(), "UBND xã Y Tịch");
  EXPECT_EQ(ytich.never_received_size(), 3);
  EXPECT_EQ(table->units(1).agency(), kFinance);  // its one normal document
  const auto& health = table->units(2);
  EXPECT_EQ(health.agency(), kHealth);
  EXPECT_EQ(health.never_received_size(), 0);
  ASSERT_EQ(health.by_urgency_size(), 1);
  const auto& express = health.by_urgency(0);
  EXPECT_EQ(express.urgency(), truc::v1::URGENCY_EXPRESS);
  EXPECT_EQ(express.documents(), 3u);
  EXPECT_EQ(express.arrived(), 3u);
  EXPECT_EQ(express.p50_arrive_seconds(), 60);
  EXPECT_EQ(express.p95_arrive_seconds(), 90);
  EXPECT_EQ(express.read(), 1u);
  EXPECT_EQ(express.p50_read_seconds(), 120);

  // One sender's documents only.
  table = Table("2026-11", kHealth);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->documents(), 1u);
  ASSERT_EQ(table->units_size(), 1);
  EXPECT_EQ(table->units(0).agency(), kFinance);
  // Another month holds none of them.
  table = Table("2026-12");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->documents(), 0u);
  EXPECT_EQ(table->from().unix_micros(),
            1796058000LL * 1000000);  // 01/12 00:00 +07
}

TEST_F(ServiceTableTest, AMonthNotWrittenYyyyMmIsRefused) {
  for (const char* bad : {"", "2026", "11/2026", "2026-13", "2026-1", "x-yy"}) {
    EXPECT_THAT(Table(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "write yyyy-MM"))
        << bad;
  }
}

}  // namespace
}  // namespace truc::hub
