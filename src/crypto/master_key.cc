#include "crypto/master_key.h"

#include <sodium.h>

#include <cassert>
#include <string>

#include "crypto/key_file.h"

namespace custody::crypto {
namespace {

constexpr size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(MasterKey::kSize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(MasterKey::kWrapOverhead == 1 + kNonceSize + kTagSize);

// The associated data is version || context, so the version byte is authenticated too.
std::string AssociatedData(std::string_view context) {
  std::string ad(1, static_cast<char>(MasterKey::kWrapVersion));
  ad += context;
  return ad;
}

}  // namespace

MasterKey MasterKey::Generate(Random& random) {
  internal::EnsureSodium();
  SecretBytes key(kSize);
  random.Fill(key.span());
  return MasterKey(std::move(key));
}

Result<MasterKey> MasterKey::FromBytes(std::span<const uint8_t> key) {
  internal::EnsureSodium();
  if (key.size() != kSize) {
    return InvalidArgument("a master key has " + std::to_string(kSize) + " bytes, not " +
                           std::to_string(key.size()));
  }
  return MasterKey(SecretBytes(key));
}

Result<MasterKey> MasterKey::LoadOrCreate(const std::filesystem::path& file, Random& random,
                                          bool* created) {
  internal::EnsureSodium();
  if (created != nullptr) *created = false;
  // Two rounds: if another process creates the file between our load and our create, load theirs.
  for (int round = 0; round < 2; ++round) {
    Result<Bytes> loaded = internal::ReadPrivateFile(file, kSize, "master key file");
    if (loaded.ok()) {
      return MasterKey(SecretBytes::TakeFrom(*loaded));
    }
    if (loaded.error().code() != ErrorCode::kNotFound) return std::move(loaded).error();

    MasterKey key = Generate(random);
    Status st = internal::CreatePrivateFile(file, key.key_.span(), random);
    if (st.ok()) {
      if (created != nullptr) *created = true;
      return key;
    }
    if (st.error().code() != ErrorCode::kAlreadyExists) return std::move(st).error();
  }
  return Internal("master key file '" + file.string() + "' keeps appearing and disappearing");
}

Result<Bytes> MasterKey::Wrap(std::span<const uint8_t> key, std::string_view context,
                              Random& random) const {
  assert(key_.size() == kSize);
  if (key.empty() || key.size() > kMaxWrappedKeySize) {
    return InvalidArgument("a wrapped key has 1.." + std::to_string(kMaxWrappedKeySize) +
                           " bytes, not " + std::to_string(key.size()));
  }
  std::string ad = AssociatedData(context);
  Bytes out(key.size() + kWrapOverhead);
  out[0] = kWrapVersion;
  uint8_t* nonce = out.data() + 1;
  random.Fill(std::span<uint8_t>(nonce, kNonceSize));
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceSize, &clen, key.data(), key.size(),
                                             reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
                                             nullptr, nonce, key_.data());
  assert(clen == key.size() + kTagSize);
  return out;
}

Result<Bytes> MasterKey::Unwrap(std::span<const uint8_t> wrapped, std::string_view context) const {
  assert(key_.size() == kSize);
  if (wrapped.size() <= kWrapOverhead) {
    return Error(ErrorCode::kDataLoss, "wrapped key is truncated");
  }
  if (wrapped[0] != kWrapVersion) {
    return Error(ErrorCode::kDataLoss,
                 "wrapped key has unknown version " + std::to_string(wrapped[0]));
  }
  std::string ad = AssociatedData(context);
  const uint8_t* nonce = wrapped.data() + 1;
  const uint8_t* cipher = nonce + kNonceSize;
  size_t cipher_len = wrapped.size() - 1 - kNonceSize;
  Bytes out(cipher_len - kTagSize);
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, cipher, cipher_len,
                                                 reinterpret_cast<const uint8_t*>(ad.data()),
                                                 ad.size(), nonce, key_.data()) != 0) {
    return Error(ErrorCode::kDataLoss,
                 "wrapped key failed authentication (modified, another master key, or another "
                 "object)");
  }
  return out;
}

}  // namespace custody::crypto
