#include "media/media.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "media/vips_util.h"

// Not included by <vips/vips8>: declares vips_vector_set_enabled().
#include <vips/vector.h>

namespace custody {
namespace {

Status StartVips() {
  if (VIPS_INIT("custody") != 0) {
    std::string message = vips_error_buffer();
    vips_error_clear();
    return Error(ErrorCode::kUnavailable, "libvips failed to start: " + message);
  }
  // libvips reports every oddity of a damaged file as a GLib warning on stderr; for uploads that
  // is noise (and a way for a client to flood our logs). Failures reach callers as Errors.
  g_log_set_handler(
      "VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {},
      nullptr);
  // Untrusted uploads reach the decoders: allow only the four formats we accept. Blocking the base
  // class blocks every loader; the unblocks re-enable the named ones and their subclasses.
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (const char* allowed : {"VipsForeignLoadPng", "VipsForeignLoadJpeg", "VipsForeignLoadWebp",
                              "VipsForeignLoadNsgif"}) {
    vips_operation_block_set(allowed, FALSE);
  }
  // The operation cache memoises results by argument identity across calls; a server gains little
  // from it and it keeps decoded images alive after the request that made them.
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  // ORC generates SIMD code at run time for the CPU it finds; switching it off keeps pixel
  // arithmetic on the same compiled code path on every machine (determinism contract).
  vips_vector_set_enabled(FALSE);
  if (std::getenv("VIPS_CONCURRENCY") == nullptr) {
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    vips_concurrency_set(static_cast<int>(std::min(4u, hw)));
  }
  return OkStatus();
}

bool StartsWith(std::span<const uint8_t> b, size_t offset, std::string_view magic) {
  return b.size() >= offset + magic.size() &&
         std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
}

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF) without NUL bytes. A
// sequence cut off by the end of the buffer is accepted: we only see a prefix of the content.
bool LooksLikeUtf8Text(std::span<const uint8_t> b) {
  size_t i = 0;
  while (i < b.size()) {
    uint8_t c = b[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= b.size()) return true;  // truncated at the end of the sniffed prefix
      uint8_t cc = b[i + k];
      uint8_t min = (k == 1) ? lo : 0x80;
      uint8_t max = (k == 1) ? hi : 0xBF;
      if (cc < min || cc > max) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

Status InitMedia() {
  static std::once_flag once;
  static std::optional<Status> result;
  std::call_once(once, [] { result = StartVips(); });
  return *result;
}

std::string SniffMediaType(std::span<const uint8_t> b) {
  if (StartsWith(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (StartsWith(b, 0, "\xFF\xD8\xFF")) return "image/jpeg";
  if (StartsWith(b, 0, "GIF87a") || StartsWith(b, 0, "GIF89a")) return "image/gif";
  if (StartsWith(b, 0, "RIFF") && StartsWith(b, 8, "WEBP")) return "image/webp";
  if (StartsWith(b, 0, "RIFF") && StartsWith(b, 8, "WAVE")) return "audio/wav";
  if (StartsWith(b, 4, "ftyp") && b.size() >= 12) {
    // ISO-BMFF: HEIF and AVIF stills share the container but are not video.
    for (std::string_view brand :
         {"heic", "heix", "heim", "heis", "mif1", "msf1", "avif", "avis"}) {
      if (StartsWith(b, 8, brand)) return "application/octet-stream";
    }
    return "video/mp4";
  }
  if (StartsWith(b, 0, "ID3")) return "audio/mpeg";
  // MPEG audio frame sync (11 bits set) with layer III; JPEG (FF D8) fails the sync test.
  if (b.size() >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && ((b[1] >> 1) & 0x03) == 0x01 &&
      ((b[1] >> 3) & 0x03) != 0x01) {
    return "audio/mpeg";
  }
  if (!b.empty() && LooksLikeUtf8Text(b)) return "text/plain";
  return "application/octet-stream";
}

Result<MediaInfo> ProbeImage(std::span<const uint8_t> data) {
  using media_internal::GuardVips;
  return GuardVips<MediaInfo>("probe", ErrorCode::kInvalidArgument, [&]() -> Result<MediaInfo> {
    if (data.empty()) return InvalidArgument("image is empty");
    std::string type = SniffMediaType(data.first(std::min<size_t>(data.size(), 64)));
    if (type != "image/png" && type != "image/jpeg" && type != "image/webp" &&
        type != "image/gif") {
      return Error(ErrorCode::kUnsupportedMedia, "not a supported image (detected " + type +
                                                     "; supported: PNG, JPEG, WebP, GIF)");
    }
    ASSIGN_OR_RETURN(auto decoded, media_internal::DecodeImage(
                                       data, "image", media_internal::DecodeMode::kVerifyOnly));
    MediaInfo info;
    info.media_type = type;
    info.format = decoded.format;
    info.width = decoded.image.width();
    info.height = decoded.image.height();
    return info;
  });
}

Result<RgbaImage> DecodeRgba8(std::span<const uint8_t> data, int max_columns, int max_rows) {
  using media_internal::GuardVips;
  return GuardVips<RgbaImage>("decode", ErrorCode::kInvalidArgument, [&]() -> Result<RgbaImage> {
    if (data.empty()) return InvalidArgument("image is empty");
    if (max_columns <= 0 || max_rows <= 0) return InvalidArgument("empty region requested");
    std::string type = SniffMediaType(data.first(std::min<size_t>(data.size(), 64)));
    if (type != "image/png" && type != "image/webp") {
      return Error(ErrorCode::kUnsupportedMedia, "not a PNG or WebP image (detected " + type + ")");
    }
    // The blob borrows `data`; everything below finishes before we return.
    std::unique_ptr<VipsBlob, void (*)(VipsBlob*)> blob(
        vips_blob_new(nullptr, data.data(), data.size()),
        [](VipsBlob* b) { vips_area_unref(VIPS_AREA(b)); });
    // Sequential access: only the region is needed, and it lies at the top.
    auto* options = vips::VImage::option()
                        ->set("access", VIPS_ACCESS_SEQUENTIAL)
                        ->set("fail_on", VIPS_FAIL_ON_ERROR);
    vips::VImage image = type == "image/png" ? vips::VImage::pngload_buffer(blob.get(), options)
                                             : vips::VImage::webpload_buffer(blob.get(), options);
    const int64_t w = image.width(), h = image.height();
    if (w <= 0 || h <= 0) return InvalidArgument("image has no pixels");
    if (w * h > kMaxPixels) {
      return Error(ErrorCode::kPayloadTooLarge, "image is " + std::to_string(w) + "x" +
                                                    std::to_string(h) + " pixels, over the limit");
    }
    const int cw = int(std::min<int64_t>(w, max_columns));
    const int ch = int(std::min<int64_t>(h, max_rows));
    if (cw < w || ch < h) image = image.extract_area(0, 0, cw, ch);
    // Stored values only: no ICC transform, no colourspace conversion.
    if (image.format() != VIPS_FORMAT_UCHAR) {
      image = image.cast(VIPS_FORMAT_UCHAR, vips::VImage::option()->set("shift", true));
    }
    if (image.bands() > 4) image = image.extract_band(0, vips::VImage::option()->set("n", 4));
    if (image.bands() == 1) image = vips::VImage::bandjoin({image, image, image});
    if (image.bands() == 2)
      image = vips::VImage::bandjoin({image[0], image[0], image[0], image[1]});
    if (image.bands() == 3) image = image.bandjoin_const({255});
    image = image.copy_memory();
    RgbaImage out;
    out.width = image.width();
    out.height = image.height();
    size_t size = 0;
    std::unique_ptr<void, void (*)(void*)> mem(image.write_to_memory(&size), g_free);
    const auto* p = static_cast<const uint8_t*>(mem.get());
    if (size != size_t(out.width) * size_t(out.height) * 4) {
      return Internal("decode: unexpected pixel buffer size");
    }
    out.pixels.assign(p, p + size);
    return out;
  });
}

std::string_view VipsVersion() { return VIPS_VERSION; }

}  // namespace custody
