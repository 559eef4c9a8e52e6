// Media basics: libvips start-up, content sniffing and image probing.
//
// media/ is the only module that includes libvips headers; everything it exposes speaks in bytes,
// spans and Result values. libvips exceptions (vips::VError) are caught inside media/ and turned
// into Errors: none escapes a function declared here or in the other media headers.
//
// Untrusted input: only the PNG, JPEG, WebP and GIF decoders are ever used (InitMedia blocks every
// other libvips loader, including the "untrusted" ones such as SVG, PDF and ImageMagick), and no
// image over kMaxPixels is decoded.
#pragma once

#include <climits>
#include <cstdint>
#include <span>
#include <string>

#include "base/encoding.h"
#include "base/result.h"

namespace custody {

// Decompression-bomb guard: images whose declared width*height exceeds this are refused before any
// pixel is decoded (ErrorCode::kPayloadTooLarge). Applies to probing, edits and references.
inline constexpr int64_t kMaxPixels = 100'000'000;

// Starts libvips once per process and configures it for a server that handles untrusted files:
//  - blocks every loader except PNG, JPEG, WebP and GIF;
//  - disables libvips' operation cache (no cross-request reuse of results, bounded memory);
//  - disables ORC run-time SIMD code generation, so pixel arithmetic is the same compiled C on
//  every
//    CPU (part of the determinism contract, see README.md);
//  - sets worker concurrency to min(4, hardware threads) unless VIPS_CONCURRENCY is set;
//  - silences libvips' GLib warnings (damaged-file chatter; failures are returned as Errors).
// Idempotent and thread-safe: concurrent and repeated calls all return the first call's outcome.
// Every other media function calls it, so calling it explicitly at start-up is optional (but it is
// the place a failure to start libvips is reported).
Status InitMedia();

// The libvips version the edits and renders run on (recorded with every edit job).
std::string_view VipsVersion();

struct MediaInfo {
  std::string media_type;  // e.g. "image/png"
  std::string format;      // "png", "jpeg", "webp" or "gif"
  int width = 0;
  int height = 0;
};

// Classifies content by its first bytes (16 or more are enough for every type; fewer are fine).
// Returns one of: image/png, image/jpeg, image/webp, image/gif, audio/wav, video/mp4, audio/mpeg,
// text/plain (non-empty, valid UTF-8, no NUL bytes; a multi-byte sequence cut off at the end of
// `first_bytes` is accepted), application/octet-stream (anything else, including empty input and
// ISO-BMFF files whose brand says HEIF/AVIF still image). Pure function, thread-safe.
std::string SniffMediaType(std::span<const uint8_t> first_bytes);

// Reads an image's header and decodes its pixels once (streaming, not kept) to check it is intact.
// Errors: kUnsupportedMedia if the bytes are not PNG/JPEG/WebP/GIF; kPayloadTooLarge if the image
// declares more than kMaxPixels; kInvalidArgument if it is empty, corrupt or truncated.
// For animated GIF/WebP the first frame's size is reported. Thread-safe.
Result<MediaInfo> ProbeImage(std::span<const uint8_t> data);

// 8-bit RGBA pixels, row-major, 4 bytes per pixel (width * height * 4 bytes).
struct RgbaImage {
  int width = 0;  // of the decoded region
  int height = 0;
  Bytes pixels;
};

// Decodes the first frame of a PNG or WebP to 8-bit RGBA as stored, without colour management
// (the exact sample values: the metadata reader's alpha-LSB "stealth" check reads their low bits),
// keeping only the top-left min(width, max_columns) x min(height, max_rows) region (the image is
// loaded sequentially, so libvips may stop reading below it). Grey is expanded to RGB, a missing
// alpha becomes 255, 16-bit samples keep their high byte. Callers decide whether decoding is
// worth it (the metadata reader only asks for images with alpha). Errors: kUnsupportedMedia if
// not PNG/WebP, kPayloadTooLarge over kMaxPixels, kInvalidArgument if empty, corrupt or
// truncated within the region. Thread-safe.
Result<RgbaImage> DecodeRgba8(std::span<const uint8_t> data, int max_columns = INT_MAX,
                              int max_rows = INT_MAX);

}  // namespace custody
