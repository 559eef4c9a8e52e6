// Shared helpers for the inventory tests: where the fixtures are, reading files, skipping when
// fixtures are absent (failing instead when CUSTODY_REQUIRE_FIXTURES=1, as in CI), and small
// synthetic files (PNGs with the text chunks AI tools write) made here, byte by byte.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/encoding.h"

namespace custody::inventory::testing {

std::filesystem::path SourceDir();    // the repository root ($CUSTODY_SOURCE_DIR if set)
std::filesystem::path FixturesDir();  // $CUSTODY_FIXTURES or <repo>/../shared/fixtures
bool RequireFixtures();               // CUSTODY_REQUIRE_FIXTURES=1
std::optional<Bytes> ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, std::string_view bytes);

// A valid 8-bit RGB PNG of `width` x `height` pixels (stored deflate, no compression), whose
// pixels follow from `seed`, with no ancillary chunks.
std::string MakePng(int width, int height, uint64_t seed);
// `png` with a tEXt chunk (Latin-1 keyword and text) inserted right after IHDR.
std::string AddPngText(const std::string& png, std::string_view keyword, std::string_view text);

}  // namespace custody::inventory::testing

// Skips the test (fails under CUSTODY_REQUIRE_FIXTURES=1) when the path `p` does not exist.
#define CUSTODY_INVENTORY_REQUIRE_PATH(p)                                      \
  do {                                                                         \
    const ::std::filesystem::path _inv_path = (p);                             \
    if (!::std::filesystem::exists(_inv_path)) {                               \
      if (::custody::inventory::testing::RequireFixtures())                    \
        FAIL() << "fixture missing: " << _inv_path;                            \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << _inv_path; \
    }                                                                          \
  } while (0)
