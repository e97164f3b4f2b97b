#include "common/reception.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

using truc::v1::DeliveryState;

TEST(ReceptionTest, EveryStateHasOneClass) {
  struct Row {
    DeliveryState state;
    truc::v1::Reception want;
  };
  const Row rows[] = {
      {truc::v1::DELIVERY_STATE_UNSPECIFIED, truc::v1::RECEPTION_NOT_RECEIVED},
      {truc::v1::DELIVERY_STATE_QUEUED, truc::v1::RECEPTION_NOT_RECEIVED},
      {truc::v1::DELIVERY_STATE_LEASED, truc::v1::RECEPTION_NOT_RECEIVED},
      {truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL, truc::v1::RECEPTION_NOT_RECEIVED},
      // Taken by a bridge toward an agency beyond the hub: not there yet.
      {truc::v1::DELIVERY_STATE_FORWARDED, truc::v1::RECEPTION_NOT_RECEIVED},
      {truc::v1::DELIVERY_STATE_PAPER, truc::v1::RECEPTION_PAPER_ONLY},
      {truc::v1::DELIVERY_STATE_ARRIVED, truc::v1::RECEPTION_RECEIVED},
      {truc::v1::DELIVERY_STATE_REFUSED, truc::v1::RECEPTION_RECEIVED},
      {truc::v1::DELIVERY_STATE_ACCEPTED, truc::v1::RECEPTION_RECEIVED},
      {truc::v1::DELIVERY_STATE_ASSIGNED, truc::v1::RECEPTION_RECEIVED},
      {truc::v1::DELIVERY_STATE_PROCESSING, truc::v1::RECEPTION_RECEIVED},
      {truc::v1::DELIVERY_STATE_COMPLETED, truc::v1::RECEPTION_RECEIVED},
  };
  // A state added to the enum without a row here fails.
  EXPECT_EQ(
      std::size(rows),
      static_cast<size_t>(truc::v1::DeliveryState_descriptor()->value_count()));
  for (const Row& row : rows) {
    SCOPED_TRACE(truc::v1::DeliveryState_Name(row.state));
    EXPECT_EQ(ReceptionOf(row.state), row.want);
    EXPECT_EQ(IsReceived(row.state), row.want == truc::v1::RECEPTION_RECEIVED);
    EXPECT_EQ(IsNotReceived(row.state), row.want == truc::v1::RECEPTION_NOT_RECEIVED);
  }
  EXPECT_EQ(ReceptionOf(static_cast<DeliveryState>(99)),
            truc::v1::RECEPTION_NOT_RECEIVED);
}

}  // namespace
}  // namespace truc
