#include "hub/exchange/audit_log.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/evidence.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

// Verify reads the events in pieces of this many, then checks the hashes
// they complete: memory stays bounded whatever the log's size.
constexpr uint64_t kVerifyChunk = 1 << 16;

absl::StatusOr<truc::v1::Checkpoint> ParseCheckpoint(
    const truc::v1::SignedCheckpoint& signed_cp, absl::string_view where) {
  truc::v1::Checkpoint cp;
  if (!cp.ParseFromString(signed_cp.body())) {
    return absl::DataLossError(
        absl::StrCat("the audit checkpoint at ", where, " does not parse"));
  }
  return cp;
}

}  // namespace

truc::v1::AuditEvent NewAuditEvent(absl::string_view kind,
                                   const Identity& actor, std::string detail) {
  truc::v1::AuditEvent e;
  e.set_kind(std::string(kind));
  e.set_actor(actor.Principal());
  e.set_actor_certificate(actor.serial_hex);
  e.set_detail(std::move(detail));
  return e;
}

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
    Store* store, std::function<int64_t()> now_micros, SignerFn signer) {
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
  std::optional<truc::v1::SignedCheckpoint> latest;
  uint64_t latest_size = 0;
  auto cp_bytes = store->Get(keys::kAuditLatestCheckpoint);
  if (cp_bytes.ok()) {
    latest.emplace();
    if (!latest->ParseFromString(*cp_bytes)) {
      return absl::DataLossError("the latest audit checkpoint does not parse");
    }
    TRUC_ASSIGN_OR_RETURN(truc::v1::Checkpoint cp,
                          ParseCheckpoint(*latest, "v/cp"));
    if (cp.size() > size) {
      return absl::DataLossError(absl::StrCat(
          "the latest audit checkpoint covers ", cp.size(),
          " events but the log holds ", size, ": events were removed"));
    }
    latest_size = cp.size();
  } else if (!absl::IsNotFound(cp_bytes.status())) {
    return cp_bytes.status();
  }
  return std::unique_ptr<AuditLog>(
      new AuditLog(store, std::move(now_micros), std::move(signer),
                   std::move(frontier), std::move(latest), latest_size));
}

AuditLog::AuditLog(Store* store, std::function<int64_t()> now_micros,
                   SignerFn signer, merkle::Frontier frontier,
                   std::optional<truc::v1::SignedCheckpoint> latest,
                   uint64_t latest_size)
    : store_(store),
      now_micros_(std::move(now_micros)),
      signer_(std::move(signer)),
      frontier_(std::move(frontier)),
      latest_(std::move(latest)),
      latest_size_(latest_size) {}

absl::StatusOr<uint64_t> AuditLog::Commit(
    const WriteBatch& batch, std::vector<truc::v1::AuditEvent> events,
    const WriteOptions& options) {
  Pending me{&batch, std::move(events), options.sync};
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
    bool sync = false;
    for (Pending* p : group) {
      p->first = next.size();
      AppendEvents(&next, &p->events, now_micros_(), &all);
      all.Append(*p->batch);
      sync = sync || p->sync;
    }
    all.Put(keys::kAuditSize, keys::EncodeFixed64(next.size()));
    const absl::Status written = store_->Write(all, {.sync = sync});

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

void AuditLog::AppendEvents(merkle::Frontier* frontier,
                            std::vector<truc::v1::AuditEvent>* events,
                            int64_t now_micros, WriteBatch* b) {
  for (truc::v1::AuditEvent& e : *events) {
    e.set_index(frontier->size());
    e.set_time_micros(now_micros);
    const std::string bytes = e.SerializeAsString();
    b->Put(keys::AuditEvent(e.index()), bytes);
    if (!e.document_id().empty()) {
      b->Put(keys::AuditDocument(e.document_id(), e.index()), "");
    }
    for (const merkle::Frontier::Node& n :
         frontier->Append(merkle::LeafHash(bytes))) {
      b->Put(keys::AuditNode(n.level, n.index), n.hash);
    }
  }
}

uint64_t AuditLog::size() const {
  absl::MutexLock lock(&mu_);
  return frontier_.size();
}

std::string AuditLog::root() const {
  absl::MutexLock lock(&mu_);
  return frontier_.Root();
}

absl::StatusOr<truc::v1::AuditEvent> AuditLog::Event(uint64_t index) const {
  TRUC_ASSIGN_OR_RETURN(std::string bytes,
                        store_->Get(keys::AuditEvent(index)));
  truc::v1::AuditEvent e;
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

absl::StatusOr<truc::v1::SignedCheckpoint> AuditLog::Checkpoint() {
  absl::MutexLock serial(&checkpoint_mu_);
  uint64_t size = 0;
  std::string root;
  {
    absl::MutexLock lock(&mu_);
    size = frontier_.size();
    root = frontier_.Root();
    if (latest_ && latest_size_ == size) return *latest_;
  }
  if (size == 0) {
    return absl::FailedPreconditionError(
        "the audit log is empty: there is nothing to sign yet");
  }
  std::shared_ptr<const Signer> signer = signer_ ? signer_() : nullptr;
  if (!signer) {
    return absl::FailedPreconditionError(
        "the hub has no signing key for audit checkpoints");
  }
  truc::v1::Checkpoint cp;
  cp.set_hub(signer->identity().name);
  cp.set_size(size);
  cp.set_root_hash(root);
  cp.mutable_at()->set_unix_micros(now_micros_());
  TRUC_ASSIGN_OR_RETURN(truc::v1::SignedCheckpoint signed_cp,
                        SignCheckpoint(*signer, cp));
  const std::string bytes = signed_cp.SerializeAsString();
  WriteBatch b;
  b.Put(keys::AuditCheckpoint(size), bytes);
  b.Put(keys::kAuditLatestCheckpoint, bytes);
  TRUC_RETURN_IF_ERROR(store_->Write(b, {.sync = true}));
  absl::MutexLock lock(&mu_);
  latest_ = signed_cp;
  latest_size_ = size;
  return signed_cp;
}

std::optional<truc::v1::SignedCheckpoint> AuditLog::LatestCheckpoint() const {
  absl::MutexLock lock(&mu_);
  return latest_;
}

absl::StatusOr<truc::v1::DocumentProof> AuditLog::ProveDocument(
    const std::string& document_id,
    const std::function<bool(const truc::v1::AuditEvent&)>& include) {
  std::vector<uint64_t> indices;
  const std::string prefix = keys::AuditDocumentPrefix(document_id);
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(prefix, [&](auto k, auto) {
    indices.push_back(keys::DecodeFixed64(k.substr(prefix.size())));
    return true;
  }));
  // An index entry is written with its event, before the commit counts
  // it: one not yet counted has no place in the tree to prove.
  const uint64_t committed = size();
  std::vector<std::pair<uint64_t, std::string>> events;
  for (uint64_t index : indices) {
    if (index >= committed) break;
    TRUC_ASSIGN_OR_RETURN(std::string bytes,
                          store_->Get(keys::AuditEvent(index)));
    if (include) {
      truc::v1::AuditEvent e;
      if (!e.ParseFromString(bytes)) {
        return absl::DataLossError(
            absl::StrCat("audit event ", index, " does not parse"));
      }
      if (!include(e)) continue;
    }
    events.emplace_back(index, std::move(bytes));
  }
  if (events.empty()) {
    return absl::NotFoundError(
        absl::StrCat("the audit log has no event of document ", document_id,
                     include ? " that the caller may see" : ""));
  }
  std::optional<truc::v1::SignedCheckpoint> cp = LatestCheckpoint();
  uint64_t size = 0;
  if (cp) {
    TRUC_ASSIGN_OR_RETURN(truc::v1::Checkpoint body,
                          ParseCheckpoint(*cp, "v/cp"));
    size = body.size();
  }
  if (!cp || size <= events.back().first) {
    TRUC_ASSIGN_OR_RETURN(cp, Checkpoint());
    TRUC_ASSIGN_OR_RETURN(truc::v1::Checkpoint body,
                          ParseCheckpoint(*cp, "v/cp"));
    size = body.size();
  }
  truc::v1::DocumentProof proof;
  proof.set_document_id(document_id);
  *proof.mutable_checkpoint() = *cp;
  for (auto& [index, bytes] : events) {
    auto* pe = proof.add_events();
    pe->set_event(std::move(bytes));
    TRUC_ASSIGN_OR_RETURN(std::vector<std::string> path,
                          InclusionProof(index, size));
    for (auto& h : path) pe->add_audit_path(std::move(h));
  }
  return proof;
}

absl::Status AuditLog::NothingPastTheEnd() const {
  // With no group being written, nothing of the log is stored past its
  // size: the store cannot change under the two reads below.
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !leader_active_;
  };
  mu_.Await(absl::Condition(&idle));
  const uint64_t n = frontier_.size();
  std::optional<uint64_t> event, checkpoint;
  TRUC_RETURN_IF_ERROR(store_->Scan(
      keys::AuditEvent(n), PrefixSuccessor(keys::kAuditEventPrefix),
      [&](absl::string_view key, absl::string_view) {
        event = keys::DecodeFixed64(key.substr(keys::kAuditEventPrefix.size()));
        return false;
      }));
  if (event) {
    return absl::DataLossError(
        absl::StrCat("audit event ", *event, " is stored past the log's end (",
                     n, " events): the log's size was rewritten to hide it"));
  }
  TRUC_RETURN_IF_ERROR(
      store_->Scan(keys::AuditCheckpoint(n + 1),
                   PrefixSuccessor(keys::kAuditCheckpointPrefix),
                   [&](absl::string_view key, absl::string_view) {
                     checkpoint = keys::DecodeFixed64(
                         key.substr(keys::kAuditCheckpointPrefix.size()));
                     return false;
                   }));
  if (checkpoint) {
    return absl::DataLossError(absl::StrCat(
        "a signed checkpoint covers ", *checkpoint, " events but the log has ",
        n, ": events at the end of the log were removed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditLog::VerifyReport> AuditLog::Verify(
    const TrustAnchor* anchor) const {
  VerifyReport report;
  // The log as committed when the check starts; a busy hub appends while
  // it runs, and what comes later is not checked this time.
  const uint64_t committed = size();
  // The signed checkpoints, by size, each checked on its own first.
  std::map<uint64_t, truc::v1::Checkpoint> checkpoints;
  absl::Status broken;
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(
      keys::kAuditCheckpointPrefix,
      [&](absl::string_view key, absl::string_view value) {
        const uint64_t at = keys::DecodeFixed64(
            key.substr(keys::kAuditCheckpointPrefix.size()));
        truc::v1::SignedCheckpoint signed_cp;
        truc::v1::Checkpoint cp;
        if (!signed_cp.ParseFromArray(value.data(),
                                      static_cast<int>(value.size())) ||
            !cp.ParseFromString(signed_cp.body()) || cp.size() != at) {
          broken = absl::DataLossError(absl::StrCat(
              "the audit checkpoint of ", at, " events does not parse"));
          return false;
        }
        // Signed since the check began, or past the log's end: the last
        // check (NothingPastTheEnd) tells which.
        if (at > committed) return false;
        if (anchor != nullptr) {
          auto checked = VerifyCheckpoint(*anchor, signed_cp);
          if (!checked.ok()) {
            broken = absl::DataLossError(absl::StrCat(
                "the audit checkpoint of ", at,
                " events is not the hub's: ", checked.status().message()));
            return false;
          }
        }
        checkpoints[at] = std::move(cp);
        return true;
      }));
  TRUC_RETURN_IF_ERROR(broken);

  merkle::Frontier tree;
  // Complete subtrees the events gave, not yet compared with the stored.
  std::map<int, std::map<uint64_t, std::string>> made;
  // The first checkpoint whose root the events do not give, and the
  // largest size before it at which a checkpoint held.
  std::string checkpoint_problem;
  uint64_t last_good = 0;

  // Compares what the events gave with the stored hashes, level by level
  // (the lowest level names a single event), each level in one range read.
  auto compare_made = [&]() -> absl::Status {
    for (auto& [level, nodes] : made) {
      if (nodes.empty()) continue;
      const uint64_t first = nodes.begin()->first;
      const uint64_t last = nodes.rbegin()->first;
      const std::string prefix = keys::AuditNodeLevelPrefix(level);
      auto it = nodes.begin();
      absl::Status problem;
      TRUC_RETURN_IF_ERROR(store_->Scan(
          keys::AuditNode(level, first), keys::AuditNode(level, last + 1),
          [&](absl::string_view key, absl::string_view value) {
            const uint64_t index =
                keys::DecodeFixed64(key.substr(prefix.size()));
            if (index != it->first) {
              problem = absl::DataLossError(absl::StrCat(
                  "the audit log's hash of level ", level, ", index ",
                  it->first, " is missing from the store"));
              return false;
            }
            if (value != it->second) {
              if (level == 0) {
                problem = absl::DataLossError(absl::StrCat(
                    "audit event ", index,
                    " was altered: its hash differs from the one stored when "
                    "it was written"));
              } else {
                problem = absl::DataLossError(absl::StrCat(
                    "the audit log's stored hash of events ", index << level,
                    " to ", ((index + 1) << level) - 1,
                    " does not match the events"));
              }
              return false;
            }
            ++it;
            return true;
          }));
      TRUC_RETURN_IF_ERROR(problem);
      if (it != nodes.end()) {
        return absl::DataLossError(
            absl::StrCat("the audit log's hash of level ", level, ", index ",
                         it->first, " is missing from the store"));
      }
    }
    made.clear();
    if (!checkpoint_problem.empty()) {
      return absl::DataLossError(checkpoint_problem);
    }
    return absl::OkStatus();
  };

  std::string start = keys::AuditEvent(0);
  const std::string end = keys::AuditEvent(committed);
  bool more = true;
  while (more) {
    uint64_t in_chunk = 0;
    more = false;
    TRUC_RETURN_IF_ERROR(store_->Scan(
        start, end, [&](absl::string_view key, absl::string_view value) {
          if (in_chunk == kVerifyChunk) {
            start = std::string(key);
            more = true;
            return false;
          }
          const uint64_t expected = tree.size();
          const uint64_t index =
              keys::DecodeFixed64(key.substr(keys::kAuditEventPrefix.size()));
          if (index != expected) {
            broken = absl::DataLossError(
                absl::StrCat("audit event ", expected,
                             " is missing (the next stored is ", index, ")"));
            return false;
          }
          truc::v1::AuditEvent e;
          if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            broken = absl::DataLossError(
                absl::StrCat("audit event ", index, " does not parse"));
            return false;
          }
          if (e.index() != index) {
            broken = absl::DataLossError(
                absl::StrCat("audit event ", index, " carries index ",
                             e.index(), ": it was moved from its place"));
            return false;
          }
          for (merkle::Frontier::Node& n :
               tree.Append(merkle::LeafHash(value))) {
            made[n.level][n.index] = std::move(n.hash);
          }
          auto cp = checkpoints.find(tree.size());
          if (cp != checkpoints.end() && checkpoint_problem.empty()) {
            if (cp->second.root_hash() != tree.Root()) {
              checkpoint_problem = absl::StrCat(
                  "the signed checkpoint of ", tree.size(), " events (",
                  FormatVietnamTime(cp->second.at().unix_micros()),
                  ") does not match the stored events: one of events ",
                  last_good, " to ", tree.size() - 1,
                  " was altered, removed or moved, and the stored hashes "
                  "rewritten to hide it");
            } else {
              last_good = tree.size();
            }
          }
          ++in_chunk;
          return true;
        }));
    TRUC_RETURN_IF_ERROR(broken);
    TRUC_RETURN_IF_ERROR(compare_made());
  }
  report.events = tree.size();
  report.checkpoints = checkpoints.size();

  auto beyond = checkpoints.upper_bound(tree.size());
  if (beyond != checkpoints.end()) {
    return absl::DataLossError(
        absl::StrCat("a signed checkpoint covers ", beyond->first,
                     " events but the store holds ", tree.size(),
                     ": events at the end of the log were removed"));
  }
  TRUC_RETURN_IF_ERROR(NothingPastTheEnd());
  if (committed != tree.size()) {
    return absl::DataLossError(absl::StrCat("the audit log records ", committed,
                                            " events but the store holds ",
                                            tree.size()));
  }
  // At least `committed`: events may have been appended since.
  auto stored_size = store_->Get(keys::kAuditSize);
  if (tree.size() > 0 && (!stored_size.ok() || stored_size->size() != 8 ||
                          keys::DecodeFixed64(*stored_size) < tree.size())) {
    return absl::DataLossError(
        absl::StrCat("the audit log's stored size does not match its ",
                     tree.size(), " events"));
  }
  return report;
}

}  // namespace truc::hub
