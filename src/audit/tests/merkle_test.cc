#include "audit/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"

namespace custody::audit {
namespace {

// The error code of a Result or Status, or nullopt if it succeeded (so an unexpected success
// fails the expectation instead of tripping Result's assert).
template <typename R>
std::optional<ErrorCode> CodeOf(const R& r) {
  if (r.ok()) return std::nullopt;
  return r.error().code();
}

Hash HashFromHex(std::string_view hex) {
  const std::optional<Bytes> bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.has_value() && bytes->size() == 32) << hex;
  Hash h{};
  if (bytes && bytes->size() == 32) std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::vector<Hash> HashesFromHex(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash> out;
  for (std::string_view hex : hexes) out.push_back(HashFromHex(hex));
  return out;
}

// The RFC 6962 reference tree used by google/certificate-transparency and transparency-dev/merkle
// (testonly/constants.go): leaf inputs and the roots of the trees over the first n of them.
const char* const kLeafInputsHex[] = {"",
                                      "00",
                                      "10",
                                      "2021",
                                      "3031",
                                      "40414243",
                                      "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"};
const char* const kRootsHex[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",  // size 8
};

MerkleTree ReferenceTree() {
  MerkleTree tree;
  for (const char* hex : kLeafInputsHex) tree.Append(LeafHash(*HexDecode(hex)));
  return tree;
}

// MTH straight from the RFC definition, independent of MerkleTree's caching.
Hash NaiveRoot(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  const size_t k = std::bit_floor(leaves.size() - 1);
  return NodeHash(NaiveRoot(leaves.first(k)), NaiveRoot(leaves.subspan(k)));
}

Hash TestLeaf(uint64_t i) { return LeafHash(AsBytes("leaf-" + std::to_string(i))); }

std::vector<Hash> TestLeaves(uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(TestLeaf(i));
  return leaves;
}

MerkleTree TreeOfSize(uint64_t n) {
  MerkleTree tree;
  for (uint64_t i = 0; i < n; ++i) tree.Append(TestLeaf(i));
  return tree;
}

std::vector<Hash> WithBitFlipped(std::vector<Hash> proof, size_t element, int bit) {
  proof[element][bit / 8] ^= uint8_t(1u << (bit % 8));
  return proof;
}

TEST(MerkleHashTest, HashesAreDomainSeparatedSha256) {
  EXPECT_EQ(EmptyRoot(), HashFromHex(kRootsHex[0]));  // SHA-256("")
  // The one-leaf tree's root is the leaf hash SHA-256(0x00).
  EXPECT_EQ(LeafHash({}), HashFromHex(kRootsHex[1]));
  EXPECT_EQ(NodeHash(LeafHash({}), LeafHash(*HexDecode("00"))), HashFromHex(kRootsHex[2]));
  EXPECT_NE(LeafHash({}), EmptyRoot());
}

TEST(MerkleTreeTest, RootsMatchTheRfc6962ReferenceTable) {
  MerkleTree tree;
  EXPECT_EQ(tree.Root(), HashFromHex(kRootsHex[0]));
  for (size_t n = 1; n <= 8; ++n) {
    tree.Append(LeafHash(*HexDecode(kLeafInputsHex[n - 1])));
    EXPECT_EQ(tree.Root(), HashFromHex(kRootsHex[n])) << "size " << n;
  }
  // Past sizes come from the same tree.
  for (size_t n = 0; n <= 8; ++n) {
    Result<Hash> root = tree.Root(n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, HashFromHex(kRootsHex[n])) << "size " << n;
  }
}

// transparency-dev/merkle proof/verify_test.go (inclusionProofs; its leaf numbers are 1-based).
TEST(MerkleTreeTest, InclusionProofsMatchTheReferenceVectors) {
  struct Vector {
    uint64_t index, size;
    std::vector<Hash> proof;
  };
  const std::vector<Vector> vectors = {
      {0, 1, {}},
      {0, 8,
       HashesFromHex({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       HashesFromHex({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, HashesFromHex({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       HashesFromHex({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  const MerkleTree tree = ReferenceTree();
  for (const Vector& v : vectors) {
    SCOPED_TRACE("index " + std::to_string(v.index) + " size " + std::to_string(v.size));
    Result<std::vector<Hash>> proof = tree.InclusionProof(v.index, v.size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, v.proof);
    const Hash root = HashFromHex(kRootsHex[v.size]);
    EXPECT_TRUE(VerifyInclusion(tree.leaf(v.index), v.index, v.size, v.proof, root).ok());
  }
}

// transparency-dev/merkle proof/verify_test.go (consistencyProofs).
TEST(MerkleTreeTest, ConsistencyProofsMatchTheReferenceVectors) {
  struct Vector {
    uint64_t m, n;
    std::vector<Hash> proof;
  };
  const std::vector<Vector> vectors = {
      {1, 1, {}},
      {1, 8,
       HashesFromHex({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       HashesFromHex({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       HashesFromHex({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       HashesFromHex({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  const MerkleTree tree = ReferenceTree();
  for (const Vector& v : vectors) {
    SCOPED_TRACE("sizes " + std::to_string(v.m) + " and " + std::to_string(v.n));
    Result<std::vector<Hash>> proof = tree.ConsistencyProof(v.m, v.n);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, v.proof);
    EXPECT_TRUE(VerifyConsistency(v.m, v.n, HashFromHex(kRootsHex[v.m]),
                                  HashFromHex(kRootsHex[v.n]), v.proof)
                    .ok());
  }
}

// Every inclusion proof in every tree up to 70 leaves verifies, and every corruption fails:
// a flipped bit anywhere (every bit for trees up to 8, a rotating bit beyond, to keep the test
// fast under sanitizers), any other index, half or double the size, a missing or extra hash.
TEST(MerkleTreeTest, AllInclusionProofsUpTo70VerifyAndRejectTampering) {
  const MerkleTree tree = TreeOfSize(70);
  const std::vector<Hash> leaves = TestLeaves(70);
  for (uint64_t n = 1; n <= 70; ++n) {
    const Hash root = *tree.Root(n);
    EXPECT_EQ(root, NaiveRoot(std::span(leaves).first(n)));
    for (uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE("index " + std::to_string(i) + " size " + std::to_string(n));
      Result<std::vector<Hash>> proof_or = tree.InclusionProof(i, n);
      ASSERT_TRUE(proof_or.ok());
      const std::vector<Hash>& proof = *proof_or;
      const Hash& leaf = tree.leaf(i);
      ASSERT_TRUE(VerifyInclusion(leaf, i, n, proof, root).ok());

      for (size_t e = 0; e < proof.size(); ++e) {
        if (n <= 8) {
          for (int bit = 0; bit < 256; ++bit) {
            ASSERT_FALSE(VerifyInclusion(leaf, i, n, WithBitFlipped(proof, e, bit), root).ok());
          }
        } else {
          const int bit = int((n * 31 + i * 7 + e * 13) % 256);
          ASSERT_FALSE(VerifyInclusion(leaf, i, n, WithBitFlipped(proof, e, bit), root).ok());
        }
      }
      Hash bad_leaf = leaf;
      bad_leaf[31] ^= 1;
      EXPECT_FALSE(VerifyInclusion(bad_leaf, i, n, proof, root).ok());
      Hash bad_root = root;
      bad_root[0] ^= 0x80;
      EXPECT_FALSE(VerifyInclusion(leaf, i, n, proof, bad_root).ok());

      for (uint64_t j = 0; j < n + 2; ++j) {
        if (j == i) continue;
        EXPECT_FALSE(VerifyInclusion(leaf, j, n, proof, root).ok()) << "index " << j;
      }
      EXPECT_FALSE(VerifyInclusion(leaf, i, n * 2, proof, root).ok());
      EXPECT_FALSE(VerifyInclusion(leaf, i, n / 2, proof, root).ok());

      std::vector<Hash> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(leaf, i, n, longer, root).ok());
      if (!proof.empty()) {
        const std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(VerifyInclusion(leaf, i, n, shorter, root).ok());
      }
    }
  }
}

// Every consistency proof between sizes m <= n <= 70 verifies; for 0 < m < n every corruption
// fails: a flipped bit, a different first size (m - 1, m + 1, m ^ 2), half or double the second
// size, a wrong or swapped root, a missing or extra hash.
TEST(MerkleTreeTest, AllConsistencyProofsUpTo70VerifyAndRejectTampering) {
  const MerkleTree tree = TreeOfSize(70);
  for (uint64_t n = 0; n <= 70; ++n) {
    const Hash root_n = *tree.Root(n);
    for (uint64_t m = 0; m <= n; ++m) {
      SCOPED_TRACE("sizes " + std::to_string(m) + " and " + std::to_string(n));
      const Hash root_m = *tree.Root(m);
      Result<std::vector<Hash>> proof_or = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof_or.ok());
      const std::vector<Hash>& proof = *proof_or;
      ASSERT_TRUE(VerifyConsistency(m, n, root_m, root_n, proof).ok());
      if (m == 0 || m == n) {
        EXPECT_TRUE(proof.empty());
        continue;
      }

      for (size_t e = 0; e < proof.size(); ++e) {
        if (n <= 8) {
          for (int bit = 0; bit < 256; ++bit) {
            ASSERT_FALSE(
                VerifyConsistency(m, n, root_m, root_n, WithBitFlipped(proof, e, bit)).ok());
          }
        } else {
          const int bit = int((n * 31 + m * 7 + e * 13) % 256);
          ASSERT_FALSE(VerifyConsistency(m, n, root_m, root_n, WithBitFlipped(proof, e, bit)).ok());
        }
      }
      for (uint64_t wrong_m : {m - 1, m + 1, m ^ 2}) {
        EXPECT_FALSE(VerifyConsistency(wrong_m, n, root_m, root_n, proof).ok()) << wrong_m;
      }
      EXPECT_FALSE(VerifyConsistency(m, n * 2, root_m, root_n, proof).ok());
      EXPECT_FALSE(VerifyConsistency(m, n / 2, root_m, root_n, proof).ok());
      EXPECT_FALSE(VerifyConsistency(m, n, root_n, root_m, proof).ok());
      Hash bad_root = root_m;
      bad_root[5] ^= 4;
      EXPECT_FALSE(VerifyConsistency(m, n, bad_root, root_n, proof).ok());
      bad_root = root_n;
      bad_root[5] ^= 4;
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, bad_root, proof).ok());

      std::vector<Hash> longer = proof;
      longer.push_back(root_n);
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, longer).ok());
      const std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, shorter).ok());
    }
  }
}

// Documents the limit stated in merkle.h: the shape of a proof does not always pin the tree
// size, which is why sizes must come from a signed checkpoint.
TEST(MerkleTreeTest, AProofAloneDoesNotPinTheTreeSize) {
  const MerkleTree tree = TreeOfSize(8);
  const std::vector<Hash> proof = *tree.InclusionProof(0, 8);
  EXPECT_TRUE(VerifyInclusion(tree.leaf(0), 0, 7, proof, tree.Root()).ok());
}

TEST(MerkleTreeTest, LargeTreeRootsMatchTheNaiveDefinition) {
  constexpr uint64_t kSize = 100'000;
  const MerkleTree tree = TreeOfSize(kSize);
  ASSERT_EQ(tree.size(), kSize);
  const std::vector<Hash> leaves = TestLeaves(kSize);
  for (uint64_t n : std::vector<uint64_t>{1, 2, 3, 1000, 65535, 65536, 65537, 99999, kSize}) {
    EXPECT_EQ(*tree.Root(n), NaiveRoot(std::span(leaves).first(n))) << "size " << n;
  }
  EXPECT_EQ(tree.Root(), *tree.Root(kSize));
  for (uint64_t i : std::vector<uint64_t>{0, 1, 65535, 65536, 99998, 99999}) {
    const std::vector<Hash> proof = *tree.InclusionProof(i, kSize);
    EXPECT_LE(proof.size(), 17u);
    EXPECT_TRUE(VerifyInclusion(tree.leaf(i), i, kSize, proof, tree.Root()).ok()) << i;
  }
  const std::vector<Hash> consistency = *tree.ConsistencyProof(65537, kSize);
  EXPECT_TRUE(VerifyConsistency(65537, kSize, *tree.Root(65537), tree.Root(), consistency).ok());
}

TEST(MerkleTreeTest, TruncateThenAppendMatchesAFreshTree) {
  MerkleTree tree = TreeOfSize(100);
  const Hash root_37 = *tree.Root(37);
  tree.TruncateTo(37);
  EXPECT_EQ(tree.size(), 37u);
  EXPECT_EQ(tree.Root(), root_37);
  EXPECT_FALSE(tree.Root(38).ok());

  // Diverge after the rollback: the leaves appended now are different ones.
  MerkleTree fresh = TreeOfSize(37);
  for (uint64_t i = 0; i < 43; ++i) {
    const Hash other = LeafHash(AsBytes("other-" + std::to_string(i)));
    tree.Append(other);
    fresh.Append(other);
  }
  ASSERT_EQ(tree.size(), fresh.size());
  for (uint64_t n = 0; n <= tree.size(); ++n) {
    EXPECT_EQ(*tree.Root(n), *fresh.Root(n)) << n;
    for (uint64_t i = 0; i < n; ++i) {
      EXPECT_EQ(*tree.InclusionProof(i, n), *fresh.InclusionProof(i, n));
    }
  }

  tree.TruncateTo(tree.size());  // no-op
  EXPECT_EQ(tree.Root(), fresh.Root());
  tree.TruncateTo(0);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.Root(), EmptyRoot());
  tree.Append(TestLeaf(0));
  EXPECT_EQ(tree.Root(), TestLeaf(0));
}

TEST(MerkleTreeTest, OutOfRangeArgumentsAreInvalidArgument) {
  const MerkleTree empty;
  EXPECT_EQ(*empty.Root(0), EmptyRoot());
  EXPECT_EQ(CodeOf(empty.Root(1)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(empty.InclusionProof(0, 0)), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(empty.ConsistencyProof(0, 0).ok());

  const MerkleTree tree = TreeOfSize(5);
  EXPECT_EQ(CodeOf(tree.Root(6)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(tree.InclusionProof(5, 5)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(tree.InclusionProof(3, 3)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(tree.InclusionProof(0, 6)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(tree.ConsistencyProof(4, 3)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(tree.ConsistencyProof(2, 6)), ErrorCode::kInvalidArgument);
}

TEST(MerkleVerifyTest, EdgeCasesFailWithDataLoss) {
  const MerkleTree tree = TreeOfSize(4);
  const Hash root = tree.Root();
  const Hash leaf = tree.leaf(0);

  // A one-leaf tree's root is its leaf, with an empty proof.
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, leaf).ok());
  Status s = VerifyInclusion(leaf, 4, 4, *tree.InclusionProof(3, 4), root);
  ASSERT_EQ(CodeOf(s), ErrorCode::kDataLoss);
  EXPECT_NE(s.error().message().find("index"), std::string::npos);
  s = VerifyInclusion(leaf, 0, 0, {}, EmptyRoot());
  EXPECT_EQ(CodeOf(s), ErrorCode::kDataLoss);
  s = VerifyInclusion(tree.leaf(1), 0, 4, *tree.InclusionProof(0, 4), root);
  ASSERT_EQ(CodeOf(s), ErrorCode::kDataLoss);
  EXPECT_NE(s.error().message().find("root"), std::string::npos);

  const Hash root_2 = *tree.Root(2);
  const std::vector<Hash> one = {root};
  EXPECT_TRUE(VerifyConsistency(4, 4, root, root, {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 4, EmptyRoot(), root, {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
  EXPECT_EQ(CodeOf(VerifyConsistency(4, 2, root, root_2, {})), ErrorCode::kDataLoss);
  EXPECT_EQ(CodeOf(VerifyConsistency(4, 4, root, root, one)), ErrorCode::kDataLoss);
  EXPECT_EQ(CodeOf(VerifyConsistency(4, 4, root, root_2, {})), ErrorCode::kDataLoss);
  EXPECT_EQ(CodeOf(VerifyConsistency(0, 4, EmptyRoot(), root, one)), ErrorCode::kDataLoss);
  EXPECT_EQ(CodeOf(VerifyConsistency(0, 4, root_2, root, {})), ErrorCode::kDataLoss);
  s = VerifyConsistency(2, 4, root_2, root, {});
  ASSERT_EQ(CodeOf(s), ErrorCode::kDataLoss);
  EXPECT_NE(s.error().message().find("empty"), std::string::npos);
}

}  // namespace
}  // namespace custody::audit
