// What `truc` prints for the hub's answers: the agency directory, the
// status of one document per recipient, and the documents still waiting for
// a recipient. Pure functions of the response and the current time, so the
// exact text is unit-tested; times are Vietnam time (dd/MM/yyyy HH:mm:ss)
// with an age where it helps.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_CLI_FORMAT_H_
#define TRUC_CLI_FORMAT_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "truc/v1/exchange.pb.h"
#include "truc/v1/operator.pb.h"
#include "truc/v1/status.pb.h"

namespace truc::cli {

// "000.07.00.H99 (Sở Y tế)", or the code alone when the name is unknown.
std::string CodeAndName(const std::string& code, const std::string& name);

// `message` as JSON (proto3 mapping, UTF-8), ending with one newline.
std::string JsonOutput(const google::protobuf::Message& message);

// "22/11/2026 09:03:14 (3m ago)"; "never" when `unix_micros` is 0.
std::string TimeWithAge(int64_t unix_micros, int64_t now_micros);

// The note of a refused delivery: "refused on arrival: <reason>" (its
// agent refused the document: not received) or "refused by the unit:
// <reason>" (it has it and declined it).
std::string RefusalNote(truc::v1::DeliveryState state,
                        const std::string& reason);

// Where a document waits for a recipient beyond the hub, as the hubs
// beyond reported it: "waits at Trục tỉnh Hải Dương for the unit's agent",
// "waits at Trục quốc gia for bridge hai-duong", "waits beyond Trục quốc
// gia, via bridge hai-duong".
std::string LocationNote(const truc::v1::RemoteLocation& location);

// "SILENT (last poll 3h05m ago)" or "SILENT (never polled)" when `silent`;
// "" otherwise.
std::string SilentMark(bool silent, int64_t last_poll_micros,
                       int64_t now_micros);

// The directory as a table (CODE, NAME, PARENT, STATE, LAST POLL, a
// SILENT column and the certificate's expiry), then a count line, then a
// warning naming the agencies whose certificate expires within the hub's
// warning period. An empty directory prints a hint.
std::string FormatAgencyList(const truc::v1::ListAgenciesResponse& response,
                             int64_t now_micros);

// "until 22/11/2027 09:00:00", with " EXPIRES IN 12d03h" when expiring
// and " EXPIRED" once past; "-" when 0 (no certificate seen).
std::string CertificateNote(int64_t expires_micros, bool expiring,
                            int64_t now_micros);

// `truc cert list`: serial, whom it names, its name, validity, last use
// and state (valid, EXPIRES SOON, EXPIRED, REVOKED with when and why).
std::string FormatCertificateList(
    const truc::v1::ListCertificatesResponse& response, int64_t now_micros);

// `truc account list`: name, person, role (and agency), state, last
// log-in.
std::string FormatAccountList(const truc::v1::ListAccountsResponse& response,
                              int64_t now_micros);

// `truc alert list`: each alert's time raised (with its age) and its
// summary, then its id; "No alert raised." when there is none.
std::string FormatAlertList(const truc::v1::ListAlertsResponse& response,
                            int64_t now_micros);

// `truc report service`: one row per unit and urgency (documents, how
// many arrived and were read, p50 and p95 of each time), the units that
// most need to do better first, then the documents each never received.
std::string FormatServiceTable(const truc::v1::ServiceTable& table);

// "3 of 3 received" or "2 of 3 received; not yet: 000.00.12.H42 (Sở Y tế)"
// (comma-separated when several; "(1 refused by the unit)" after the count,
// "[refused on arrival: resend]" after a unit whose agent refused it).
// What counts as received is common/reception.h. No trailing newline.
std::string StatusSummaryLine(const truc::v1::DocumentStatus& status);

// The document (id, subject, urgency, sender, accepted time), one row per
// recipient (code, name, state, queued / arrived / accepted times, a note
// with the SILENT mark and a refusal's reason), the latest status step with
// its officer under a row when the table does not show it, a "Refused by
// the unit:" line if any, and the summary line last.
std::string FormatDocumentStatus(const truc::v1::DocumentStatus& status,
                                 int64_t now_micros);

// Each pending document (id, urgency, age, subject, sender) and under it the
// recipients that have not received it, silent ones marked. An empty list
// prints "No document is waiting for any recipient."
std::string FormatPending(const truc::v1::ListPendingResponse& response,
                          int64_t now_micros);

// `truc sent`: each document the caller sent, "received by n of m" and the
// recipients that have not received it; then a count of those outstanding.
std::string FormatSent(const truc::v1::ListSentResponse& response,
                       int64_t now_micros);

}  // namespace truc::cli

#endif  // TRUC_CLI_FORMAT_H_
