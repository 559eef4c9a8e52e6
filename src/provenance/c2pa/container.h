// Where a C2PA manifest store lives inside an asset file, and the hard-binding hashes over it
// (notes §2.4 hash.data / hash.bmff.v3, §2.8 embedding):
//   JPEG  contiguous APP11 segments (CI "JP", En 0x0211, Z from 1), after the last APP0 or SOI
//   PNG   a `caBX` chunk right after IHDR
//   WAV   a RIFF `C2PA` chunk at the end (pad byte for odd sizes, RIFF size updated)
//   WebP  a RIFF `C2PA` chunk at the end (VP8X as it is; RIFF size updated)
//   BMFF  (MP4/MOV/M4A/HEIF) a top-level `uuid` box D8FEC3D6-1B0E-483C-9297-5828877EC481
//         "manifest" after `ftyp`, with `stco`/`co64` (and `tfhd`/`iloc` base offsets where
//         present) patched for the shift
// Readers never trust the file: malformed structure gives kInvalidArgument, never a crash or an
// over-read. Embedding never touches pixels or samples: it only rewrites the container.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace custody::provenance {

enum class AssetFormat { kUnknown, kJpeg, kPng, kWav, kWebp, kBmff };

// From the first bytes (magic numbers), not the file name.
AssetFormat DetectFormat(std::span<const uint8_t> data);
std::string_view FormatName(AssetFormat f);  // "jpeg", "png", "wav", "webp", "bmff", "unknown"
// "image/jpeg", "image/png", "audio/wav", "image/webp", "video/mp4" (for BMFF: by ftyp major
// brand, "video/quicktime" for qt, "audio/mp4" for M4A/M4B/M4P, "image/heif" for heic/mif1 and
// the other HEIF brands, "image/avif" for avif/avis, else video/mp4); "application/octet-stream"
// for an unknown format.
std::string MediaTypeOf(std::span<const uint8_t> data);

// A byte range of the file.
struct ByteRange {
  uint64_t start = 0;
  uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

// The manifest store found in a file.
struct FoundStore {
  Bytes jumbf;  // the reassembled JUMBF (for JPEG: APP11 payloads joined)
  // Where the store's container units sit in the file, units that touch merged into one range:
  // JPEG the APP11 segments (markers included), PNG the whole caBX chunk, RIFF the C2PA chunk's
  // header and data (not its pad byte), BMFF the whole uuid box. For the data-hash formats this is
  // what a correct exclusion list covers.
  std::vector<ByteRange> blocks;
};

// The manifest store embedded in `data`, or nullopt if there is none. kInvalidArgument if the
// container is malformed or the store's units are inconsistent (e.g. JPEG APP11 sequence gaps,
// a truncated store, more than one store). An unknown format is kUnsupportedMedia.
// JPEG: only markers before the first SOS are read; among several JUMBF box instances the store
// is the one whose `jumd` is labelled "c2pa". BMFF: the uuid box whose purpose is "manifest".
Result<std::optional<FoundStore>> ReadManifestStore(std::span<const uint8_t> data);

// A file prepared to receive a manifest store of a fixed size: `bytes` is the asset with any
// existing store removed and placeholder space (zeros) reserved for exactly `jumbf_size` bytes of
// JUMBF, at the place the format prescribes. `exclusions` are the data-hash exclusions
// (hash.data) for that placement: sorted, non-overlapping. For BMFF they are empty: BMFF files are
// bound with hash.bmff.v3 (BmffHash).
struct Embedding {
  AssetFormat format = AssetFormat::kUnknown;
  Bytes bytes;
  size_t jumbf_size = 0;
  std::vector<ByteRange> exclusions;
  // Internal: where each piece of the JUMBF goes (offset in `bytes`, offset in the JUMBF, length)
  // and container fields to fix up (PNG CRC offset).
  struct Piece {
    uint64_t file_offset = 0;
    uint64_t jumbf_offset = 0;
    uint64_t length = 0;
  };
  std::vector<Piece> pieces;
  std::optional<uint64_t> png_chunk_offset;  // PNG: the caBX chunk (length field) for the CRC
};

// Strips any manifest store from `asset` and reserves room for `jumbf_size` bytes of JUMBF.
// kUnsupportedMedia for an unknown format; kInvalidArgument for a malformed container, a
// `jumbf_size` below 8 (a JUMBF box header) or one the format cannot hold (JPEG: 65535 segments of
// 64000 bytes; PNG: 2^31-1; RIFF and BMFF: 32-bit sizes), or (BMFF) a 32-bit chunk offset that
// would overflow. RemoveManifestStore(PrepareEmbedding(x) after Write) == RemoveManifestStore(x).
Result<Embedding> PrepareEmbedding(std::span<const uint8_t> asset, size_t jumbf_size);

// Writes the final store into the prepared space (JPEG: split across the APP11 segments with the
// repeated 8-byte box header; PNG: CRC updated). `jumbf.size()` must equal `jumbf_size`, and the
// store must be one JUMBF box of exactly that size whose `jumd` is labelled "c2pa" (so that
// ReadManifestStore finds it again); otherwise kInvalidArgument and nothing is written.
Status WriteManifestStore(Embedding& embedding, std::span<const uint8_t> jumbf);

// `asset` without any manifest store (for re-signing and for scrubbing). Unchanged bytes when the
// file has none. RIFF: the RIFF size is fixed; BMFF: every C2PA uuid box goes and the file offsets
// are shifted back. Fails (as PrepareEmbedding does) on every file ReadManifestStore rejects.
Result<Bytes> RemoveManifestStore(std::span<const uint8_t> asset);

// SHA-256 over `data` minus `exclusions` (c2pa.hash.data). kInvalidArgument if an exclusion runs
// past the end, overlaps another, or the exclusions are not sorted.
Result<std::array<uint8_t, 32>> DataHash(std::span<const uint8_t> data,
                                         std::span<const ByteRange> exclusions);

// One exclusion of a c2pa.hash.bmff.v3 assertion (top-level xpaths "/<4cc>" only; `data` lets
// "/uuid" match only the box whose bytes at `offset` equal `value`).
struct BmffExclusion {
  std::string xpath;  // "/uuid", "/ftyp", "/mfra", "/free", "/skip", ...
  struct DataMatch {
    uint64_t offset = 0;  // from the box start
    Bytes value;
  };
  std::vector<DataMatch> data;
};
// The exclusions Custody writes: /uuid (C2PA uuid only), /ftyp, /mfra.
std::vector<BmffExclusion> DefaultBmffExclusions();

// c2pa.hash.bmff.v3 without Merkle trees: SHA-256 over, for each top-level box not excluded, in
// file order, offset_u64_BE || the box's bytes (header included). kInvalidArgument for malformed
// top-level structure or an xpath that is not top-level (unsupported).
Result<std::array<uint8_t, 32>> BmffHash(std::span<const uint8_t> data,
                                         std::span<const BmffExclusion> exclusions);

}  // namespace custody::provenance
