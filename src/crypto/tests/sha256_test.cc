#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"

namespace custody::crypto {
namespace {

// FIPS 180-2 appendix B test vectors.
TEST(Sha256Test, Abc) {
  EXPECT_EQ(Sha256Hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, Empty) {
  EXPECT_EQ(Sha256Hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, TwoBlockMessage) {
  EXPECT_EQ(Sha256Hex(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, MillionAStreamedInOddPieces) {
  Sha256 h;
  std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, piece.size());
    h.Update(std::string_view(piece).substr(0, n));
    left -= n;
  }
  EXPECT_EQ(h.FinalHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, FinalResetsForReuse) {
  Sha256 h;
  h.Update(std::string_view("abc"));
  Sha256Hash first = h.Final();
  h.Update(std::string_view("abc"));
  EXPECT_EQ(h.Final(), first);
  EXPECT_EQ(HexEncode(first), Sha256Hex(std::string_view("abc")));
}

TEST(Sha256Test, MovedHasherKeepsState) {
  Sha256 a;
  a.Update(std::string_view("ab"));
  Sha256 b = std::move(a);
  b.Update(std::string_view("c"));
  EXPECT_EQ(b.FinalHex(), Sha256Hex(std::string_view("abc")));
}

}  // namespace
}  // namespace custody::crypto
