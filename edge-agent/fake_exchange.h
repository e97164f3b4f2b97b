// TEST ONLY: an in-process Exchange service that the agent's unit tests
// fully control, served on 127.0.0.1:0 without TLS. It records what the
// agent asked for (download offsets, acknowledgements, sends with their
// idempotency keys, status reports) and answers as scripted.
//
// Thread-safety: FakeExchange is thread-safe (gRPC calls it from its
// threads while the test inspects it).
#ifndef TRUC_EDGE_AGENT_FAKE_EXCHANGE_H_
#define TRUC_EDGE_AGENT_FAKE_EXCHANGE_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/pki.h"
#include "common/signature.h"
#include "edge-agent/config.h"
#include "edge-agent/keys.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::agent::testing {

// The bytes of one attachment as the fake serves them: `read(offset, n)`
// returns n bytes from offset (generated, so 200 MB need not be held).
struct Blob {
  uint64_t size = 0;
  std::function<std::string(uint64_t offset, size_t n)> read;
  static Blob Of(std::string bytes);
};

struct DownloadCall {
  std::string document_id;
  uint32_t attachment_index = 0;
  uint64_t offset = 0;
  uint64_t length = 0;  // 0: to the end
};

struct SendCall {
  std::string idempotency_key;
  std::string header_bytes;
  truc::v1::Signature signature;  // the envelope's
  truc::v1::DocumentHeader header;
  std::vector<std::string> attachments;  // bytes received, per index
};

class FakeExchange final : public truc::v1::Exchange::Service {
 public:
  // Deliveries returned (all at once) by the next Poll.
  void Offer(const truc::v1::Delivery& delivery);
  // What Download serves for (document, index).
  void SetAttachment(const std::string& document_id, uint32_t index, Blob blob);
  // The next Download call ends with UNAVAILABLE once it has sent at least
  // `bytes` bytes (one shot).
  void FailNextDownloadAfter(uint64_t bytes);
  // Download ignores `length` and streams to the end of the attachment, as
  // a hub without ranged downloads does.
  void IgnoreDownloadLength();
  // Answers of the next Send calls, in order; when none is scripted, Send
  // succeeds with document id "D<n>" (the same key gives the same id and
  // duplicate = true). With `store_first` the fake stores the document
  // before answering `status`: an answer lost on the way back.
  void ScriptSend(grpc::Status status, bool store_first = false);
  // The next Send call, once it has read the whole request, waits until the
  // client cancels it (then ends CANCELLED) or until `max` has passed (then
  // UNAVAILABLE), and records nothing: an upload in flight. One shot.
  void HoldNextSend(absl::Duration max);
  // True while a Send call is held.
  bool holding_send() const;

  std::vector<DownloadCall> downloads() const;
  std::vector<std::string> acks() const;
  // The signed statements the acknowledgements carried, in order.
  std::vector<truc::v1::Receipt> ack_receipts() const;
  std::vector<SendCall> sends() const;
  std::vector<truc::v1::ReportStatusRequest> reports() const;
  int polls() const;

  grpc::Status Poll(grpc::ServerContext* ctx,
                    const truc::v1::PollRequest* request,
                    truc::v1::PollResponse* response) override;
  grpc::Status Download(
      grpc::ServerContext* ctx, const truc::v1::DownloadRequest* request,
      grpc::ServerWriter<truc::v1::DownloadChunk>* writer) override;
  grpc::Status Acknowledge(grpc::ServerContext* ctx,
                           const truc::v1::AcknowledgeRequest* request,
                           truc::v1::AcknowledgeResponse* response) override;
  grpc::Status ReportStatus(grpc::ServerContext* ctx,
                            const truc::v1::ReportStatusRequest* request,
                            truc::v1::ReportStatusResponse* response) override;
  grpc::Status Send(grpc::ServerContext* ctx,
                    grpc::ServerReader<truc::v1::SendRequest>* reader,
                    truc::v1::SendResponse* response) override;

  static constexpr size_t kChunk = 64 * 1024;

 private:
  mutable absl::Mutex mu_;
  std::vector<truc::v1::Delivery> offered_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, uint32_t>, Blob> blobs_ ABSL_GUARDED_BY(mu_);
  bool ignore_download_length_ ABSL_GUARDED_BY(mu_) = false;
  int64_t fail_download_after_ ABSL_GUARDED_BY(mu_) = -1;
  std::deque<std::pair<grpc::Status, bool>> send_script_ ABSL_GUARDED_BY(mu_);
  absl::Duration hold_next_send_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  bool holding_send_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::string> ids_by_key_ ABSL_GUARDED_BY(mu_);
  std::vector<DownloadCall> downloads_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> acks_ ABSL_GUARDED_BY(mu_);
  std::vector<truc::v1::Receipt> ack_receipts_ ABSL_GUARDED_BY(mu_);
  std::vector<SendCall> sends_ ABSL_GUARDED_BY(mu_);
  std::vector<truc::v1::ReportStatusRequest> reports_ ABSL_GUARDED_BY(mu_);
  int polls_ ABSL_GUARDED_BY(mu_) = 0;
};

// A FakeExchange served on 127.0.0.1 (a free port), insecure unless
// `credentials` are given.
class FakeHub {
 public:
  FakeHub();
  explicit FakeHub(std::shared_ptr<grpc::ServerCredentials> credentials);
  ~FakeHub();
  FakeExchange& service() { return service_; }
  // An insecure client (null when the hub was started with credentials).
  std::shared_ptr<truc::v1::Exchange::StubInterface> stub() { return stub_; }
  int port() const { return port_; }

 private:
  FakeExchange service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<truc::v1::Exchange::StubInterface> stub_;
  int port_ = 0;
};

// TEST ONLY: a province CA, with a certificate (issued on first use) for
// every agency the tests name: the senders of the sample headers sign
// with theirs, the agents under test get theirs as AgentKeys. All are valid
// from 400 days ago for 800 days, so MakeDelivery's acceptance time lies
// inside.
class TestPki {
 public:
  static TestPki& Get();
  const KeyAndCert& ca() const { return ca_; }
  // The agency's signing key.
  const Signer& SignerOf(const std::string& agency);
  // Fresh keys for an agent of `agency`, with the CA as its anchor.
  std::unique_ptr<AgentKeys> Keys(const std::string& agency);
  // The fake hub's signing key (urn:truc:hub:hub).
  const Signer& Hub();
  TrustAnchor Anchor() const { return *TrustAnchor::FromPem(ca_.cert_pem); }
  // The agency's key and certificate (PEM).
  KeyAndCert Issued(const std::string& agency);

 private:
  TestPki();
  absl::Mutex mu_;
  KeyAndCert ca_;
  std::map<std::string, KeyAndCert> issued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Signer>> signers_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Signer> hub_ ABSL_GUARDED_BY(mu_);
};

// A DocumentHeader from Sở Y tế to UBND xã Y Tịch with the given
// attachments (name, bytes), descriptors filled.
truc::v1::DocumentHeader SampleHeader(
    const std::vector<std::pair<std::string, std::string>>& attachments);

// A delivery of `header` as document `id`, attempt 1, its envelope signed
// by the header's sender (TestPki).
truc::v1::Delivery MakeDelivery(const std::string& id,
                                const truc::v1::DocumentHeader& header);

// Writes the marker state/received/<id> as the agent does once it has
// stored a document: its signed statement of arrival (01) about a header
// whose SHA-256 is `header_sha256`.
void WriteReceivedMarker(const std::string& received_dir, const std::string& id,
                         const std::string& agency,
                         const std::string& header_sha256);

// `n` pseudo-random bytes, the same for the same seed.
std::string RandomBytes(size_t n, uint32_t seed);

// An agent's folders (inbox, outbox, sent, failed, state) under `root`,
// created; a test fails if they cannot be.
AgentFolders TestFolders(const std::string& root);

}  // namespace truc::agent::testing

#endif  // TRUC_EDGE_AGENT_FAKE_EXCHANGE_H_
