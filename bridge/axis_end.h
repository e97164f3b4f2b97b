// The upstream end of a bridge whose national tier is the national axis's
// HTTP API (docs/AXIS-API.md), reached through common/axis's client with a
// system of the bridge's own (`truc system add --bridge` on a truc hub's
// door; the national axis's credentials on the real one). Everything the
// bridge needs from the axis is in this file, so that a real endpoint's
// differences change it alone (docs/FEDERATION.md).
//
// How each step of bridge/end.h maps onto the API:
//   Take        getReceivedEdocList (items of messageType edoc, each `to`
//               naming the recipients the bridge is to take it to), then
//               getEdoc of each into the spool, read as edXML: the header
//               and the attachments decoded into files. A document the
//               codec cannot read, or a kind truc does not carry, is
//               answered updateStatus fail (a clear refusal upstream) and
//               logged, never dropped silently.
//   Read        the decoded attachment files, a chunk at a time.
//   Crossed     updateStatus done; its spool files removed.
//   BringIn     the attachments streamed into the spool, the edXML written
//               (its DocumentId "<id here>#<header SHA-256>", so that the
//               statuses that come back name the document and the exact
//               header the bridge's statement is about), sendEdoc edoc as
//               the sender; the answer's DocId. The same document again
//               is the same file, which the axis stores once.
//   StatusesToCarry  getReceivedEdocList (items of messageType status),
//               getEdoc of each, read as an edXML status message.
//   StatusCarried    updateStatus done.
//   RecordStatus     an edXML status message, sendEdoc status as the
//               recipient, about the axis's document id.
//   RecordLocation   nothing: the API has no message for where a document
//               waits (the sender sees it waiting at the national axis).
//   DirectoryAfter   getSynchronizeUnit from the version (a deleted unit
//               is suspended here).
//   MirrorDirectory  refused: the axis's directory is its own.
//
// The spool holds only what is crossing; a crash leaves files that the
// next use of the same id overwrites, and Create empties it.
//
// Thread-safety: thread-safe (the spool's index is guarded).
#ifndef TRUC_BRIDGE_AXIS_END_H_
#define TRUC_BRIDGE_AXIS_END_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bridge/end.h"
#include "common/axis/client.h"
#include "common/event_log.h"

namespace truc::bridge {

class AxisEnd : public End {
 public:
  // `profile` as BridgeSettings has it; `spool_dir` is made if missing and
  // emptied; a call that moves no document is given up after
  // `call_timeout` (one that does, after 600 s). `wait` sleeps between
  // polls when nothing waits (the bridge's stop signal: it returns early
  // on stop). `log` must outlive the end. Fails with the file system's
  // error.
  static absl::StatusOr<std::unique_ptr<AxisEnd>> Create(
      const truc::v1::AxisProfile& profile, const std::string& spool_dir,
      absl::Duration call_timeout, std::function<void(absl::Duration)> wait,
      EventLog* log);

  const std::string& name() const override { return name_; }

  absl::StatusOr<std::vector<Outgoing>> Take(absl::Duration wait,
                                             size_t max) override;
  absl::Status Read(const Outgoing& doc, int index,
                    const ChunkSink& sink) override;
  absl::Status Crossed(const Outgoing& doc) override;
  absl::StatusOr<std::string> BringIn(const Outgoing& doc,
                                      const AttachmentSource& source) override;
  absl::StatusOr<std::vector<truc::v1::BridgeStatus>> StatusesToCarry(
      size_t max, absl::Duration wait) override;
  absl::Status StatusCarried(const truc::v1::BridgeStatus& status) override;
  absl::Status RecordStatus(const truc::v1::BridgeStatus& status) override;
  absl::Status RecordLocation(const truc::v1::BridgeStatus& status) override;
  absl::StatusOr<truc::v1::BridgeDirectoryResponse> DirectoryAfter(
      uint64_t version, size_t max) override;
  absl::StatusOr<truc::v1::SyncDirectoryResponse> MirrorDirectory(
      const std::vector<truc::v1::Agency>& agencies,
      uint64_t upstream_version) override;

  // The edXML DocumentId the bridge writes for document `id` here whose
  // header hashes to `header_sha256` (32 bytes), and back: false when
  // `edxml_id` is not one the bridge wrote.
  static std::string OriginId(const std::string& id,
                              const std::string& header_sha256);
  static bool ParseOriginId(const std::string& edxml_id, std::string* id,
                            std::string* header_sha256);

 private:
  AxisEnd(const truc::v1::AxisProfile& profile, std::string spool,
          absl::Duration call_timeout, std::function<void(absl::Duration)> wait,
          EventLog* log);

  // A folder of the spool for `key`, made empty.
  absl::StatusOr<std::string> SpoolFor(const std::string& key);

  axis::Client client_;     // calls that move no document
  axis::Client transfers_;  // getEdoc and sendEdoc of a document
  const std::string from_;  // the profile's agency: `from` of list calls
  const std::string spool_;
  const std::function<void(absl::Duration)> wait_;
  EventLog* const log_;
  const std::string name_;
  absl::Mutex mu_;
  // The attachment files of each document taken and not yet crossed.
  std::map<std::string, std::vector<std::string>> taken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_AXIS_END_H_
