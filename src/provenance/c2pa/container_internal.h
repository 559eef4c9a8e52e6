// Internal to container.cc and container_bmff.cc: byte helpers and the per-format entry points
// that the public functions of container.h dispatch to. Not part of the module's interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/encoding.h"
#include "base/result.h"
#include "provenance/c2pa/container.h"

namespace custody::provenance::container_internal {

// REQUIRES (all readers and writers): the bytes are in bounds; callers check first.
inline uint16_t ReadU16Be(std::span<const uint8_t> d, size_t pos) {
  return static_cast<uint16_t>((d[pos] << 8) | d[pos + 1]);
}
inline uint32_t ReadU32Be(std::span<const uint8_t> d, size_t pos) {
  return (uint32_t{d[pos]} << 24) | (uint32_t{d[pos + 1]} << 16) | (uint32_t{d[pos + 2]} << 8) |
         uint32_t{d[pos + 3]};
}
inline uint64_t ReadU64Be(std::span<const uint8_t> d, size_t pos) {
  return (uint64_t{ReadU32Be(d, pos)} << 32) | ReadU32Be(d, pos + 4);
}
// Big-endian unsigned integer of `width` bytes (0..8).
inline uint64_t ReadUBe(std::span<const uint8_t> d, size_t pos, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | d[pos + i];
  return v;
}
inline uint32_t ReadU32Le(std::span<const uint8_t> d, size_t pos) {
  return uint32_t{d[pos]} | (uint32_t{d[pos + 1]} << 8) | (uint32_t{d[pos + 2]} << 16) |
         (uint32_t{d[pos + 3]} << 24);
}
inline void WriteUBe(uint8_t* p, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (width - 1 - i)));
}
inline void WriteU32Le(uint8_t* p, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void AppendUBe(Bytes& out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * (width - 1 - i))));
}
inline bool HasFourCC(std::span<const uint8_t> d, size_t pos, std::string_view cc) {
  return d.size() >= 4 && pos <= d.size() - 4 && d[pos] == uint8_t(cc[0]) &&
         d[pos + 1] == uint8_t(cc[1]) && d[pos + 2] == uint8_t(cc[2]) &&
         d[pos + 3] == uint8_t(cc[3]);
}

// kInvalidArgument "<format>: at offset N: what".
Error Malformed(std::string_view format, uint64_t offset, std::string_view what);

// BMFF (container_bmff.cc).
// Reserves `capacity` bytes for an output file image. Large outputs (a signed video) are fresh
// memory mappings whose 4 KiB page faults cost as much as hashing the file; the buffer is
// advised to use transparent huge pages (where the kernel allows it), which makes the copy into
// it several times cheaper.
void ReserveOutput(Bytes& out, size_t capacity);

Result<std::optional<FoundStore>> ReadBmffStore(std::span<const uint8_t> data);
Result<Bytes> RemoveBmffStore(std::span<const uint8_t> data);
Result<Embedding> PrepareBmff(std::span<const uint8_t> data, size_t jumbf_size);
std::string BmffMediaType(std::span<const uint8_t> data);

}  // namespace custody::provenance::container_internal
