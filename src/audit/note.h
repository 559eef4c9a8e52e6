// C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys: the envelope for checkpoints and
// audit receipts.
//
// A signed note is the text (UTF-8, ending in '\n', no control characters other than '\n'), one
// blank line, then one or more signature lines
//     "— <key name> <base64(4-byte big-endian key ID || signature)>\n"
// (an em dash U+2014 and a space). The signature covers the text including its final newline.
// Key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], type 0x01 = Ed25519.
// Verifier key text: "<key name>+<8 hex digits of key ID>+<base64(0x01 || public key)>".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace custody::audit {

// Checks that `text` may be a note text: non-empty, valid UTF-8, ending in '\n', and free of
// control characters (below U+0020) other than '\n'. kInvalidArgument naming the problem.
Status ValidateNoteText(std::string_view text);

// True if `name` may be a key name: non-empty, valid UTF-8, with no '+', no Unicode space and no
// control character.
bool IsValidKeyName(std::string_view name);

// Signs notes with one Ed25519 key. Immutable after construction, so const methods are safe to
// call from several threads. Move-only; the secret key is wiped when the object is destroyed.
class NoteSigner {
 public:
  // `key` is a 32-byte Ed25519 seed or a 64-byte libsodium secret key (seed || public key; the
  // public half must match the seed). kInvalidArgument for a bad name or key.
  static Result<NoteSigner> Create(std::string_view name, std::span<const uint8_t> key);

  NoteSigner(NoteSigner&&) = default;
  NoteSigner& operator=(NoteSigner&&) = default;
  NoteSigner(const NoteSigner&) = delete;
  NoteSigner& operator=(const NoteSigner&) = delete;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  // The key ID: the first four bytes of SHA-256(name || 0x0A || 0x01 || public key), big-endian.
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }

  // "<name>+<hex key ID>+<base64(0x01 || public key)>", for NoteVerifier::Parse.
  std::string VerifierKey() const;

  // The signed note: text + "\n" + "— <name> <base64(key ID || signature)>\n".
  // kInvalidArgument if ValidateNoteText(text) fails.
  Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
  std::array<uint8_t, 64> secret_key_{};  // libsodium layout: seed || public key
};

// One trusted Ed25519 key, identified by (name, key ID). Immutable and thread-safe; copyable.
class NoteVerifier {
 public:
  // Parses "<name>+<8 hex digits>+<base64(0x01 || 32-byte public key)>" and checks that the key
  // ID matches the name and key. kInvalidArgument for malformed text, a key type other than
  // Ed25519, or a key ID that does not match.
  static Result<NoteVerifier> Parse(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }

  // The verifier key text, in the canonical form (lowercase hex).
  std::string ToString() const;

  // True if `signature` (without the 4-byte key ID) is this key's Ed25519 signature of `text`.
  bool Verify(std::string_view text, std::span<const uint8_t> signature) const;

 private:
  NoteVerifier() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// The most signature lines OpenNote reads (the spec requires accepting at least 16).
inline constexpr size_t kMaxNoteSignatures = 100;

// Verifies a signed note and returns its text (including the final '\n'). Signature lines whose
// (name, key ID) match no verifier are ignored; a repeated line for a known key is checked once.
// Errors:
//   kInvalidArgument — malformed note (bad UTF-8, control characters, no blank line before the
//     signatures, a line that is not a signature line, bad base64, more than kMaxNoteSignatures
//     lines), or two verifiers with the same (name, key ID) both matching a signature;
//   kDataLoss — a signature from a known key does not verify (the whole note is rejected), or no
//     known key signed the note.
Result<std::string> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers);

}  // namespace custody::audit
