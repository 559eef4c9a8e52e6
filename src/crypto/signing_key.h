// SigningKey: the installation's Ed25519 key (audit checkpoints, access tokens), and verification.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/master_key.h"
#include "crypto/secret_bytes.h"

namespace custody::crypto {

inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

// An Ed25519 key pair derived from a 32-byte seed. Immutable once made: Sign may be called from
// any number of threads at once. The secret half is wiped on destruction. Movable, not copyable.
class SigningKey {
 public:
  // The seed is drawn from `random`, so a SeededRandom gives the same key every time (tests).
  static SigningKey Generate(Random& random);
  // kInvalidArgument unless `seed` is kEd25519SeedSize bytes.
  static Result<SigningKey> FromSeed(std::span<const uint8_t> seed);

  // Loads the key from `file` or creates it. The file holds only the seed, wrapped by `master`
  // with context "custody.signing-key:<file name>" (so the file cannot be swapped with another
  // wrapped key); it is created 0600 and atomically, like the master key file. kDataLoss if the
  // file cannot be unwrapped (modified, or made under another master key); kPermissionDenied if
  // group or others may access it.
  static Result<SigningKey> LoadOrCreate(const std::filesystem::path& file, const MasterKey& master,
                                         Random& random, bool* created);

  SigningKey(SigningKey&&) noexcept = default;
  SigningKey& operator=(SigningKey&&) noexcept = default;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // Deterministic (RFC 8032): the same key and message give the same signature.
  Ed25519Signature Sign(std::span<const uint8_t> message) const;

  // The libsodium 64-byte secret key (seed || public key), for handing to another Ed25519
  // signer of the same key (audit::NoteSigner). Secret: never log or store it unwrapped.
  std::span<const uint8_t> secret_key() const { return secret_key_.span(); }

 private:
  SigningKey(SecretBytes secret_key, const Ed25519PublicKey& public_key)
      : secret_key_(std::move(secret_key)), public_key_(public_key) {}

  SecretBytes secret_key_;  // libsodium's 64-byte form: seed || public key
  Ed25519PublicKey public_key_;
};

// True if `signature` is a valid Ed25519 signature of `message` under `public_key`. Wrong-sized
// inputs are simply invalid.
bool VerifyEd25519(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature);

}  // namespace custody::crypto
