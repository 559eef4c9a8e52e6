#include "crypto/signing_key.h"

#include <sodium.h>

#include <cassert>
#include <string>

#include "crypto/key_file.h"

namespace custody::crypto {

static_assert(kEd25519SeedSize == crypto_sign_ed25519_SEEDBYTES);
static_assert(kEd25519PublicKeySize == crypto_sign_ed25519_PUBLICKEYBYTES);
static_assert(kEd25519SignatureSize == crypto_sign_ed25519_BYTES);

SigningKey SigningKey::Generate(Random& random) {
  SecretBytes seed(kEd25519SeedSize);
  random.Fill(seed.span());
  return std::move(FromSeed(seed.span())).value();
}

Result<SigningKey> SigningKey::FromSeed(std::span<const uint8_t> seed) {
  internal::EnsureSodium();
  if (seed.size() != kEd25519SeedSize) {
    return InvalidArgument("an Ed25519 seed has 32 bytes, not " + std::to_string(seed.size()));
  }
  SecretBytes secret_key(crypto_sign_ed25519_SECRETKEYBYTES);
  Ed25519PublicKey public_key;
  crypto_sign_ed25519_seed_keypair(public_key.data(), secret_key.data(), seed.data());
  return SigningKey(std::move(secret_key), public_key);
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::filesystem::path& file,
                                            const MasterKey& master, Random& random,
                                            bool* created) {
  internal::EnsureSodium();
  if (created != nullptr) *created = false;
  const std::string context = "custody.signing-key:" + file.filename().string();
  const size_t file_size = kEd25519SeedSize + MasterKey::kWrapOverhead;
  for (int round = 0; round < 2; ++round) {
    Result<Bytes> loaded = internal::ReadPrivateFile(file, file_size, "signing key file");
    if (loaded.ok()) {
      Result<Bytes> seed = master.Unwrap(*loaded, context);
      if (!seed.ok()) {
        return Error(ErrorCode::kDataLoss,
                     "signing key file '" + file.string() +
                         "' cannot be unwrapped with this master key: " + seed.error().message());
      }
      SecretBytes secret_seed = SecretBytes::TakeFrom(*seed);
      return FromSeed(secret_seed.span());
    }
    if (loaded.error().code() != ErrorCode::kNotFound) return std::move(loaded).error();

    SecretBytes seed(kEd25519SeedSize);
    random.Fill(seed.span());
    ASSIGN_OR_RETURN(Bytes wrapped, master.Wrap(seed.span(), context, random));
    Status st = internal::CreatePrivateFile(file, wrapped, random);
    if (st.ok()) {
      if (created != nullptr) *created = true;
      return FromSeed(seed.span());
    }
    if (st.error().code() != ErrorCode::kAlreadyExists) return std::move(st).error();
  }
  return Internal("signing key file '" + file.string() + "' keeps appearing and disappearing");
}

Ed25519Signature SigningKey::Sign(std::span<const uint8_t> message) const {
  assert(secret_key_.size() == crypto_sign_ed25519_SECRETKEYBYTES);
  Ed25519Signature sig;
  crypto_sign_ed25519_detached(sig.data(), nullptr, message.data(), message.size(),
                               secret_key_.data());
  return sig;
}

bool VerifyEd25519(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature) {
  internal::EnsureSodium();
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  return crypto_sign_ed25519_verify_detached(signature.data(), message.data(), message.size(),
                                             public_key.data()) == 0;
}

}  // namespace custody::crypto
