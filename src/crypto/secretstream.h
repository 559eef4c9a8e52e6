// Chunked authenticated encryption: the libsodium crypto_secretstream_xchacha20poly1305 format.
//
// A stream is a 24-byte header followed by chunks; each chunk is authenticated and chained to the
// one before, and the last carries the FINAL tag, so reordering, dropping, duplicating or
// truncating chunks is detected, not only modifying them. Used for blobs.
//
// The bytes are exactly libsodium's (stock crypto_secretstream_xchacha20poly1305_pull reads what
// StreamEncryptor writes and vice versa; the tests check both directions). Key set-up and rekeying
// are libsodium's; the per-chunk ChaCha20 and Poly1305 run on OpenSSL's assembly when OpenSSL
// offers them, because libsodium 1.0.18 manages about 0.95 GB/s per core here against OpenSSL's
// 1.6 GB/s (bench/blob BM_SecretStreamPush), and uploads must keep up with the disk.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "base/encoding.h"
#include "base/result.h"

namespace custody::crypto {

inline constexpr size_t kStreamKeySize = 32;
inline constexpr size_t kStreamHeaderSize = 24;
inline constexpr size_t kStreamChunkOverhead = 17;  // 1 encrypted tag byte + 16-byte MAC

// Which code computes the chunks. Both give identical bytes.
enum class StreamImpl {
  kFastest,    // OpenSSL's ChaCha20/Poly1305 if available (not in a FIPS-only OpenSSL), else
               // libsodium
  kLibsodium,  // libsodium's own push/pull: the reference, for tests and benchmarks
};

namespace internal {
struct StreamCore;
}

// Encrypting end. Lifecycle: construct, send header(), Push() chunks, the last with final=true.
// The header nonce comes from libsodium's OS-backed generator. The key schedule is wiped on
// destruction. Not thread-safe; movable (a moved-from object may only be destroyed or assigned).
class StreamEncryptor {
 public:
  // REQUIRES: key.size() == kStreamKeySize
  explicit StreamEncryptor(std::span<const uint8_t> key, StreamImpl impl = StreamImpl::kFastest);
  ~StreamEncryptor();
  StreamEncryptor(StreamEncryptor&&) noexcept;
  StreamEncryptor& operator=(StreamEncryptor&&) noexcept;

  const std::array<uint8_t, kStreamHeaderSize>& header() const { return header_; }

  // Encrypts one chunk (plain.size() + kStreamChunkOverhead bytes out). `ad` is authenticated but
  // not stored; the decryptor must pass the same bytes for this chunk.
  // REQUIRES: !final_pushed()
  Bytes Push(std::span<const uint8_t> plain, bool final, std::span<const uint8_t> ad = {});
  // The same into a caller buffer of at least plain.size() + kStreamChunkOverhead bytes. Encrypting
  // in place is allowed with plain.data() == out.data() + 1. Returns the bytes written.
  // REQUIRES: !final_pushed()
  size_t PushTo(std::span<const uint8_t> plain, bool final, std::span<uint8_t> out,
                std::span<const uint8_t> ad = {});

  bool final_pushed() const { return final_pushed_; }

 private:
  std::unique_ptr<internal::StreamCore> core_;
  std::array<uint8_t, kStreamHeaderSize> header_;
  bool final_pushed_ = false;
};

// Decrypting end. Lifecycle: construct with the header, Pull() chunks in order until final_seen().
// After any failure the decryptor is spent: every later Pull fails too. The key schedule is wiped
// on destruction. Not thread-safe; movable (a moved-from object may only be destroyed or assigned).
class StreamDecryptor {
 public:
  // REQUIRES: key.size() == kStreamKeySize, header.size() == kStreamHeaderSize
  StreamDecryptor(std::span<const uint8_t> key, std::span<const uint8_t> header,
                  StreamImpl impl = StreamImpl::kFastest);
  ~StreamDecryptor();
  StreamDecryptor(StreamDecryptor&&) noexcept;
  StreamDecryptor& operator=(StreamDecryptor&&) noexcept;

  // Decrypts and authenticates the next chunk. kDataLoss if the chunk is shorter than the
  // overhead, fails authentication (wrong key or header, modified, out of order, wrong `ad`), or
  // follows the final chunk. No plaintext of a failed chunk is released.
  Result<Bytes> Pull(std::span<const uint8_t> cipher, std::span<const uint8_t> ad = {});
  // The same into `out`, which must hold cipher.size() - kStreamChunkOverhead bytes (on failure it
  // is zeroed). Decrypting in place is allowed with out.data() == cipher.data() + 1. Returns the
  // plaintext size.
  Result<size_t> PullTo(std::span<const uint8_t> cipher, std::span<uint8_t> out,
                        std::span<const uint8_t> ad = {});

  // True once the chunk tagged final has been pulled: the stream is complete.
  bool final_seen() const { return final_seen_; }

 private:
  std::unique_ptr<internal::StreamCore> core_;
  bool final_seen_ = false;
  bool failed_ = false;
};

}  // namespace custody::crypto
