#include "provenance/tests/test_util.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace custody::provenance::testing {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("CUSTODY_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir)
                                        : fs::path(__FILE__).parent_path() / ".." / ".." / "..";
}

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return SourceDir() / ".." / "shared" / "fixtures";
}

fs::path C2paFixtures() { return FixturesDir() / "c2pa"; }

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
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace custody::provenance::testing
