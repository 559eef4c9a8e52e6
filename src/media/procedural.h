// The built-in deterministic image engine's renderer: turns a prompt, a seed and optional reference
// images into a PNG, with no model and no network.
//
// Determinism contract: for the same ProceduralSpec and the same build (kProceduralVersion,
// libvips, libpng and zlib versions) RenderProcedural returns byte-identical PNGs on every call, in
// every process, on every x86-64 machine: all randomness comes from SHA-256(prompt || seed), the
// PNG carries no timestamp or text chunk, and the pixel pipeline uses only per-pixel libvips
// operations whose results do not depend on thread scheduling (InitMedia also disables run-time
// SIMD).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace custody {

// Recorded with every render so a stored output can be traced to the algorithm that made it. Bump
// it whenever a change to procedural.cc changes any output byte.
inline constexpr std::string_view kProceduralVersion = "custody-procedural/1";

inline constexpr int kProceduralMinSize = 16;
inline constexpr int kProceduralMaxSize = 4096;
inline constexpr size_t kProceduralMaxReferences = 8;

struct ProceduralSpec {
  std::string prompt;
  uint64_t seed = 0;
  int width = 512;
  int height = 512;
  std::vector<Bytes> references;  // encoded images (PNG, JPEG, WebP or GIF), blended in as tiles
};

// Renders `spec` to an 8-bit sRGB PNG of exactly spec.width x spec.height with no metadata chunks.
//
// `on_progress` (may be empty) is called on the calling thread between stages with a strictly
// increasing fraction, at least 5 times, the last time with 1.0; returning false cancels the render
// (ErrorCode::kCancelled; nothing is returned).
// Errors: kInvalidArgument for a size outside [kProceduralMinSize, kProceduralMaxSize], too many
// references, or a reference that is empty, corrupt, not PNG/JPEG/WebP/GIF or over kMaxPixels
// (the message names "reference N", 0-based, and the reason; references are checked before any
// rendering starts); kCancelled; kResourceExhausted; kInternal for a libvips failure of our own.
// Thread-safe: concurrent renders share nothing but libvips' worker pool.
Result<Bytes> RenderProcedural(const ProceduralSpec& spec,
                               const std::function<bool(double progress)>& on_progress);

}  // namespace custody
