// MasterKey: the root secret of a Custody installation, and data-key wrapping under it.
//
// Every blob (and the signing key) is encrypted under its own data key; the data key is stored only
// wrapped by the master key, bound to what it protects. Destroying a wrapped key destroys the data
// (crypto-shredding); losing the master key destroys everything.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"
#include "crypto/secret_bytes.h"

namespace custody::crypto {

// 32 random bytes, wiped from memory on destruction. Immutable once made: Wrap/Unwrap may be called
// from any number of threads at once. Movable, not copyable; a moved-from key may only be destroyed
// or assigned to.
class MasterKey {
 public:
  static constexpr size_t kSize = 32;
  // Wrapped layout: version byte (kWrapVersion) || 24-byte nonce || ciphertext || 16-byte tag.
  static constexpr uint8_t kWrapVersion = 1;
  static constexpr size_t kWrapOverhead = 1 + 24 + 16;
  static constexpr size_t kMaxWrappedKeySize = 1024;  // larger "keys" are a mistake, not a key

  static MasterKey Generate(Random& random);
  // kInvalidArgument unless `key` is kSize bytes.
  static Result<MasterKey> FromBytes(std::span<const uint8_t> key);

  // Loads the key from `file`, or creates it (0600, written atomically and fsync()ed together with
  // its directory) if it does not exist; `*created` (if not null) says which happened. Refuses a
  // file that group or others may access (kPermissionDenied, with the fix in the message) or that
  // is not exactly kSize bytes (kDataLoss). The directory must exist. Safe against a concurrent
  // creator: whoever links the file first wins and the other loads it.
  static Result<MasterKey> LoadOrCreate(const std::filesystem::path& file, Random& random,
                                        bool* created);

  MasterKey(MasterKey&&) noexcept = default;
  MasterKey& operator=(MasterKey&&) noexcept = default;

  // Encrypts `key` (1..kMaxWrappedKeySize bytes) with XChaCha20-Poly1305-IETF under a random nonce
  // drawn from `random`. `context` is authenticated (not stored): it names what the key protects
  // ("custody.blob:blb_..."), so a wrapped key cannot be moved to another object. Output size is
  // key.size() + kWrapOverhead.
  Result<Bytes> Wrap(std::span<const uint8_t> key, std::string_view context, Random& random) const;

  // Reverses Wrap. kDataLoss if `wrapped` was modified or truncated, was made under another master
  // key or another context, or has an unknown version. The caller should wipe the result after use.
  Result<Bytes> Unwrap(std::span<const uint8_t> wrapped, std::string_view context) const;

 private:
  explicit MasterKey(SecretBytes key) : key_(std::move(key)) {}

  SecretBytes key_;
};

}  // namespace custody::crypto
