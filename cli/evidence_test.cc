#include "cli/evidence.h"

#include <sstream>

#include "cli/fake_hub_test_util.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/merkle.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::truc::testing::StatusIs;
using ::truc::testing::TempDir;

constexpr int64_t kAccepted = 1795000000000000;  // 18/11/2026

class EvidenceCommandsTest : public ::testing::Test {
 protected:
  testing::TestKeys& keys() { return testing::TestKeys::Get(); }

  // A document of the office to Sở Y tế, with everything signed as the
  // hub and the agents sign it, and Sở Y tế's arrival and read receipt.
  truc::v1::DocumentStatus Status() {
    truc::v1::DocumentHeader h;
    h.mutable_from()->set_organ_id("000.01.00.H99");
    h.add_to()->set_organ_id("000.07.00.H99");
    h.set_subject("V/v ứng phó bão số 9");
    truc::v1::DocumentStatus s;
    s.set_document_id("20261118-de1cd7ecb026");
    s.set_sender("000.01.00.H99");
    s.mutable_accepted_at()->set_unix_micros(kAccepted);
    h.SerializeToString(s.mutable_envelope()->mutable_header());
    *s.mutable_envelope()->mutable_signature() =
        *keys().office->Sign(kHeaderContext, s.envelope().header());
    truc::v1::ReceiptBody body;
    body.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
    body.set_document_id(s.document_id());
    body.set_header_sha256(Sha256::Of(s.envelope().header()));
    body.mutable_at()->set_unix_micros(kAccepted);
    body.set_sender("000.01.00.H99");
    body.add_recipients("000.07.00.H99");
    *s.mutable_acceptance_receipt() = *SignReceipt(*keys().hub, body);
    auto* r = s.add_recipients();
    r->set_organ_id("000.07.00.H99");
    r->set_state(truc::v1::DELIVERY_STATE_ACCEPTED);
    for (auto st :
         {truc::v1::EDXML_STATUS_ARRIVED, truc::v1::EDXML_STATUS_ACCEPTED}) {
      auto* step = r->add_history();
      step->set_status(st);
      step->mutable_at()->set_unix_micros(kAccepted + 1000);
      *step->mutable_receipt() = *SignStatusStatement(
          *keys().health, s.document_id(), Sha256::Of(s.envelope().header()),
          st, "", kAccepted + 1000);
    }
    return s;
  }
  TempDir tmp_;
  std::ostringstream out_;
};

TEST_F(EvidenceCommandsTest, EveryPieceIsCheckedHereAndSaved) {
  TRUC_ASSERT_OK(
      RunShowEvidence(*keys().anchor, Status(), tmp_.Sub("saved"), out_));
  const std::string text = out_.str();
  EXPECT_THAT(text, HasSubstr("ok   header"));
  EXPECT_THAT(text, HasSubstr("signed by agency 000.01.00.H99"));
  EXPECT_THAT(text, HasSubstr("ok   accepted at 18/11/2026"));
  EXPECT_THAT(text, HasSubstr("000.07.00.H99: 01"));
  EXPECT_THAT(text, HasSubstr("000.07.00.H99: 03"));
  EXPECT_THAT(text, Not(HasSubstr("BAD")));
  // The saved receipts check out on their own.
  for (const char* name :
       {"20261118-de1cd7ecb026.acceptance.receipt",
        "20261118-de1cd7ecb026.000.07.00.H99.step2-03.receipt"}) {
    std::ostringstream shown;
    TRUC_EXPECT_OK(RunReceiptVerify(
        *keys().anchor, tmp_.Sub(std::string("saved/") + name), shown));
  }
}

TEST_F(EvidenceCommandsTest, WhatDoesNotHoldIsMarkedAndFails) {
  auto s = Status();
  // The stored header changed after the office signed it.
  truc::v1::DocumentHeader h;
  ASSERT_TRUE(h.ParseFromString(s.envelope().header()));
  h.set_subject("V/v đã bị sửa");
  h.SerializeToString(s.mutable_envelope()->mutable_header());
  // And Sở Tài chính's key signed a statement in Sở Y tế's name.
  *s.mutable_recipients(0)->mutable_history(1)->mutable_receipt() =
      *SignStatusStatement(*keys().office, s.document_id(),
                           Sha256::Of(s.envelope().header()),
                           truc::v1::EDXML_STATUS_ACCEPTED, "", kAccepted);
  EXPECT_THAT(RunShowEvidence(*keys().anchor, s, "", out_),
              StatusIs(absl::StatusCode::kDataLoss, "did not check out"));
  const std::string text = out_.str();
  EXPECT_THAT(text, HasSubstr("BAD  the sender's signature"));
  EXPECT_THAT(text, HasSubstr("BAD  the hub's acceptance receipt"));
  EXPECT_THAT(text, HasSubstr("BAD  000.07.00.H99: 03"));
}

TEST_F(EvidenceCommandsTest, AStatementReceiptSaysWhatItProves) {
  auto s = Status();
  const std::string path = tmp_.Sub("doc.receipt");
  TRUC_ASSERT_OK(WriteReceiptFile(path, s.recipients(0).history(1).receipt()));
  TRUC_ASSERT_OK(RunReceiptVerify(*keys().anchor, path, out_));
  EXPECT_THAT(out_.str(), HasSubstr("status 03"));
  EXPECT_THAT(out_.str(), HasSubstr("agency 000.07.00.H99 (Sở Y tế)"));
  EXPECT_THAT(RunReceiptVerify(*keys().anchor, tmp_.Sub("none"), out_),
              StatusIs(absl::StatusCode::kNotFound, "cannot read receipt"));
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("junk"), "not a receipt").ok());
  EXPECT_THAT(RunReceiptVerify(*keys().anchor, tmp_.Sub("junk"), out_),
              StatusIs(absl::StatusCode::kInvalidArgument, "must begin with"));
}

TEST_F(EvidenceCommandsTest, ASavedProofIsCheckedOffline) {
  merkle::MemoryTree tree;
  std::vector<std::string> leaves;
  for (int i = 0; i < 6; ++i) {
    truc::v1::AuditEvent e;
    e.set_index(i);
    e.set_time_micros(kAccepted + i);
    e.set_kind(i == 2 ? "accepted" : "leased");
    e.set_document_id(i == 2 || i == 4 ? "D" : "other");
    e.set_actor("agency:000.01.00.H99");
    leaves.push_back(e.SerializeAsString());
    tree.Append(merkle::LeafHash(leaves.back()));
  }
  truc::v1::Checkpoint cp;
  cp.set_hub("hub");
  cp.set_size(6);
  cp.set_root_hash(tree.Root());
  cp.mutable_at()->set_unix_micros(kAccepted + 10);
  truc::v1::DocumentProof proof;
  proof.set_document_id("D");
  *proof.mutable_checkpoint() = *SignCheckpoint(*keys().hub, cp);
  for (int i : {2, 4}) {
    auto* pe = proof.add_events();
    pe->set_event(leaves[i]);
    auto path = merkle::InclusionProof(tree, i, 6);
    for (auto& hash : *path) pe->add_audit_path(hash);
  }
  const std::string file = tmp_.Sub("d.proof");
  ASSERT_TRUE(WriteFileDurably(
                  file, Armor(kDocumentProofLabel, proof.SerializeAsString()))
                  .ok());
  TRUC_ASSERT_OK(RunAuditVerifyProof(*keys().anchor, file, out_));
  EXPECT_THAT(out_.str(), HasSubstr("2 audit events"));
  EXPECT_THAT(out_.str(), HasSubstr("#2"));
  EXPECT_THAT(out_.str(), HasSubstr("checkpoint of 6 events"));
  // The same proof against another root fails, naming the event.
  cp.set_root_hash(std::string(32, 'r'));
  *proof.mutable_checkpoint() = *SignCheckpoint(*keys().hub, cp);
  ASSERT_TRUE(WriteFileDurably(
                  file, Armor(kDocumentProofLabel, proof.SerializeAsString()))
                  .ok());
  EXPECT_THAT(RunAuditVerifyProof(*keys().anchor, file, out_),
              StatusIs(absl::StatusCode::kDataLoss, "audit event 2"));
}

}  // namespace
}  // namespace truc::cli
