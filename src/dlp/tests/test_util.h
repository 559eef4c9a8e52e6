// Shared helpers for the DLP tests: where the fixtures are (gitleaks' configuration and test
// configurations under <fixtures>/dlp), reading files, skipping when fixtures are absent (failing
// instead when CUSTODY_REQUIRE_FIXTURES=1, as in CI).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/encoding.h"

namespace custody::dlp::testing {

std::filesystem::path SourceDir();    // the repository root ($CUSTODY_SOURCE_DIR if set)
std::filesystem::path FixturesDir();  // $CUSTODY_FIXTURES or <repo>/../shared/fixtures
std::filesystem::path DlpFixtures();  // FixturesDir() / "dlp"
bool RequireFixtures();               // CUSTODY_REQUIRE_FIXTURES=1
std::optional<Bytes> ReadFile(const std::filesystem::path& path);
std::optional<std::string> ReadText(const std::filesystem::path& path);

}  // namespace custody::dlp::testing

// Skips the test (fails under CUSTODY_REQUIRE_FIXTURES=1) when `path` (a std::filesystem::path,
// absolute or built from DlpFixtures()) does not exist.
#define CUSTODY_DLP_REQUIRE_PATH(fixture_path)                                                    \
  do {                                                                                            \
    const ::std::filesystem::path _dlp_path = (fixture_path);                                     \
    if (!::std::filesystem::exists(_dlp_path)) {                                                  \
      if (::custody::dlp::testing::RequireFixtures()) FAIL() << "fixture missing: " << _dlp_path; \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << _dlp_path;                    \
    }                                                                                             \
  } while (0)

// Reads a fixture text file into `var` (a std::string), or skips the test (fails under
// CUSTODY_REQUIRE_FIXTURES=1) when it is absent. `rel` is relative to the dlp fixtures folder,
// e.g. "config/gitleaks.toml".
#define CUSTODY_DLP_FIXTURE(var, rel)                                                      \
  ::std::string var;                                                                       \
  do {                                                                                     \
    auto _fixture =                                                                        \
        ::custody::dlp::testing::ReadText(::custody::dlp::testing::DlpFixtures() / (rel)); \
    if (!_fixture) {                                                                       \
      if (::custody::dlp::testing::RequireFixtures())                                      \
        FAIL() << "fixture missing: " << (::custody::dlp::testing::DlpFixtures() / (rel)); \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel);                 \
    }                                                                                      \
    var = std::move(*_fixture);                                                            \
  } while (0)
