// Test-only: fake Operator and Exchange services on an in-process gRPC
// server (127.0.0.1, port 0, no TLS), called through real stubs. They keep
// what they are asked in memory and answer from what a test puts in them.
//
// Thread-safety: handlers run on gRPC threads; every field is guarded by
// `mu`. Tests set fields before a call and read them after it returns.
#ifndef TRUC_CLI_FAKE_HUB_TEST_UTIL_H_
#define TRUC_CLI_FAKE_HUB_TEST_UTIL_H_

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/evidence.h"
#include "common/pki.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli::testing {

// A province CA with the fake hub's signing key and the office's, so that
// what the fakes answer is signed as the hub signs it.
struct TestKeys {
  static TestKeys& Get() {
    static TestKeys* keys = new TestKeys();
    return *keys;
  }
  TestKeys() {
    ca = *CreateCertificateAuthority("CA tỉnh Lạng Sơn (test)", 3650,
                                     1795000000 - 400 * 86400);
    auto issue = [&](IssueRequest req) {
      req.not_before_unix = 1795000000 - 300 * 86400;
      req.not_after_unix = 1795000000 + 800 * 86400;
      auto kc = *IssueCertificate(ca, req);
      return std::move(*Signer::FromPem(kc.key_pem, kc.cert_pem));
    };
    hub = issue({Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}});
    office = issue({Role::kAgency,
                    "000.01.00.H99",
                    "Văn phòng UBND tỉnh Lạng Sơn",
                    {},
                    {}});
    health = issue({Role::kAgency, "000.07.00.H99", "Sở Y tế", {}, {}});
    anchor = std::make_unique<TrustAnchor>(*TrustAnchor::FromPem(ca.cert_pem));
  }
  KeyAndCert ca;
  std::unique_ptr<Signer> hub, office, health;
  std::unique_ptr<TrustAnchor> anchor;
};

class FakeOperator final : public truc::v1::Operator::Service {
 public:
  std::mutex mu;
  std::vector<truc::v1::Agency> agencies;  // the directory
  std::vector<truc::v1::RegisterAgencyRequest> register_calls;
  std::vector<std::string> suspended, resumed;
  grpc::Status fail_all = grpc::Status::OK;  // when not OK, every call fails
  grpc::Status fail_register = grpc::Status::OK;
  truc::v1::DocumentStatus status;  // answered for its document_id
  truc::v1::ListPendingRequest pending_request;
  truc::v1::ListPendingResponse pending;
  int calls = 0;

  grpc::Status RegisterAgency(grpc::ServerContext*,
                              const truc::v1::RegisterAgencyRequest* req,
                              truc::v1::Agency* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (!fail_all.ok()) return fail_all;
    register_calls.push_back(*req);
    if (!fail_register.ok()) return fail_register;
    for (const auto& a : agencies) {
      if (a.code() != req->code()) continue;
      if (a.name() == req->name() && a.parent_code() == req->parent_code()) {
        *resp = a;
        return grpc::Status::OK;
      }
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          absl::StrCat(req->code(), " exists"));
    }
    truc::v1::Agency a;
    a.set_code(req->code());
    a.set_name(req->name());
    a.set_parent_code(req->parent_code());
    a.set_state(truc::v1::AGENCY_STATE_ACTIVE);
    agencies.push_back(a);
    *resp = a;
    return grpc::Status::OK;
  }

  grpc::Status ListAgencies(grpc::ServerContext*,
                            const truc::v1::ListAgenciesRequest*,
                            truc::v1::ListAgenciesResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (!fail_all.ok()) return fail_all;
    for (const auto& a : agencies) *resp->add_agencies() = a;
    return grpc::Status::OK;
  }

  grpc::Status SuspendAgency(grpc::ServerContext*,
                             const truc::v1::SetAgencyStateRequest* req,
                             truc::v1::Agency* resp) override {
    return SetState(req->code(), truc::v1::AGENCY_STATE_SUSPENDED, &suspended,
                    resp);
  }

  grpc::Status ResumeAgency(grpc::ServerContext*,
                            const truc::v1::SetAgencyStateRequest* req,
                            truc::v1::Agency* resp) override {
    return SetState(req->code(), truc::v1::AGENCY_STATE_ACTIVE, &resumed, resp);
  }

  grpc::Status GetDocumentStatus(grpc::ServerContext*,
                                 const truc::v1::GetDocumentStatusRequest* req,
                                 truc::v1::DocumentStatus* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (!fail_all.ok()) return fail_all;
    if (req->document_id() != status.document_id()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no document ", req->document_id()));
    }
    *resp = status;
    return grpc::Status::OK;
  }

  grpc::Status ListPending(grpc::ServerContext*,
                           const truc::v1::ListPendingRequest* req,
                           truc::v1::ListPendingResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (!fail_all.ok()) return fail_all;
    pending_request = *req;
    *resp = pending;
    return grpc::Status::OK;
  }

 private:
  grpc::Status SetState(const std::string& code, truc::v1::AgencyState state,
                        std::vector<std::string>* log, truc::v1::Agency* resp) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (!fail_all.ok()) return fail_all;
    for (auto& a : agencies) {
      if (a.code() != code) continue;
      a.set_state(state);
      log->push_back(code);
      *resp = a;
      return grpc::Status::OK;
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no agency ", code));
  }
};

class FakeExchange final : public truc::v1::Exchange::Service {
 public:
  std::mutex mu;
  // What the last Send carried.
  std::string idempotency_key;
  truc::v1::DocumentHeader header;
  std::map<uint32_t, std::string> attachment_bytes;
  truc::v1::Signature signature;                        // the envelope's
  std::map<std::string, std::string> documents_by_key;  // key -> id
  grpc::Status fail_send = grpc::Status::OK;
  // When set, the receipt is signed by this key instead of the hub's.
  const Signer* receipt_signer = nullptr;
  truc::v1::DocumentStatus status;
  int send_calls = 0;

  grpc::Status Send(grpc::ServerContext*,
                    grpc::ServerReader<truc::v1::SendRequest>* reader,
                    truc::v1::SendResponse* resp) override {
    truc::v1::SendRequest req;
    std::string key, header_bytes;
    truc::v1::Signature sig;
    std::map<uint32_t, std::string> bytes;
    while (reader->Read(&req)) {
      if (req.has_begin()) {
        key = req.begin().idempotency_key();
        header_bytes = req.begin().envelope().header();
        sig = req.begin().envelope().signature();
      } else {
        bytes[req.chunk().attachment_index()] += req.chunk().data();
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    ++send_calls;
    if (!fail_send.ok()) return fail_send;
    idempotency_key = key;
    header.ParseFromString(header_bytes);
    signature = sig;
    attachment_bytes = bytes;
    auto [it, fresh] = documents_by_key.emplace(
        key, absl::StrCat("doc-", documents_by_key.size() + 1));
    resp->set_document_id(it->second);
    resp->set_duplicate(!fresh);
    resp->mutable_accepted_at()->set_unix_micros(1795000000000000);
    truc::v1::ReceiptBody body;
    body.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
    body.set_document_id(it->second);
    body.set_header_sha256(Sha256::Of(header_bytes));
    body.mutable_at()->set_unix_micros(1795000000000000);
    body.set_sender(header.from().organ_id());
    for (const auto& to : header.to()) body.add_recipients(to.organ_id());
    *resp->mutable_receipt() = *SignReceipt(
        receipt_signer ? *receipt_signer : *TestKeys::Get().hub, body);
    return grpc::Status::OK;
  }

  grpc::Status GetDocumentStatus(grpc::ServerContext*,
                                 const truc::v1::GetDocumentStatusRequest* req,
                                 truc::v1::DocumentStatus* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    if (req->document_id() != status.document_id()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no document ", req->document_id()));
    }
    *resp = status;
    return grpc::Status::OK;
  }
};

// Both fakes on one server. FakeHub() listens without TLS and makes a stub
// for each service; FakeHub(credentials) listens with them (mutual TLS) and
// leaves the dialing to the test, on `port`.
struct FakeHub {
  FakeHub() : FakeHub(grpc::InsecureServerCredentials()) {
    channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials());
    op_stub = truc::v1::Operator::NewStub(channel);
    exchange_stub = truc::v1::Exchange::NewStub(channel);
  }
  explicit FakeHub(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    builder.RegisterService(&op);
    builder.RegisterService(&exchange);
    server = builder.BuildAndStart();
  }
  ~FakeHub() { server->Shutdown(); }

  FakeOperator op;
  FakeExchange exchange;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<truc::v1::Operator::Stub> op_stub;
  std::unique_ptr<truc::v1::Exchange::Stub> exchange_stub;
};

}  // namespace truc::cli::testing

#endif  // TRUC_CLI_FAKE_HUB_TEST_UTIL_H_
