// Carrying documents and statuses from one end of the bridge to the other
// (bridge/end.h): the bridge's steps, in the order that makes a crash at
// any point safe without state of the bridge's own.
//
// A document:
//   1. Take it at `from` (leased there: offered again if the bridge dies).
//   2. BringIn at `to`, keyed by its id at `from`, its attachments
//      streamed from `from` to `to` one chunk at a time (memory bounded
//      whatever their size).
//   3. Crossed at `from`: only now does `from` stop offering it.
// A crash before 3 means the document is offered again and brought in
// again under the same key: one document at `to`. A crash after 3 loses
// nothing: `to` has it. A refusal by `to` is final for that document: each
// of its recipients gets status 02 at `from`, with `to`'s reason, so the
// sender sees "refused on arrival: not carried beyond ...: <reason>" and
// can act, rather than a document that waits for ever.
//
// Statuses (of documents the bridge brought in at `from`), many at once:
//   1. StatusesToCarry at `from`, oldest first.
//   2. RecordStatuses at `to`, each about the document's id there (`to`
//      records a status it already has once), all in one call where `to`
//      can: a broadcast's arrivals cross in a few calls, not thousands.
//   3. StatusesCarried at `from`, for those answered before the first
//      answer that may pass.
// A crash before 3 carries them again, each recorded once. A status `to`
// refuses for good is logged and cleared, so it does not hold back the
// others. One that may pass (an end down, a directory entry not yet
// right) stops the pass there: neither it nor any after it is cleared, so
// a 03 is never dropped for want of its 01 that failed for a while.
// Where a document waits for a recipient (a notice of status 0 with a
// location) crosses the same way, recorded by RecordLocation; clearing it
// leaves a newer one that came meanwhile.
//
// The directory (from the upstream down): the agencies `from` lists after
// the version `to` says its mirror reaches, except those `from` reaches
// through this very bridge (this province's own), are mirrored at `to` as
// beyond, page by page, each page with the version it reaches: a crash
// between pages starts again from the last one recorded.
//
// Failures that may pass (the end unreachable, a deadline, busy, a
// certificate or a directory entry not yet right) stop the pass and are
// returned; the caller retries with back-off.
//
// Thread-safety: a Crossing is used by one thread at a time; two
// Crossings may share Ends.
#ifndef TRUC_BRIDGE_CROSSING_H_
#define TRUC_BRIDGE_CROSSING_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/end.h"
#include "common/event_log.h"

namespace truc::bridge {

class Crossing {
 public:
  // `from`, `to` and `log` must outlive the Crossing.
  Crossing(End* from, End* to, EventLog* log)
      : from_(from), to_(to), log_(log) {}

  // Takes up to `max` documents at `from` (waiting up to `wait` for one)
  // and carries each to `to`. Returns how many were taken (carried, or
  // refused by `to` and answered with 02), or the first failure that may
  // pass (the documents not carried yet are offered again when their
  // lease at `from` ends).
  absl::StatusOr<size_t> CarryDocuments(absl::Duration wait, size_t max);

  // Carries up to `max` statuses waiting at `from` to `to` (waiting up to
  // `wait` for one, where `from` WaitsForStatuses). Returns how many were
  // carried or dropped as refused for good, or the first failure that may
  // pass.
  absl::StatusOr<size_t> CarryStatuses(
      size_t max, absl::Duration wait = absl::ZeroDuration());

  // Mirrors at `to` the directory of `from` (above), skipping the
  // agencies `from` reaches through `own_bridge` (this bridge's name
  // there; empty: none skipped). Returns how many agencies were added or
  // changed at `to`, or the first failure (what was recorded stays).
  absl::StatusOr<size_t> CarryDirectory(const std::string& own_bridge);

 private:
  absl::Status CarryDocument(const Outgoing& doc);
  // Each recipient of `doc` refused on arrival at `from` with `why`.
  absl::Status AnswerRefusal(const Outgoing& doc, const absl::Status& why);

  End* from_;
  End* to_;
  EventLog* log_;
};

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_CROSSING_H_
