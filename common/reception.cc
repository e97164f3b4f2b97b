#include "common/reception.h"

namespace truc {

Reception ReceptionOf(truc::v1::DeliveryState state) {
  switch (state) {
    case truc::v1::DELIVERY_STATE_ARRIVED:
    case truc::v1::DELIVERY_STATE_REFUSED:
    case truc::v1::DELIVERY_STATE_ACCEPTED:
    case truc::v1::DELIVERY_STATE_ASSIGNED:
    case truc::v1::DELIVERY_STATE_PROCESSING:
    case truc::v1::DELIVERY_STATE_COMPLETED:
      return Reception::kReceived;
    case truc::v1::DELIVERY_STATE_PAPER:
      return Reception::kPaperOnly;
    default:
      return Reception::kNotReceived;
  }
}

bool IsReceived(truc::v1::DeliveryState state) {
  return ReceptionOf(state) == Reception::kReceived;
}

bool IsNotReceived(truc::v1::DeliveryState state) {
  return ReceptionOf(state) == Reception::kNotReceived;
}

}  // namespace truc
