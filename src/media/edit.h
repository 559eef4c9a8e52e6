// Deterministic image edits: crop, resize, rotate, flip and colour adjustment, applied in order to
// an encoded image and re-encoded without metadata.
//
// Determinism contract: the same input bytes, ops and output format give byte-identical output on
// every call and every run of the same build (same libvips/libjpeg/libpng/zlib versions); see
// README.md.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/encoding.h"
#include "base/result.h"

namespace custody {

struct CropOp {
  int x = 0, y = 0;  // top-left corner, >= 0
  int w = 0, h = 0;  // >= 1; the rectangle must lie inside the image when the op is applied
  friend bool operator==(const CropOp&, const CropOp&) = default;
};
struct ResizeOp {
  int width = 0, height = 0;  // 0..kMaxEditDimension; one may be 0 to keep the aspect ratio
  friend bool operator==(const ResizeOp&, const ResizeOp&) = default;
};
struct RotateOp {
  int degrees = 90;  // clockwise: 90, 180 or 270
  friend bool operator==(const RotateOp&, const RotateOp&) = default;
};
struct FlipOp {
  bool horizontal = true;  // true: mirror left-right; false: top-bottom
  friend bool operator==(const FlipOp&, const FlipOp&) = default;
};
struct AdjustOp {
  double brightness = 0.0;  // -1..1, added as a fraction of full scale
  double contrast = 1.0;    // 0..3, scales the distance from mid-grey
  double saturation = 1.0;  // 0..3, 0 = greyscale (Rec. 709 luma)
  friend bool operator==(const AdjustOp&, const AdjustOp&) = default;
};

// One edit step. Value type; the JSON form (ParseEditOp / EditOpToJson) is
//   {"op":"crop","x":0,"y":0,"w":100,"h":80}    {"op":"resize","width":256,"height":0}
//   {"op":"rotate","degrees":90}                {"op":"flip","horizontal":true}
//   {"op":"adjust","brightness":0.1,"contrast":1.2,"saturation":0.8}  (each field optional)
struct EditOp {
  std::variant<CropOp, ResizeOp, RotateOp, FlipOp, AdjustOp> op;

  // "crop", "resize", "rotate", "flip" or "adjust".
  std::string_view Name() const;
  friend bool operator==(const EditOp&, const EditOp&) = default;
};

inline constexpr int kMaxEditDimension = 16384;  // per side, for resize targets
inline constexpr size_t kMaxEditOps = 32;

// Parses one op. Integer fields must be JSON integers, numbers may be integers or decimals;
// unknown fields are refused (a typo must not be silently ignored). Errors (kInvalidArgument) name
// the op and the field. Pure function, thread-safe.
Result<EditOp> ParseEditOp(const boost::json::object& o);

// The JSON form above, with every field present; ParseEditOp(EditOpToJson(op)) == op.
boost::json::object EditOpToJson(const EditOp& op);

// Decodes `input` (PNG, JPEG, WebP or GIF; first frame), applies `ops` in order and encodes as
// `output_format`: "png", "jpeg", or "" for the input's format (WebP and GIF inputs then give PNG).
// The image is first turned upright from its EXIF orientation and converted to 8-bit sRGB (an
// embedded ICC profile is applied), because the output carries no metadata at all: no EXIF, XMP,
// ICC profile or text. Alpha is kept for PNG and flattened onto white for JPEG.
// Errors: kInvalidArgument (undecodable input, a crop outside the image, an output over kMaxPixels,
// more than kMaxEditOps ops, an unknown output format; messages name the op by index),
// kUnsupportedMedia, kPayloadTooLarge (input over kMaxPixels), kResourceExhausted, kInternal.
// Thread-safe.
Result<Bytes> ApplyEdits(std::span<const uint8_t> input, std::span<const EditOp> ops,
                         std::string_view output_format);

}  // namespace custody
