#include "media/vips_util.h"

#include <algorithm>
#include <memory>

#include "media/media.h"

namespace custody::media_internal {
namespace {

struct BlobUnref {
  void operator()(VipsBlob* blob) const { vips_area_unref(VIPS_AREA(blob)); }
};
using BlobPtr = std::unique_ptr<VipsBlob, BlobUnref>;

Bytes TakeBlob(VipsBlob* raw) {
  BlobPtr blob(raw);
  size_t size = 0;
  const void* data = vips_blob_get(blob.get(), &size);
  const auto* p = static_cast<const uint8_t*>(data);
  return Bytes(p, p + size);
}

}  // namespace

Status EnsureVips() { return InitMedia(); }

std::string VipsMessage(const std::exception& e) {
  // libvips keeps one process-wide error buffer that grows until cleared; clear it so the next
  // failure's message is not prefixed with this one.
  vips_error_clear();
  std::string raw = e.what();
  std::string out;
  for (char c : raw) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += "; ";
      continue;
    }
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  if (out.size() > 300) out = out.substr(0, 300) + "...";
  if (out.empty()) out = "unknown libvips error";
  return out;
}

Error VipsFailure(std::string_view what, ErrorCode code, const std::exception& e) {
  return Error(code, std::string(what) + ": " + VipsMessage(e));
}

Error OutOfMemory(std::string_view what) {
  return Error(ErrorCode::kResourceExhausted, std::string(what) + ": out of memory");
}

Result<Decoded> DecodeImage(std::span<const uint8_t> data, std::string_view what, DecodeMode mode) {
  if (Status s = EnsureVips(); !s.ok()) return std::move(s).error();
  std::string name(what);
  if (data.empty()) return InvalidArgument(name + " is empty");
  std::string type = SniffMediaType(data.first(std::min<size_t>(data.size(), 64)));
  std::string format;
  if (type == "image/png") {
    format = "png";
  } else if (type == "image/jpeg") {
    format = "jpeg";
  } else if (type == "image/webp") {
    format = "webp";
  } else if (type == "image/gif") {
    format = "gif";
  } else {
    return Error(ErrorCode::kUnsupportedMedia, name + " is not a supported image (detected " +
                                                   type + "; supported: PNG, JPEG, WebP, GIF)");
  }

  vips::VImage image;
  try {
    // The blob borrows `data`; with kIntoMemory the image is copied to memory below, so nothing
    // refers to the caller's bytes after we return.
    BlobPtr blob(vips_blob_new(nullptr, data.data(), data.size()));
    auto* options = vips::VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR);
    if (format == "png") {
      image = vips::VImage::pngload_buffer(blob.get(), options);
    } else if (format == "jpeg") {
      image = vips::VImage::jpegload_buffer(blob.get(), options);
    } else if (format == "webp") {
      image = vips::VImage::webpload_buffer(blob.get(), options);
    } else {
      image = vips::VImage::gifload_buffer(blob.get(), options);
    }
  } catch (const vips::VError& e) {
    return InvalidArgument(name + " is not a readable " + format + " image: " + VipsMessage(e));
  } catch (const std::bad_alloc&) {
    return OutOfMemory(name);
  }

  // Only the header has been read so far; refuse bombs before decoding a single pixel.
  const int64_t w = image.width();
  const int64_t h = image.height();
  if (w <= 0 || h <= 0) return InvalidArgument(name + " has no pixels");
  if (w * h > kMaxPixels) {
    return Error(ErrorCode::kPayloadTooLarge,
                 name + " is " + std::to_string(w) + "x" + std::to_string(h) +
                     " pixels, over the limit of " + std::to_string(kMaxPixels / 1'000'000) +
                     " megapixels");
  }

  try {
    if (mode == DecodeMode::kIntoMemory) {
      image = image.copy_memory();
    } else {
      (void)image.max();  // any full pass will do; max() keeps no pixels
    }
  } catch (const vips::VError& e) {
    return InvalidArgument(name + " is a corrupt or truncated " + format +
                           " image: " + VipsMessage(e));
  } catch (const std::bad_alloc&) {
    return OutOfMemory(name);
  }
  return Decoded{std::move(image), std::move(format)};
}

vips::VImage ToSrgb8(vips::VImage in, bool keep_alpha) {
  if (in.get_typeof(VIPS_META_ICC_NAME) != 0) {
    try {
      in = in.icc_transform(
          "srgb",
          vips::VImage::option()->set("embedded", true)->set("intent", VIPS_INTENT_RELATIVE));
    } catch (const vips::VError&) {
      // An unusable embedded profile: fall back to treating the pixels as their interpretation
      // says rather than refusing the image.
      vips_error_clear();
    }
  }
  if (in.interpretation() != VIPS_INTERPRETATION_sRGB) {
    in = in.colourspace(VIPS_INTERPRETATION_sRGB);
  }
  if (in.format() != VIPS_FORMAT_UCHAR) in = in.cast(VIPS_FORMAT_UCHAR);
  if (in.bands() > 4) in = in.extract_band(0, vips::VImage::option()->set("n", 4));
  // (The static bandjoin: the member overloads take a VImage or constants, not a list.)
  if (in.bands() == 2) in = vips::VImage::bandjoin({in[0], in[0], in[0], in[1]});
  if (in.bands() == 1) in = vips::VImage::bandjoin({in, in, in});
  if (in.bands() == 4 && !keep_alpha) {
    in = in.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    if (in.format() != VIPS_FORMAT_UCHAR) in = in.cast(VIPS_FORMAT_UCHAR);
  }
  return in.copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

Bytes EncodePng(const vips::VImage& image) {
  return TakeBlob(image.pngsave_buffer(vips::VImage::option()
                                           ->set("strip", true)
                                           ->set("compression", 6)
                                           ->set("interlace", false)
                                           ->set("filter", VIPS_FOREIGN_PNG_FILTER_ALL)));
}

Bytes EncodeJpeg(const vips::VImage& image) {
  return TakeBlob(image.jpegsave_buffer(vips::VImage::option()
                                            ->set("strip", true)
                                            ->set("Q", 90)
                                            ->set("optimize_coding", true)
                                            ->set("interlace", false)));
}

}  // namespace custody::media_internal
