#include "media/procedural.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "media/vips_util.h"

namespace custody {
namespace {

using vips::VImage;

constexpr double kPi = std::numbers::pi;

// SHA-256(prompt || seed as 8 bytes big-endian): the only source of variation in a render.
Result<std::array<uint8_t, 32>> SpecDigest(const ProceduralSpec& spec) {
  std::string material = spec.prompt;
  for (int i = 7; i >= 0; --i) material.push_back(static_cast<char>((spec.seed >> (8 * i)) & 0xFF));
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  if (EVP_Digest(material.data(), material.size(), digest.data(), &len, EVP_sha256(), nullptr) !=
          1 ||
      len != digest.size()) {
    return Internal("render: SHA-256 failed");
  }
  return digest;
}

// splitmix64 over the digest. Each stage gets its own stream, so (for example) adding a reference
// does not move the shapes. Only integer arithmetic and explicit scaling: no std:: distributions,
// whose output is implementation-defined.
class StageRng {
 public:
  StageRng(const std::array<uint8_t, 32>& digest, uint64_t stage) {
    uint64_t s = 0;
    for (int i = 0; i < 8; ++i) s = (s << 8) | digest[static_cast<size_t>(8 * (stage % 4) + i)];
    state_ = s ^ (0xD6E8FEB86659FD93ull * (stage + 1));
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Range(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Int(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  int Seed() { return static_cast<int>(Next() & 0x7FFFFFFF); }

 private:
  uint64_t state_;
};

struct Rgb {
  double r, g, b;
  std::vector<double> v() const { return {r, g, b}; }
};

Rgb Hsl(double h, double s, double l) {
  h = std::fmod(h, 1.0);
  if (h < 0) h += 1.0;
  auto channel = [&](double t) {
    double q = l < 0.5 ? l * (1 + s) : l + s - l * s;
    double p = 2 * l - q;
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1.0 / 6) return p + (q - p) * 6 * t;
    if (t < 0.5) return q;
    if (t < 2.0 / 3) return p + (q - p) * (2.0 / 3 - t) * 6;
    return p;
  };
  return {255 * channel(h + 1.0 / 3), 255 * channel(h), 255 * channel(h - 1.0 / 3)};
}

// Five colours: a dark and a light background colour and three accents, from one of a few
// harmony schemes around a seeded base hue.
std::array<Rgb, 5> Palette(StageRng& rng) {
  double base = rng.Uniform();
  int scheme = rng.Int(0, 3);
  std::array<double, 3> offsets;
  switch (scheme) {
    case 0:  // analogous
      offsets = {0.08, -0.08, 0.16};
      break;
    case 1:  // complementary
      offsets = {0.5, 0.45, 0.05};
      break;
    case 2:  // triadic
      offsets = {1.0 / 3, 2.0 / 3, 0.05};
      break;
    default:  // split complementary
      offsets = {0.42, 0.58, 0.0};
      break;
  }
  std::array<Rgb, 5> p;
  p[0] = Hsl(base, rng.Range(0.35, 0.7), rng.Range(0.08, 0.22));
  p[1] = Hsl(base + rng.Range(-0.05, 0.05), rng.Range(0.3, 0.7), rng.Range(0.45, 0.7));
  for (size_t i = 0; i < 3; ++i) {
    p[2 + i] = Hsl(base + offsets[i], rng.Range(0.55, 0.95), rng.Range(0.45, 0.75));
  }
  return p;
}

VImage Clamp01(const VImage& in) {
  return (in < 0.0).ifthenelse(0.0, (in > 1.0).ifthenelse(1.0, in));
}

// canvas*(1 - mask*opacity) + colour*(mask*opacity); `mask` is one band in [0, 1].
VImage Blend(const VImage& canvas, const VImage& mask, const Rgb& colour, double opacity) {
  VImage mo = mask * opacity;
  return canvas * mo.linear(-1.0, 1.0) + mo.linear(colour.v(), std::vector<double>{0, 0, 0});
}

// Forces the stage's pixels into memory as 8-bit: bounds the pipeline depth and memory, and makes
// each progress report mean that the work before it is done.
VImage Materialise(const VImage& canvas) { return canvas.cast(VIPS_FORMAT_UCHAR).copy_memory(); }

struct Grid {
  VImage x, y;  // float pixel coordinates
};

Grid MakeGrid(int w, int h) {
  VImage xy = VImage::xyz(w, h);
  return {xy[0].cast(VIPS_FORMAT_FLOAT), xy[1].cast(VIPS_FORMAT_FLOAT)};
}

VImage Background(const Grid& g, int w, int h, StageRng& rng, const std::array<Rgb, 5>& pal) {
  double angle = rng.Range(0, 2 * kPi);
  double cx = std::cos(angle), cy = std::sin(angle);
  double pmin = std::min(0.0, cx * (w - 1)) + std::min(0.0, cy * (h - 1));
  double pmax = std::max(0.0, cx * (w - 1)) + std::max(0.0, cy * (h - 1));
  double span = std::max(1.0, pmax - pmin);
  VImage t = (g.x.linear(cx / span, 0.0) + g.y.linear(cy / span, -pmin / span));
  t = t * t * t.linear(-2.0, 3.0);  // smoothstep
  const Rgb& a = pal[0];
  const Rgb& b = pal[1];
  VImage canvas = t.linear({b.r - a.r, b.g - a.g, b.b - a.b}, a.v());

  int glows = rng.Int(1, 3);
  for (int i = 0; i < glows; ++i) {
    double gx = rng.Range(-0.1, 1.1) * w, gy = rng.Range(-0.1, 1.1) * h;
    double r = rng.Range(0.2, 0.55) * std::max(w, h);
    VImage dx = g.x.linear(1.0, -gx), dy = g.y.linear(1.0, -gy);
    VImage mask = ((dx * dx + dy * dy) * (-1.0 / (2 * r * r))).exp();
    canvas = Blend(canvas, mask, pal[static_cast<size_t>(rng.Int(2, 4))], rng.Range(0.35, 0.7));
  }
  return canvas;
}

VImage Shapes(VImage canvas, const Grid& g, int w, int h, StageRng& rng,
              const std::array<Rgb, 5>& pal) {
  int count = rng.Int(4, 8);
  double unit = std::min(w, h);
  for (int i = 0; i < count; ++i) {
    int kind = rng.Int(0, 2);
    double cx = rng.Range(-0.05, 1.05) * w, cy = rng.Range(-0.05, 1.05) * h;
    double rx = rng.Range(0.08, 0.32) * unit;
    double ry = rx * rng.Range(0.45, 1.6);
    double theta = rng.Range(0, kPi);
    double sharp = rng.Range(2.0, 10.0);
    const Rgb& colour = pal[static_cast<size_t>(rng.Int(1, 4))];
    double opacity = rng.Range(0.35, 0.8);

    double c = std::cos(theta), s = std::sin(theta);
    VImage dx = g.x.linear(1.0, -cx), dy = g.y.linear(1.0, -cy);
    VImage u = (dx * (c / rx) + dy * (s / rx));
    VImage v = (dy * (c / ry) - dx * (s / ry));
    VImage mask;
    if (kind == 0) {  // soft ellipse
      mask = Clamp01((1.0 - (u * u + v * v)) * sharp);
    } else if (kind == 1) {  // ring
      VImage d = (u * u + v * v).pow(0.5);
      mask = Clamp01((0.14 - (d - 0.8).abs()) * (sharp * 6));
    } else {  // rotated bar
      VImage au = u.abs(), av = v.abs();
      VImage d = (au > av).ifthenelse(au, av);
      mask = Clamp01((1.0 - d) * sharp);
    }
    canvas = Blend(canvas, mask, colour, opacity);
  }
  return canvas;
}

VImage Texture(VImage canvas, const Grid& g, int w, int h, StageRng& rng,
               const std::array<Rgb, 5>& pal) {
  int unit = std::min(w, h);
  int coarse = std::max(8, unit / rng.Int(2, 5));
  VImage perlin =
      VImage::perlin(w, h, VImage::option()->set("cell_size", coarse)->set("seed", rng.Seed()));
  canvas = canvas * perlin.linear(rng.Range(0.1, 0.22), 1.0);

  int cells = std::max(6, unit / rng.Int(4, 10));
  VImage worley =
      VImage::worley(w, h, VImage::option()->set("cell_size", cells)->set("seed", rng.Seed()));
  VImage veil = Clamp01(worley * (1.0 / cells));
  canvas =
      Blend(canvas, veil * veil, pal[static_cast<size_t>(rng.Int(2, 4))], rng.Range(0.12, 0.3));

  VImage grain =
      VImage::perlin(w, h, VImage::option()->set("cell_size", 2)->set("seed", rng.Seed()));
  canvas = canvas + grain * rng.Range(4.0, 9.0);

  double strength = rng.Range(0.15, 0.35);
  VImage nx = g.x.linear(2.0 / w, -1.0), ny = g.y.linear(2.0 / h, -1.0);
  canvas = canvas * (nx * nx + ny * ny).linear(-strength / 2, 1.0);
  return canvas;
}

// A reference turned into its tile: 8-bit sRGB (alpha kept), its longer side a seeded 28-50 % of
// the canvas' shorter side, in memory. Made right after decoding so that at most one full-size
// reference is held at a time.
VImage MakeTile(const VImage& decoded, int w, int h, StageRng& rng) {
  VImage ref = media_internal::ToSrgb8(decoded, /*keep_alpha=*/true).cast(VIPS_FORMAT_FLOAT);
  int longest = std::max(ref.width(), ref.height());
  int target = std::max(8, static_cast<int>(std::lround(std::min(w, h) * rng.Range(0.28, 0.5))));
  ref = ref.resize(static_cast<double>(target) / longest);
  int tw = std::min(ref.width(), w), th = std::min(ref.height(), h);
  if (tw != ref.width() || th != ref.height()) ref = ref.crop(0, 0, tw, th);
  return Materialise(ref.linear(1.0, 0.5));  // round half up, like every other stage
}

VImage BlendTile(const VImage& canvas, const VImage& tile, int w, int h, StageRng& rng) {
  const int tw = tile.width(), th = tile.height();
  int x = rng.Int(0, w - tw), y = rng.Int(0, h - th);
  double opacity = rng.Range(0.5, 0.75);

  // Feathered edges, so the tile sits in the picture instead of on it.
  Grid tg = MakeGrid(tw, th);
  VImage u = (tg.x.linear(1.0, -(tw - 1) / 2.0) * (2.0 / tw)).abs();
  VImage v = (tg.y.linear(1.0, -(th - 1) / 2.0) * (2.0 / th)).abs();
  VImage mask = Clamp01((1.0 - (u > v).ifthenelse(u, v)) * 6.0);
  if (tile.bands() == 4) mask = mask * (tile[3] * (1.0 / 255));
  VImage rgb = tile.extract_band(0, VImage::option()->set("n", 3));

  VImage mo = mask.embed(x, y, w, h) * opacity;
  return canvas * mo.linear(-1.0, 1.0) + rgb.embed(x, y, w, h) * mo;
}

Result<Bytes> Render(const ProceduralSpec& spec, const std::function<bool(double)>& on_progress) {
  const int w = spec.width, h = spec.height;
  auto progress = [&](double fraction) -> Status {
    if (on_progress && !on_progress(fraction)) {
      return Error(ErrorCode::kCancelled, "render cancelled");
    }
    return OkStatus();
  };

  ASSIGN_OR_RETURN(auto digest, SpecDigest(spec));

  // References first: a bad one fails the request before any rendering work.
  StageRng tile_rng(digest, 5);
  std::vector<VImage> tiles;
  for (size_t i = 0; i < spec.references.size(); ++i) {
    std::string name = "reference " + std::to_string(i);
    auto decoded = media_internal::DecodeImage(spec.references[i], name);
    if (!decoded.ok()) return InvalidArgument(decoded.error().message());
    try {
      tiles.push_back(MakeTile(decoded->image, w, h, tile_rng));
    } catch (const vips::VError& e) {
      return InvalidArgument(name + " cannot be used: " + media_internal::VipsMessage(e));
    }
  }
  RETURN_IF_ERROR(progress(0.1));

  StageRng palette_rng(digest, 0);
  auto palette = Palette(palette_rng);
  Grid grid = MakeGrid(w, h);

  StageRng background_rng(digest, 1);
  VImage canvas = Materialise(Background(grid, w, h, background_rng, palette));
  RETURN_IF_ERROR(progress(0.3));

  StageRng shape_rng(digest, 2);
  canvas = Materialise(Shapes(canvas.cast(VIPS_FORMAT_FLOAT), grid, w, h, shape_rng, palette));
  RETURN_IF_ERROR(progress(0.55));

  StageRng texture_rng(digest, 3);
  canvas = Materialise(Texture(canvas.cast(VIPS_FORMAT_FLOAT), grid, w, h, texture_rng, palette));
  RETURN_IF_ERROR(progress(0.7));

  if (!tiles.empty()) {
    StageRng reference_rng(digest, 4);
    VImage blended = canvas.cast(VIPS_FORMAT_FLOAT);
    for (const VImage& tile : tiles) blended = BlendTile(blended, tile, w, h, reference_rng);
    canvas = Materialise(blended);
  }
  RETURN_IF_ERROR(progress(0.85));

  canvas = canvas.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  Bytes png = media_internal::EncodePng(canvas);
  RETURN_IF_ERROR(progress(1.0));
  return png;
}

}  // namespace

Result<Bytes> RenderProcedural(const ProceduralSpec& spec,
                               const std::function<bool(double progress)>& on_progress) {
  auto size_ok = [](int v) { return v >= kProceduralMinSize && v <= kProceduralMaxSize; };
  if (!size_ok(spec.width) || !size_ok(spec.height)) {
    return InvalidArgument("render: width and height must be between " +
                           std::to_string(kProceduralMinSize) + " and " +
                           std::to_string(kProceduralMaxSize) + " (got " +
                           std::to_string(spec.width) + "x" + std::to_string(spec.height) + ")");
  }
  if (spec.references.size() > kProceduralMaxReferences) {
    return InvalidArgument("render: at most " + std::to_string(kProceduralMaxReferences) +
                           " references (got " + std::to_string(spec.references.size()) + ")");
  }
  return media_internal::GuardVips<Bytes>("render", ErrorCode::kInternal,
                                          [&] { return Render(spec, on_progress); });
}

}  // namespace custody
