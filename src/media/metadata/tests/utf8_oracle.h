// An independent strict UTF-8 check (no overlongs, surrogates or code points past U+10FFFF), used
// as the oracle for the metadata reader's promise that every key and value it reports is valid
// UTF-8: by the metadata tests and by fuzz/metadata_fuzz.cc. Header-only, no test framework, so
// the fuzz target can include it. Deliberately not the reader's own IsValidUtf8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace custody::metadata::testing {

inline bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || s.size() - i < n) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace custody::metadata::testing
