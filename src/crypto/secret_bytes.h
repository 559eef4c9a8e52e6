// SecretBytes: a heap buffer for key material that is wiped when it dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace custody::crypto {

// Owns a fixed-size byte buffer, wiped with sodium_memzero on destruction and on move-from, and
// never copied implicitly (a copy of a key is a decision; use Copy()). Plain heap memory: not
// mlock()ed, because per-blob data keys would exhaust RLIMIT_MEMLOCK under concurrent uploads.
// Not thread-safe for mutation; concurrent reads are fine.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size);  // zero-filled
  explicit SecretBytes(std::span<const uint8_t> data);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  SecretBytes Copy() const { return SecretBytes(span()); }
  // Moves key bytes that arrived in an ordinary vector (e.g. from MasterKey::Unwrap) into a
  // SecretBytes, wiping the vector.
  static SecretBytes TakeFrom(std::vector<uint8_t>& source);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> span() { return {data_.get(), size_}; }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  void Wipe();

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

}  // namespace custody::crypto
