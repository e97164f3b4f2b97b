// Fixtures for the hub's unit tests: a province of real names over an
// in-memory store (behind a fault-injecting wrapper), a settable clock, a
// valid document header, and real keys: a province CA, the hub's signing
// key, and a certificate for every agency and for an operator, so that
// envelopes and statements are signed and checked as in production.
#ifndef TRUC_HUB_TESTING_HUB_FIXTURE_H_
#define TRUC_HUB_TESTING_HUB_FIXTURE_H_

#include <atomic>
#include <map>
#include <memory>

#include "common/evidence.h"
#include "common/pki.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/test_util.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/blob_store.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/offers.h"
#include "hub/exchange/trust.h"
#include "hub/store/key_layout.h"
#include "hub/store/memory_store.h"
#include "hub/testing/fault_store.h"
#include "hub/testing/test_stores.h"
#include "truc/internal/records.pb.h"

namespace truc::hub::testing {

// The notifications queued in `store` (n/), in order.
inline std::vector<truc::internal::NotificationRecord> QueuedNotifications(
    Store* store) {
  std::vector<truc::internal::NotificationRecord> out;
  (void)store->ScanPrefix(keys::kNotificationPrefix, [&](auto, auto v) {
    out.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  });
  return out;
}

inline constexpr char kOffice[] = "000.01.00.H99";   // Văn phòng UBND tỉnh
inline constexpr char kHealth[] = "000.07.00.H99";   // Sở Y tế
inline constexpr char kFinance[] = "000.03.00.H99";  // Sở Tài chính
inline constexpr char kYTich[] = "000.21.30.H99";    // UBND xã Y Tịch

inline truc::v1::DocumentHeader MakeHeader(
    const std::string& from, const std::vector<std::string>& to,
    truc::v1::Urgency urgency = truc::v1::URGENCY_EXPRESS) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id(from);
  h.mutable_from()->set_organ_name("Văn phòng UBND tỉnh Lạng Sơn");
  for (const auto& t : to) h.add_to()->set_organ_id(t);
  h.mutable_code()->set_code_number("123");
  h.mutable_code()->set_code_notation("UBND-VP");
  auto* date = h.mutable_promulgation()->mutable_promulgation_date();
  date->set_year(2026);
  date->set_month(11);
  date->set_day(22);
  h.mutable_promulgation()->set_place("Lạng Sơn");
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("V/v phòng chống bão số 9");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.set_urgency(urgency);
  return h;
}

inline truc::v1::AttachmentDescriptor Describe(const std::string& name,
                                               const std::string& bytes) {
  truc::v1::AttachmentDescriptor d;
  d.set_name(name);
  d.set_content_type("application/pdf");
  d.set_size(bytes.size());
  d.set_sha256(Sha256::Of(bytes));
  return d;
}

// The fixture's clock starts here (22/11/2026); its certificates are valid
// from a day before.
inline constexpr int64_t kFixtureStart = 1795312994LL * 1000000;

// A CA, the hub's key (as files, as the hub reads them) and one signer per
// agency and for the operator, all valid around kFixtureStart.
class FixtureKeys {
 public:
  explicit FixtureKeys(const std::string& dir) {
    const int64_t start = kFixtureStart / 1000000;
    auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn", 3650,
                                         start - 30 * 86400);
    ca_ = *ca;
    anchor_ =
        std::make_unique<TrustAnchor>(*TrustAnchor::FromPem(ca_.cert_pem));
    auto hub =
        Issue({Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}});
    key_path_ = JoinPath(dir, "hub.key");
    cert_path_ = JoinPath(dir, "hub.crt");
    (void)WriteFileDurably(key_path_, hub.key_pem, 0600);
    (void)WriteFileDurably(cert_path_, hub.cert_pem);
    hub_key_ = std::move(*HubSigningKey::Load(key_path_, cert_path_));
    for (const char* code : {"000.00.00.H99", kOffice, kHealth, kFinance,
                             kYTich, "000.40.00.H99"}) {
      auto kc = Issue({Role::kAgency, code, code});
      signers_[code] = std::move(*Signer::FromPem(kc.key_pem, kc.cert_pem));
    }
    auto op = Issue({Role::kOperator, "van-thu", "Văn thư"});
    signers_["operator"] = std::move(*Signer::FromPem(op.key_pem, op.cert_pem));
    // Bridges to agencies beyond the hub: "bridge:<name>".
    for (const char* name : {"qg", "xa"}) {
      auto b = Issue({Role::kBridge, name, name});
      signers_[absl::StrCat("bridge:", name)] =
          std::move(*Signer::FromPem(b.key_pem, b.cert_pem));
    }
  }

  // A certificate valid around kFixtureStart.
  KeyAndCert Issue(IssueRequest req) const {
    const int64_t start = kFixtureStart / 1000000;
    if (req.not_before_unix == 0) {
      req.not_before_unix = start - 86400;
      req.not_after_unix = start + 800 * 86400;
    }
    return *IssueCertificate(ca_, req);
  }

  const Signer& signer(const std::string& who) const {
    return *signers_.at(who);
  }
  const Identity& who(const std::string& code) const {
    return signers_.at(code)->identity();
  }
  const TrustAnchor& anchor() const { return *anchor_; }
  HubSigningKey* hub_key() const { return hub_key_.get(); }
  const KeyAndCert& ca() const { return ca_; }

 private:
  KeyAndCert ca_;
  std::unique_ptr<TrustAnchor> anchor_;
  std::string key_path_, cert_path_;
  std::unique_ptr<HubSigningKey> hub_key_;
  std::map<std::string, std::unique_ptr<Signer>> signers_;
};

// `header` serialized into an envelope, signed by `signer`.
inline truc::v1::Envelope SignedEnvelope(const truc::v1::DocumentHeader& h,
                                         const Signer& signer) {
  truc::v1::Envelope env;
  h.SerializeToString(env.mutable_header());
  *env.mutable_signature() = *signer.Sign(kHeaderContext, env.header());
  return env;
}

// The fixture, over the in-memory store unless a test suite says
// otherwise (the ledger's run on both: test_stores.h).
class HubFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  virtual StoreKind store_kind() const { return StoreKind::kMemory; }

  // (Re)opens the audit log, directory, registry and ledger over the same
  // store contents.
  void Open() {
    // What runs over the store goes first; a RocksDB store is locked while
    // it is open.
    ledger_.reset();
    trust_.reset();
    registry_.reset();
    directory_.reset();
    audit_.reset();
    faulty_.reset();
    store_.reset();
    store_ = OpenTestStore(store_kind(), data_, tmp_.Sub("db"));
    ASSERT_NE(store_, nullptr);
    faulty_ = std::make_unique<FaultInjectingStore>(store_.get());
    const Clock clock = [this] { return now_.load(); };
    HubSigningKey* key = keys_.hub_key();
    auto audit =
        AuditLog::Open(faulty_.get(), clock, [key] { return key->Current(); });
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = std::move(*audit);
    auto dir = Directory::Load(faulty_.get(), audit_.get(), clock, 900'000'000);
    ASSERT_TRUE(dir.ok()) << dir.status();
    directory_ = std::move(*dir);
    auto registry = CertificateRegistry::Load(faulty_.get(), audit_.get(),
                                              clock, 30LL * 86400 * 1000000);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    trust_ =
        std::make_unique<HubTrust>(keys_.anchor(), registry_.get(), key, clock);
    offers_ = std::make_unique<Offers>();
    ledger_ = std::make_unique<Ledger>(
        faulty_.get(), directory_.get(), audit_.get(), trust_.get(),
        offers_.get(), clock, LedgerOptions{.lease_micros = 60'000'000});
    auto blobs = BlobStore::Open(tmp_.path());
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    blobs_ = std::move(*blobs);
    // Seen once, so that a test's injected fault meets the write it means
    // (a certificate a test revoked is refused here: that is fine).
    for (const char* who : {kOffice, kHealth, kFinance, kYTich, "operator"}) {
      (void)registry_->Admit(keys_.who(who));
    }
    if (directory_->List().empty()) {
      const Identity& op = Operator();
      ASSERT_TRUE(
          directory_->Register("000.00.00.H99", "UBND tỉnh Lạng Sơn", "", op)
              .ok());
      ASSERT_TRUE(directory_
                      ->Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn",
                                 "000.00.00.H99", op)
                      .ok());
      ASSERT_TRUE(
          directory_->Register(kHealth, "Sở Y tế", "000.00.00.H99", op).ok());
      ASSERT_TRUE(
          directory_->Register(kFinance, "Sở Tài chính", "000.00.00.H99", op)
              .ok());
      ASSERT_TRUE(
          directory_->Register(kYTich, "UBND xã Y Tịch", "000.00.00.H99", op)
              .ok());
    }
  }

  const Identity& Who(const std::string& code) const { return keys_.who(code); }
  const Identity& Operator() const { return keys_.who("operator"); }

  // Accepts `h` from its sender, signed with the sender's key.
  absl::StatusOr<truc::v1::SendResponse> Accept(
      const truc::v1::DocumentHeader& h, const std::string& key) {
    const std::string& from = h.from().organ_id();
    return ledger_->Accept(Who(from), key,
                           SignedEnvelope(h, keys_.signer(from)), h);
  }

  // The header digest of a stored document, as its recipient states it.
  std::string HeaderDigest(const std::string& document_id) {
    return Sha256::Of(ledger_->GetDocument(document_id)->envelope().header());
  }

  // `code`'s agent acknowledges, with its signed statement.
  absl::StatusOr<truc::v1::AcknowledgeResponse> Ack(
      const std::string& code, const std::string& document_id) {
    truc::v1::AcknowledgeRequest req;
    req.set_document_id(document_id);
    auto doc = ledger_->GetDocument(document_id);
    *req.mutable_receipt() = *SignStatusStatement(
        keys_.signer(code), document_id,
        doc.ok() ? Sha256::Of(doc->envelope().header()) : std::string(32, 0),
        truc::v1::EDXML_STATUS_ARRIVED, "", now_.load());
    return ledger_->Acknowledge(Who(code), req);
  }

  // `code`'s agent reports `req` (its statement signed here).
  absl::StatusOr<truc::v1::ReportStatusResponse> Report(
      const std::string& code, truc::v1::ReportStatusRequest req) {
    auto doc = ledger_->GetDocument(req.document_id());
    auto statement = SignStatusStatement(
        keys_.signer(code), req.document_id(),
        doc.ok() ? Sha256::Of(doc->envelope().header()) : std::string(32, 0),
        req.status(), req.description(), now_.load());
    if (statement.ok()) *req.mutable_receipt() = *statement;
    return ledger_->ReportStatus(Who(code), req);
  }

  // `code`'s agent or clerk refuses the document (02) with `reason`: a
  // refusal on arrival before Ack, a refusal by the unit after it.
  absl::Status Refuse(const std::string& code, const std::string& document_id,
                      const std::string& reason) {
    truc::v1::ReportStatusRequest req;
    req.set_document_id(document_id);
    req.set_status(truc::v1::EDXML_STATUS_REFUSED);
    req.set_description(reason);
    return Report(code, req).status();
  }

  // Every key of the store, for "nothing was written" checks.
  std::vector<std::string> AllKeys() {
    std::vector<std::string> keys;
    (void)store_->Scan("", "", [&](auto k, auto) {
      keys.emplace_back(k);
      return true;
    });
    return keys;
  }

  std::atomic<int64_t> now_{kFixtureStart};
  truc::testing::TempDir tmp_;
  FixtureKeys keys_{tmp_.path()};
  std::shared_ptr<MemoryStore::Data> data_ =
      std::make_shared<MemoryStore::Data>();
  std::unique_ptr<Store> store_;
  std::unique_ptr<FaultInjectingStore> faulty_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<CertificateRegistry> registry_;
  std::unique_ptr<HubTrust> trust_;
  std::unique_ptr<Offers> offers_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<BlobStore> blobs_;
};

}  // namespace truc::hub::testing

#endif  // TRUC_HUB_TESTING_HUB_FIXTURE_H_
