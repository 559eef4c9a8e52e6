#include "integration/png_util.h"

#include <array>
#include <cstdlib>

#include "media/media.h"
#include "media/procedural.h"

namespace custody::testing {
namespace {

uint32_t Crc32(const std::string& data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::string Be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

}  // namespace

std::string TestPng(int width, int height, uint64_t seed) {
  if (!InitMedia().ok()) std::abort();
  ProceduralSpec spec;
  spec.prompt = "test image";
  spec.seed = seed;
  spec.width = width;
  spec.height = height;
  auto png = RenderProcedural(spec, {});
  if (!png.ok()) std::abort();
  return std::string(png->begin(), png->end());
}

std::string InsertPngText(const std::string& png, const std::string& keyword,
                          const std::string& text, bool after_idat) {
  std::string type_and_data = "tEXt" + keyword + std::string(1, '\0') + text;
  std::string chunk =
      Be32(uint32_t(type_and_data.size() - 4)) + type_and_data + Be32(Crc32(type_and_data));
  size_t pos = after_idat ? png.size() - 12 : 8 + 25;  // before IEND / after IHDR
  return png.substr(0, pos) + chunk + png.substr(pos);
}

}  // namespace custody::testing
