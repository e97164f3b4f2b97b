// What counts as received: the one definition of it, used by the hub's
// ledger and every view built on it (truc status, sent and pending, the
// console's board, the alerts, the digests, the metrics, the monthly
// per-unit report) and by the command line.
//
//   received        the unit has the document electronically: it arrived
//                   (01) and whatever followed (03..06), and a refusal by
//                   the unit after it arrived (REFUSED: it read it and
//                   declined it; received, not accepted)
//   paper only      a paper copy was carried to it and signed for (PAPER);
//                   not received electronically, but no longer missing
//   not received    queued, being fetched, or refused on arrival
//                   (REFUSED_ON_ARRIVAL: its agent refused the document
//                   because it failed its checks, and stored nothing)
//
// Thread-safety: pure functions.
#ifndef TRUC_COMMON_RECEPTION_H_
#define TRUC_COMMON_RECEPTION_H_

#include "truc/v1/status.pb.h"

namespace truc {

// The class of `state` (UNSPECIFIED and unknown values: not received).
// Never RECEPTION_UNSPECIFIED.
truc::v1::Reception ReceptionOf(truc::v1::DeliveryState state);

// ReceptionOf(state) == RECEPTION_RECEIVED.
bool IsReceived(truc::v1::DeliveryState state);

// ReceptionOf(state) == RECEPTION_NOT_RECEIVED: the unit lacks the
// document, by any means; the office must act (wait, resend, phone, carry
// paper).
bool IsNotReceived(truc::v1::DeliveryState state);

}  // namespace truc

#endif  // TRUC_COMMON_RECEPTION_H_
