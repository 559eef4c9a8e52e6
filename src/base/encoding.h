// Byte encodings used across Custody: hex, base64 (RFC 4648 std, padded), base64url (unpadded).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace custody {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string HexEncode(std::span<const uint8_t> data);
std::optional<Bytes> HexDecode(std::string_view hex);

std::string Base64Encode(std::span<const uint8_t> data);
std::optional<Bytes> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::span<const uint8_t> data);   // no padding
std::optional<Bytes> Base64UrlDecode(std::string_view text);  // padding not accepted

// Lowercase RFC 4648 base32 alphabet without padding (used for ids and tokens).
std::string Base32Encode(std::span<const uint8_t> data);

// Constant-time comparison of equal-length byte strings; false if lengths differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace custody
