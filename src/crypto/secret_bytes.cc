#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

namespace custody::crypto {

SecretBytes::SecretBytes(size_t size) : data_(new uint8_t[size]()), size_(size) {}

SecretBytes::SecretBytes(std::span<const uint8_t> data) : SecretBytes(data.size()) {
  std::copy(data.begin(), data.end(), data_.get());
}

SecretBytes SecretBytes::TakeFrom(std::vector<uint8_t>& source) {
  SecretBytes out(source);
  sodium_memzero(source.data(), source.size());
  source.clear();
  return out;
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (data_ != nullptr) sodium_memzero(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace custody::crypto
