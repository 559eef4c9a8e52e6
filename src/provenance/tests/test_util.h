// Shared helpers for the provenance tests: where the fixtures are, reading files, skipping when
// fixtures are absent (failing instead when CUSTODY_REQUIRE_FIXTURES=1, as in CI).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/encoding.h"

namespace custody::provenance::testing {

std::filesystem::path SourceDir();     // the repository root
std::filesystem::path FixturesDir();   // $CUSTODY_FIXTURES or <repo>/../shared/fixtures
std::filesystem::path C2paFixtures();  // FixturesDir() / "c2pa"
bool RequireFixtures();                // CUSTODY_REQUIRE_FIXTURES=1
std::optional<Bytes> ReadFile(const std::filesystem::path& path);
std::optional<std::string> ReadText(const std::filesystem::path& path);

}  // namespace custody::provenance::testing

// Reads a fixture file into `var` (a Bytes), or skips the test (fails under
// CUSTODY_REQUIRE_FIXTURES=1) when it is absent. `rel` is relative to the c2pa fixtures folder.
#define CUSTODY_C2PA_FIXTURE(var, rel)                                                             \
  ::custody::Bytes var;                                                                            \
  do {                                                                                             \
    auto _fixture = ::custody::provenance::testing::ReadFile(                                      \
        ::custody::provenance::testing::C2paFixtures() / (rel));                                   \
    if (!_fixture) {                                                                               \
      if (::custody::provenance::testing::RequireFixtures())                                       \
        FAIL() << "fixture missing: " << (::custody::provenance::testing::C2paFixtures() / (rel)); \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel);                         \
    }                                                                                              \
    var = std::move(*_fixture);                                                                    \
  } while (0)
