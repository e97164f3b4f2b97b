#include "hub/audit_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "hub/keys.h"

namespace truc::hub {

// The complete subtrees' hashes, as stored.
class AuditLog::StoredNodes final : public merkle::NodeSource {
 public:
  explicit StoredNodes(Store* store) : store_(store) {}
  absl::StatusOr<std::string> Node(int level, uint64_t index) const override {
    auto hash = store_->Get(keys::AuditNode(level, index));
    if (absl::IsNotFound(hash.status())) {
      return absl::DataLossError(absl::StrCat("the audit log's hash of level ",
                                              level, ", index ", index,
                                              " is missing from the store"));
    }
    return hash;
  }

 private:
  Store* store_;
};

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    Store* store, std::function<int64_t()> now_micros) {
  uint64_t size = 0;
  auto stored = store->Get(keys::kAuditSize);
  if (stored.ok()) {
    if (stored->size() != 8) {
      return absl::DataLossError("the audit log's size record is not 8 bytes");
    }
    size = keys::DecodeFixed64(*stored);
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  TRUC_ASSIGN_OR_RETURN(merkle::Frontier frontier,
                        merkle::Frontier::Load(StoredNodes(store), size));
  return std::unique_ptr<AuditLog>(
      new AuditLog(store, std::move(now_micros), std::move(frontier)));
}

AuditLog::AuditLog(Store* store, std::function<int64_t()> now_micros,
                   merkle::Frontier frontier)
    : store_(store),
      now_micros_(std::move(now_micros)),
      frontier_(std::move(frontier)) {}

absl::StatusOr<uint64_t> AuditLog::Commit(
    const WriteBatch& batch, std::vector<truc::internal::AuditEvent> events) {
  Pending me{&batch, std::move(events)};
  mu_.Lock();
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      // Another commit writes its group: wait for it to take this one, or
      // to leave so that this one leads the next group.
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return me.done || !leader_active_;
      };
      mu_.Await(absl::Condition(&ready));
      continue;
    }
    leader_active_ = true;
    std::vector<Pending*> group(queue_.begin(), queue_.end());
    queue_.clear();
    merkle::Frontier next = frontier_;
    mu_.Unlock();

    // Build and write the group's one batch, unlocked: others queue up.
    WriteBatch all;
    for (Pending* p : group) {
      p->first = next.size();
      for (truc::internal::AuditEvent& e : p->events) {
        e.set_index(next.size());
        e.set_time_micros(now_micros_());
        const std::string bytes = e.SerializeAsString();
        all.Put(keys::AuditEvent(e.index()), bytes);
        for (const merkle::Frontier::Node& n :
             next.Append(merkle::LeafHash(bytes))) {
          all.Put(keys::AuditNode(n.level, n.index), n.hash);
        }
      }
      all.Append(*p->batch);
    }
    all.Put(keys::kAuditSize, keys::EncodeFixed64(next.size()));
    const absl::Status written = store_->Write(all, {.sync = true});

    mu_.Lock();
    if (written.ok()) frontier_ = std::move(next);
    for (Pending* p : group) {
      p->status = written;
      p->done = true;
    }
    leader_active_ = false;
  }
  mu_.Unlock();
  if (!me.status.ok()) return me.status;
  return me.first;
}

uint64_t AuditLog::size() const {
  absl::MutexLock lock(&mu_);
  return frontier_.size();
}

std::string AuditLog::root() const {
  absl::MutexLock lock(&mu_);
  return frontier_.Root();
}

absl::StatusOr<truc::internal::AuditEvent> AuditLog::Event(
    uint64_t index) const {
  TRUC_ASSIGN_OR_RETURN(std::string bytes,
                        store_->Get(keys::AuditEvent(index)));
  truc::internal::AuditEvent e;
  if (!e.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("audit event ", index, " does not parse"));
  }
  return e;
}

absl::Status AuditLog::CheckSize(uint64_t at) const {
  const uint64_t now = size();
  if (at > now) {
    return absl::InvalidArgumentError(
        absl::StrCat("the audit log has ", now, " events, not ", at));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AuditLog::RootAt(uint64_t at) const {
  TRUC_RETURN_IF_ERROR(CheckSize(at));
  return merkle::Root(StoredNodes(store_), at);
}

absl::StatusOr<std::vector<std::string>> AuditLog::InclusionProof(
    uint64_t index, uint64_t at) const {
  TRUC_RETURN_IF_ERROR(CheckSize(at));
  return merkle::InclusionProof(StoredNodes(store_), index, at);
}

absl::StatusOr<std::vector<std::string>> AuditLog::ConsistencyProof(
    uint64_t size1, uint64_t size2) const {
  TRUC_RETURN_IF_ERROR(CheckSize(size2));
  return merkle::ConsistencyProof(StoredNodes(store_), size1, size2);
}

absl::Status AuditLog::Verify() const {
  // The leaves, recomputed from the stored events in key order.
  merkle::MemoryTree tree;
  absl::Status broken;
  uint64_t expected = 0;
  TRUC_RETURN_IF_ERROR(store_->Scan(
      keys::kAuditEventPrefix, "v/e0",
      [&](absl::string_view key, absl::string_view value) {
        const uint64_t index =
            keys::DecodeFixed64(key.substr(keys::kAuditEventPrefix.size()));
        if (index != expected) {
          broken = absl::DataLossError(
              absl::StrCat("audit event ", expected,
                           " is missing (the next stored is ", index, ")"));
          return false;
        }
        truc::internal::AuditEvent e;
        if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          broken = absl::DataLossError(
              absl::StrCat("audit event ", index, " does not parse"));
          return false;
        }
        if (e.index() != index) {
          broken = absl::DataLossError(
              absl::StrCat("audit event ", index, " carries index ", e.index(),
                           ": it was moved from its place"));
          return false;
        }
        tree.Append(merkle::LeafHash(value));
        ++expected;
        return true;
      }));
  TRUC_RETURN_IF_ERROR(broken);

  // Each event against the hash stored when it was written, then the
  // subtrees above, level by level: the first disagreement is named.
  StoredNodes stored(store_);
  for (int level = 0; level < 64; ++level) {
    const uint64_t count = tree.size() >> level;
    if (count == 0) break;
    for (uint64_t i = 0; i < count; ++i) {
      auto want = tree.Node(level, i);
      auto have = stored.Node(level, i);
      if (!have.ok()) return have.status();
      if (*have != *want) {
        if (level == 0) {
          return absl::DataLossError(absl::StrCat(
              "audit event ", i,
              " was altered: its hash differs from the one stored when it "
              "was written"));
        }
        return absl::DataLossError(absl::StrCat(
            "the audit log's stored hash of events ", i << level, " to ",
            ((i + 1) << level) - 1, " does not match the events"));
      }
    }
  }
  const uint64_t recorded = size();
  if (recorded != tree.size()) {
    return absl::DataLossError(absl::StrCat("the audit log records ", recorded,
                                            " events but the store holds ",
                                            tree.size()));
  }
  auto stored_size = store_->Get(keys::kAuditSize);
  if (tree.size() > 0 && (!stored_size.ok() || stored_size->size() != 8 ||
                          keys::DecodeFixed64(*stored_size) != tree.size())) {
    return absl::DataLossError(
        absl::StrCat("the audit log's stored size does not match its ",
                     tree.size(), " events"));
  }
  return absl::OkStatus();
}

}  // namespace truc::hub
