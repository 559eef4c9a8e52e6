#include "crypto/secretstream.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "base/encoding.h"

namespace custody::crypto {
namespace {

class SecretStreamTest : public ::testing::TestWithParam<StreamImpl> {
 protected:
  // Encrypts `chunks` (the last one final) and returns the header and the cipher chunks.
  std::vector<Bytes> Encrypt(const std::vector<std::string>& chunks) {
    StreamEncryptor enc(key_, GetParam());
    header_ = Bytes(enc.header().begin(), enc.header().end());
    std::vector<Bytes> out;
    for (size_t i = 0; i < chunks.size(); ++i) {
      out.push_back(enc.Push(AsBytes(chunks[i]), i + 1 == chunks.size()));
    }
    EXPECT_TRUE(enc.final_pushed());
    return out;
  }

  Bytes key_ = Bytes(kStreamKeySize, 0x11);
  Bytes header_;
};

TEST_P(SecretStreamTest, RoundTrip) {
  std::vector<Bytes> c = Encrypt({"hello", "", "world"});
  EXPECT_EQ(c[0].size(), 5 + kStreamChunkOverhead);
  StreamDecryptor dec(key_, header_, GetParam());
  EXPECT_EQ(AsChars(*dec.Pull(c[0])), "hello");
  EXPECT_FALSE(dec.final_seen());
  EXPECT_EQ(AsChars(*dec.Pull(c[1])), "");
  EXPECT_EQ(AsChars(*dec.Pull(c[2])), "world");
  EXPECT_TRUE(dec.final_seen());
}

TEST_P(SecretStreamTest, ModifiedChunkIsDataLossAndSpendsTheDecryptor) {
  std::vector<Bytes> c = Encrypt({"hello", "world"});
  c[0][3] ^= 0x80;
  StreamDecryptor dec(key_, header_, GetParam());
  EXPECT_EQ(dec.Pull(c[0]).error().code(), ErrorCode::kDataLoss);
  c[0][3] ^= 0x80;
  EXPECT_EQ(dec.Pull(c[0]).error().code(), ErrorCode::kDataLoss);
}

TEST_P(SecretStreamTest, ReorderedOrDroppedChunksAreDataLoss) {
  std::vector<Bytes> c = Encrypt({"a", "b", "c"});
  StreamDecryptor dec(key_, header_, GetParam());
  EXPECT_EQ(dec.Pull(c[1]).error().code(), ErrorCode::kDataLoss);
  StreamDecryptor dec2(key_, header_, GetParam());
  ASSERT_TRUE(dec2.Pull(c[0]).ok());
  EXPECT_EQ(dec2.Pull(c[2]).error().code(), ErrorCode::kDataLoss);
}

TEST_P(SecretStreamTest, TruncationLeavesFinalUnseen) {
  std::vector<Bytes> c = Encrypt({"a", "b"});
  StreamDecryptor dec(key_, header_, GetParam());
  ASSERT_TRUE(dec.Pull(c[0]).ok());
  EXPECT_FALSE(dec.final_seen());
  EXPECT_EQ(dec.Pull(std::span(c[1]).first(kStreamChunkOverhead - 1)).error().code(),
            ErrorCode::kDataLoss);
}

TEST_P(SecretStreamTest, DataAfterFinalIsDataLoss) {
  std::vector<Bytes> c = Encrypt({"a"});
  StreamDecryptor dec(key_, header_, GetParam());
  ASSERT_TRUE(dec.Pull(c[0]).ok());
  EXPECT_EQ(dec.Pull(c[0]).error().code(), ErrorCode::kDataLoss);
}

TEST_P(SecretStreamTest, WrongKeyOrHeaderIsDataLoss) {
  std::vector<Bytes> c = Encrypt({"a"});
  StreamDecryptor wrong_key(Bytes(kStreamKeySize, 0x12), header_, GetParam());
  EXPECT_EQ(wrong_key.Pull(c[0]).error().code(), ErrorCode::kDataLoss);
  Bytes header = header_;
  header[0] ^= 1;
  StreamDecryptor wrong_header(key_, header, GetParam());
  EXPECT_EQ(wrong_header.Pull(c[0]).error().code(), ErrorCode::kDataLoss);
}

TEST_P(SecretStreamTest, AssociatedDataMustMatch) {
  StreamEncryptor enc(key_, GetParam());
  Bytes c = enc.Push(AsBytes("x"), true, AsBytes("CSTB1"));
  Bytes header(enc.header().begin(), enc.header().end());
  StreamDecryptor bad(key_, header, GetParam());
  EXPECT_EQ(bad.Pull(c, AsBytes("CSTB2")).error().code(), ErrorCode::kDataLoss);
  StreamDecryptor good(key_, header, GetParam());
  EXPECT_EQ(AsChars(*good.Pull(c, AsBytes("CSTB1"))), "x");
}

TEST_P(SecretStreamTest, InPlaceEncryptionMatchesCopying) {
  Bytes plain(1000);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = uint8_t(i * 7);
  StreamEncryptor enc(key_, GetParam());
  Bytes header(enc.header().begin(), enc.header().end());
  Bytes buf(plain.size() + kStreamChunkOverhead);
  std::copy(plain.begin(), plain.end(), buf.begin() + 1);
  size_t n = enc.PushTo(std::span(buf).subspan(1, plain.size()), true, buf);
  EXPECT_EQ(n, buf.size());
  StreamDecryptor dec(key_, header, GetParam());
  EXPECT_EQ(*dec.Pull(buf), plain);
}

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 31 + seed);
  return b;
}

// Sizes around the 16-byte Poly1305 block, the 64-byte ChaCha20 block and the 64 KiB piece size.
const size_t kSizes[] = {0, 1, 15, 16, 17, 47, 48, 63, 64, 65, 1000, 65535, 65536, 65537, 300000};
const size_t kAdSizes[] = {0, 1, 16, 17};

TEST_P(SecretStreamTest, StockLibsodiumDecryptsWhatWeEncrypt) {
  for (size_t adlen : kAdSizes) {
    StreamEncryptor enc(key_, GetParam());
    crypto_secretstream_xchacha20poly1305_state st;
    ASSERT_EQ(
        crypto_secretstream_xchacha20poly1305_init_pull(&st, enc.header().data(), key_.data()), 0);
    Bytes ad = Pattern(adlen, 3);
    for (size_t i = 0; i < std::size(kSizes); ++i) {
      const bool final = i + 1 == std::size(kSizes);
      Bytes plain = Pattern(kSizes[i], uint8_t(i));
      Bytes c = enc.Push(plain, final, ad);
      Bytes m(plain.size());
      unsigned long long mlen = 0;
      unsigned char tag = 0xff;
      ASSERT_EQ(crypto_secretstream_xchacha20poly1305_pull(&st, m.data(), &mlen, &tag, c.data(),
                                                           c.size(), ad.data(), ad.size()),
                0)
          << "size " << kSizes[i] << " ad " << adlen;
      EXPECT_EQ(m, plain);
      EXPECT_EQ(tag, final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                           : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    }
  }
}

TEST_P(SecretStreamTest, WeDecryptWhatStockLibsodiumEncrypts) {
  for (size_t adlen : kAdSizes) {
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t header[kStreamHeaderSize];
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key_.data());
    StreamDecryptor dec(key_, header, GetParam());
    Bytes ad = Pattern(adlen, 9);
    for (size_t i = 0; i < std::size(kSizes); ++i) {
      const bool final = i + 1 == std::size(kSizes);
      Bytes plain = Pattern(kSizes[i], uint8_t(i + 1));
      Bytes c(plain.size() + kStreamChunkOverhead);
      crypto_secretstream_xchacha20poly1305_push(
          &st, c.data(), nullptr, plain.data(), plain.size(), ad.data(), ad.size(),
          final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
      Result<Bytes> m = dec.Pull(c, ad);
      ASSERT_TRUE(m.ok()) << "size " << kSizes[i] << " ad " << adlen;
      EXPECT_EQ(*m, plain);
      EXPECT_EQ(dec.final_seen(), final);
    }
  }
}

TEST_P(SecretStreamTest, FailedPullReleasesNoPlaintext) {
  StreamEncryptor enc(key_, GetParam());
  Bytes header(enc.header().begin(), enc.header().end());
  Bytes plain = Pattern(200000, 1);
  Bytes c = enc.Push(plain, true);
  c[c.size() - 1] ^= 1;  // the MAC
  StreamDecryptor dec(key_, header, GetParam());
  Bytes out(plain.size(), 0xee);
  EXPECT_EQ(dec.PullTo(c, out).error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(out, Bytes(plain.size(), 0));
}

TEST_P(SecretStreamTest, InPlaceDecryption) {
  StreamEncryptor enc(key_, GetParam());
  Bytes header(enc.header().begin(), enc.header().end());
  Bytes plain = Pattern(100000, 4);
  Bytes c = enc.Push(plain, true);
  StreamDecryptor dec(key_, header, GetParam());
  Result<size_t> n = dec.PullTo(c, std::span(c).subspan(1));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(Bytes(c.begin() + 1, c.begin() + 1 + long(*n)), plain);
}

TEST(SecretStreamImplTest, BothImplementationsInteroperate) {
  Bytes key(kStreamKeySize, 0x33);
  StreamEncryptor fast(key, StreamImpl::kFastest);
  StreamDecryptor ref(key, fast.header(), StreamImpl::kLibsodium);
  for (size_t n : kSizes) {
    Bytes plain = Pattern(n, 7);
    EXPECT_EQ(*ref.Pull(fast.Push(plain, false)), plain);
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, SecretStreamTest,
                         ::testing::Values(StreamImpl::kFastest, StreamImpl::kLibsodium),
                         [](const auto& info) {
                           return info.param == StreamImpl::kFastest ? "Fastest" : "Libsodium";
                         });

}  // namespace
}  // namespace custody::crypto
