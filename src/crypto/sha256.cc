#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <new>

#include "base/encoding.h"

namespace custody::crypto {
namespace {

// Fetched once: an implicit fetch (EVP_sha256()) on every init costs a provider lookup.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// OpenSSL digest calls fail only when memory runs out or the library is broken; neither is an
// expected failure a caller could handle, so they end the operation like a failed allocation.
void Check(int ok) {
  if (ok != 1) throw std::bad_alloc();
}

}  // namespace

void Sha256::CtxDeleter::operator()(void* ctx) const {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx));
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  Check(EVP_DigestInit_ex2(Ctx(ctx_.get()), Sha256Md(), nullptr));
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::span<const uint8_t> data) {
  Check(EVP_DigestUpdate(Ctx(ctx_.get()), data.data(), data.size()));
}

void Sha256::Update(std::string_view data) { Update(AsBytes(data)); }

Sha256Hash Sha256::Final() {
  Sha256Hash out;
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(Ctx(ctx_.get()), out.data(), &len));
  Check(EVP_DigestInit_ex2(Ctx(ctx_.get()), Sha256Md(), nullptr));
  return out;
}

std::string Sha256::FinalHex() { return HexEncode(Final()); }

Sha256Hash Sha256Digest(std::span<const uint8_t> data) {
  Sha256 h;
  h.Update(data);
  return h.Final();
}

std::string Sha256Hex(std::span<const uint8_t> data) { return HexEncode(Sha256Digest(data)); }

}  // namespace custody::crypto
