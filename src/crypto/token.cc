#include "crypto/token.h"

#include <cassert>
#include <cstdint>

#include "base/encoding.h"
#include "crypto/sha256.h"

namespace custody::crypto {
namespace {

constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kTokenChars = 52;  // ceil(256 / 5)

bool IsKindChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool ValidKind(std::string_view kind) {
  if (kind.empty() || kind.size() > 8) return false;
  for (char c : kind) {
    if (!IsKindChar(c)) return false;
  }
  return true;
}

}  // namespace

std::string NewSecretToken(std::string_view kind, Random& random) {
  assert(ValidKind(kind));
  uint8_t raw[kTokenRandomBytes];
  random.Fill(raw);
  std::string token = "cst_";
  token += kind;
  token += '_';
  token += Base32Encode(raw);
  assert(token.size() == 5 + kind.size() + kTokenChars);
  return token;
}

bool LooksLikeSecretToken(std::string_view token, std::string_view kind) {
  const size_t prefix = 4 + kind.size() + 1;
  if (!ValidKind(kind) || token.size() != prefix + kTokenChars) return false;
  if (token.substr(0, 4) != "cst_" || token.substr(4, kind.size()) != kind ||
      token[prefix - 1] != '_') {
    return false;
  }
  for (char c : token.substr(prefix)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

}  // namespace custody::crypto
