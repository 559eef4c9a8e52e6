#include "audit/checkpoint.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <utility>

namespace custody::audit {
namespace {

// A decimal without sign or leading zeros ("0" itself is fine) that fits in 64 bits.
std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;  // overflow
  return v;
}

// Canonical padded base64 of exactly 32 bytes.
std::optional<Hash> DecodeHash(std::string_view b64) {
  const std::optional<Bytes> bytes = Base64Decode(b64);
  if (!bytes || bytes->size() != Hash().size()) return std::nullopt;
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// Splits off the next '\n'-terminated line of `rest`; nullopt if no newline is left.
std::optional<std::string_view> NextLine(std::string_view& rest) {
  const size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  const std::string_view line = rest.substr(0, eol);
  rest.remove_prefix(eol + 1);
  return line;
}

Error BadCheckpoint(std::string why) { return InvalidArgument("checkpoint: " + why); }
Error BadProof(std::string why) { return InvalidArgument("tlog-proof: " + why); }

}  // namespace

Status ValidateOrigin(std::string_view origin) {
  if (origin.empty()) return InvalidArgument("checkpoint origin is empty");
  if (origin.find('\n') != std::string_view::npos ||
      !ValidateNoteText(std::string(origin) + "\n").ok()) {
    return InvalidArgument("checkpoint origin has a control character or invalid UTF-8");
  }
  return OkStatus();
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  assert(ValidateOrigin(checkpoint.origin).ok());
  std::string body = checkpoint.origin;
  body += '\n';
  body += std::to_string(checkpoint.size);
  body += '\n';
  body += Base64Encode(checkpoint.root);
  body += '\n';
  return body;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  // Same character rules as any note text; this also guarantees a final newline.
  if (Status s = ValidateNoteText(body); !s.ok()) return BadCheckpoint(s.error().message());
  std::string_view rest = body;
  const std::optional<std::string_view> origin = NextLine(rest);
  const std::optional<std::string_view> size = NextLine(rest);
  const std::optional<std::string_view> root = NextLine(rest);
  if (!root) return BadCheckpoint("fewer than three lines");

  Checkpoint checkpoint;
  if (origin->empty()) return BadCheckpoint("empty origin line");
  checkpoint.origin = std::string(*origin);
  const std::optional<uint64_t> parsed_size = ParseDecimal(*size);
  if (!parsed_size) return BadCheckpoint("tree size is not a decimal without leading zeros");
  checkpoint.size = *parsed_size;
  const std::optional<Hash> parsed_root = DecodeHash(*root);
  if (!parsed_root) return BadCheckpoint("root hash is not base64 of 32 bytes");
  checkpoint.root = *parsed_root;
  // Extension lines are opaque, but the spec requires them to be non-empty.
  while (std::optional<std::string_view> extension = NextLine(rest)) {
    if (extension->empty()) return BadCheckpoint("empty extension line");
  }
  return checkpoint;
}

Result<Checkpoint> OpenCheckpoint(std::string_view signed_checkpoint, std::string_view origin,
                                  std::span<const NoteVerifier> verifiers) {
  ASSIGN_OR_RETURN(const std::string text, OpenNote(signed_checkpoint, verifiers));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpointBody(text));
  if (checkpoint.origin != origin) {
    return Error(ErrorCode::kDataLoss, "checkpoint is for log \"" + checkpoint.origin +
                                           "\", not \"" + std::string(origin) + "\"");
  }
  return checkpoint;
}

std::string FormatTlogProof(uint64_t index, std::span<const Hash> path,
                            std::string_view signed_checkpoint,
                            std::optional<std::span<const uint8_t>> extra) {
  std::string out(kTlogProofHeader);
  out += '\n';
  if (extra) {
    out += "extra ";
    out += Base64Encode(*extra);
    out += '\n';
  }
  out += "index ";
  out += std::to_string(index);
  out += '\n';
  for (const Hash& h : path) {
    out += Base64Encode(h);
    out += '\n';
  }
  out += '\n';
  out += signed_checkpoint;
  return out;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  std::string_view rest = text;
  std::optional<std::string_view> line = NextLine(rest);
  if (!line || *line != kTlogProofHeader) {
    return BadProof("first line is not \"" + std::string(kTlogProofHeader) + "\"");
  }

  TlogProof proof;
  line = NextLine(rest);
  if (line && line->starts_with("extra ")) {
    proof.extra = Base64Decode(line->substr(6));
    if (!proof.extra) return BadProof("extra data is not base64");
    line = NextLine(rest);
  }

  if (!line || !line->starts_with("index ")) return BadProof("missing \"index\" line");
  const std::optional<uint64_t> index = ParseDecimal(line->substr(6));
  if (!index) return BadProof("index is not a decimal without leading zeros");
  proof.index = *index;

  // Hash lines run up to the blank line that separates them from the checkpoint.
  while (true) {
    line = NextLine(rest);
    if (!line) return BadProof("no blank line before the checkpoint");
    if (line->empty()) break;
    if (proof.path.size() == kMaxInclusionPathLength) {
      return BadProof("more than " + std::to_string(kMaxInclusionPathLength) + " path hashes");
    }
    const std::optional<Hash> hash = DecodeHash(*line);
    if (!hash) return BadProof("path entry is not base64 of 32 bytes");
    proof.path.push_back(*hash);
  }

  if (rest.empty()) return BadProof("missing checkpoint");
  proof.signed_checkpoint = std::string(rest);
  return proof;
}

Result<VerifiedTlogProof> VerifyTlogProof(std::string_view text, const Hash& leaf_hash,
                                          std::string_view origin,
                                          std::span<const NoteVerifier> verifiers) {
  ASSIGN_OR_RETURN(TlogProof proof, ParseTlogProof(text));
  ASSIGN_OR_RETURN(Checkpoint checkpoint,
                   OpenCheckpoint(proof.signed_checkpoint, origin, verifiers));
  RETURN_IF_ERROR(
      VerifyInclusion(leaf_hash, proof.index, checkpoint.size, proof.path, checkpoint.root));
  return VerifiedTlogProof{proof.index, std::move(checkpoint), std::move(proof.extra)};
}

}  // namespace custody::audit
