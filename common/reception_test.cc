#include "common/reception.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

using truc::v1::DeliveryState;

TEST(ReceptionTest, EveryStateHasOneClass) {
  struct Row {
    DeliveryState state;
    Reception want;
  };
  const Row rows[] = {
      {truc::v1::DELIVERY_STATE_UNSPECIFIED, Reception::kNotReceived},
      {truc::v1::DELIVERY_STATE_QUEUED, Reception::kNotReceived},
      {truc::v1::DELIVERY_STATE_LEASED, Reception::kNotReceived},
      {truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL, Reception::kNotReceived},
      {truc::v1::DELIVERY_STATE_PAPER, Reception::kPaperOnly},
      {truc::v1::DELIVERY_STATE_ARRIVED, Reception::kReceived},
      {truc::v1::DELIVERY_STATE_REFUSED, Reception::kReceived},
      {truc::v1::DELIVERY_STATE_ACCEPTED, Reception::kReceived},
      {truc::v1::DELIVERY_STATE_ASSIGNED, Reception::kReceived},
      {truc::v1::DELIVERY_STATE_PROCESSING, Reception::kReceived},
      {truc::v1::DELIVERY_STATE_COMPLETED, Reception::kReceived},
  };
  // A state added to the enum without a row here fails.
  EXPECT_EQ(
      std::size(rows),
      static_cast<size_t>(truc::v1::DeliveryState_descriptor()->value_count()));
  for (const Row& row : rows) {
    SCOPED_TRACE(truc::v1::DeliveryState_Name(row.state));
    EXPECT_EQ(ReceptionOf(row.state), row.want);
    EXPECT_EQ(IsReceived(row.state), row.want == Reception::kReceived);
    EXPECT_EQ(IsNotReceived(row.state), row.want == Reception::kNotReceived);
  }
  EXPECT_EQ(ReceptionOf(static_cast<DeliveryState>(99)),
            Reception::kNotReceived);
}

}  // namespace
}  // namespace truc
