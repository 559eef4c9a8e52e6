// RFC 6962 / RFC 9162 Merkle tree hashing for the audit log: leaf and node hashes, an append-only
// tree that serves roots and proofs for any past size, and proof verifiers that need no tree.
//
// Definitions (RFC 9162 §2.1.1): MTH({}) = SHA-256(""); a leaf is SHA-256(0x00 || d); a node is
// SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of two smaller than n. The
// 0x00/0x01 prefixes keep leaves and nodes apart (second-preimage resistance).
//
// What the proofs bind: an inclusion proof binds the leaf, its index and the root; a consistency
// proof binds both roots and the first size. Neither binds the tree size completely (for example,
// the proof for leaf 0 of a tree of 8 also verifies for size 7 against the same root), so sizes
// must come from a signed checkpoint, never from whoever supplies the proof.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace custody::audit {

using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || data).
Hash LeafHash(std::span<const uint8_t> data);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256(""), the root of the empty tree.
Hash EmptyRoot();

// The leaf hashes of an append-only log plus every complete subtree hash, so that the root and
// proofs for any size up to size() cost O(log n) hashes.
//
// Storage: level k holds MTH of each complete, aligned block of 2^k leaves (level 0 = the leaf
// hashes), i.e. size() >> k entries; about 2 hashes (64 bytes) per leaf in total.
//
// Not thread-safe: the caller serialises all access (const methods may run concurrently with
// each other, but not with Append or TruncateTo).
class MerkleTree {
 public:
  MerkleTree() = default;

  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // REQUIRES: index < size()
  const Hash& leaf(uint64_t index) const;

  // Appends one leaf hash (already LeafHash()ed). Amortised O(1): one node hash per block the
  // leaf completes, i.e. fewer than one per call on average and at most log2(size()) in one call.
  void Append(const Hash& leaf_hash);

  // Drops leaves so that size() == new_size (rolling back leaves appended by a transaction that
  // failed). Cached subtrees that lie entirely below new_size stay valid and are kept.
  // REQUIRES: new_size <= size()
  void TruncateTo(uint64_t new_size);

  // The root of the tree's first `tree_size` leaves (EmptyRoot() for 0). kInvalidArgument if
  // tree_size > size().
  Result<Hash> Root(uint64_t tree_size) const;
  // The root at the current size.
  Hash Root() const;

  // RFC 9162 §2.1.3.1 PATH(index, D[0:tree_size]): sibling hashes from the leaf up to the root's
  // child. kInvalidArgument unless index < tree_size <= size().
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;

  // RFC 9162 §2.1.4.1 PROOF(m, D[0:n]). For m == 0 or m == n the proof is empty (every tree
  // extends the empty tree and itself). kInvalidArgument unless m <= n <= size().
  Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n) const;

 private:
  // MTH(D[begin:end]). REQUIRES: begin < end <= size(). O(log n) when the range is a node of
  // some tree over D[0:N] (as in all the RFC algorithms): left children are cached blocks.
  Hash SubtreeHash(uint64_t begin, uint64_t end) const;
  void AppendPath(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>& out) const;
  void AppendSubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                      std::vector<Hash>& out) const;

  std::vector<std::vector<Hash>> levels_;
};

// RFC 9162 §2.1.3.2: checks that `leaf_hash` is at `index` in the tree of `tree_size` leaves
// whose root is `root`. kDataLoss, saying what did not match, on any failure.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                       std::span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2: checks that the tree of size m with root_m is a prefix of the tree of size
// n with root_n. Edge cases (which the RFC algorithm leaves out): m == n needs an empty proof and
// equal roots; m == 0 needs an empty proof and root_m == EmptyRoot(). kDataLoss on any failure.
Status VerifyConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                         std::span<const Hash> proof);

}  // namespace custody::audit
