// Test images: real PNGs rendered by the procedural renderer, with metadata chunks inserted the
// way AI tools write them.
#pragma once

#include <cstdint>
#include <string>

namespace custody::testing {

std::string TestPng(int width, int height, uint64_t seed);
// Inserts a tEXt chunk right after IHDR, or just before IEND when `after_idat`.
std::string InsertPngText(const std::string& png, const std::string& keyword,
                          const std::string& text, bool after_idat);

}  // namespace custody::testing
