// An end of the bridge that is a truc hub: its Bridge service
// (proto/truc/v1/bridge.proto), reached over mutual TLS with the bridge's
// certificate from that hub's CA. The bridge's name there is the one in
// that certificate; it signs, as carrier, each document it brings in
// (kBridgedHeaderContext) and each status it records (SignBridgedStatement).
//
// Calls are cancelled by the thread's StopSignal (common/stop_signal.h),
// when there is one. Deadlines: a poll, its wait plus 30 s; other unary
// calls 30 s; an attachment's download and a document's upload, 5 min plus
// 1 s per 256 KiB.
//
// Thread-safety: thread-safe (the stub and the signer are).
#ifndef TRUC_BRIDGE_HUB_END_H_
#define TRUC_BRIDGE_HUB_END_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "bridge/config.h"
#include "bridge/end.h"
#include "common/signature.h"
#include "truc/v1/bridge.grpc.pb.h"

namespace truc::bridge {

class HubEnd : public End {
 public:
  // Reads the signing key and checks that the TLS and signing certificates
  // name the same bridge. Fails INVALID_ARGUMENT naming `field` (hub,
  // upstream_hub) when a certificate is not a bridge's, with the key's or
  // file's error otherwise. Does not connect yet.
  static absl::StatusOr<std::unique_ptr<HubEnd>> Create(
      const HubSettings& settings, const std::string& field);

  // The bridge's name at this hub (from its certificate).
  const std::string& bridge_name() const { return bridge_name_; }

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
  bool WaitsForStatuses() const override { return true; }
  absl::Status StatusCarried(const truc::v1::BridgeStatus& status) override;
  absl::Status RecordStatus(const truc::v1::BridgeStatus& status) override;
  absl::Status RecordLocation(const truc::v1::BridgeStatus& status) override;
  // Bridge.ReportStatuses, up to 1000 a call, locations (status 0)
  // included; one call per status with a hub that does not have it
  // (UNIMPLEMENTED), as End's.
  std::vector<absl::Status> RecordStatuses(
      const std::vector<truc::v1::BridgeStatus>& statuses) override;
  // Bridge.ClearStatuses, up to 1000 a call; as End's with a hub that
  // does not have it.
  absl::Status StatusesCarried(
      const std::vector<truc::v1::BridgeStatus>& statuses) override;
  absl::StatusOr<truc::v1::BridgeDirectoryResponse> DirectoryAfter(
      uint64_t version, size_t max) override;
  absl::StatusOr<truc::v1::SyncDirectoryResponse> MirrorDirectory(
      const std::vector<truc::v1::Agency>& agencies,
      uint64_t upstream_version) override;

 private:
  HubEnd(std::unique_ptr<truc::v1::Bridge::Stub> stub,
         std::unique_ptr<Signer> signer, std::string bridge_name,
         std::string name)
      : stub_(std::move(stub)),
        signer_(std::move(signer)),
        bridge_name_(std::move(bridge_name)),
        name_(std::move(name)) {}

  // The hub's answer as a status naming this end: "hub ...: <message>".
  absl::Status Named(const grpc::Status& status) const;
  // The request of Bridge.ReportStatus for `status`, signed; for status
  // 0, the location it reports (ReportStatuses only).
  absl::StatusOr<truc::v1::BridgeStatusRequest> ReportOf(
      const truc::v1::BridgeStatus& status) const;
  static constexpr int kBatch = 1000;  // the hub's limit per batch
  // Set once the hub answered a batch UNIMPLEMENTED (an older hub).
  std::atomic<bool> no_batches_{false};
  // A call's deadline, and a long poll's: its wait and a call's deadline.
  static constexpr std::chrono::seconds kCallTimeout{30};
  static std::chrono::seconds LongPollTimeout(uint32_t wait_seconds) {
    return std::chrono::seconds(wait_seconds) + kCallTimeout;
  }
  // One unary call of the Bridge service, cancelled by the thread's
  // StopSignal, with `timeout`; the hub's error named.
  template <typename Req, typename Resp>
  absl::Status Unary(grpc::Status (truc::v1::Bridge::Stub::*method)(
                         grpc::ClientContext*, const Req&, Resp*),
                     const Req& req, Resp* resp,
                     std::chrono::seconds timeout = kCallTimeout);

  std::unique_ptr<truc::v1::Bridge::Stub> stub_;
  std::unique_ptr<Signer> signer_;
  std::string bridge_name_;
  std::string name_;
};

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_HUB_END_H_
