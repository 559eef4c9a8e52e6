#include "media/edit.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <climits>
#include <cmath>
#include <initializer_list>

#include "media/media.h"
#include "media/vips_util.h"

namespace custody {
namespace {

namespace json = boost::json;
using vips::VImage;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr int64_t kMaxCoordinate = INT_MAX / 2;

Error FieldError(std::string_view op, std::string_view key, std::string_view what) {
  return InvalidArgument("edit op '" + std::string(op) + "': field '" + std::string(key) + "' " +
                         std::string(what));
}

Status CheckKeys(const json::object& o, std::string_view op,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    if (kv.key() == "op") continue;
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      return InvalidArgument("edit op '" + std::string(op) + "': unknown field '" +
                             std::string(kv.key()) + "'");
    }
  }
  return OkStatus();
}

// An integer field in [lo, hi]; `fallback` when absent, or an error if there is none.
Result<int> IntField(const json::object& o, std::string_view op, std::string_view key, int64_t lo,
                     int64_t hi, std::optional<int> fallback) {
  auto it = o.find(key);
  std::string range = "between " + std::to_string(lo) + " and " + std::to_string(hi);
  if (it == o.end() || it->value().is_null()) {
    if (fallback) return *fallback;
    return FieldError(op, key, "is required (an integer " + range + ")");
  }
  const json::value& v = it->value();
  int64_t n;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64()) {
    n = v.as_uint64() > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v.as_uint64());
  } else {
    return FieldError(op, key, "must be an integer " + range);
  }
  if (n < lo || n > hi) return FieldError(op, key, "must be " + range);
  return static_cast<int>(n);
}

Result<double> NumberField(const json::object& o, std::string_view op, std::string_view key,
                           double lo, double hi, double fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  const json::value& v = it->value();
  std::string range =
      "between " + json::serialize(json::value(lo)) + " and " + json::serialize(json::value(hi));
  if (!v.is_number()) return FieldError(op, key, "must be a number " + range);
  double d = v.to_number<double>();
  if (!std::isfinite(d) || d < lo || d > hi) return FieldError(op, key, "must be " + range);
  return d;
}

Result<EditOp> ParseCrop(const json::object& o) {
  RETURN_IF_ERROR(CheckKeys(o, "crop", {"x", "y", "w", "h"}));
  CropOp c;
  ASSIGN_OR_RETURN(c.x, IntField(o, "crop", "x", 0, kMaxCoordinate, std::nullopt));
  ASSIGN_OR_RETURN(c.y, IntField(o, "crop", "y", 0, kMaxCoordinate, std::nullopt));
  ASSIGN_OR_RETURN(c.w, IntField(o, "crop", "w", 1, kMaxCoordinate, std::nullopt));
  ASSIGN_OR_RETURN(c.h, IntField(o, "crop", "h", 1, kMaxCoordinate, std::nullopt));
  return EditOp{c};
}

Result<EditOp> ParseResize(const json::object& o) {
  RETURN_IF_ERROR(CheckKeys(o, "resize", {"width", "height"}));
  ResizeOp r;
  ASSIGN_OR_RETURN(r.width, IntField(o, "resize", "width", 0, kMaxEditDimension, 0));
  ASSIGN_OR_RETURN(r.height, IntField(o, "resize", "height", 0, kMaxEditDimension, 0));
  if (r.width == 0 && r.height == 0) {
    return InvalidArgument("edit op 'resize': give 'width', 'height' or both (at least one > 0)");
  }
  return EditOp{r};
}

Result<EditOp> ParseRotate(const json::object& o) {
  RETURN_IF_ERROR(CheckKeys(o, "rotate", {"degrees"}));
  RotateOp r;
  ASSIGN_OR_RETURN(r.degrees, IntField(o, "rotate", "degrees", 0, 360, std::nullopt));
  if (r.degrees != 90 && r.degrees != 180 && r.degrees != 270) {
    return FieldError("rotate", "degrees", "must be 90, 180 or 270");
  }
  return EditOp{r};
}

Result<EditOp> ParseFlip(const json::object& o) {
  RETURN_IF_ERROR(CheckKeys(o, "flip", {"horizontal"}));
  auto it = o.find("horizontal");
  if (it == o.end() || !it->value().is_bool()) {
    return FieldError("flip", "horizontal",
                      "is required: true (mirror left-right) or false (top-bottom)");
  }
  return EditOp{FlipOp{it->value().as_bool()}};
}

Result<EditOp> ParseAdjust(const json::object& o) {
  RETURN_IF_ERROR(CheckKeys(o, "adjust", {"brightness", "contrast", "saturation"}));
  AdjustOp a;
  ASSIGN_OR_RETURN(a.brightness, NumberField(o, "adjust", "brightness", -1.0, 1.0, 0.0));
  ASSIGN_OR_RETURN(a.contrast, NumberField(o, "adjust", "contrast", 0.0, 3.0, 1.0));
  ASSIGN_OR_RETURN(a.saturation, NumberField(o, "adjust", "saturation", 0.0, 3.0, 1.0));
  return EditOp{a};
}

// ---- applying ----

std::string OpLabel(size_t index, const EditOp& op) {
  return "edit op " + std::to_string(index) + " (" + std::string(op.Name()) + ")";
}

Status CheckPixels(size_t index, const EditOp& op, int64_t w, int64_t h) {
  if (w * h > kMaxPixels) {
    return InvalidArgument(OpLabel(index, op) + ": result would be " + std::to_string(w) + "x" +
                           std::to_string(h) + ", over the limit of " +
                           std::to_string(kMaxPixels / 1'000'000) + " megapixels");
  }
  return OkStatus();
}

VImage ToUchar(const VImage& in) {
  // +0.5 then truncating (clipping) cast: round half up, deterministic.
  return in.linear(1.0, 0.5).cast(VIPS_FORMAT_UCHAR);
}

Result<VImage> ApplyResize(const VImage& in, const ResizeOp& r, size_t index, const EditOp& op) {
  const int64_t w = in.width(), h = in.height();
  int64_t tw = r.width, th = r.height;
  if (tw == 0) tw = std::max<int64_t>(1, std::llround(double(w) * double(th) / double(h)));
  if (th == 0) th = std::max<int64_t>(1, std::llround(double(h) * double(tw) / double(w)));
  if (tw > kMaxEditDimension || th > kMaxEditDimension) {
    return InvalidArgument(OpLabel(index, op) + ": result would be " + std::to_string(tw) + "x" +
                           std::to_string(th) + ", over " + std::to_string(kMaxEditDimension) +
                           " pixels per side");
  }
  RETURN_IF_ERROR(CheckPixels(index, op, tw, th));
  if (tw == w && th == h) return in;
  bool alpha = in.bands() == 4;
  // Resampling straight alpha smears the colour of transparent pixels into the edges.
  VImage work = alpha ? in.premultiply() : in.cast(VIPS_FORMAT_FLOAT);
  work =
      work.resize(double(tw) / double(w), VImage::option()->set("vscale", double(th) / double(h)));
  // resize rounds the output size; make it exactly what was asked for.
  if (work.width() > tw || work.height() > th) {
    work = work.crop(0, 0, std::min<int>(work.width(), tw), std::min<int>(work.height(), th));
  }
  if (work.width() < tw || work.height() < th) {
    work = work.embed(0, 0, int(tw), int(th), VImage::option()->set("extend", VIPS_EXTEND_COPY));
  }
  if (alpha) work = work.unpremultiply();
  return ToUchar(work);
}

VImage ApplyAdjust(const VImage& in, const AdjustOp& a) {
  // out = contrast * (S * rgb + 255*brightness - 127.5) + 127.5, with S the saturation matrix
  // s*I + (1-s)*L whose rows L are the Rec. 709 luma weights.
  constexpr std::array<double, 3> kLuma = {0.2126, 0.7152, 0.0722};
  const double s = a.saturation, c = a.contrast;
  std::array<double, 9> m;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      m[size_t(3 * i + j)] = c * ((1 - s) * kLuma[size_t(j)] + (i == j ? s : 0.0));
    }
  }
  VImage matrix = VImage::new_matrix(3, 3, m.data(), int(m.size()));
  VImage rgb = in.extract_band(0, VImage::option()->set("n", 3));
  VImage out = rgb.recomb(matrix).linear(1.0, c * (255.0 * a.brightness - 127.5) + 127.5);
  out = ToUchar(out);
  if (in.bands() == 4) out = out.bandjoin(in[3]);
  return out.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

Result<Bytes> Apply(std::span<const uint8_t> input, std::span<const EditOp> ops,
                    std::string_view output_format) {
  ASSIGN_OR_RETURN(auto decoded, media_internal::DecodeImage(input, "input"));
  std::string format(output_format);
  if (format.empty()) format = decoded.format == "jpeg" ? "jpeg" : "png";
  const bool png = format == "png";

  // The output has no EXIF, so the orientation tag has to be applied to the pixels now.
  VImage image = decoded.image.autorot();
  image = media_internal::ToSrgb8(image, /*keep_alpha=*/png);

  for (size_t i = 0; i < ops.size(); ++i) {
    const EditOp& op = ops[i];
    Result<VImage> next = std::visit(
        Overloaded{
            [&](const CropOp& c) -> Result<VImage> {
              if (int64_t(c.x) + c.w > image.width() || int64_t(c.y) + c.h > image.height()) {
                return InvalidArgument(OpLabel(i, op) + ": rectangle at " + std::to_string(c.x) +
                                       "," + std::to_string(c.y) + " size " + std::to_string(c.w) +
                                       "x" + std::to_string(c.h) + " is outside the " +
                                       std::to_string(image.width()) + "x" +
                                       std::to_string(image.height()) + " image");
              }
              return image.crop(c.x, c.y, c.w, c.h);
            },
            [&](const ResizeOp& r) -> Result<VImage> { return ApplyResize(image, r, i, op); },
            [&](const RotateOp& r) -> Result<VImage> {
              VipsAngle angle = r.degrees == 90    ? VIPS_ANGLE_D90
                                : r.degrees == 180 ? VIPS_ANGLE_D180
                                                   : VIPS_ANGLE_D270;
              return image.rot(angle);
            },
            [&](const FlipOp& f) -> Result<VImage> {
              return image.flip(f.horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL);
            },
            [&](const AdjustOp& a) -> Result<VImage> { return ApplyAdjust(image, a); },
        },
        op.op);
    if (!next.ok()) return std::move(next).error();
    image = std::move(next).value();
  }

  image = image.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  return png ? media_internal::EncodePng(image) : media_internal::EncodeJpeg(image);
}

}  // namespace

std::string_view EditOp::Name() const {
  return std::visit(Overloaded{
                        [](const CropOp&) { return std::string_view("crop"); },
                        [](const ResizeOp&) { return std::string_view("resize"); },
                        [](const RotateOp&) { return std::string_view("rotate"); },
                        [](const FlipOp&) { return std::string_view("flip"); },
                        [](const AdjustOp&) { return std::string_view("adjust"); },
                    },
                    op);
}

Result<EditOp> ParseEditOp(const json::object& o) {
  auto it = o.find("op");
  if (it == o.end() || !it->value().is_string()) {
    return InvalidArgument(
        "edit op: field 'op' is required (crop, resize, rotate, flip or adjust)");
  }
  std::string_view name = it->value().as_string();
  if (name == "crop") return ParseCrop(o);
  if (name == "resize") return ParseResize(o);
  if (name == "rotate") return ParseRotate(o);
  if (name == "flip") return ParseFlip(o);
  if (name == "adjust") return ParseAdjust(o);
  std::string shown(name.substr(0, 40));
  return InvalidArgument("unknown edit op '" + shown +
                         "' (expected crop, resize, rotate, flip or adjust)");
}

json::object EditOpToJson(const EditOp& op) {
  return std::visit(
      Overloaded{
          [](const CropOp& c) {
            return json::object{{"op", "crop"}, {"x", c.x}, {"y", c.y}, {"w", c.w}, {"h", c.h}};
          },
          [](const ResizeOp& r) {
            return json::object{{"op", "resize"}, {"width", r.width}, {"height", r.height}};
          },
          [](const RotateOp& r) {
            return json::object{{"op", "rotate"}, {"degrees", r.degrees}};
          },
          [](const FlipOp& f) {
            return json::object{{"op", "flip"}, {"horizontal", f.horizontal}};
          },
          [](const AdjustOp& a) {
            return json::object{{"op", "adjust"},
                                {"brightness", a.brightness},
                                {"contrast", a.contrast},
                                {"saturation", a.saturation}};
          },
      },
      op.op);
}

Result<Bytes> ApplyEdits(std::span<const uint8_t> input, std::span<const EditOp> ops,
                         std::string_view output_format) {
  if (output_format != "" && output_format != "png" && output_format != "jpeg") {
    return InvalidArgument("edit: output format must be \"png\", \"jpeg\" or \"\" (got \"" +
                           std::string(output_format.substr(0, 20)) + "\")");
  }
  if (ops.size() > kMaxEditOps) {
    return InvalidArgument("edit: at most " + std::to_string(kMaxEditOps) + " ops (got " +
                           std::to_string(ops.size()) + ")");
  }
  return media_internal::GuardVips<Bytes>("edit", ErrorCode::kInternal,
                                          [&] { return Apply(input, ops, output_format); });
}

}  // namespace custody
