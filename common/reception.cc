#include "common/reception.h"

namespace truc {

truc::v1::Reception ReceptionOf(truc::v1::DeliveryState state) {
  switch (state) {
    case truc::v1::DELIVERY_STATE_ARRIVED:
    case truc::v1::DELIVERY_STATE_REFUSED:
    case truc::v1::DELIVERY_STATE_ACCEPTED:
    case truc::v1::DELIVERY_STATE_ASSIGNED:
    case truc::v1::DELIVERY_STATE_PROCESSING:
    case truc::v1::DELIVERY_STATE_COMPLETED:
      return truc::v1::RECEPTION_RECEIVED;
    case truc::v1::DELIVERY_STATE_PAPER:
      return truc::v1::RECEPTION_PAPER_ONLY;
    // Queued, leased, refused on arrival, and forwarded beyond this hub
    // (it waits there until the bridge brings back its arrival).
    default:
      return truc::v1::RECEPTION_NOT_RECEIVED;
  }
}

bool IsReceived(truc::v1::DeliveryState state) {
  return ReceptionOf(state) == truc::v1::RECEPTION_RECEIVED;
}

bool IsNotReceived(truc::v1::DeliveryState state) {
  return ReceptionOf(state) == truc::v1::RECEPTION_NOT_RECEIVED;
}

}  // namespace truc
