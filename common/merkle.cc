#include "common/merkle.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::merkle {
namespace {

// The largest power of two below n (n >= 2): where RFC 6962 splits.
uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

absl::Status CheckHash(absl::string_view what, absl::string_view hash) {
  if (hash.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", hash.size(), " bytes; a SHA-256 hash is ", kHashSize));
  }
  return absl::OkStatus();
}

absl::Status CheckProof(const std::vector<std::string>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    TRUC_RETURN_IF_ERROR(CheckHash(absl::StrCat("proof[", i, "]"), proof[i]));
  }
  return absl::OkStatus();
}

// MTH(D[lo:hi]), from the complete subtrees that make it up.
absl::StatusOr<std::string> SubtreeHash(const NodeSource& nodes, uint64_t lo,
                                        uint64_t hi) {
  const uint64_t n = hi - lo;
  if (std::has_single_bit(n) && lo % n == 0) {
    return nodes.Node(std::countr_zero(n), lo / n);
  }
  const uint64_t k = Split(n);
  TRUC_ASSIGN_OR_RETURN(std::string left, SubtreeHash(nodes, lo, lo + k));
  TRUC_ASSIGN_OR_RETURN(std::string right, SubtreeHash(nodes, lo + k, hi));
  return NodeHash(left, right);
}

// PATH(m, D[lo:hi]) of RFC 6962 2.1.1, appended to `out` leaf side first.
absl::Status Path(const NodeSource& nodes, uint64_t m, uint64_t lo, uint64_t hi,
                  std::vector<std::string>* out) {
  const uint64_t n = hi - lo;
  if (n == 1) return absl::OkStatus();
  const uint64_t k = Split(n);
  if (m < k) {
    TRUC_RETURN_IF_ERROR(Path(nodes, m, lo, lo + k, out));
    TRUC_ASSIGN_OR_RETURN(std::string sibling, SubtreeHash(nodes, lo + k, hi));
    out->push_back(std::move(sibling));
  } else {
    TRUC_RETURN_IF_ERROR(Path(nodes, m - k, lo + k, hi, out));
    TRUC_ASSIGN_OR_RETURN(std::string sibling, SubtreeHash(nodes, lo, lo + k));
    out->push_back(std::move(sibling));
  }
  return absl::OkStatus();
}

// SUBPROOF(m, D[lo:hi], b) of RFC 6962 2.1.2.
absl::Status SubProof(const NodeSource& nodes, uint64_t m, uint64_t lo,
                      uint64_t hi, bool whole, std::vector<std::string>* out) {
  const uint64_t n = hi - lo;
  if (m == n) {
    if (whole) return absl::OkStatus();
    TRUC_ASSIGN_OR_RETURN(std::string hash, SubtreeHash(nodes, lo, hi));
    out->push_back(std::move(hash));
    return absl::OkStatus();
  }
  const uint64_t k = Split(n);
  if (m <= k) {
    TRUC_RETURN_IF_ERROR(SubProof(nodes, m, lo, lo + k, whole, out));
    TRUC_ASSIGN_OR_RETURN(std::string right, SubtreeHash(nodes, lo + k, hi));
    out->push_back(std::move(right));
  } else {
    TRUC_RETURN_IF_ERROR(SubProof(nodes, m - k, lo + k, hi, false, out));
    TRUC_ASSIGN_OR_RETURN(std::string left, SubtreeHash(nodes, lo, lo + k));
    out->push_back(std::move(left));
  }
  return absl::OkStatus();
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0.
void ShiftWhileEven(uint64_t* fn, uint64_t* sn) {
  while (*fn != 0 && (*fn & 1) == 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

}  // namespace

std::string LeafHash(absl::string_view leaf) {
  Sha256 h;
  h.Update(absl::string_view("\x00", 1));
  h.Update(leaf);
  return h.Finish();
}

std::string NodeHash(absl::string_view left, absl::string_view right) {
  Sha256 h;
  h.Update("\x01");
  h.Update(left);
  h.Update(right);
  return h.Finish();
}

std::string EmptyRoot() { return Sha256::Of(""); }

absl::StatusOr<std::string> Root(const NodeSource& nodes, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return SubtreeHash(nodes, 0, size);
}

absl::StatusOr<std::vector<std::string>> InclusionProof(const NodeSource& nodes,
                                                        uint64_t index,
                                                        uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is not in a tree of ", size, " leaves"));
  }
  std::vector<std::string> proof;
  TRUC_RETURN_IF_ERROR(Path(nodes, index, 0, size, &proof));
  return proof;
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    const NodeSource& nodes, uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tree of ", size2, " leaves cannot extend one of ",
                     size1, " leaves"));
  }
  std::vector<std::string> proof;
  if (size1 == 0 || size1 == size2) return proof;
  TRUC_RETURN_IF_ERROR(SubProof(nodes, size1, 0, size2, true, &proof));
  return proof;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             absl::string_view leaf_hash,
                             const std::vector<std::string>& proof,
                             absl::string_view root) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is not in a tree of ", size, " leaves"));
  }
  TRUC_RETURN_IF_ERROR(CheckHash("the leaf hash", leaf_hash));
  TRUC_RETURN_IF_ERROR(CheckHash("the root", root));
  TRUC_RETURN_IF_ERROR(CheckProof(proof));
  uint64_t fn = index;
  uint64_t sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) {
      return absl::DataLossError(
          absl::StrCat("the inclusion proof has ", proof.size(),
                       " hashes, more than a tree of ", size, " leaves needs"));
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) ShiftWhileEven(&fn, &sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::DataLossError(
        absl::StrCat("the inclusion proof has ", proof.size(),
                     " hashes, fewer than a tree of ", size, " leaves needs"));
  }
  if (r != root) {
    return absl::DataLossError(
        absl::StrCat("the inclusion proof of leaf ", index, " leads to root ",
                     HexEncode(r), ", not ", HexEncode(root)));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2,
                               const std::vector<std::string>& proof,
                               absl::string_view root1,
                               absl::string_view root2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tree of ", size2, " leaves cannot extend one of ",
                     size1, " leaves"));
  }
  TRUC_RETURN_IF_ERROR(CheckHash("the first root", root1));
  TRUC_RETURN_IF_ERROR(CheckHash("the second root", root2));
  TRUC_RETURN_IF_ERROR(CheckProof(proof));
  if (size1 == size2) {
    if (!proof.empty()) {
      return absl::DataLossError(
          absl::StrCat("the trees have the same size, yet the proof has ",
                       proof.size(), " hashes"));
    }
    if (root1 != root2) {
      return absl::DataLossError(
          absl::StrCat("two trees of ", size1, " leaves with different roots: ",
                       HexEncode(root1), " and ", HexEncode(root2)));
    }
    return absl::OkStatus();
  }
  if (size1 == 0) {
    if (!proof.empty()) {
      return absl::DataLossError(
          absl::StrCat("every tree extends the empty one, yet the proof has ",
                       proof.size(), " hashes"));
    }
    return absl::OkStatus();
  }
  if (proof.empty()) {
    return absl::DataLossError(absl::StrCat("the consistency proof from ",
                                            size1, " to ", size2,
                                            " leaves is empty"));
  }

  // RFC 9162 2.1.4.2. A first tree whose size is a power of two is a
  // complete subtree of the second: its root starts the path.
  std::vector<absl::string_view> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  for (const std::string& p : proof) path.push_back(p);
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr(path[0]);
  std::string sr(path[0]);
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) {
      return absl::DataLossError(absl::StrCat(
          "the consistency proof from ", size1, " to ", size2, " leaves has ",
          proof.size(), " hashes, more than it needs"));
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(path[i], fr);
      sr = NodeHash(path[i], sr);
      if ((fn & 1) == 0) ShiftWhileEven(&fn, &sn);
    } else {
      sr = NodeHash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::DataLossError(absl::StrCat(
        "the consistency proof from ", size1, " to ", size2, " leaves has ",
        proof.size(), " hashes, fewer than it needs"));
  }
  if (fr != root1) {
    return absl::DataLossError(
        absl::StrCat("the consistency proof does not lead to the first root: ",
                     HexEncode(fr), ", not ", HexEncode(root1)));
  }
  if (sr != root2) {
    return absl::DataLossError(
        absl::StrCat("the consistency proof does not lead to the second root: ",
                     HexEncode(sr), ", not ", HexEncode(root2)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Frontier> Frontier::Load(const NodeSource& nodes,
                                        uint64_t size) {
  Frontier f;
  f.size_ = size;
  for (int level = 63; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    TRUC_ASSIGN_OR_RETURN(std::string hash,
                          nodes.Node(level, (size >> level) - 1));
    TRUC_RETURN_IF_ERROR(
        CheckHash(absl::StrCat("the stored node at level ", level), hash));
    f.edge_.push_back(std::move(hash));
  }
  return f;
}

std::vector<Frontier::Node> Frontier::Append(absl::string_view leaf_hash) {
  std::vector<Node> done;
  std::string hash(leaf_hash);
  int level = 0;
  uint64_t index = size_;
  done.push_back(Node{level, index, hash});
  // Each set low bit of the old size is a complete subtree on the edge
  // that the new one pairs with.
  while (((size_ >> level) & 1) != 0) {
    hash = NodeHash(edge_.back(), hash);
    edge_.pop_back();
    ++level;
    index >>= 1;
    done.push_back(Node{level, index, hash});
  }
  edge_.push_back(std::move(hash));
  ++size_;
  return done;
}

std::string Frontier::Root() const {
  if (edge_.empty()) return EmptyRoot();
  std::string r = edge_.back();
  for (size_t i = edge_.size() - 1; i-- > 0;) r = NodeHash(edge_[i], r);
  return r;
}

void MemoryTree::Append(absl::string_view leaf_hash) {
  for (Frontier::Node& n : frontier_.Append(leaf_hash)) {
    if (levels_.size() <= static_cast<size_t>(n.level))
      levels_.resize(static_cast<size_t>(n.level) + 1);
    levels_[static_cast<size_t>(n.level)].push_back(std::move(n.hash));
  }
}

absl::StatusOr<std::string> MemoryTree::Node(int level, uint64_t index) const {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[static_cast<size_t>(level)].size()) {
    return absl::NotFoundError(absl::StrCat("no complete subtree at level ",
                                            level, ", index ", index));
  }
  return levels_[static_cast<size_t>(level)][index];
}

}  // namespace truc::merkle
