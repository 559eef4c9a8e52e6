// Transparency-log checkpoints (c2sp.org/tlog-checkpoint) and offline-verifiable inclusion
// receipts (c2sp.org/tlog-proof@v1).
//
// A checkpoint is a signed note (note.h) whose text is
//     <origin>\n<tree size in decimal>\n<base64 root hash>\n[extension lines\n...]
// A tlog-proof is
//     c2sp.org/tlog-proof@v1\n
//     [extra <base64 opaque data>\n]          (optional, NOT authenticated)
//     index <leaf index in decimal>\n
//     <base64 hash>\n ...                     (RFC 6962 inclusion path, leaf's sibling first)
//     \n
//     <the signed checkpoint, verbatim, including witness cosignatures>
// Base64 is RFC 4648 standard with padding; decimals have no leading zeros (except "0").
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.h"
#include "audit/note.h"
#include "base/encoding.h"
#include "base/result.h"

namespace custody::audit {

struct Checkpoint {
  std::string origin;  // the log's identity, e.g. "custody.example/audit"
  uint64_t size = 0;   // number of leaves
  Hash root{};         // RFC 6962 root at `size` (EmptyRoot() for 0)

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// Checks that `origin` can be a checkpoint's first line: non-empty, valid UTF-8, no control
// characters (so no newline). The spec also recommends (SHOULD) a schema-less URL with no spaces
// or '+', so that the origin can double as the signing key's name; callers that sign with the
// origin as key name get that check from NoteSigner::Create. kInvalidArgument otherwise.
Status ValidateOrigin(std::string_view origin);

// "<origin>\n<size>\n<base64(root)>\n". Writes no extension lines.
// REQUIRES: ValidateOrigin(checkpoint.origin).ok()
std::string FormatCheckpointBody(const Checkpoint& checkpoint);

// Strict parse of a checkpoint note text: at least three lines, each ending in '\n'; a non-empty
// origin; a size in decimal without leading zeros that fits in 64 bits; a root that is canonical
// padded base64 of exactly 32 bytes. Extension lines (non-empty) are accepted and ignored.
// kInvalidArgument naming the problem.
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// Opens a signed checkpoint (OpenNote), parses its text, and checks that its origin is
// `origin`. Errors from OpenNote and ParseCheckpointBody; kDataLoss if the origin differs.
Result<Checkpoint> OpenCheckpoint(std::string_view signed_checkpoint, std::string_view origin,
                                  std::span<const NoteVerifier> verifiers);

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";
// A path in a tree of at most 2^64 - 1 leaves has at most 64 hashes.
inline constexpr size_t kMaxInclusionPathLength = 64;

// A parsed, not yet verified, tlog-proof.
struct TlogProof {
  std::optional<Bytes> extra;     // unauthenticated; absent if the proof has no "extra" line
  uint64_t index = 0;             // the leaf's index in the checkpointed tree
  std::vector<Hash> path;         // the inclusion proof, leaf's sibling first
  std::string signed_checkpoint;  // everything after the blank line, verbatim
};

// Formats a tlog-proof. `signed_checkpoint` is appended verbatim, so pass a whole signed note
// (ending in '\n'). `extra` adds an "extra" line (an empty span gives "extra " with no data).
std::string FormatTlogProof(uint64_t index, std::span<const Hash> path,
                            std::string_view signed_checkpoint,
                            std::optional<std::span<const uint8_t>> extra = std::nullopt);

// Strict parse of a tlog-proof. The signed checkpoint is returned unverified and unparsed; use
// VerifyTlogProof to check it. kInvalidArgument naming the problem.
Result<TlogProof> ParseTlogProof(std::string_view text);

struct VerifiedTlogProof {
  uint64_t index = 0;
  Checkpoint checkpoint;
  std::optional<Bytes> extra;  // still unauthenticated: the signatures do not cover it
};

// Verifies a tlog-proof offline: parses it, opens its checkpoint for `origin` with `verifiers`,
// and checks that `leaf_hash` (a LeafHash) is at the stated index in the checkpointed tree.
// Witness cosignatures in the checkpoint are ignored unless their keys are among `verifiers`
// (and then only need to verify; no witness quorum is enforced here).
// kInvalidArgument for a malformed proof or checkpoint; kDataLoss when a signature, the origin
// or the inclusion proof does not check out.
Result<VerifiedTlogProof> VerifyTlogProof(std::string_view text, const Hash& leaf_hash,
                                          std::string_view origin,
                                          std::span<const NoteVerifier> verifiers);

}  // namespace custody::audit
