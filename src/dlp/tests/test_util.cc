#include "dlp/tests/test_util.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace custody::dlp::testing {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("CUSTODY_SOURCE_DIR");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
#ifdef CUSTODY_TEST_SOURCE_DIR
  return fs::path(CUSTODY_TEST_SOURCE_DIR);
#else
  return fs::path(__FILE__).parent_path() / ".." / ".." / "..";
#endif
}

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return SourceDir() / ".." / "shared" / "fixtures";
}

fs::path DlpFixtures() { return FixturesDir() / "dlp"; }

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v != nullptr && std::string(v) == "1";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> ReadText(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace custody::dlp::testing
