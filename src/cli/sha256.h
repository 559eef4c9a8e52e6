// Incremental SHA-256 (OpenSSL EVP), for checking downloads while they stream to disk.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/result.h"

namespace custody::cli {

// One running digest. Move-only; not thread-safe.
class Sha256 {
 public:
  // kInternal if OpenSSL cannot provide SHA-256.
  static Result<Sha256> Create();

  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  Status Update(std::span<const uint8_t> data);
  // Lowercase hex of the digest. REQUIRES: called once; no Update afterwards.
  Result<std::string> FinishHex();

 private:
  struct Ctx;
  explicit Sha256(std::unique_ptr<Ctx> ctx);
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace custody::cli
