#include "base/ids.h"

#include "base/clock.h"
#include "base/encoding.h"

namespace custody {

std::string NewIdString(std::string_view prefix, Random& random) {
  uint8_t raw[17];
  random.Fill(raw);
  std::string s(prefix);
  s += '_';
  s += Base32Encode(raw).substr(0, 26);
  return s;
}

bool LooksLikeId(std::string_view s, std::string_view prefix) {
  if (s.size() != prefix.size() + 27 || s.substr(0, prefix.size()) != prefix ||
      s[prefix.size()] != '_')
    return false;
  for (char c : s.substr(prefix.size() + 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

}  // namespace custody
