// SHA-256 of plaintext, streamed: the hash that approvals, C2PA manifests and tokens bind to.
//
// Backed by OpenSSL's EVP interface, which uses the SHA-NI / AVX2 code paths where the CPU has them
// (about 1.5-2 GB/s per core with SHA-NI).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace custody::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Hash = std::array<uint8_t, kSha256Size>;

// Incremental SHA-256. Lifecycle: Update() any number of times, then Final(), which also resets
// the object so it can hash a new message. Not thread-safe; movable, not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Sha256Hash Final();
  std::string FinalHex();  // lowercase hex

 private:
  struct CtxDeleter {
    void operator()(void* ctx) const;
  };
  std::unique_ptr<void, CtxDeleter> ctx_;  // EVP_MD_CTX; void keeps OpenSSL out of this header
};

Sha256Hash Sha256Digest(std::span<const uint8_t> data);
std::string Sha256Hex(std::span<const uint8_t> data);
inline std::string Sha256Hex(std::string_view data) {
  return Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

}  // namespace custody::crypto
