#include "cli/sha256.h"

#include <openssl/evp.h>

#include "base/encoding.h"

namespace custody::cli {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

Result<Sha256> Sha256::Create() {
  auto ctx = std::make_unique<Ctx>();
  ctx->md = EVP_MD_CTX_new();
  if (ctx->md == nullptr || EVP_DigestInit_ex(ctx->md, EVP_sha256(), nullptr) != 1)
    return Internal("OpenSSL SHA-256 is unavailable");
  return Sha256(std::move(ctx));
}

Status Sha256::Update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1)
    return Internal("SHA-256 update failed");
  return OkStatus();
}

Result<std::string> Sha256::FinishHex() {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, digest, &len) != 1) return Internal("SHA-256 final failed");
  return HexEncode(std::span<const uint8_t>(digest, len));
}

}  // namespace custody::cli
