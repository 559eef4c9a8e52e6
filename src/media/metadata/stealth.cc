// The "stealth pnginfo" channel (A1111 extension, NovelAI): generation parameters hidden in the
// least significant bits of the pixels, read column by column (x outer, y inner), most
// significant bit first: a 15-byte magic, a 32-bit big-endian payload length in *bits*, then the
// payload (gzip when the magic ends in "comp"). "stealth_png*" uses the alpha channel (one bit
// per pixel); "stealth_rgb*" uses R, G and B (three bits per pixel). Formats as in
// d3x-at/sd-parsers (_png_stenographic_alpha.py) and ashen-sensored/sd_webui_stealth_pnginfo.
//
// Cost: only images with alpha are looked at, never above kMaxStealthPixels, and animated WebP
// is skipped (the writers only produce still images). The common case, an 8-bit RGBA or
// grey+alpha PNG that is not interlaced, is decoded here with zlib row by row, and only as far
// as needed: with a tall image the magic sits in the first rows of the first column, so an
// image without a payload costs a few rows (the first byte already mismatches). Other PNGs and
// WebP go through DecodeRgba8 (libvips), first for the header region, then, only when the magic
// matches, for the columns holding the payload.
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "media/media.h"
#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

constexpr uint64_t kMaxStealthPixels = 64'000'000;
constexpr uint32_t kMaxFastRowPixels = 1u << 16;  // wider PNGs use libvips
constexpr uint64_t kMaxPayloadBytes = 1u << 20;   // bounds the pixels decoded for a payload
constexpr size_t kMagicBytes = 15;
constexpr uint64_t kHeaderBits = (kMagicBytes + 4) * 8;  // magic + 32-bit length
constexpr std::string_view kMagics[] = {"stealth_pnginfo", "stealth_pngcomp", "stealth_rgbinfo",
                                        "stealth_rgbcomp"};

// The low bits of the top-left region of an image, one byte per pixel (bit 3 alpha, bits 2..0
// red, green, blue), filled row by row.
struct Region {
  uint32_t width = 0;   // columns kept
  uint32_t height = 0;  // rows decoded so far
  Bytes lsb;            // height * width
};

uint8_t Lsb(uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  return uint8_t((a & 1) << 3 | (r & 1) << 2 | (g & 1) << 1 | (b & 1));
}

// Bit `k` of the stream, for an image whose columns are `column` pixels tall.
class BitReader {
 public:
  BitReader(const Region& r, uint64_t column, bool rgb) : r_(r), column_(column), rgb_(rgb) {}

  // Whether bits [0, n) are inside the decoded region.
  bool Covers(uint64_t n) const {
    if (n == 0) return true;
    const uint64_t last = rgb_ ? (n - 1) / 3 : n - 1;
    const uint64_t x = last / column_, y = last % column_;
    if (x >= r_.width) return false;
    return x == 0 ? y < r_.height : r_.height >= column_;  // earlier columns must be complete
  }
  // REQUIRES: Covers(k + 1).
  int Bit(uint64_t k) const {
    const uint64_t pixel = rgb_ ? k / 3 : k;
    const int shift = rgb_ ? 2 - int(k % 3) : 3;
    const uint64_t x = pixel / column_, y = pixel % column_;
    return (r_.lsb[size_t(y) * r_.width + size_t(x)] >> shift) & 1;
  }
  uint8_t Byte(uint64_t first_bit) const {
    uint8_t b = 0;
    for (int i = 0; i < 8; ++i) b = uint8_t(b << 1 | Bit(first_bit + uint64_t(i)));
    return b;
  }

 private:
  const Region& r_;
  uint64_t column_;
  bool rgb_;
};

// Which stealth magic the region starts with: "" if none can match any more, "?" if the region
// does not yet cover enough bits to tell.
std::string MatchMagic(const Region& r, uint64_t column) {
  bool undecided = false;
  for (bool rgb : {false, true}) {
    BitReader bits(r, column, rgb);
    for (std::string_view magic : kMagics) {
      if (magic.substr(0, 9) != (rgb ? "stealth_r" : "stealth_p")) continue;
      bool mismatch = false, complete = true;
      for (size_t i = 0; i < kMagicBytes; ++i) {
        if (!bits.Covers((i + 1) * 8)) {
          complete = false;
          break;
        }
        if (bits.Byte(i * 8) != uint8_t(magic[i])) {
          mismatch = true;
          break;
        }
      }
      if (mismatch) continue;
      if (complete) return std::string(magic);
      undecided = true;
    }
  }
  return undecided ? "?" : "";
}

// Rows of an 8-bit, non-interlaced PNG with alpha (colour type 4 or 6), inflated and unfiltered
// one at a time from the IDAT chunks. Buffers are sized from the width, which the caller bounds.
class PngRows {
 public:
  PngRows(Span file, uint32_t width, uint32_t channels)
      : file_(file), channels_(channels), stride_(size_t(width) * channels) {
    prev_.assign(stride_, 0);
    cur_.assign(stride_ + 1, 0);
    ok_ = inflateInit(&zs_) == Z_OK;
    pos_ = 8;
  }
  ~PngRows() {
    if (ok_) inflateEnd(&zs_);
  }
  PngRows(const PngRows&) = delete;
  PngRows& operator=(const PngRows&) = delete;

  // Decodes the next row; false at the end of the data or on damage.
  bool Next() {
    if (!ok_ || ended_) return false;
    size_t filled = 0;
    while (filled < cur_.size()) {
      if (zs_.avail_in == 0 && !NextIdat()) return false;
      zs_.next_out = cur_.data() + filled;
      zs_.avail_out = uInt(cur_.size() - filled);
      const uInt before = zs_.avail_out;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      filled += before - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        ended_ = true;
        if (filled < cur_.size()) return false;
        break;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
    }
    return Unfilter();
  }
  // The last decoded row, stride bytes (width * channels).
  const uint8_t* row() const { return prev_.data(); }

 private:
  bool NextIdat() {
    while (file_.size() - pos_ >= 12) {
      const uint32_t len = U32Be(file_, pos_);
      if (len > file_.size() - pos_ - 12) return false;
      std::string_view type = AsChars(file_.subspan(pos_ + 4, 4));
      const size_t data = pos_ + 8;
      pos_ += 12 + size_t(len);
      if (type == "IEND") return false;
      if (type == "IDAT" && len > 0) {
        zs_.next_in = const_cast<Bytef*>(file_.data() + data);
        zs_.avail_in = len;
        return true;
      }
    }
    return false;
  }

  // Undoes the row's filter in place, then keeps it as the previous row.
  bool Unfilter() {
    const uint8_t filter = cur_[0];
    uint8_t* x = cur_.data() + 1;
    const uint8_t* p = prev_.data();
    const size_t bpp = channels_;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (size_t i = bpp; i < stride_; ++i) x[i] = uint8_t(x[i] + x[i - bpp]);
        break;
      case 2:
        for (size_t i = 0; i < stride_; ++i) x[i] = uint8_t(x[i] + p[i]);
        break;
      case 3:
        for (size_t i = 0; i < stride_; ++i) {
          const unsigned a = i >= bpp ? x[i - bpp] : 0;
          x[i] = uint8_t(x[i] + (a + p[i]) / 2);
        }
        break;
      case 4:
        for (size_t i = 0; i < stride_; ++i) {
          const int a = i >= bpp ? x[i - bpp] : 0, b = p[i], c = i >= bpp ? p[i - bpp] : 0;
          const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
          const int pred = (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
          x[i] = uint8_t(x[i] + pred);
        }
        break;
      default:
        return false;
    }
    std::copy(x, x + stride_, prev_.begin());
    return true;
  }

  Span file_;
  uint32_t channels_;
  size_t stride_;
  Bytes prev_, cur_;
  z_stream zs_{};
  bool ok_ = false;
  bool ended_ = false;
  size_t pos_;
};

// Decodes rows of the first `columns` columns until `want_rows` rows are in, or `stop` says the
// rows so far settle the question. Returns false if the data ended early or is damaged.
template <typename Stop>
bool DecodePngRegion(Span file, uint32_t width, uint32_t channels, uint32_t columns,
                     uint32_t want_rows, Region& out, Stop&& stop) {
  PngRows rows(file, width, channels);
  out.width = std::min(columns, width);
  out.height = 0;
  out.lsb.clear();
  out.lsb.reserve(size_t(out.width) * std::min<uint32_t>(want_rows, 4096));
  while (out.height < want_rows) {
    if (!rows.Next()) return false;
    const uint8_t* r = rows.row();
    for (uint32_t x = 0; x < out.width; ++x) {
      const uint8_t* px = r + size_t(x) * channels;
      out.lsb.push_back(channels == 4 ? Lsb(px[0], px[1], px[2], px[3])
                                      : Lsb(px[0], px[0], px[0], px[1]));  // grey + alpha
    }
    ++out.height;
    if (stop(out)) return true;
  }
  return true;
}

Result<Region> DecodeWithVips(Span file, uint64_t columns, uint64_t rows) {
  auto img = DecodeRgba8(file, int(std::min<uint64_t>(columns, 1u << 30)),
                         int(std::min<uint64_t>(rows, 1u << 30)));
  if (!img.ok()) return std::move(img).error();
  Region r;
  r.width = uint32_t(img->width);
  r.height = uint32_t(img->height);
  r.lsb.resize(img->pixels.size() / 4);
  for (size_t i = 0; i < r.lsb.size(); ++i) {
    const uint8_t* px = img->pixels.data() + 4 * i;
    r.lsb[i] = Lsb(px[0], px[1], px[2], px[3]);
  }
  return r;
}

}  // namespace

void ReadStealth(Context& ctx, Span file, std::string_view format) {
  const ImageFacts facts = ctx.image();
  if (!facts.has_alpha || facts.width == 0 || facts.height == 0 || facts.animated) return;
  if (facts.width * facts.height < kHeaderBits) return;  // too small to hold a header
  const std::string carrier = std::string(format) + ":alpha-lsb";
  if (facts.width > kMaxStealthPixels || facts.height > kMaxStealthPixels ||
      facts.width * facts.height > kMaxStealthPixels) {
    ctx.Warn(carrier + ": image over 64 MP, stealth check skipped");
    return;
  }
  const uint64_t h = facts.height;
  const bool fast = format == "png" && facts.bit_depth == 8 && !facts.interlaced &&
                    (facts.colour_type == 6 || facts.colour_type == 4) &&
                    facts.width <= kMaxFastRowPixels;
  const uint32_t channels = facts.colour_type == 6 ? 4 : 2;

  // Phase 1: the header (152 alpha bits or 51 RGB pixels: the start of the first column, or a
  // few columns of a short image).
  const uint64_t header_cols = (kHeaderBits + h - 1) / h;
  const uint64_t header_rows = std::min<uint64_t>(h, kHeaderBits);
  Region head;
  std::string magic;
  if (fast) {
    DecodePngRegion(file, uint32_t(facts.width), channels, uint32_t(header_cols),
                    uint32_t(header_rows), head, [&](const Region& r) {
                      // Tall images: stop as soon as the magic cannot match.
                      return h >= kHeaderBits && MatchMagic(r, h).empty();
                    });
  } else {
    auto region = DecodeWithVips(file, header_cols, header_rows);
    if (!region.ok()) {
      ctx.Warn(carrier +
               ": pixels not decodable for the stealth check: " + region.error().message());
      return;
    }
    head = std::move(*region);
  }
  magic = MatchMagic(head, h);
  if (magic.empty() || magic == "?") return;
  const bool rgb = magic.starts_with("stealth_rgb");
  BitReader hb(head, h, rgb);
  if (!hb.Covers(kHeaderBits)) return;
  uint32_t bit_length = 0;
  for (size_t i = 0; i < 4; ++i) bit_length = bit_length << 8 | hb.Byte(kMagicBytes * 8 + i * 8);
  const uint64_t total_bits = kHeaderBits + uint64_t(bit_length);
  const uint64_t capacity = facts.width * facts.height * (rgb ? 3 : 1);
  if (bit_length == 0 || total_bits > capacity) {
    ctx.Warn(carrier + ": " + magic + " payload length exceeds the image");
    return;
  }
  if (bit_length / 8 > kMaxPayloadBytes) {  // real payloads are a few KiB
    ctx.Warn(carrier + ": " + magic + " payload over 1 MiB, not read");
    return;
  }

  // Phase 2: every column up to the one holding the last payload bit, all rows.
  const uint64_t last_pixel = rgb ? (total_bits - 1) / 3 : total_bits - 1;
  const uint64_t cols = std::min<uint64_t>(last_pixel / h + 1, facts.width);
  Region full;
  if (fast) {
    if (!DecodePngRegion(file, uint32_t(facts.width), channels, uint32_t(cols), uint32_t(h), full,
                         [](const Region&) { return false; })) {
      ctx.Warn(carrier + ": pixel data ends before the stealth payload");
      return;
    }
  } else {
    auto region = DecodeWithVips(file, cols, h);
    if (!region.ok()) {
      ctx.Warn(carrier + ": pixels not decodable: " + region.error().message());
      return;
    }
    full = std::move(*region);
  }
  BitReader bits(full, h, rgb);
  if (!bits.Covers(total_bits)) return;
  Bytes payload;
  payload.reserve(size_t(bit_length / 8));
  for (uint64_t k = kHeaderBits; k + 8 <= total_bits; k += 8) payload.push_back(bits.Byte(k));
  std::string text;
  if (magic.ends_with("comp")) {
    auto inflated = Inflate(payload, ctx.options().max_inflated_bytes, Compression::kGzip);
    if (!inflated.ok()) {
      ctx.Warn(carrier + ": " + magic + " payload: " + inflated.error().message());
      ctx.AddBinary(carrier, magic, "undecodable stealth payload", payload.size(),
                    Category::kGeneration, 0);
      return;
    }
    text = BytesToText(*inflated);
  } else {
    text = BytesToText(payload);
  }
  ctx.Add(carrier, magic, std::move(text), Category::kGeneration, 0);
}

}  // namespace custody::metadata::internal
