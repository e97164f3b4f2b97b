#include "hub/exchange/audit_log.h"

#include <atomic>
#include <set>
#include <thread>

#include "common/evidence.h"
#include "common/merkle.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "common/time_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/store/key_layout.h"
#include "hub/store/memory_store.h"
#include "hub/store/rocksdb_store.h"
#include "hub/testing/fault_store.h"
#include "hub/testing/test_stores.h"

namespace truc::hub {
namespace {

using truc::testing::StatusIs;
using truc::testing::TempDir;
using truc::v1::AuditEvent;

// Counts the writes that reach the store beneath.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store* base) : base_(base) {}
  absl::StatusOr<std::string> Get(absl::string_view key) override {
    return base_->Get(key);
  }
  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override {
    writes_.fetch_add(1);
    return base_->Write(batch, options);
  }
  absl::Status Scan(absl::string_view start, absl::string_view limit,
                    const ScanFn& fn) override {
    return base_->Scan(start, limit, fn);
  }
  int writes() const { return writes_.load(); }

 private:
  Store* base_;
  std::atomic<int> writes_{0};
};

int64_t FixedNow() { return 1'763'800'000'000'000; }

AuditEvent Arrived(const std::string& agency, const std::string& document) {
  AuditEvent e;
  e.set_kind("arrived");
  e.set_actor(agency);
  e.set_document_id(document);
  e.set_detail("01 Đã đến: UBND xã Y Tịch");
  return e;
}

std::unique_ptr<AuditLog> OpenLog(Store* store) {
  auto log = AuditLog::Open(store, FixedNow);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

// Commits n events, one per commit, each with a change of its own.
void CommitEvents(AuditLog* log, int n, int from = 0) {
  for (int i = from; i < from + n; ++i) {
    WriteBatch change;
    change.Put("d/D" + std::to_string(i), "Sở Y tế");
    auto first = log->Commit(
        change, {Arrived("000.00.12.H42", "D" + std::to_string(i))});
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(*first, static_cast<uint64_t>(i));
  }
}

// The audit log's tests run over the in-memory store and over RocksDB.
class AuditStoreTest : public ::testing::TestWithParam<testing::StoreKind> {
 protected:
  // The test's store, opened on first use.
  Store& TestStore() {
    if (!store_)
      store_ = testing::OpenTestStore(GetParam(), memory_, dir_.Sub("db"));
    return *store_;
  }

 private:
  TempDir dir_;
  std::shared_ptr<MemoryStore::Data> memory_ =
      std::make_shared<MemoryStore::Data>();
  std::unique_ptr<Store> store_;
};
class AuditLogTest : public AuditStoreTest {};
class AuditCheckpointTest : public AuditStoreTest {};
class AuditLogVerifyTest : public AuditStoreTest {};
class AuditLogOpenTest : public AuditStoreTest {};
INSTANTIATE_TEST_SUITE_P(Stores, AuditLogTest, testing::kBothStores,
                         testing::StoreKindName);
INSTANTIATE_TEST_SUITE_P(Stores, AuditCheckpointTest, testing::kBothStores,
                         testing::StoreKindName);
INSTANTIATE_TEST_SUITE_P(Stores, AuditLogVerifyTest, testing::kBothStores,
                         testing::StoreKindName);
INSTANTIATE_TEST_SUITE_P(Stores, AuditLogOpenTest, testing::kBothStores,
                         testing::StoreKindName);

TEST_P(AuditLogTest, AnEventIsWrittenWithTheChangeItRecords) {
  Store& store = TestStore();
  auto log = OpenLog(&store);
  EXPECT_EQ(log->size(), 0u);
  EXPECT_EQ(log->root(), merkle::EmptyRoot());

  WriteBatch change;
  change.Put("d/D1", "Công văn 123");
  auto first = log->Commit(
      change, {Arrived("000.00.12.H42", "D1"), Arrived("000.00.13.H42", "D1")});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0u);
  EXPECT_EQ(log->size(), 2u);
  EXPECT_EQ(*store.Get("d/D1"), "Công văn 123");

  auto e = log->Event(1);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->index(), 1u);
  EXPECT_EQ(e->actor(), "000.00.13.H42");
  EXPECT_EQ(e->time_micros(), FixedNow());
  EXPECT_EQ(e->detail(), "01 Đã đến: UBND xã Y Tịch");
  EXPECT_THAT(log->Event(2), StatusIs(absl::StatusCode::kNotFound, ""));

  // The root is RFC 6962's over the stored events' bytes.
  merkle::MemoryTree tree;
  tree.Append(merkle::LeafHash(*store.Get(keys::AuditEvent(0))));
  tree.Append(merkle::LeafHash(*store.Get(keys::AuditEvent(1))));
  EXPECT_EQ(log->root(), tree.Root());
  EXPECT_EQ(*log->RootAt(2), tree.Root());
  TRUC_EXPECT_OK(log->Verify().status());
}

// Records what the store was asked to sync.
class SyncRecordingStore final : public Store {
 public:
  explicit SyncRecordingStore(Store* base) : base_(base) {}
  absl::StatusOr<std::string> Get(absl::string_view key) override {
    return base_->Get(key);
  }
  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override {
    syncs_.push_back(options.sync);
    return base_->Write(batch, options);
  }
  absl::Status Scan(absl::string_view start, absl::string_view limit,
                    const ScanFn& fn) override {
    return base_->Scan(start, limit, fn);
  }
  std::vector<bool> syncs_;

 private:
  Store* base_;
};

TEST_P(AuditLogTest, EventsOfSoftStateAreWrittenUnsynced) {
  Store& base = TestStore();
  SyncRecordingStore store(&base);
  auto log = OpenLog(&store);
  WriteBatch none;
  ASSERT_TRUE(
      log->Commit(none, {Arrived("000.07.00.H99", "D1")}, {.sync = false})
          .ok());
  ASSERT_TRUE(log->Commit(none, {Arrived("000.07.00.H99", "D2")}).ok());
  EXPECT_EQ(store.syncs_, (std::vector<bool>{false, true}));
  EXPECT_EQ(log->size(), 2u);
  TRUC_EXPECT_OK(log->Verify().status());
}

TEST_P(AuditLogTest, AFailedWriteStoresNeitherTheChangeNorItsRecord) {
  Store& base = TestStore();
  FaultInjectingStore store(&base);
  auto log = OpenLog(&store);
  CommitEvents(log.get(), 3);
  const std::string root = log->root();

  store.FailWrites(1);
  WriteBatch change;
  change.Put("d/lost", "x");
  EXPECT_THAT(log->Commit(change, {Arrived("000.00.12.H42", "lost")}),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(log->root(), root);
  EXPECT_THAT(base.Get("d/lost"), StatusIs(absl::StatusCode::kNotFound, ""));
  EXPECT_THAT(base.Get(keys::AuditEvent(3)),
              StatusIs(absl::StatusCode::kNotFound, ""));

  // The next commit takes the place the failed one did not.
  CommitEvents(log.get(), 1, 3);
  TRUC_EXPECT_OK(log->Verify().status());
}

TEST_P(AuditLogTest, ConcurrentCommitsKeepOneOrderAndShareWrites) {
  Store& base = TestStore();
  CountingStore store(&base);
  auto log = OpenLog(&store);
  constexpr int kThreads = 8;
  constexpr int kEach = 60;
  std::vector<std::vector<uint64_t>> firsts(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        WriteBatch change;
        change.Put("d/T" + std::to_string(t) + "-" + std::to_string(i), "x");
        // Two events per commit: they stay next to each other.
        auto first =
            log->Commit(change, {Arrived("A", "x"), Arrived("B", "x")});
        ASSERT_TRUE(first.ok()) << first.status();
        firsts[static_cast<size_t>(t)].push_back(*first);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& f : firsts) all.insert(f.begin(), f.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kEach});
  uint64_t expect = 0;
  for (uint64_t f : all) {
    EXPECT_EQ(f, expect);
    expect += 2;
  }
  EXPECT_EQ(log->size(), uint64_t{2 * kThreads * kEach});
  TRUC_EXPECT_OK(log->Verify().status());
  // Every commit got its own record; the writes were fewer when commits
  // overlapped (at least not more than one per commit).
  EXPECT_LE(store.writes(), kThreads * kEach);
  std::printf("%d commits in %d store writes\n", kThreads * kEach,
              store.writes());
}

TEST(AuditLogRocksDbTest, ReopenedLogGoesOnWithTheSameTree) {
  TempDir dir;
  std::string root;
  {
    auto store = RocksDbStore::Open(dir.Sub("db"));
    ASSERT_TRUE(store.ok()) << store.status();
    auto log = OpenLog(store->get());
    CommitEvents(log.get(), 13);
    root = log->root();
  }
  auto store = RocksDbStore::Open(dir.Sub("db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto log = OpenLog(store->get());
  EXPECT_EQ(log->size(), 13u);
  EXPECT_EQ(log->root(), root);
  CommitEvents(log.get(), 8, 13);
  TRUC_EXPECT_OK(log->Verify().status());
  // The log after the restart extends the one before it.
  auto proof = log->ConsistencyProof(13, 21);
  ASSERT_TRUE(proof.ok()) << proof.status();
  TRUC_EXPECT_OK(merkle::VerifyConsistency(13, 21, *proof, root, log->root()));
}

TEST_P(AuditLogTest, ProofsFromTheStoreVerify) {
  Store& store = TestStore();
  auto log = OpenLog(&store);
  CommitEvents(log.get(), 37);
  for (uint64_t size : {1u, 5u, 16u, 37u}) {
    const std::string root = *log->RootAt(size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = log->InclusionProof(i, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      TRUC_EXPECT_OK(merkle::VerifyInclusion(
          i, size, merkle::LeafHash(*store.Get(keys::AuditEvent(i))), *proof,
          root));
    }
  }
  auto proof = log->ConsistencyProof(5, 37);
  ASSERT_TRUE(proof.ok());
  TRUC_EXPECT_OK(
      merkle::VerifyConsistency(5, 37, *proof, *log->RootAt(5), log->root()));
  EXPECT_THAT(log->RootAt(38),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 37 events"));
}

// Tampering straight in the store, as someone with the disk could.
class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = OpenLog(&store_);
    CommitEvents(log_.get(), 9);
    TRUC_ASSERT_OK(log_->Verify().status());
  }
  void Put(const std::string& key, const std::string& value) {
    WriteBatch b;
    b.Put(key, value);
    TRUC_ASSERT_OK(store_.Write(b, {}));
  }
  void Delete(const std::string& key) {
    WriteBatch b;
    b.Delete(key);
    TRUC_ASSERT_OK(store_.Write(b, {}));
  }
  MemoryStore store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditTamperTest, RewrittenEventIsNamed) {
  auto e = *log_->Event(4);
  e.set_detail("02 Từ chối");
  Put(keys::AuditEvent(4), e.SerializeAsString());
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 4 was altered"));
}

TEST_F(AuditTamperTest, DeletedEventIsNamed) {
  Delete(keys::AuditEvent(2));
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 2 is missing"));
  Put(keys::AuditEvent(2), *store_.Get(keys::AuditEvent(3)));
  Delete(keys::AuditEvent(8));  // the last one
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 2 carries index 3"));
}

TEST_F(AuditTamperTest, LastEventDeletedIsNoticed) {
  Delete(keys::AuditEvent(8));
  EXPECT_THAT(log_->Verify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "records 9 events but the store holds 8"));
}

TEST_F(AuditTamperTest, SwappedEventsAreNamed) {
  const std::string one = *store_.Get(keys::AuditEvent(1));
  const std::string six = *store_.Get(keys::AuditEvent(6));
  Put(keys::AuditEvent(1), six);
  Put(keys::AuditEvent(6), one);
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 1 carries index 6"));
}

TEST_F(AuditTamperTest, EventRenumberedToItsNewPlaceIsNamed) {
  // Swapped and renumbered, so that each carries the index of its place:
  // the hashes stored when they were written still tell.
  auto one = *log_->Event(1);
  auto six = *log_->Event(6);
  one.set_index(6);
  six.set_index(1);
  Put(keys::AuditEvent(1), six.SerializeAsString());
  Put(keys::AuditEvent(6), one.SerializeAsString());
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 1 was altered"));
}

TEST_F(AuditTamperTest, AlteredStoredHashIsNamed) {
  Put(keys::AuditNode(2, 1), std::string(32, 'x'));
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "stored hash of events 4 to 7"));
}

TEST_F(AuditTamperTest, GarbageEventIsNamed) {
  Put(keys::AuditEvent(5), "\xff\xff\xff");
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 5 does not parse"));
}

TEST_F(AuditTamperTest, AnEventPastTheLogsEndIsNamed) {
  auto e = *log_->Event(8);
  e.set_index(9);
  Put(keys::AuditEvent(9), e.SerializeAsString());
  EXPECT_THAT(log_->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                       "audit event 9 is stored past"));
}

// A hub's signing key and the CA that checks it.
struct HubKey {
  HubKey() {
    auto ca = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
    anchor = std::make_unique<TrustAnchor>(*TrustAnchor::FromPem(ca->cert_pem));
    auto hub = IssueCertificate(
        *ca, {Role::kHub, "hub", "truc hub", {"localhost"}, {"127.0.0.1"}});
    signer = std::shared_ptr<const Signer>(
        std::move(*Signer::FromPem(hub->key_pem, hub->cert_pem)));
  }
  AuditLog::SignerFn fn() {
    return [this] { return signer; };
  }
  std::unique_ptr<TrustAnchor> anchor;
  std::shared_ptr<const Signer> signer;
};

int64_t RealNow() { return NowMicros(); }

TEST_P(AuditCheckpointTest, CheckpointsAreSignedKeptAndExtendEachOther) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  EXPECT_THAT(log->Checkpoint(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "empty"));
  EXPECT_FALSE(log->LatestCheckpoint().has_value());
  CommitEvents(log.get(), 5);
  auto first = log->Checkpoint();
  ASSERT_TRUE(first.ok()) << first.status();
  auto v1 = VerifyCheckpoint(*key.anchor, *first);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->checkpoint.size(), 5u);
  EXPECT_EQ(v1->checkpoint.root_hash(), log->root());
  EXPECT_EQ(v1->checkpoint.hub(), "hub");
  // Nothing new: the same checkpoint, not another.
  EXPECT_EQ(log->Checkpoint()->SerializeAsString(), first->SerializeAsString());

  CommitEvents(log.get(), 6, 5);
  auto second = *log->Checkpoint();
  truc::v1::ConsistencyProof proof;
  proof.set_old_size(5);
  proof.set_new_size(11);
  auto path = log->ConsistencyProof(5, 11);
  for (auto& h : *path) proof.add_path(h);
  TRUC_EXPECT_OK(
      VerifyCheckpointConsistency(*key.anchor, *first, second, proof));
  auto report = log->Verify(key.anchor.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 11u);
  EXPECT_EQ(report->checkpoints, 2u);
}

TEST(AuditCheckpointRocksDbTest, CheckpointsStayConsistentAcrossRestarts) {
  HubKey key;
  TempDir dir;
  truc::v1::SignedCheckpoint before;
  {
    auto store = *RocksDbStore::Open(dir.Sub("db"));
    auto log = *AuditLog::Open(store.get(), RealNow, key.fn());
    CommitEvents(log.get(), 21);
    before = *log->Checkpoint();
  }
  auto store = *RocksDbStore::Open(dir.Sub("db"));
  auto log = *AuditLog::Open(store.get(), RealNow, key.fn());
  ASSERT_TRUE(log->LatestCheckpoint().has_value());
  EXPECT_EQ(log->LatestCheckpoint()->SerializeAsString(),
            before.SerializeAsString());
  CommitEvents(log.get(), 9, 21);
  auto after = *log->Checkpoint();
  truc::v1::ConsistencyProof proof;
  proof.set_old_size(21);
  proof.set_new_size(30);
  auto path = log->ConsistencyProof(21, 30);
  for (auto& h : *path) proof.add_path(h);
  TRUC_EXPECT_OK(
      VerifyCheckpointConsistency(*key.anchor, before, after, proof));
}

TEST_P(AuditCheckpointTest, ADocumentsEventsAreProvenAgainstASignedCheckpoint) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  CommitEvents(log.get(), 4);
  WriteBatch change;
  change.Put("d/Y", "x");
  ASSERT_TRUE(log->Commit(change, {Arrived("000.21.30.H99", "Y"),
                                   Arrived("000.07.00.H99", "Y")})
                  .ok());
  CommitEvents(log.get(), 3, 6);
  ASSERT_TRUE(log->Commit(change, {Arrived("000.03.00.H99", "Y")}).ok());
  // No checkpoint covers the last event yet: one is signed for the proof.
  auto proof = log->ProveDocument("Y");
  ASSERT_TRUE(proof.ok()) << proof.status();
  auto v = VerifyDocumentProof(*key.anchor, *proof);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->events.size(), 3u);
  EXPECT_EQ(v->events[0].index(), 4u);
  EXPECT_EQ(v->events[2].index(), 9u);
  EXPECT_EQ(v->events[0].actor(), "000.21.30.H99");
  EXPECT_EQ(v->checkpoint.checkpoint.size(), 10u);
  EXPECT_THAT(log->ProveDocument("never"),
              StatusIs(absl::StatusCode::kNotFound, "no event of document"));
  // Only the events a caller may see, when asked.
  auto own = log->ProveDocument(
      "Y", [](const AuditEvent& e) { return e.actor() == "000.07.00.H99"; });
  ASSERT_TRUE(own.ok()) << own.status();
  v = VerifyDocumentProof(*key.anchor, *own);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->events.size(), 1u);
  EXPECT_EQ(v->events[0].index(), 5u);
  EXPECT_THAT(log->ProveDocument("Y", [](const AuditEvent&) { return false; }),
              StatusIs(absl::StatusCode::kNotFound, "that the caller may see"));
}

TEST_P(AuditLogVerifyTest, ALogBeingAppendedToVerifiesAsOfWhenTheCheckBegan) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  CommitEvents(log.get(), 50);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 50; !stop.load(); ++i) {
      WriteBatch change;
      change.Put("d/D" + std::to_string(i), "UBND xã Y Tịch");
      ASSERT_TRUE(log->Commit(change, {Arrived("000.21.30.H99",
                                               "D" + std::to_string(i))})
                      .ok());
      if (i % 7 == 0) {
        ASSERT_TRUE(log->Checkpoint().ok());
      }
    }
  });
  for (int i = 0; i < 30; ++i) {
    auto report = log->Verify(key.anchor.get());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_GE(report->events, 50u);
    auto proof = log->ProveDocument("D" + std::to_string(i));
    ASSERT_TRUE(proof.ok()) << proof.status();
    TRUC_EXPECT_OK(VerifyDocumentProof(*key.anchor, *proof).status());
  }
  stop = true;
  writer.join();
  TRUC_EXPECT_OK(log->Verify(key.anchor.get()).status());
}

TEST_P(AuditCheckpointTest, AHistoryRewrittenWithItsHashesFailsTheCheckpoints) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  CommitEvents(log.get(), 8);
  ASSERT_TRUE(log->Checkpoint().ok());
  CommitEvents(log.get(), 8, 8);
  ASSERT_TRUE(log->Checkpoint().ok());
  // Someone with the disk rewrites event 10 and every hash above it, so
  // that the stored tree agrees with itself again.
  auto e = *log->Event(10);
  e.set_detail("02 Từ chối");
  merkle::MemoryTree tree;
  WriteBatch b;
  for (uint64_t i = 0; i < 16; ++i) {
    std::string bytes =
        i == 10 ? e.SerializeAsString() : *store.Get(keys::AuditEvent(i));
    b.Put(keys::AuditEvent(i), bytes);
    tree.Append(merkle::LeafHash(bytes));
  }
  for (int level = 0; level < 5; ++level) {
    for (uint64_t i = 0; i < (16u >> level); ++i)
      b.Put(keys::AuditNode(level, i), *tree.Node(level, i));
  }
  TRUC_ASSERT_OK(store.Write(b, {}));
  EXPECT_THAT(log->Verify(key.anchor.get()),
              StatusIs(absl::StatusCode::kDataLoss, "checkpoint of 16 events"));
  EXPECT_THAT(log->Verify(key.anchor.get()),
              StatusIs(absl::StatusCode::kDataLoss, "events 8 to 15"));
}

TEST_P(AuditCheckpointTest, EventsRemovedFromTheEndFailTheCheckpoint) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  CommitEvents(log.get(), 6);
  ASSERT_TRUE(log->Checkpoint().ok());
  WriteBatch b;
  b.Delete(keys::AuditEvent(5));
  b.Put(keys::kAuditSize, keys::EncodeFixed64(5));
  TRUC_ASSERT_OK(store.Write(b, {}));
  EXPECT_THAT(log->Verify(key.anchor.get()),
              StatusIs(absl::StatusCode::kDataLoss, "covers 6 events"));
  EXPECT_THAT(AuditLog::Open(&store, RealNow, key.fn()),
              StatusIs(absl::StatusCode::kDataLoss, "events were removed"));
}

TEST_P(AuditCheckpointTest, ALogCutBackToAnOlderCheckpointIsNamed) {
  HubKey key;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, key.fn());
  CommitEvents(log.get(), 4);
  ASSERT_TRUE(log->Checkpoint().ok());
  CommitEvents(log.get(), 2, 4);
  ASSERT_TRUE(log->Checkpoint().ok());
  // The last two events removed with their hashes, the size and the
  // latest checkpoint set back: the log opens, as if it had 4 events.
  WriteBatch b;
  for (uint64_t i : {4, 5}) {
    b.Delete(keys::AuditEvent(i));
    b.Delete(keys::AuditNode(0, i));
  }
  b.Delete(keys::AuditNode(1, 2));
  b.Put(keys::kAuditSize, keys::EncodeFixed64(4));
  b.Put(keys::kAuditLatestCheckpoint, *store.Get(keys::AuditCheckpoint(4)));
  TRUC_ASSERT_OK(store.Write(b, {}));
  log.reset();
  auto reopened = AuditLog::Open(&store, RealNow, key.fn());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_THAT((*reopened)->Verify(key.anchor.get()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "a signed checkpoint covers 6 events but the log has "
                       "4"));
}

TEST_P(AuditCheckpointTest, ACheckpointNotSignedByTheHubIsNamed) {
  HubKey key, other;
  Store& store = TestStore();
  auto log = *AuditLog::Open(&store, RealNow, other.fn());
  CommitEvents(log.get(), 3);
  ASSERT_TRUE(log->Checkpoint().ok());
  EXPECT_THAT(log->Verify(key.anchor.get()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint of 3 events is not the hub's"));
}

TEST_P(AuditLogVerifyTest, ALongLogIsVerifiedInPieces) {
  Store& store = TestStore();
  auto log = OpenLog(&store);
  // More than one piece of Verify's reading, not a power of two.
  constexpr int kEvents = (1 << 16) + 1234;
  for (int i = 0; i < kEvents; i += 1000) {
    std::vector<AuditEvent> events;
    for (int j = i; j < std::min(kEvents, i + 1000); ++j)
      events.push_back(Arrived("000.07.00.H99", "D" + std::to_string(j)));
    ASSERT_TRUE(log->Commit(WriteBatch(), std::move(events)).ok());
  }
  auto report = log->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, uint64_t{kEvents});
  auto e = *log->Event(66000);
  e.set_detail("x");
  WriteBatch b;
  b.Put(keys::AuditEvent(66000), e.SerializeAsString());
  TRUC_ASSERT_OK(store.Write(b, {}));
  EXPECT_THAT(log->Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                      "audit event 66000 was altered"));
}

TEST_P(AuditLogOpenTest, BrokenSizeRecordIsRefused) {
  Store& store = TestStore();
  {
    auto log = OpenLog(&store);
    CommitEvents(log.get(), 3);
  }
  WriteBatch b;
  b.Put(keys::kAuditSize, keys::EncodeFixed64(4));  // one more than stored
  TRUC_ASSERT_OK(store.Write(b, {}));
  EXPECT_THAT(AuditLog::Open(&store, FixedNow),
              StatusIs(absl::StatusCode::kDataLoss, "is missing"));
}

}  // namespace
}  // namespace truc::hub
