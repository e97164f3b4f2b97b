#include "edge-agent/fake_exchange.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/time_util.h"
#include "gtest/gtest.h"

namespace truc::agent::testing {

Blob Blob::Of(std::string bytes) {
  auto shared = std::make_shared<std::string>(std::move(bytes));
  Blob b;
  b.size = shared->size();
  b.read = [shared](uint64_t offset, size_t n) {
    return shared->substr(offset, n);
  };
  return b;
}

void FakeExchange::Offer(const truc::v1::Delivery& delivery) {
  absl::MutexLock lock(&mu_);
  offered_.push_back(delivery);
}

void FakeExchange::SetAttachment(const std::string& document_id, uint32_t index,
                                 Blob blob) {
  absl::MutexLock lock(&mu_);
  blobs_[{document_id, index}] = std::move(blob);
}

void FakeExchange::FailNextDownloadAfter(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  fail_download_after_ = static_cast<int64_t>(bytes);
}

void FakeExchange::IgnoreDownloadLength() {
  absl::MutexLock lock(&mu_);
  ignore_download_length_ = true;
}

void FakeExchange::ScriptSend(grpc::Status status, bool store_first) {
  absl::MutexLock lock(&mu_);
  send_script_.emplace_back(std::move(status), store_first);
}

void FakeExchange::HoldNextSend(absl::Duration max) {
  absl::MutexLock lock(&mu_);
  hold_next_send_ = max;
}

bool FakeExchange::holding_send() const {
  absl::MutexLock lock(&mu_);
  return holding_send_;
}

std::vector<DownloadCall> FakeExchange::downloads() const {
  absl::MutexLock lock(&mu_);
  return downloads_;
}
std::vector<std::string> FakeExchange::acks() const {
  absl::MutexLock lock(&mu_);
  return acks_;
}
std::vector<truc::v1::Receipt> FakeExchange::ack_receipts() const {
  absl::MutexLock lock(&mu_);
  return ack_receipts_;
}
std::vector<SendCall> FakeExchange::sends() const {
  absl::MutexLock lock(&mu_);
  return sends_;
}
std::vector<truc::v1::ReportStatusRequest> FakeExchange::reports() const {
  absl::MutexLock lock(&mu_);
  return reports_;
}
int FakeExchange::polls() const {
  absl::MutexLock lock(&mu_);
  return polls_;
}

grpc::Status FakeExchange::Poll(grpc::ServerContext* ctx,
                                const truc::v1::PollRequest* request,
                                truc::v1::PollResponse* response) {
  absl::Time deadline = absl::Now() + absl::Seconds(request->wait_seconds());
  absl::MutexLock lock(&mu_);
  ++polls_;
  // Wake every 20 ms to notice a cancelled call.
  while (offered_.empty() && absl::Now() < deadline && !ctx->IsCancelled()) {
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::vector<truc::v1::Delivery>* v) { return !v->empty(); },
            &offered_),
        absl::Milliseconds(20));
  }
  if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
  for (auto& d : offered_) *response->add_deliveries() = d;
  offered_.clear();
  return grpc::Status::OK;
}

grpc::Status FakeExchange::Download(
    grpc::ServerContext* ctx, const truc::v1::DownloadRequest* request,
    grpc::ServerWriter<truc::v1::DownloadChunk>* writer) {
  Blob blob;
  int64_t fail_after = -1;
  bool whole = false;
  {
    absl::MutexLock lock(&mu_);
    downloads_.push_back(DownloadCall{request->document_id(),
                                      request->attachment_index(),
                                      request->offset(), request->length()});
    auto it =
        blobs_.find({request->document_id(), request->attachment_index()});
    if (it == blobs_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such attachment");
    }
    blob = it->second;
    std::swap(fail_after, fail_download_after_);
    whole = ignore_download_length_;
  }
  if (request->offset() > blob.size) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "offset past the end");
  }
  // The hub's range rule: `length` bytes from the offset, 0 to the end.
  const uint64_t left = blob.size - request->offset();
  const uint64_t end =
      request->offset() + (request->length() == 0 || whole
                               ? left
                               : std::min(request->length(), left));
  uint64_t sent = 0;
  truc::v1::DownloadChunk chunk;
  for (uint64_t off = request->offset(); off < end;) {
    if (fail_after >= 0 && sent >= static_cast<uint64_t>(fail_after)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection lost");
    }
    if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, end - off));
    chunk.set_offset(off);
    chunk.set_data(blob.read(off, n));
    if (!writer->Write(chunk)) return grpc::Status::CANCELLED;
    off += n;
    sent += n;
  }
  return grpc::Status::OK;
}

grpc::Status FakeExchange::Acknowledge(
    grpc::ServerContext* ctx, const truc::v1::AcknowledgeRequest* request,
    truc::v1::AcknowledgeResponse* response) {
  absl::MutexLock lock(&mu_);
  for (const auto& id : acks_) {
    if (id == request->document_id()) response->set_already_acknowledged(true);
  }
  acks_.push_back(request->document_id());
  ack_receipts_.push_back(request->receipt());
  response->mutable_arrived_at()->set_unix_micros(NowMicros());
  return grpc::Status::OK;
}

grpc::Status FakeExchange::ReportStatus(
    grpc::ServerContext* ctx, const truc::v1::ReportStatusRequest* request,
    truc::v1::ReportStatusResponse* response) {
  absl::MutexLock lock(&mu_);
  reports_.push_back(*request);
  response->mutable_recorded_at()->set_unix_micros(NowMicros());
  return grpc::Status::OK;
}

grpc::Status FakeExchange::Send(
    grpc::ServerContext* ctx, grpc::ServerReader<truc::v1::SendRequest>* reader,
    truc::v1::SendResponse* response) {
  SendCall call;
  truc::v1::SendRequest request;
  if (!reader->Read(&request) || !request.has_begin()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be begin");
  }
  call.idempotency_key = request.begin().idempotency_key();
  call.header_bytes = request.begin().envelope().header();
  call.signature = request.begin().envelope().signature();
  if (!call.header.ParseFromString(call.header_bytes)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad header");
  }
  call.attachments.resize(call.header.attachments_size());
  while (reader->Read(&request)) {
    const auto& chunk = request.chunk();
    if (chunk.attachment_index() >= call.attachments.size()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad index");
    }
    std::string& bytes = call.attachments[chunk.attachment_index()];
    if (chunk.offset() != bytes.size()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad offset");
    }
    bytes += chunk.data();
  }
  absl::Duration hold = absl::ZeroDuration();
  {
    absl::MutexLock lock(&mu_);
    std::swap(hold, hold_next_send_);
    holding_send_ = hold > absl::ZeroDuration();
  }
  if (hold > absl::ZeroDuration()) {
    const absl::Time until = absl::Now() + hold;
    while (!ctx->IsCancelled() && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    absl::MutexLock lock(&mu_);
    holding_send_ = false;
    if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the fake held the send and the client never "
                        "cancelled it");
  }
  absl::MutexLock lock(&mu_);
  sends_.push_back(call);
  grpc::Status scripted = grpc::Status::OK;
  bool store_first = false;
  if (!send_script_.empty()) {
    std::tie(scripted, store_first) = send_script_.front();
    send_script_.pop_front();
    if (!scripted.ok() && !store_first) return scripted;
  }
  for (int i = 0; i < call.header.attachments_size(); ++i) {
    const auto& d = call.header.attachments(i);
    if (d.size() != call.attachments[i].size() ||
        d.sha256() != Sha256::Of(call.attachments[i])) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("attachment ", i, " does not match"));
    }
  }
  auto [it, fresh] = ids_by_key_.try_emplace(
      call.idempotency_key, absl::StrCat("D", ids_by_key_.size() + 1));
  response->set_document_id(it->second);
  response->set_duplicate(!fresh);
  response->mutable_accepted_at()->set_unix_micros(NowMicros());
  // The hub's signed receipt, as the real hub gives it.
  truc::v1::ReceiptBody body;
  body.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
  body.set_document_id(it->second);
  body.set_header_sha256(Sha256::Of(call.header_bytes));
  *body.mutable_at() = response->accepted_at();
  body.set_sender(call.header.from().organ_id());
  for (const auto& to : call.header.to()) body.add_recipients(to.organ_id());
  auto receipt = SignReceipt(TestPki::Get().Hub(), body);
  if (receipt.ok()) *response->mutable_receipt() = *receipt;
  return scripted;
}

FakeHub::FakeHub() : FakeHub(nullptr) {}

FakeHub::FakeHub(std::shared_ptr<grpc::ServerCredentials> credentials) {
  const bool secure = credentials != nullptr;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      "127.0.0.1:0", secure ? credentials : grpc::InsecureServerCredentials(),
      &port_);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (!secure) {
    stub_ = truc::v1::Exchange::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
}

FakeHub::~FakeHub() {
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(200));
  server_->Wait();
}

truc::v1::DocumentHeader SampleHeader(
    const std::vector<std::pair<std::string, std::string>>& attachments) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id("000.07.00.H99");
  h.mutable_from()->set_organ_name("Sở Y tế");
  auto* to = h.add_to();
  to->set_organ_id("000.00.12.H42");
  to->set_organ_name("UBND xã Y Tịch");
  h.mutable_code()->set_code_number("123");
  h.mutable_code()->set_code_notation("SYT-VP");
  h.mutable_promulgation()->set_place("Lạng Sơn");
  auto* date = h.mutable_promulgation()->mutable_promulgation_date();
  date->set_year(2026);
  date->set_month(11);
  date->set_day(22);
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("Về việc báo cáo tình hình dịch bệnh tháng 11");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.set_urgency(truc::v1::URGENCY_URGENT);
  for (const auto& [name, bytes] : attachments) {
    auto* a = h.add_attachments();
    a->set_name(name);
    a->set_content_type("application/pdf");
    a->set_size(bytes.size());
    a->set_sha256(Sha256::Of(bytes));
  }
  return h;
}

TestPki& TestPki::Get() {
  static TestPki* pki = new TestPki();
  return *pki;
}

TestPki::TestPki() {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  ca_ = *CreateCertificateAuthority("CA tỉnh Lạng Sơn (test)", 3650,
                                    now - 800 * 86400);
}

KeyAndCert TestPki::Issued(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  auto it = issued_.find(agency);
  if (it != issued_.end()) return it->second;
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  IssueRequest req{Role::kAgency, agency, agency};
  req.not_before_unix = now - 400 * 86400;
  req.not_after_unix = now + 800 * 86400;
  KeyAndCert kc = *IssueCertificate(ca_, req);
  issued_[agency] = kc;
  return kc;
}

const Signer& TestPki::SignerOf(const std::string& agency) {
  KeyAndCert kc = Issued(agency);
  absl::MutexLock lock(&mu_);
  auto& s = signers_[agency];
  if (!s) s = std::move(*Signer::FromPem(kc.key_pem, kc.cert_pem));
  return *s;
}

const Signer& TestPki::Hub() {
  absl::MutexLock lock(&mu_);
  if (!hub_) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    IssueRequest req{
        Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}};
    req.not_before_unix = now - 400 * 86400;
    req.not_after_unix = now + 800 * 86400;
    KeyAndCert kc = *IssueCertificate(ca_, req);
    hub_ = std::move(*Signer::FromPem(kc.key_pem, kc.cert_pem));
  }
  return *hub_;
}

std::unique_ptr<AgentKeys> TestPki::Keys(const std::string& agency) {
  KeyAndCert kc = Issued(agency);
  return std::unique_ptr<AgentKeys>(
      new AgentKeys{*TrustAnchor::FromPem(ca_.cert_pem),
                    std::move(*Signer::FromPem(kc.key_pem, kc.cert_pem))});
}

truc::v1::Delivery MakeDelivery(const std::string& id,
                                const truc::v1::DocumentHeader& header) {
  truc::v1::Delivery d;
  d.set_document_id(id);
  header.SerializeToString(d.mutable_envelope()->mutable_header());
  *d.mutable_envelope()->mutable_signature() =
      *TestPki::Get()
           .SignerOf(header.from().organ_id())
           .Sign(kHeaderContext, d.envelope().header());
  d.mutable_accepted_at()->set_unix_micros(1795000000000000);
  d.mutable_lease_expires_at()->set_unix_micros(1795000060000000);
  d.set_attempt(1);
  return d;
}

void WriteReceivedMarker(const std::string& received_dir, const std::string& id,
                         const std::string& agency,
                         const std::string& header_sha256) {
  auto statement =
      SignStatusStatement(TestPki::Get().SignerOf(agency), id, header_sha256,
                          truc::v1::EDXML_STATUS_ARRIVED, "", NowMicros());
  (void)WriteFileDurably(JoinPath(received_dir, id),
                         Armor(kReceiptLabel, statement->SerializeAsString()));
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

AgentFolders TestFolders(const std::string& root) {
  AgentFolders f;
  f.inbox = JoinPath(root, "inbox");
  f.outbox = JoinPath(root, "outbox");
  f.sent = JoinPath(root, "sent");
  f.failed = JoinPath(root, "failed");
  f.state = JoinPath(root, "state");
  absl::Status created = CreateFolders(f);
  if (!created.ok()) ADD_FAILURE() << created;
  return f;
}

}  // namespace truc::agent::testing
