#include "inventory/tests/test_util.h"

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace custody::inventory::testing {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("CUSTODY_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path(CUSTODY_TEST_SOURCE_DIR);
}

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return SourceDir() / ".." / "shared" / "fixtures";
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v != nullptr && std::string(v) == "1";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

namespace {

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void PutU32(std::string& out, uint32_t v) {
  out.push_back(char(v >> 24));
  out.push_back(char(v >> 16));
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

std::string Chunk(std::string_view type, std::string_view data) {
  std::string out;
  PutU32(out, uint32_t(data.size()));
  std::string body(type);
  body.append(data);
  out += body;
  PutU32(out, Crc32(body));
  return out;
}

// zlib stream of stored (uncompressed) deflate blocks.
std::string ZlibStored(std::string_view raw) {
  std::string out = "\x78\x01";
  size_t at = 0;
  do {
    size_t n = std::min<size_t>(raw.size() - at, 65535);
    bool last = at + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(char(n & 0xFF));
    out.push_back(char(n >> 8));
    out.push_back(char(~n & 0xFF));
    out.push_back(char((~n >> 8) & 0xFF));
    out.append(raw.substr(at, n));
    at += n;
  } while (at < raw.size());
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  PutU32(out, (b << 16) | a);
  return out;
}

}  // namespace

std::string MakePng(int width, int height, uint64_t seed) {
  std::string ihdr;
  PutU32(ihdr, uint32_t(width));
  PutU32(ihdr, uint32_t(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace
  std::string raw;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter type None
    for (int i = 0; i < width * 3; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      raw.push_back(char(x & 0xFF));
    }
  }
  return std::string("\x89PNG\r\n\x1a\n", 8) + Chunk("IHDR", ihdr) +
         Chunk("IDAT", ZlibStored(raw)) + Chunk("IEND", "");
}

std::string AddPngText(const std::string& png, std::string_view keyword, std::string_view text) {
  const size_t after_ihdr = 8 + 4 + 4 + 13 + 4;
  std::string data(keyword);
  data.push_back('\0');
  data.append(text);
  return png.substr(0, after_ihdr) + Chunk("tEXt", data) + png.substr(after_ihdr);
}

}  // namespace custody::inventory::testing
