#include "audit/note.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "base/encoding.h"

namespace custody::audit {
namespace {

constexpr uint8_t kSigTypeEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // em dash U+2014, then a space

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_SEEDBYTES == 32 && crypto_sign_BYTES == 64);

Error Malformed(std::string message) { return InvalidArgument("malformed note: " + message); }
Error DataLoss(std::string message) { return Error(ErrorCode::kDataLoss, std::move(message)); }

// sodium_init() must precede every other libsodium call; it is idempotent and thread-safe, and
// the static makes later calls free.
Status InitSodium() {
  static const int rc = sodium_init();
  if (rc < 0) return Internal("libsodium failed to initialise");
  return OkStatus();
}

// Decodes the UTF-8 sequence starting at s[i] and advances i past it. Returns -1 for invalid
// UTF-8: truncated or overlong sequences, surrogates, and values above U+10FFFF.
int32_t DecodeRune(std::string_view s, size_t& i) {
  const auto byte = [&](size_t j) { return static_cast<uint8_t>(s[j]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  int32_t rune;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, rune = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, rune = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, rune = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - i < static_cast<size_t>(len)) return -1;
  for (int k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return -1;
    rune = (rune << 6) | (b & 0x3F);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return -1;
  i += len;
  return rune;
}

// Unicode White_Space (what Go's unicode.IsSpace accepts, which the reference implementation
// uses to validate key names).
bool IsUnicodeSpace(int32_t r) {
  return (r >= 0x09 && r <= 0x0D) || r == 0x20 || r == 0x85 || r == 0xA0 || r == 0x1680 ||
         (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F ||
         r == 0x3000;
}

uint32_t ReadBigEndian32(std::span<const uint8_t> b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
}

void WriteBigEndian32(uint32_t v, uint8_t* out) {
  out[0] = uint8_t(v >> 24);
  out[1] = uint8_t(v >> 16);
  out[2] = uint8_t(v >> 8);
  out[3] = uint8_t(v);
}

// SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian integer.
uint32_t ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(kSigTypeEd25519);
  input.append(AsChars(public_key));
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1 ||
      len != 32) {
    // As in merkle.cc: a failing SHA-256 means a broken process, not bad input.
    std::fputs("custody: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  return ReadBigEndian32(std::span<const uint8_t>(digest, 4));
}

std::string FormatVerifierKey(std::string_view name, uint32_t key_id,
                              const std::array<uint8_t, 32>& public_key) {
  uint8_t id[4];
  WriteBigEndian32(key_id, id);
  uint8_t typed_key[33];
  typed_key[0] = kSigTypeEd25519;
  std::copy(public_key.begin(), public_key.end(), typed_key + 1);
  return std::string(name) + "+" + HexEncode(id) + "+" + Base64Encode(typed_key);
}

}  // namespace

Status ValidateNoteText(std::string_view text) {
  if (text.empty()) return InvalidArgument("note text is empty");
  if (text.back() != '\n') return InvalidArgument("note text does not end in a newline");
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const int32_t r = DecodeRune(text, i);
    if (r < 0) return InvalidArgument("note text is not valid UTF-8 at byte " + std::to_string(at));
    if (r < 0x20 && r != '\n') {
      return InvalidArgument("note text has a control character at byte " + std::to_string(at));
    }
  }
  return OkStatus();
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    const int32_t r = DecodeRune(name, i);
    if (r < 0x20 || r == '+' || IsUnicodeSpace(r)) return false;  // r < 0 is invalid UTF-8
  }
  return true;
}

// ---- NoteSigner ----

Result<NoteSigner> NoteSigner::Create(std::string_view name, std::span<const uint8_t> key) {
  if (!IsValidKeyName(name)) {
    return InvalidArgument("invalid key name (empty, '+', space or control character)");
  }
  if (key.size() != crypto_sign_SEEDBYTES && key.size() != crypto_sign_SECRETKEYBYTES) {
    return InvalidArgument("an Ed25519 key must be a 32-byte seed or a 64-byte secret key, not " +
                           std::to_string(key.size()) + " bytes");
  }
  RETURN_IF_ERROR(InitSodium());
  NoteSigner signer;
  signer.name_ = std::string(name);
  // Both forms start with the seed; derive the pair from it so the halves cannot disagree.
  if (crypto_sign_seed_keypair(signer.public_key_.data(), signer.secret_key_.data(), key.data()) !=
      0) {
    return Internal("libsodium could not derive an Ed25519 key pair");
  }
  if (key.size() == crypto_sign_SECRETKEYBYTES &&
      sodium_memcmp(signer.public_key_.data(), key.data() + crypto_sign_SEEDBYTES,
                    crypto_sign_PUBLICKEYBYTES) != 0) {
    return InvalidArgument("the secret key's public half does not match its seed");
  }
  signer.key_id_ = ComputeKeyId(signer.name_, signer.public_key_);
  return signer;
}

NoteSigner::~NoteSigner() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

std::string NoteSigner::VerifierKey() const {
  return FormatVerifierKey(name_, key_id_, public_key_);
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  RETURN_IF_ERROR(ValidateNoteText(text));
  std::array<uint8_t, 4 + crypto_sign_BYTES> sig;
  WriteBigEndian32(key_id_, sig.data());
  const std::span<const uint8_t> message = AsBytes(text);
  if (crypto_sign_detached(sig.data() + 4, nullptr, message.data(), message.size(),
                           secret_key_.data()) != 0) {
    return Internal("libsodium failed to sign");
  }
  std::string note(text);
  note += '\n';
  note += kSigPrefix;
  note += name_;
  note += ' ';
  note += Base64Encode(sig);
  note += '\n';
  return note;
}

// ---- NoteVerifier ----

Result<NoteVerifier> NoteVerifier::Parse(std::string_view verifier_key) {
  const auto bad = [](std::string why) { return InvalidArgument("verifier key: " + why); };
  // The name cannot contain '+' and the hex ID is fixed-width; the base64 part may contain '+'.
  const size_t plus1 = verifier_key.find('+');
  if (plus1 == std::string_view::npos) return bad("expected <name>+<key ID>+<key>");
  const std::string_view name = verifier_key.substr(0, plus1);
  const std::string_view rest = verifier_key.substr(plus1 + 1);
  if (rest.size() < 9 || rest[8] != '+') return bad("expected an 8-digit hex key ID");
  const std::string_view hex_id = rest.substr(0, 8);
  const std::string_view key_b64 = rest.substr(9);

  if (!IsValidKeyName(name)) return bad("invalid key name");
  const std::optional<Bytes> id_bytes = HexDecode(hex_id);
  if (!id_bytes) return bad("key ID is not hex");
  const std::optional<Bytes> typed_key = Base64Decode(key_b64);
  if (!typed_key || typed_key->empty()) return bad("key is not base64");
  if ((*typed_key)[0] != kSigTypeEd25519) {
    return bad("unsupported signature type " + std::to_string((*typed_key)[0]) +
               " (only Ed25519, type 1)");
  }
  if (typed_key->size() != 1 + crypto_sign_PUBLICKEYBYTES) {
    return bad("an Ed25519 public key has 32 bytes");
  }
  RETURN_IF_ERROR(InitSodium());

  NoteVerifier v;
  v.name_ = std::string(name);
  std::copy(typed_key->begin() + 1, typed_key->end(), v.public_key_.begin());
  v.key_id_ = ReadBigEndian32(*id_bytes);
  if (ComputeKeyId(v.name_, v.public_key_) != v.key_id_) {
    return bad("key ID does not match the name and key");
  }
  return v;
}

std::string NoteVerifier::ToString() const {
  return FormatVerifierKey(name_, key_id_, public_key_);
}

bool NoteVerifier::Verify(std::string_view text, std::span<const uint8_t> signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  const std::span<const uint8_t> message = AsBytes(text);
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key_.data()) == 0;
}

// ---- OpenNote ----

Result<std::string> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers) {
  // The whole note obeys the text rules (UTF-8, no control characters, final newline).
  if (Status s = ValidateNoteText(note); !s.ok()) return Malformed(s.error().message());
  // The text ends at the last blank line; the text itself may contain blank lines.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no blank line before the signatures");
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signature lines");

  std::vector<std::pair<std::string_view, uint32_t>> seen;  // known keys already checked
  bool verified = false;
  size_t count = 0;
  while (!sigs.empty()) {
    // Every line ends in '\n' because the note does.
    const size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);

    if (++count > kMaxNoteSignatures) {
      return Malformed("more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (!line.starts_with(kSigPrefix)) return Malformed("a line after the text is not a signature");
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return Malformed("signature line has no signature");
    const std::string_view name = line.substr(0, space);
    const std::optional<Bytes> sig = Base64Decode(line.substr(space + 1));
    if (!IsValidKeyName(name)) return Malformed("signature line has an invalid key name");
    if (!sig || sig->size() < 5) return Malformed("signature is not base64 of a key ID and bytes");
    const uint32_t key_id = ReadBigEndian32(*sig);

    const NoteVerifier* match = nullptr;
    for (const NoteVerifier& v : verifiers) {
      if (v.key_id() != key_id || v.name() != name) continue;
      if (match != nullptr) {
        return InvalidArgument("two verifiers share the key name and ID of " + std::string(name));
      }
      match = &v;
    }
    if (match == nullptr) continue;  // unknown keys are ignored (the spec's MUST)
    const std::pair<std::string_view, uint32_t> key(name, key_id);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    if (!match->Verify(text, std::span<const uint8_t>(*sig).subspan(4))) {
      return DataLoss("note signature by " + match->ToString() + " does not verify");
    }
    verified = true;
  }
  if (!verified) return DataLoss("note has no valid signature from a trusted key");
  return std::string(text);
}

}  // namespace custody::audit
