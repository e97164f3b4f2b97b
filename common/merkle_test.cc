#include "common/merkle.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "truc/testing/rfc6962.pb.h"

namespace truc::merkle {
namespace {

using truc::testing::StatusIs;

// The eight leaves of RFC 6962's reference tests (Certificate
// Transparency), and the roots of their first 1..8 leaves.
std::vector<std::string> ReferenceLeaves() {
  return {std::string(),
          std::string("\x00", 1),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

const char* const kReferenceRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MemoryTree TreeOf(uint64_t n) {
  MemoryTree tree;
  for (uint64_t i = 0; i < n; ++i) {
    // Vietnamese text as leaves, as the audit log's events carry it.
    tree.Append(LeafHash("sự kiện " + std::to_string(i) + " của Sở Y tế"));
  }
  return tree;
}

TEST(MerkleTest, ReferenceRoots) {
  EXPECT_EQ(HexEncode(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MemoryTree tree;
  auto leaves = ReferenceLeaves();
  for (size_t i = 0; i < leaves.size(); ++i) {
    tree.Append(LeafHash(leaves[i]));
    EXPECT_EQ(HexEncode(tree.Root()), kReferenceRoots[i]) << "size " << i + 1;
  }
  // The same roots from the stored subtrees, for every earlier size.
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    auto root = Root(tree, size);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(HexEncode(*root), kReferenceRoots[size - 1]) << "size " << size;
  }
}

TEST(MerkleTest, AppendReturnsTheSubtreesItCompletes) {
  Frontier f;
  auto done = f.Append(LeafHash("a"));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].level, 0);
  done = f.Append(LeafHash("b"));  // completes [0, 2)
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1].level, 1);
  EXPECT_EQ(done[1].index, 0u);
  EXPECT_EQ(done[1].hash, NodeHash(LeafHash("a"), LeafHash("b")));
  f.Append(LeafHash("c"));
  done = f.Append(LeafHash("d"));  // completes [2, 4) and [0, 4)
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].index, 3u);
  EXPECT_EQ(done[1].level, 1);
  EXPECT_EQ(done[1].index, 1u);
  EXPECT_EQ(done[2].level, 2);
  EXPECT_EQ(done[2].index, 0u);
  EXPECT_EQ(f.size(), 4u);
}

TEST(MerkleTest, FrontierLoadedFromStoredSubtreesGoesOnTheSame) {
  MemoryTree tree = TreeOf(45);
  for (uint64_t size : {0u, 1u, 2u, 7u, 8u, 31u, 44u, 45u}) {
    auto f = Frontier::Load(tree, size);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(f->size(), size);
    EXPECT_EQ(f->Root(), *Root(tree, size)) << size;
  }
  auto f = Frontier::Load(tree, 45);
  MemoryTree more = TreeOf(46);
  f->Append(LeafHash("sự kiện 45 của Sở Y tế"));
  EXPECT_EQ(f->Root(), more.Root());
  // A subtree the store lacks is named.
  EXPECT_THAT(Frontier::Load(tree, 64),
              StatusIs(absl::StatusCode::kNotFound, "level 6, index 0"));
}

TEST(MerkleTest, EveryInclusionProofVerifies) {
  MemoryTree tree = TreeOf(70);
  for (uint64_t size = 1; size <= 70; ++size) {
    const std::string root = *Root(tree, size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = InclusionProof(tree, i, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(VerifyInclusion(i, size, *tree.Node(0, i), *proof, root).ok())
          << "leaf " << i << " of " << size;
    }
  }
  EXPECT_THAT(InclusionProof(tree, 5, 5),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "leaf 5 is not in a tree of 5 leaves"));
}

TEST(MerkleTest, EveryConsistencyProofVerifies) {
  MemoryTree tree = TreeOf(70);
  for (uint64_t size2 = 0; size2 <= 70; ++size2) {
    const std::string root2 = *Root(tree, size2);
    for (uint64_t size1 = 0; size1 <= size2; ++size1) {
      auto proof = ConsistencyProof(tree, size1, size2);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(
          VerifyConsistency(size1, size2, *proof, *Root(tree, size1), root2)
              .ok())
          << size1 << " -> " << size2;
    }
  }
  EXPECT_THAT(ConsistencyProof(tree, 6, 5),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot extend"));
}

std::string FlipBit(std::string s, size_t bit) {
  s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
  return s;
}

// Every way of spoiling an inclusion proof fails: the list (wrong
// index, wrong size, one bit flipped, truncated, extra bytes) and more.
TEST(MerkleTest, EveryCorruptedInclusionProofFails) {
  MemoryTree tree = TreeOf(140);
  int cases = 0;
  for (uint64_t size : {2u, 3u, 8u, 13u, 64u, 70u}) {
    const std::string root = *Root(tree, size);
    for (uint64_t i : {uint64_t{0}, size / 2, size - 1}) {
      const std::string leaf = *tree.Node(0, i);
      const std::vector<std::string> proof = *InclusionProof(tree, i, size);
      auto fails = [&](uint64_t index, uint64_t n, const std::string& l,
                       const std::vector<std::string>& p, const std::string& r,
                       const std::string& what) {
        ++cases;
        EXPECT_FALSE(VerifyInclusion(index, n, l, p, r).ok())
            << what << ": leaf " << i << " of " << size;
      };
      if (i + 1 < size) fails(i + 1, size, leaf, proof, root, "next index");
      if (i > 0) fails(i - 1, size, leaf, proof, root, "previous index");
      fails(i ^ 4, size, leaf, proof, root, "index with a bit changed");
      fails(size, size, leaf, proof, root, "index equal to the size");
      // A wrong size fails when it calls for a path of another length.
      // With a path of the same length the RFC's check may hold (the
      // numbers alone cannot tell a leaf from a subtree): the size is
      // bound to the root by the signed checkpoint, not by the proof.
      for (uint64_t other : {size + 1, size - 1, size * 2, size + 7}) {
        if (other <= i || other == size) continue;
        if (InclusionProof(tree, i, other)->size() == proof.size()) continue;
        fails(i, other, leaf, proof, root, "size " + std::to_string(other));
      }
      for (size_t c = 0; c < proof.size(); ++c) {
        for (size_t bit : {size_t{0}, size_t{7}, size_t{100}, size_t{255}}) {
          auto p = proof;
          p[c] = FlipBit(p[c], bit);
          fails(i, size, leaf, p, root, "bit flipped in a hash");
        }
      }
      fails(i, size, FlipBit(leaf, 3), proof, root, "bit flipped in the leaf");
      fails(i, size, leaf, proof, FlipBit(root, 200), "bit flipped in root");
      if (!proof.empty()) {
        auto p = proof;
        p.pop_back();
        fails(i, size, leaf, p, root, "last hash dropped");
        p = proof;
        p.erase(p.begin());
        fails(i, size, leaf, p, root, "first hash dropped");
        p = proof;
        p.back() += "x";
        fails(i, size, leaf, p, root, "a byte added to a hash");
        p = proof;
        p.back().pop_back();
        fails(i, size, leaf, p, root, "a hash truncated");
      }
      auto p = proof;
      p.push_back(root);
      fails(i, size, leaf, p, root, "a hash appended");
      p = proof;
      p.insert(p.begin(), leaf);
      fails(i, size, leaf, p, root, "a hash prepended");
      if (proof.size() >= 2) {
        p = proof;
        std::swap(p[0], p[1]);
        fails(i, size, leaf, p, root, "two hashes swapped");
      }
      fails(i, size, leaf, proof, leaf + "x", "a root of 33 bytes");
    }
  }
  EXPECT_GT(cases, 500);
}

TEST(MerkleTest, EveryCorruptedConsistencyProofFails) {
  MemoryTree tree = TreeOf(71);
  int cases = 0;
  for (auto [size1, size2] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 2}, {3, 8}, {4, 8}, {5, 13}, {7, 64}, {32, 70}, {63, 64}}) {
    const std::string root1 = *Root(tree, size1);
    const std::string root2 = *Root(tree, size2);
    const auto proof = *ConsistencyProof(tree, size1, size2);
    auto fails = [&](uint64_t m, uint64_t n, const std::vector<std::string>& p,
                     const std::string& r1, const std::string& r2,
                     const std::string& what) {
      ++cases;
      EXPECT_FALSE(VerifyConsistency(m, n, p, r1, r2).ok())
          << what << ": " << size1 << " -> " << size2;
    };
    // A wrong size fails when it calls for a proof of another length
    // (as for inclusion, the signed checkpoint binds size and root).
    for (auto [m, n] :
         std::vector<std::pair<uint64_t, uint64_t>>{{size1 + 1, size2},
                                                    {size1 - 1, size2},
                                                    {size1, size2 + 1},
                                                    {size1, size2 - 1}}) {
      if (m == 0 || m >= n) continue;
      if (ConsistencyProof(tree, m, n)->size() == proof.size()) continue;
      fails(m, n, proof, root1, root2,
            "sizes " + std::to_string(m) + " -> " + std::to_string(n));
    }
    fails(size2, size1, proof, root2, root1, "sizes swapped");
    fails(size1, size2, proof, root2, root1, "roots swapped");
    fails(size1, size2, proof, FlipBit(root1, 9), root2, "root1 altered");
    fails(size1, size2, proof, root1, FlipBit(root2, 9), "root2 altered");
    fails(size1, size2, {}, root1, root2, "empty proof");
    for (size_t c = 0; c < proof.size(); ++c) {
      auto p = proof;
      p[c] = FlipBit(p[c], 77);
      fails(size1, size2, p, root1, root2, "bit flipped in a hash");
    }
    auto p = proof;
    p.pop_back();
    fails(size1, size2, p, root1, root2, "last hash dropped");
    p = proof;
    p.push_back(root2);
    fails(size1, size2, p, root1, root2, "a hash appended");
    p = proof;
    p.insert(p.begin(), root1);
    fails(size1, size2, p, root1, root2, "a hash prepended");
    p = proof;
    p[0] += "x";
    fails(size1, size2, p, root1, root2, "a byte added to a hash");
  }
  // A tree extends itself only with its own root and no proof.
  const std::string root = *Root(tree, 9);
  EXPECT_TRUE(VerifyConsistency(9, 9, {}, root, root).ok());
  EXPECT_FALSE(VerifyConsistency(9, 9, {root}, root, root).ok());
  EXPECT_FALSE(VerifyConsistency(9, 9, {}, root, FlipBit(root, 1)).ok());
  EXPECT_GT(cases, 90);
}

// The public RFC 6962 vectors of transparency-dev/merkle, negative cases
// included. Each file says whether its proof must fail.
template <typename Vector, typename Check>
int RunVectors(const std::string& kind, Check check) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(TRUC_RFC6962_TESTDATA) / kind;
  int run = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  if (ec) {
    ADD_FAILURE() << "cannot read the vectors in " << root << ": "
                  << ec.message();
    return 0;
  }
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json") continue;
    auto text = ReadFile(entry.path().string(), 1 << 20);
    EXPECT_TRUE(text.ok()) << text.status();
    if (!text.ok()) continue;
    Vector v;
    auto parsed = google::protobuf::util::JsonStringToMessage(*text, &v);
    EXPECT_TRUE(parsed.ok()) << entry.path() << ": " << parsed.ToString();
    if (!parsed.ok()) continue;
    const absl::Status got = check(v);
    EXPECT_EQ(got.ok(), !v.want_err())
        << entry.path() << " (" << v.desc() << "): " << got;
    ++run;
  }
  return run;
}

TEST(MerkleTest, PublicInclusionVectors) {
  int run = RunVectors<truc::testing::InclusionVector>(
      "inclusion", [](const truc::testing::InclusionVector& v) {
        std::vector<std::string> proof(v.proof().begin(), v.proof().end());
        return VerifyInclusion(v.leaf_idx(), v.tree_size(), v.leaf_hash(),
                               proof, v.root());
      });
  // Every vector of tests/testdata/rfc6962/inclusion ran.
  EXPECT_EQ(run, 82) << "vectors missing from " TRUC_RFC6962_TESTDATA;
}

TEST(MerkleTest, PublicConsistencyVectors) {
  int run = RunVectors<truc::testing::ConsistencyVector>(
      "consistency", [](const truc::testing::ConsistencyVector& v) {
        std::vector<std::string> proof(v.proof().begin(), v.proof().end());
        return VerifyConsistency(v.size1(), v.size2(), proof, v.root1(),
                                 v.root2());
      });
  EXPECT_EQ(run, 84) << "vectors missing from " TRUC_RFC6962_TESTDATA;
}

}  // namespace
}  // namespace truc::merkle
