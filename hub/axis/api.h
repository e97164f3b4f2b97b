// AxisApi: the national axis's HTTP API as the hub serves it, so that an
// agency's existing document-management software, written for the
// national axis, talks to the province's hub unchanged (docs/AXIS-API.md).
// Plain logic: an HttpRequest in, an HttpResponse out; the HTTPS server
// (hub/axis/server.h) only moves them, streaming a sent file to disk and a
// fetched one from it.
//
// Every call is POST /<operation> with its parameters in signed headers
// (common/axis/signing.h). A call is refused, with the API's own error
// shape {"status": "FAIL", "ErrorCode": "<HTTP status>", "ErrorDesc"} and
// nothing stored, when:
//   - its signature does not check out, its system is unknown or revoked
//     (401);
//   - its timestamp is further than the window from the hub's clock, or
//     the same signed request was seen within the window (a replay) (401);
//   - its `from` is not the system's agency, or for a bridge's system an
//     agency the bridge reaches (403): the system's credentials say whom
//     it acts for, never a request field;
//   - sendEdoc's file does not hash to hash-file, is not edXML the codec
//     reads, or is a kind truc does not carry (400); the body is over the
//     limit (413, by the server).
// What each operation does with truc's ledger is Operations' (every rule
// of who may do what lives there); docs/AXIS-API.md has the table.
//
// Thread-safety: thread-safe; Handle may run on many threads at once.
#ifndef TRUC_HUB_AXIS_API_H_
#define TRUC_HUB_AXIS_API_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/exchange/blob_store.h"
#include "hub/exchange/directory.h"
#include "hub/http/http_types.h"
#include "hub/operations/operations.h"
#include "hub/ops/axis_systems.h"

namespace truc::hub {

struct AxisApiDeps {
  Operations* operations;
  AxisSystems* systems;
  const Directory* directory;
  const BlobStore* blobs;
  std::function<int64_t()> clock;  // Unix micros
  // Where a sent file's attachments are decoded (in the hub's data
  // folder, so that placing them in the blob store is a rename-free copy
  // on one disk); emptied of what each call made.
  std::string scratch_dir;
  // HubConfig.axis_organ_id: the OrganId of the TraceHeader added to what
  // getEdoc writes (none when empty).
  std::string axis_organ_id;
  int64_t window_micros = 300'000'000;
  size_t directory_page_size = 500;  // agencies per getSynchronizeUnit
};

class AxisApi {
 public:
  explicit AxisApi(AxisApiDeps deps) : d_(std::move(deps)) {}

  HttpResponse Handle(const HttpRequest& request);

  // The API's error answer for `status` (also for errors the server
  // raises itself), with the HTTP status the hub maps its code to, or
  // `http` when given (413 for a body over the limit, which the one
  // mapping gives as 429).
  static HttpResponse Error(const absl::Status& status, int http = 0);

 private:
  struct Caller {
    Actor actor;
    std::map<std::string, std::string> params;
  };
  // The request's signature, time, freshness and `from`: the caller, or
  // UNAUTHENTICATED / PERMISSION_DENIED naming what is wrong.
  absl::StatusOr<Caller> Authenticate(const HttpRequest& request,
                                      bool with_file);
  // Remembers a signature seen now; false if it was seen within the window.
  bool FirstTimeSeen(const std::string& mac, int64_t now);

  HttpResponse SendEdoc(const Caller& caller, const HttpRequest& request);
  absl::StatusOr<std::string> SendDocument(const Caller& caller,
                                           const std::string& path);
  absl::StatusOr<std::string> SendStatus(const Caller& caller,
                                         const std::string& path);
  // What waits for the caller: its agency's queue, or its bridge's (each
  // document with the recipients the bridge is to take it to).
  absl::StatusOr<std::vector<Ledger::BridgeQueued>> Queued(const Caller& caller,
                                                           size_t max);
  // The statuses waiting for the caller, without the notices of where a
  // document waits (status 0), which the API cannot carry: those are
  // cleared.
  absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>> Notices(
      const Caller& caller, size_t max);
  // updateStatus of a document by a bridge's system: processing (nothing),
  // done (forwarded beyond), fail (refused on arrival, 02, for each
  // recipient the bridge reaches).
  absl::Status BridgeTransport(const Caller& caller,
                               const std::string& document_id,
                               const std::string& transport);
  HttpResponse ReceivedList(const Caller& caller);
  HttpResponse GetEdoc(const Caller& caller);
  HttpResponse UpdateStatus(const Caller& caller);
  HttpResponse SentList(const Caller& caller);
  HttpResponse Count(const Caller& caller, bool statuses);
  HttpResponse Agencies(const Caller& caller);
  HttpResponse SynchronizeUnit(const Caller& caller);

  const AxisApiDeps d_;
  absl::Mutex replay_mu_;
  // Signatures seen, oldest first, forgotten once out of the window.
  std::deque<std::pair<int64_t, std::string>> seen_order_
      ABSL_GUARDED_BY(replay_mu_);
  std::unordered_set<std::string> seen_ ABSL_GUARDED_BY(replay_mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_AXIS_API_H_
