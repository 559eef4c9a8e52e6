// Internal to media/: the libvips glue shared by media.cc, procedural.cc and edit.cc. Not part of
// the module's interface (other modules cannot see libvips headers; see CMakeLists.txt).
//
// ToSrgb8 and the encoders may throw vips::VError; callers run them inside GuardVips(), which is
// the one place such exceptions become Errors. DecodeImage catches its own (it knows which failures
// mean bad input).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vips/vips8>

#include "base/encoding.h"
#include "base/result.h"

namespace custody::media_internal {

// Runs `body` with libvips started, converting vips::VError into an Error with `code` (the caller
// knows whether a libvips failure at that point means bad input or a bug of ours) and
// std::bad_alloc into kResourceExhausted. `what` prefixes the message ("edit", "render").
template <typename T>
Result<T> GuardVips(std::string_view what, ErrorCode code, const std::function<Result<T>()>& body);

// The first line of a libvips error message, trimmed and capped, safe to show to a caller.
std::string VipsMessage(const std::exception& e);

struct Decoded {
  vips::VImage image;  // with kIntoMemory: in memory, no longer refers to the input bytes
  std::string format;  // "png", "jpeg", "webp", "gif"
};

enum class DecodeMode {
  kIntoMemory,  // decode every pixel into memory (for processing)
  kVerifyOnly,  // decode every pixel once, streaming, keeping none (for probing); `image` is
                // then the lazy header-only image and refers to the caller's bytes
};

// Decodes PNG/JPEG/WebP/GIF (first frame), refusing anything else and anything over kMaxPixels.
// `what` names the input in error messages ("image", "reference 2").
// Errors: kInvalidArgument (empty, corrupt, truncated), kUnsupportedMedia, kPayloadTooLarge.
// Does not throw.
Result<Decoded> DecodeImage(std::span<const uint8_t> data, std::string_view what,
                            DecodeMode mode = DecodeMode::kIntoMemory);

// Converts any decoded image to 8-bit sRGB: applies an embedded ICC profile (falling back to a
// plain colourspace conversion if the profile is unusable), then 3 bands, or 4 if `keep_alpha` and
// the image has alpha (otherwise alpha is flattened onto white). The result carries no metadata
// that matters for saving (savers are always called with strip).
vips::VImage ToSrgb8(vips::VImage in, bool keep_alpha);

// Deterministic encoders: no metadata (strip), fixed settings, no timestamps.
Bytes EncodePng(const vips::VImage& image);
Bytes EncodeJpeg(const vips::VImage& image);

// ---- implementation of the template ----

Error VipsFailure(std::string_view what, ErrorCode code, const std::exception& e);
Error OutOfMemory(std::string_view what);
Status EnsureVips();

template <typename T>
Result<T> GuardVips(std::string_view what, ErrorCode code, const std::function<Result<T>()>& body) {
  if (Status s = EnsureVips(); !s.ok()) return std::move(s).error();
  try {
    return body();
  } catch (const vips::VError& e) {
    return VipsFailure(what, code, e);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(what);
  } catch (const std::exception& e) {  // not expected from libvips; still never let one escape
    return VipsFailure(what, ErrorCode::kInternal, e);
  }
}

}  // namespace custody::media_internal
