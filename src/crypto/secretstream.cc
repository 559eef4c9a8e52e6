#include "crypto/secretstream.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>
#include <utility>

#include "crypto/key_file.h"

namespace custody::crypto {

static_assert(kStreamKeySize == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderSize == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(sizeof(crypto_secretstream_xchacha20poly1305_state::nonce) == 12);

namespace {

constexpr uint8_t kTagMessage = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
constexpr uint8_t kTagFinal = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
constexpr uint8_t kTagRekey = crypto_secretstream_xchacha20poly1305_TAG_REKEY;
constexpr size_t kCounterBytes = 4;  // the state's nonce is counter (LE32) || inonce (8 bytes)
constexpr size_t kInonceBytes = 8;
// Encrypt and MAC in pieces that stay in L1/L2 between the two passes.
constexpr size_t kPiece = 64 * 1024;
const uint8_t kPad0[16] = {};

struct OpenSslAlgorithms {
  EVP_CIPHER* chacha20 = nullptr;
  EVP_MAC* poly1305 = nullptr;
};

// Fetched once; null members mean this OpenSSL cannot help (for example a FIPS-only set-up).
const OpenSslAlgorithms& Algorithms() {
  static const OpenSslAlgorithms algs = [] {
    OpenSslAlgorithms a;
    a.chacha20 = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
    a.poly1305 = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
    if (a.chacha20 == nullptr || a.poly1305 == nullptr) {
      EVP_CIPHER_free(a.chacha20);
      EVP_MAC_free(a.poly1305);
      a = {};
    }
    return a;
  }();
  return algs;
}

// OpenSSL calls with valid arguments fail only when memory runs out.
void Check(int ok) {
  if (ok != 1) throw std::bad_alloc();
}

void Store64Le(uint8_t out[8], uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = uint8_t(v >> (8 * i));
}

}  // namespace

namespace internal {

// The libsodium state plus, when OpenSSL is used, its cipher and MAC contexts. The per-chunk code
// follows libsodium 1.0.18's crypto_secretstream_xchacha20poly1305_push/pull step by step,
// including its padding quirk after the message ((0x10 - 64 + mlen) & 0xf bytes).
struct StreamCore {
  crypto_secretstream_xchacha20poly1305_state state;
  EVP_CIPHER_CTX* cipher = nullptr;
  EVP_MAC_CTX* mac = nullptr;

  explicit StreamCore(StreamImpl impl) {
    const OpenSslAlgorithms& algs = Algorithms();
    if (impl == StreamImpl::kFastest && algs.chacha20 != nullptr) {
      cipher = EVP_CIPHER_CTX_new();
      mac = EVP_MAC_CTX_new(algs.poly1305);
      if (cipher == nullptr || mac == nullptr) {
        Free();
        throw std::bad_alloc();
      }
    }
  }
  ~StreamCore() {
    sodium_memzero(&state, sizeof state);
    Free();
  }
  StreamCore(const StreamCore&) = delete;
  StreamCore& operator=(const StreamCore&) = delete;

  void Free() {
    EVP_CIPHER_CTX_free(cipher);  // both free functions cleanse key material
    EVP_MAC_CTX_free(mac);
    cipher = nullptr;
    mac = nullptr;
  }

  // Starts ChaCha20 at block 0 of this chunk's nonce, keys Poly1305 from that block and MACs the
  // associated data. Afterwards the keystream is at block 1.
  void BeginChunk(std::span<const uint8_t> ad) {
    uint8_t iv[16] = {};  // OpenSSL's ChaCha20 IV: block counter (LE32) || 96-bit nonce
    std::memcpy(iv + 4, state.nonce, sizeof state.nonce);
    Check(EVP_EncryptInit_ex2(cipher, Algorithms().chacha20, state.k, iv, nullptr));
    uint8_t block[64] = {};
    int len = 0;
    Check(EVP_EncryptUpdate(cipher, block, &len, block, sizeof block));
    Check(EVP_MAC_init(mac, block, 32, nullptr));
    sodium_memzero(block, sizeof block);
    Check(EVP_MAC_update(mac, ad.data(), ad.size()));
    Check(EVP_MAC_update(mac, kPad0, (0x10 - ad.size()) & 0xf));
  }

  void FinishMac(size_t adlen, size_t mlen, uint8_t out[16]) {
    Check(EVP_MAC_update(mac, kPad0, (0x10 - 64 + mlen) & 0xf));
    uint8_t slen[8];
    Store64Le(slen, adlen);
    Check(EVP_MAC_update(mac, slen, sizeof slen));
    Store64Le(slen, 64 + mlen);
    Check(EVP_MAC_update(mac, slen, sizeof slen));
    size_t outl = 0;
    Check(EVP_MAC_final(mac, out, &outl, 16));
  }

  void Advance(const uint8_t mac_bytes[16], uint8_t tag) {
    for (size_t i = 0; i < kInonceBytes; ++i) state.nonce[kCounterBytes + i] ^= mac_bytes[i];
    sodium_increment(state.nonce, kCounterBytes);
    if ((tag & kTagRekey) != 0 || sodium_is_zero(state.nonce, kCounterBytes)) {
      crypto_secretstream_xchacha20poly1305_rekey(&state);
    }
  }

  void Push(uint8_t* out, const uint8_t* m, size_t mlen, std::span<const uint8_t> ad, uint8_t tag) {
    if (cipher == nullptr) {
      crypto_secretstream_xchacha20poly1305_push(&state, out, nullptr, m, mlen, ad.data(),
                                                 ad.size(), tag);
      return;
    }
    BeginChunk(ad);
    uint8_t block[64] = {};
    block[0] = tag;
    int len = 0;
    Check(EVP_EncryptUpdate(cipher, block, &len, block, sizeof block));
    Check(EVP_MAC_update(mac, block, sizeof block));
    out[0] = block[0];
    uint8_t* c = out + 1;
    for (size_t off = 0; off < mlen; off += kPiece) {
      const size_t n = std::min(kPiece, mlen - off);
      Check(EVP_EncryptUpdate(cipher, c + off, &len, m + off, static_cast<int>(n)));
      Check(EVP_MAC_update(mac, c + off, n));
    }
    FinishMac(ad.size(), mlen, c + mlen);
    Advance(c + mlen, tag);
  }

  // Returns false (and zeroes m) if the chunk fails authentication; the state is then unchanged.
  bool Pull(uint8_t* m, uint8_t* tag_out, const uint8_t* in, size_t inlen,
            std::span<const uint8_t> ad) {
    assert(inlen >= kStreamChunkOverhead);
    const size_t mlen = inlen - kStreamChunkOverhead;
    if (cipher == nullptr) {
      unsigned long long got = 0;
      if (crypto_secretstream_xchacha20poly1305_pull(&state, m, &got, tag_out, in, inlen, ad.data(),
                                                     ad.size()) != 0) {
        sodium_memzero(m, mlen);
        return false;
      }
      return true;
    }
    BeginChunk(ad);
    uint8_t block[64] = {};
    block[0] = in[0];
    int len = 0;
    Check(EVP_EncryptUpdate(cipher, block, &len, block, sizeof block));
    const uint8_t tag = block[0];
    block[0] = in[0];
    Check(EVP_MAC_update(mac, block, sizeof block));
    // MAC each piece before decrypting it: with in-place decryption (m == in + 1) the ciphertext
    // is gone afterwards. Nothing is released unless the whole chunk authenticates.
    const uint8_t* c = in + 1;
    for (size_t off = 0; off < mlen; off += kPiece) {
      const size_t n = std::min(kPiece, mlen - off);
      Check(EVP_MAC_update(mac, c + off, n));
      Check(EVP_EncryptUpdate(cipher, m + off, &len, c + off, static_cast<int>(n)));
    }
    uint8_t computed[16];
    FinishMac(ad.size(), mlen, computed);
    if (CRYPTO_memcmp(computed, c + mlen, sizeof computed) != 0) {
      sodium_memzero(m, mlen);
      return false;
    }
    *tag_out = tag;
    Advance(computed, tag);
    return true;
  }
};

}  // namespace internal

namespace {

Error DataLoss(std::string m) { return Error(ErrorCode::kDataLoss, std::move(m)); }

}  // namespace

StreamEncryptor::StreamEncryptor(std::span<const uint8_t> key, StreamImpl impl) {
  assert(key.size() == kStreamKeySize);
  internal::EnsureSodium();
  core_ = std::make_unique<internal::StreamCore>(impl);
  crypto_secretstream_xchacha20poly1305_init_push(&core_->state, header_.data(), key.data());
}

StreamEncryptor::~StreamEncryptor() = default;
StreamEncryptor::StreamEncryptor(StreamEncryptor&&) noexcept = default;
StreamEncryptor& StreamEncryptor::operator=(StreamEncryptor&&) noexcept = default;

Bytes StreamEncryptor::Push(std::span<const uint8_t> plain, bool final,
                            std::span<const uint8_t> ad) {
  Bytes out(plain.size() + kStreamChunkOverhead);
  PushTo(plain, final, out, ad);
  return out;
}

size_t StreamEncryptor::PushTo(std::span<const uint8_t> plain, bool final, std::span<uint8_t> out,
                               std::span<const uint8_t> ad) {
  assert(core_ != nullptr && !final_pushed_);
  assert(out.size() >= plain.size() + kStreamChunkOverhead);
  core_->Push(out.data(), plain.data(), plain.size(), ad, final ? kTagFinal : kTagMessage);
  final_pushed_ = final;
  return plain.size() + kStreamChunkOverhead;
}

StreamDecryptor::StreamDecryptor(std::span<const uint8_t> key, std::span<const uint8_t> header,
                                 StreamImpl impl) {
  assert(key.size() == kStreamKeySize);
  assert(header.size() == kStreamHeaderSize);
  internal::EnsureSodium();
  core_ = std::make_unique<internal::StreamCore>(impl);
  // init_pull cannot fail: any 24 bytes are a header (a wrong one fails the first Pull).
  crypto_secretstream_xchacha20poly1305_init_pull(&core_->state, header.data(), key.data());
}

StreamDecryptor::~StreamDecryptor() = default;
StreamDecryptor::StreamDecryptor(StreamDecryptor&&) noexcept = default;
StreamDecryptor& StreamDecryptor::operator=(StreamDecryptor&&) noexcept = default;

Result<Bytes> StreamDecryptor::Pull(std::span<const uint8_t> cipher, std::span<const uint8_t> ad) {
  Bytes out(cipher.size() >= kStreamChunkOverhead ? cipher.size() - kStreamChunkOverhead : 0);
  ASSIGN_OR_RETURN(size_t n, PullTo(cipher, out, ad));
  out.resize(n);
  return out;
}

Result<size_t> StreamDecryptor::PullTo(std::span<const uint8_t> cipher, std::span<uint8_t> out,
                                       std::span<const uint8_t> ad) {
  assert(core_ != nullptr);
  if (failed_) return DataLoss("encrypted stream already failed authentication");
  if (final_seen_) {
    failed_ = true;
    return DataLoss("encrypted stream has data after its final chunk");
  }
  if (cipher.size() < kStreamChunkOverhead) {
    failed_ = true;
    return DataLoss("encrypted chunk is truncated");
  }
  const size_t mlen = cipher.size() - kStreamChunkOverhead;
  assert(out.size() >= mlen);
  uint8_t tag = 0;
  if (!core_->Pull(out.data(), &tag, cipher.data(), cipher.size(), ad)) {
    failed_ = true;
    return DataLoss("encrypted chunk failed authentication");
  }
  if (tag == kTagFinal) final_seen_ = true;
  return mlen;
}

}  // namespace custody::crypto
