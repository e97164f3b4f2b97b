#include "common/evidence.h"

#include "common/armor.h"
#include "common/merkle.h"
#include "common/pki.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "common/time_util.h"

namespace truc {
namespace {

using ::truc::testing::StatusIs;

const int64_t kNowMicros = NowMicros();

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    anchor_ =
        std::make_unique<TrustAnchor>(*TrustAnchor::FromPem(ca_.cert_pem));
    hub_ = Make(Role::kHub, "hub", "truc hub", KeyType::kEcP256);
    health_ =
        Make(Role::kAgency, "000.07.00.H99", "Sở Y tế", KeyType::kRsa2048);
    ytich_ = Make(Role::kAgency, "000.21.30.H99", "UBND xã Y Tịch",
                  KeyType::kEcP256);
  }

  std::unique_ptr<Signer> Make(Role role, const std::string& name,
                               const std::string& cn, KeyType type) {
    IssueRequest req{role, name, cn};
    req.key_type = type;
    auto issued = IssueCertificate(ca_, req);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return std::move(*Signer::FromPem(issued->key_pem, issued->cert_pem));
  }

  truc::v1::ReceiptBody Acceptance() {
    truc::v1::ReceiptBody b;
    b.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
    b.set_document_id("20261122-de1cd7ecb026");
    b.set_header_sha256(Sha256::Of("header"));
    b.mutable_at()->set_unix_micros(kNowMicros);
    b.set_sender("000.01.00.H99");
    b.add_recipients("000.07.00.H99");
    b.add_recipients("000.21.30.H99");
    b.set_edxml_document_id("000.01.00.H99,2026/11/22,45/UBND-VP");
    return b;
  }

  KeyAndCert ca_;
  std::unique_ptr<TrustAnchor> anchor_;
  std::unique_ptr<Signer> hub_, health_, ytich_;
};

TEST_F(EvidenceTest, AnAcceptanceReceiptVerifiesOffline) {
  auto receipt = SignReceipt(*hub_, Acceptance());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  auto v = VerifyReceipt(*anchor_, *receipt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->signer.role, Role::kHub);
  EXPECT_EQ(v->body.document_id(), "20261122-de1cd7ecb026");
  EXPECT_EQ(v->body.recipients_size(), 2);
}

TEST_F(EvidenceTest, ASavedReceiptWithAnyByteChangedDoesNotVerify) {
  auto receipt = SignReceipt(*hub_, Acceptance());
  ASSERT_TRUE(receipt.ok());
  const std::string file = Armor(kReceiptLabel, receipt->SerializeAsString());
  auto read = [&](const std::string& text) -> absl::Status {
    auto bytes = Dearmor(kReceiptLabel, text);
    if (!bytes.ok()) return bytes.status();
    truc::v1::Receipt r;
    if (!r.ParseFromString(*bytes))
      return absl::InvalidArgumentError("does not parse");
    return VerifyReceipt(*anchor_, r).status();
  };
  TRUC_ASSERT_OK(read(file));
  for (size_t i = 0; i < file.size(); ++i) {
    std::string altered = file;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(read(altered).ok()) << "byte " << i << " of " << file.size();
  }
  // The same for every byte of the receipt itself.
  const std::string bytes = receipt->SerializeAsString();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string altered = bytes;
    altered[i] ^= 0x01;
    truc::v1::Receipt r;
    if (!r.ParseFromString(altered)) continue;  // refused already
    EXPECT_FALSE(VerifyReceipt(*anchor_, r).ok()) << "byte " << i;
  }
}

TEST_F(EvidenceTest, AStatusStatementMustBeSignedByItsRecipient) {
  auto mine = SignStatusStatement(
      *ytich_, "20261122-de1cd7ecb026", Sha256::Of("header"),
      truc::v1::EDXML_STATUS_ACCEPTED, "Đã vào sổ văn bản đến", kNowMicros);
  ASSERT_TRUE(mine.ok()) << mine.status();
  auto v = VerifyReceipt(*anchor_, *mine);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.recipient(), "000.21.30.H99");
  EXPECT_EQ(v->body.description(), "Đã vào sổ văn bản đến");

  // Sở Y tế cannot speak for UBND xã Y Tịch.
  truc::v1::ReceiptBody forged = v->body;
  auto by_other = SignReceipt(*health_, forged);
  ASSERT_TRUE(by_other.ok());
  EXPECT_THAT(VerifyReceipt(*anchor_, *by_other),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "must be signed by that agency"));
  // Nor can an agency sign an acceptance.
  auto fake_acceptance = SignReceipt(*health_, Acceptance());
  EXPECT_THAT(VerifyReceipt(*anchor_, *fake_acceptance),
              StatusIs(absl::StatusCode::kUnauthenticated, "by the hub"));
}

TEST_F(EvidenceTest, ABridgeVouchesOnlyForWhatItCarriesAndNamesItself) {
  auto qg = Make(Role::kBridge, "quoc-gia", "Cầu nối", KeyType::kEcP256);
  auto xa = Make(Role::kBridge, "xa", "Cầu nối khác", KeyType::kEcP256);
  // A document from beyond: the sender's signature under another CA, the
  // bridge's as carrier.
  auto other_ca = CreateCertificateAuthority("CA Chính phủ");
  auto far = IssueCertificate(*other_ca, {Role::kAgency, "000.00.00.G22", ""});
  auto sender = Signer::FromPem(far->key_pem, far->cert_pem);
  truc::v1::Envelope env;
  env.set_header("header bytes");
  *env.mutable_signature() = *(*sender)->Sign(kHeaderContext, env.header());
  env.set_carried_by_bridge("quoc-gia");
  *env.mutable_carrier_signature() =
      *qg->Sign(kBridgedHeaderContext, env.header());
  auto carrier =
      VerifyEnvelope(*anchor_, env, "000.00.00.G22", kNowMicros / 1'000'000);
  ASSERT_TRUE(carrier.ok()) << carrier.status();
  EXPECT_EQ(carrier->role, Role::kBridge);
  EXPECT_EQ(carrier->name, "quoc-gia");
  // Another bridge's signature, or the sender's context, does not do.
  *env.mutable_carrier_signature() =
      *xa->Sign(kBridgedHeaderContext, env.header());
  EXPECT_THAT(
      VerifyEnvelope(*anchor_, env, "000.00.00.G22", kNowMicros / 1'000'000),
      StatusIs(absl::StatusCode::kUnauthenticated,
               "must be signed by that bridge"));
  *env.mutable_carrier_signature() = *qg->Sign(kHeaderContext, env.header());
  EXPECT_FALSE(
      VerifyEnvelope(*anchor_, env, "000.00.00.G22", kNowMicros / 1'000'000)
          .ok());
  // Its statement of a remote recipient's status names it, and only it.
  auto statement = SignBridgedStatement(
      *qg, "20261207-0a1b2c3d4e5f", Sha256::Of("header"), "000.00.00.G22",
      truc::v1::EDXML_STATUS_ARRIVED, "", kNowMicros);
  auto v = VerifyReceipt(*anchor_, *statement);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.carried_by_bridge(), "quoc-gia");
  truc::v1::ReceiptBody body = v->body;
  body.set_carried_by_bridge("xa");
  EXPECT_THAT(VerifyReceipt(*anchor_, *SignReceipt(*qg, body)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "must be signed by that bridge"));
}

TEST_F(EvidenceTest, MalformedReceiptsAreNamed) {
  truc::v1::Receipt empty;
  EXPECT_THAT(VerifyReceipt(*anchor_, empty),
              StatusIs(absl::StatusCode::kInvalidArgument, "no readable body"));
  auto b = Acceptance();
  b.set_header_sha256("short");
  EXPECT_THAT(VerifyReceipt(*anchor_, *SignReceipt(*hub_, b)),
              StatusIs(absl::StatusCode::kInvalidArgument, "32 bytes"));
  b = Acceptance();
  b.set_kind(truc::v1::ReceiptBody::KIND_STATUS);
  b.set_recipient("000.07.00.H99");
  b.set_status(static_cast<truc::v1::EdxmlStatus>(7));
  EXPECT_THAT(VerifyReceipt(*anchor_, *SignReceipt(*health_, b)),
              StatusIs(absl::StatusCode::kInvalidArgument, "01 to 06"));
}

// A log of events about two documents, as the hub keeps it.
class ProofTest : public EvidenceTest {
 protected:
  void SetUp() override {
    EvidenceTest::SetUp();
    for (int i = 0; i < 13; ++i) {
      truc::v1::AuditEvent e;
      e.set_index(i);
      e.set_time_micros(kNowMicros + i);
      e.set_kind(i % 3 == 0 ? "accepted" : "arrived");
      e.set_document_id(i % 2 == 0 ? "D-A" : "D-B");
      e.set_actor("agency:000.07.00.H99");
      leaves_.push_back(e.SerializeAsString());
      tree_.Append(merkle::LeafHash(leaves_.back()));
    }
  }

  truc::v1::SignedCheckpoint CheckpointAt(uint64_t size) {
    truc::v1::Checkpoint cp;
    cp.set_hub("hub");
    cp.set_size(size);
    cp.set_root_hash(*merkle::Root(tree_, size));
    cp.mutable_at()->set_unix_micros(kNowMicros + 1000 + size);
    return *SignCheckpoint(*hub_, cp);
  }

  truc::v1::DocumentProof ProofOf(const std::string& doc, uint64_t size) {
    truc::v1::DocumentProof p;
    p.set_document_id(doc);
    *p.mutable_checkpoint() = CheckpointAt(size);
    for (uint64_t i = 0; i < size; ++i) {
      truc::v1::AuditEvent e;
      e.ParseFromString(leaves_[i]);
      if (e.document_id() != doc) continue;
      auto* pe = p.add_events();
      pe->set_event(leaves_[i]);
      auto path = merkle::InclusionProof(tree_, i, size);
      for (auto& h : *path) pe->add_audit_path(h);
    }
    return p;
  }

  std::vector<std::string> leaves_;
  merkle::MemoryTree tree_;
};

TEST_F(ProofTest, ADocumentsEventsVerifyAgainstTheSignedCheckpoint) {
  auto v = VerifyDocumentProof(*anchor_, ProofOf("D-A", 13));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->events.size(), 7u);
  EXPECT_EQ(v->checkpoint.checkpoint.size(), 13u);
}

TEST_F(ProofTest, EveryCorruptedProofFails) {
  const truc::v1::DocumentProof good = ProofOf("D-B", 13);
  TRUC_ASSERT_OK(VerifyDocumentProof(*anchor_, good).status());
  std::vector<std::pair<std::string, truc::v1::DocumentProof>> bad;
  auto with = [&](const std::string& what, auto change) {
    truc::v1::DocumentProof p = good;
    change(&p);
    bad.emplace_back(what, p);
  };
  with("wrong index", [&](auto* p) {
    truc::v1::AuditEvent e;
    e.ParseFromString(p->events(0).event());
    e.set_index(e.index() + 2);
    p->mutable_events(0)->set_event(e.SerializeAsString());
  });
  with("wrong size", [&](auto* p) {
    truc::v1::Checkpoint cp;
    cp.ParseFromString(p->checkpoint().body());
    cp.set_size(12);
    *p->mutable_checkpoint() = *SignCheckpoint(*hub_, cp);
  });
  with("truncated path", [&](auto* p) {
    p->mutable_events(1)->mutable_audit_path()->RemoveLast();
  });
  with("extra hash", [&](auto* p) {
    p->mutable_events(1)->add_audit_path(std::string(32, 'x'));
  });
  with("empty path",
       [&](auto* p) { p->mutable_events(2)->clear_audit_path(); });
  with("another document", [&](auto* p) { p->set_document_id("D-A"); });
  with("checkpoint signed by an agency", [&](auto* p) {
    *p->mutable_checkpoint() = *SignCheckpoint(*health_, [&] {
      truc::v1::Checkpoint cp;
      cp.ParseFromString(p->checkpoint().body());
      return cp;
    }());
  });
  with("no events", [&](auto* p) { p->clear_events(); });
  // One bit flipped anywhere in any path, event or checkpoint.
  for (int e = 0; e < good.events_size(); ++e) {
    for (int h = 0; h < good.events(e).audit_path_size(); ++h) {
      for (int bit = 0; bit < 256; bit += 37) {
        with("bit flipped in a path", [&](auto* p) {
          (*p->mutable_events(e)->mutable_audit_path(h))[bit / 8] ^=
              static_cast<char>(1 << (bit % 8));
        });
      }
    }
    const size_t n = good.events(e).event().size();
    for (size_t i = 0; i < n; ++i) {
      with("byte changed in an event", [&](auto* p) {
        (*p->mutable_events(e)->mutable_event())[i] ^= 0x01;
      });
    }
  }
  for (size_t i = 0; i < good.checkpoint().body().size(); ++i) {
    with("byte changed in the checkpoint", [&](auto* p) {
      (*p->mutable_checkpoint()->mutable_body())[i] ^= 0x01;
    });
  }
  for (const auto& [what, p] : bad) {
    EXPECT_FALSE(VerifyDocumentProof(*anchor_, p).ok()) << what;
  }
}

TEST_F(ProofTest, ALaterCheckpointExtendsAnEarlierOne) {
  for (uint64_t m = 0; m <= 13; ++m) {
    for (uint64_t n = m; n <= 13; ++n) {
      truc::v1::ConsistencyProof proof;
      proof.set_old_size(m);
      proof.set_new_size(n);
      auto path = merkle::ConsistencyProof(tree_, m, n);
      for (auto& h : *path) proof.add_path(h);
      TRUC_EXPECT_OK(VerifyCheckpointConsistency(*anchor_, CheckpointAt(m),
                                                 CheckpointAt(n), proof));
      if (proof.path_size() > 0) {
        truc::v1::ConsistencyProof bent = proof;
        (*bent.mutable_path(0))[0] ^= 0x01;
        EXPECT_THAT(VerifyCheckpointConsistency(*anchor_, CheckpointAt(m),
                                                CheckpointAt(n), bent),
                    StatusIs(absl::StatusCode::kDataLoss, "does not extend"))
            << m << " -> " << n;
      }
    }
  }
  truc::v1::ConsistencyProof proof;
  proof.set_old_size(5);
  proof.set_new_size(9);
  auto path = merkle::ConsistencyProof(tree_, 5, 9);
  for (auto& h : *path) proof.add_path(h);
  EXPECT_THAT(VerifyCheckpointConsistency(*anchor_, CheckpointAt(9),
                                          CheckpointAt(5), proof),
              StatusIs(absl::StatusCode::kInvalidArgument, "older one first"));
  EXPECT_THAT(VerifyCheckpointConsistency(*anchor_, CheckpointAt(5),
                                          CheckpointAt(10), proof),
              StatusIs(absl::StatusCode::kInvalidArgument, "not from 5 to 10"));
  // A rewritten history: a checkpoint of 9 events whose first 5 differ.
  merkle::MemoryTree other;
  for (int i = 0; i < 9; ++i)
    other.Append(merkle::LeafHash(i == 2 ? "rewritten" : leaves_[i]));
  truc::v1::Checkpoint cp;
  cp.set_hub("hub");
  cp.set_size(9);
  cp.set_root_hash(other.Root());
  cp.mutable_at()->set_unix_micros(kNowMicros + 5000);
  EXPECT_THAT(VerifyCheckpointConsistency(*anchor_, CheckpointAt(5),
                                          *SignCheckpoint(*hub_, cp), proof),
              StatusIs(absl::StatusCode::kDataLoss, "does not extend"));
}

TEST(ArmorTest, RoundTripAndStrictness) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(i * 7));
  const std::string file = Armor(kCheckpointLabel, bytes);
  EXPECT_EQ(*Dearmor(kCheckpointLabel, file), bytes);
  EXPECT_THAT(Dearmor(kReceiptLabel, file),
              StatusIs(absl::StatusCode::kInvalidArgument, "must begin with"));
  std::string rewrapped = file;
  rewrapped.insert(rewrapped.find('\n') + 10, "\n");
  EXPECT_THAT(
      Dearmor(kCheckpointLabel, rewrapped),
      StatusIs(absl::StatusCode::kInvalidArgument, "not as truc wrote"));
  EXPECT_FALSE(Dearmor(kCheckpointLabel, file + "\n").ok());
  EXPECT_FALSE(Dearmor(kCheckpointLabel, " " + file).ok());
}

}  // namespace
}  // namespace truc
