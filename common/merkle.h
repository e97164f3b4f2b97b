// Merkle trees as RFC 6962 (Certificate Transparency, section 2.1) defines
// them, with SHA-256: the hash of a leaf is SHA-256(0x00 || leaf), of an
// inner node SHA-256(0x01 || left || right), of the empty tree SHA-256 of
// nothing. A tree of n leaves splits at the largest power of two below n,
// so every left subtree is complete and a tree only ever grows on its
// right edge: an append-only log whose every state has one root hash.
//
// What the hub's audit log is built on:
//   - Frontier keeps the right edge of a growing tree (one hash per set
//     bit of its size) and, for each appended leaf, returns the complete
//     subtrees the leaf finishes, so a store can keep every complete
//     subtree's hash and answer proofs without reading the leaves.
//   - Root, InclusionProof and ConsistencyProof compute from those stored
//     hashes (a NodeSource): O(log n) reads each.
//   - VerifyInclusion and VerifyConsistency check a proof with nothing but
//     the proof, the sizes and the root hashes (RFC 9162, 2.1.3.2 and
//     2.1.4.2, which restate RFC 6962's proofs as checking algorithms).
//
// Hashes are 32-byte strings. Thread-safety: the free functions are
// thread-safe; Frontier and MemoryTree are not (one writer, or a lock).
#ifndef TRUC_COMMON_MERKLE_H_
#define TRUC_COMMON_MERKLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc::merkle {

inline constexpr size_t kHashSize = 32;

// SHA-256(0x00 || leaf).
std::string LeafHash(absl::string_view leaf);
// SHA-256(0x01 || left || right).
std::string NodeHash(absl::string_view left, absl::string_view right);
// The root of the tree with no leaves: SHA-256 of the empty string.
std::string EmptyRoot();

// The hashes of complete subtrees: Node(level, index) is the root of the
// 2^level leaves from index * 2^level (level 0: the leaf hashes).
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // Fails (NOT_FOUND, or the store's error) when it does not have it.
  virtual absl::StatusOr<std::string> Node(int level, uint64_t index) const = 0;
};

// The root of the tree of the first `size` leaves. EmptyRoot() for 0.
absl::StatusOr<std::string> Root(const NodeSource& nodes, uint64_t size);

// The audit path of leaf `index` in the tree of the first `size` leaves
// (RFC 6962 2.1.1), nearest sibling first. INVALID_ARGUMENT unless
// index < size; the source's error if a node is missing.
absl::StatusOr<std::vector<std::string>> InclusionProof(const NodeSource& nodes,
                                                        uint64_t index,
                                                        uint64_t size);

// The proof that the tree of the first `size2` leaves extends the one of
// the first `size1` (RFC 6962 2.1.2). Empty when size1 is 0 or equals
// size2. INVALID_ARGUMENT if size1 > size2.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    const NodeSource& nodes, uint64_t size1, uint64_t size2);

// OK if `proof` shows that `leaf_hash` is leaf `index` of the tree of
// `size` leaves whose root is `root`. INVALID_ARGUMENT for an index not
// below the size or a hash that is not 32 bytes; DATA_LOSS, saying how,
// when the proof is too short, too long or leads to another root.
absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             absl::string_view leaf_hash,
                             const std::vector<std::string>& proof,
                             absl::string_view root);

// OK if `proof` shows that the tree of `size2` leaves with root `root2`
// extends the tree of `size1` leaves with root `root1`. A tree extends
// itself (equal sizes: empty proof, equal roots) and every tree extends
// the empty one (size1 0: empty proof). INVALID_ARGUMENT for size1 >
// size2 or a hash that is not 32 bytes; DATA_LOSS when the proof does not
// hold.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2,
                               const std::vector<std::string>& proof,
                               absl::string_view root1,
                               absl::string_view root2);

// The right edge of a growing tree.
class Frontier {
 public:
  // A complete subtree that an append finished: to be stored.
  struct Node {
    int level = 0;
    uint64_t index = 0;
    std::string hash;
  };

  Frontier() = default;
  // The frontier of the tree of the first `size` leaves, read from the
  // stored complete subtrees (one per set bit of `size`).
  static absl::StatusOr<Frontier> Load(const NodeSource& nodes, uint64_t size);

  // Appends a leaf, given as its LeafHash. Returns the complete subtrees
  // it finishes, the leaf itself (level 0) first, then upwards.
  std::vector<Node> Append(absl::string_view leaf_hash);

  uint64_t size() const { return size_; }
  // The root of the tree as it stands.
  std::string Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> edge_;  // one per set bit of size_, highest first
};

// Every complete subtree of a tree, in memory: for tests, and for
// recomputing a log from its leaves.
class MemoryTree final : public NodeSource {
 public:
  void Append(absl::string_view leaf_hash);
  uint64_t size() const { return frontier_.size(); }
  std::string Root() const { return frontier_.Root(); }
  absl::StatusOr<std::string> Node(int level, uint64_t index) const override;

 private:
  Frontier frontier_;
  std::vector<std::vector<std::string>> levels_;
};

}  // namespace truc::merkle

#endif  // TRUC_COMMON_MERKLE_H_
