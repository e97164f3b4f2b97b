// The monthly per-unit report (truc.v1.ServiceTable, `truc report service`,
// the console's Service page): for each unit that documents were sent to,
// how soon they arrived and were read, by urgency (p50 and p95), and which
// it never received. The figures an office needs to ask a unit to do
// better.
//
// Built on demand from the ledger's acceptance-time index (the month's
// documents, in time order) and each document's deliveries; at most
// kMaxReportDocuments documents.
//
// Thread-safety: thread-safe (reads only).
#ifndef TRUC_HUB_OPS_MONTHLY_REPORT_H_
#define TRUC_HUB_OPS_MONTHLY_REPORT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "hub/exchange/ledger.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

inline constexpr size_t kMaxReportDocuments = 20000;

// INVALID_ARGUMENT for a month not written "yyyy-MM"; the store's error.
absl::StatusOr<truc::v1::ServiceTable> BuildMonthlyReport(
    Ledger* ledger, const truc::v1::ServiceTableRequest& request);

// The nearest-rank percentile `p` (0..100] of `values` (sorted here); 0 for
// none.
double Percentile(std::vector<double> values, double p);

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_MONTHLY_REPORT_H_
