#include "audit/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>

namespace custody::audit {
namespace {

// SHA-256 over the concatenation of `parts`. The digest is fetched once and each thread keeps
// one context, because the tree hashes many small inputs and per-call fetches would dominate.
Hash Sha256(std::initializer_list<std::span<const uint8_t>> parts) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());

  Hash out;
  unsigned int len = 0;
  bool ok = md != nullptr && ctx != nullptr && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
  for (std::span<const uint8_t> part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == out.size();
  // Only an out-of-memory or a broken OpenSSL gets here. Returning anything would put a wrong
  // hash into a tamper-evident log, so stop instead.
  if (!ok) {
    std::fputs("custody: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  return out;
}

Error DataLoss(std::string message) { return Error(ErrorCode::kDataLoss, std::move(message)); }

std::string Num(uint64_t v) { return std::to_string(v); }

}  // namespace

Hash LeafHash(std::span<const uint8_t> data) {
  static constexpr uint8_t kLeafPrefix[] = {0x00};
  return Sha256({kLeafPrefix, data});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  static constexpr uint8_t kNodePrefix[] = {0x01};
  return Sha256({kNodePrefix, left, right});
}

Hash EmptyRoot() {
  static const Hash empty = Sha256({});
  return empty;
}

const Hash& MerkleTree::leaf(uint64_t index) const {
  assert(index < size());
  return levels_[0][index];
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each level k holds size() >> k hashes: a level that just became even completed a block of
  // the level above. The level looked at is never empty, since something was just pushed to it.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& level = levels_[k];
    Hash parent = NodeHash(level[level.size() - 2], level.back());
    levels_[k + 1].push_back(parent);
  }
}

void MerkleTree::TruncateTo(uint64_t new_size) {
  assert(new_size <= size());
  for (size_t k = 0; k < levels_.size(); ++k) levels_[k].resize(new_size >> k);
  while (!levels_.empty() && levels_.back().empty()) levels_.pop_back();
}

Hash MerkleTree::SubtreeHash(uint64_t begin, uint64_t end) const {
  assert(begin < end && end <= size());
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && (begin & (n - 1)) == 0) {
    const int level = std::countr_zero(n);
    return levels_[level][begin >> level];
  }
  const uint64_t k = std::bit_floor(n - 1);  // largest power of two < n (n >= 2 here)
  return NodeHash(SubtreeHash(begin, begin + k), SubtreeHash(begin + k, end));
}

Result<Hash> MerkleTree::Root(uint64_t tree_size) const {
  if (tree_size > size()) {
    return InvalidArgument("tree size " + Num(tree_size) + " exceeds the log size " + Num(size()));
  }
  if (tree_size == 0) return EmptyRoot();
  return SubtreeHash(0, tree_size);
}

Hash MerkleTree::Root() const { return size() == 0 ? EmptyRoot() : SubtreeHash(0, size()); }

void MerkleTree::AppendPath(uint64_t index, uint64_t begin, uint64_t end,
                            std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (n == 1) return;
  const uint64_t k = std::bit_floor(n - 1);
  if (index < k) {
    AppendPath(index, begin, begin + k, out);
    out.push_back(SubtreeHash(begin + k, end));
  } else {
    AppendPath(index - k, begin + k, end, out);
    out.push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > size()) {
    return InvalidArgument("tree size " + Num(tree_size) + " exceeds the log size " + Num(size()));
  }
  if (index >= tree_size) {
    return InvalidArgument("leaf index " + Num(index) + " is not below tree size " +
                           Num(tree_size));
  }
  std::vector<Hash> proof;
  AppendPath(index, 0, tree_size, proof);
  return proof;
}

// SUBPROOF(m, D[begin:end], whole): `m` counts leaves from `begin`; `whole` is true while the
// range is the whole first tree's right edge so far (its hash is known to the verifier).
void MerkleTree::AppendSubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                                std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(SubtreeHash(begin, end));
    return;
  }
  const uint64_t k = std::bit_floor(n - 1);
  if (m <= k) {
    AppendSubProof(m, begin, begin + k, whole, out);
    out.push_back(SubtreeHash(begin + k, end));
  } else {
    AppendSubProof(m - k, begin + k, end, false, out);
    out.push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t m, uint64_t n) const {
  if (n > size()) {
    return InvalidArgument("tree size " + Num(n) + " exceeds the log size " + Num(size()));
  }
  if (m > n) {
    return InvalidArgument("first size " + Num(m) + " is larger than second size " + Num(n));
  }
  std::vector<Hash> proof;
  if (m != 0 && m != n) AppendSubProof(m, 0, n, true, proof);
  return proof;
}

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                       std::span<const Hash> proof, const Hash& root) {
  const std::string where = " (index " + Num(index) + ", tree size " + Num(tree_size) + ")";
  if (index >= tree_size) return DataLoss("inclusion proof: index is not below tree size" + where);
  // fn walks the leaf's position up the tree and sn the last leaf's; where they meet on the right
  // edge, levels without a sibling are skipped.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return DataLoss("inclusion proof has too many hashes" + where);
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while (fn != 0 && (fn & 1) == 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return DataLoss("inclusion proof has too few hashes" + where);
  if (r != root) return DataLoss("inclusion proof does not lead to the expected root" + where);
  return OkStatus();
}

Status VerifyConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                         std::span<const Hash> proof) {
  const std::string where = " (sizes " + Num(m) + " and " + Num(n) + ")";
  if (m > n) return DataLoss("consistency proof: first size is larger than second" + where);
  if (m == n) {
    if (!proof.empty()) return DataLoss("consistency proof for equal sizes is not empty" + where);
    if (root_m != root_n) return DataLoss("roots of equal sizes differ" + where);
    return OkStatus();
  }
  if (m == 0) {
    if (!proof.empty()) return DataLoss("consistency proof from size 0 is not empty" + where);
    if (root_m != EmptyRoot()) return DataLoss("root of size 0 is not the empty-tree hash");
    return OkStatus();
  }
  if (proof.empty()) return DataLoss("consistency proof is empty" + where);

  // When m is a power of two the first tree is a complete left subtree, so its root is the
  // starting hash and the proof omits it (RFC 9162 §2.1.4.2 step 2 "prepends" it).
  size_t i = 0;
  Hash fr;
  if (std::has_single_bit(m)) {
    fr = root_m;
  } else {
    fr = proof[0];
    i = 1;
  }
  Hash sr = fr;
  uint64_t fn = m - 1;
  uint64_t sn = n - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; i < proof.size(); ++i) {
    const Hash& c = proof[i];
    if (sn == 0) return DataLoss("consistency proof has too many hashes" + where);
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (fn != 0 && (fn & 1) == 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return DataLoss("consistency proof has too few hashes" + where);
  if (fr != root_m) return DataLoss("consistency proof does not lead to the first root" + where);
  if (sr != root_n) return DataLoss("consistency proof does not lead to the second root" + where);
  return OkStatus();
}

}  // namespace custody::audit
