// EXIF: a TIFF structure reader (both byte orders; IFD0, ExifIFD, GPS, Interop, IFD1 and further
// chained IFDs). Keys follow Exiv2's naming ("Exif.Image.Model", "Exif.Photo.UserComment",
// "Exif.GPSInfo.GPSLatitude", "Exif.Iop.InteroperabilityIndex", "Exif.Thumbnail.Compression";
// unknown tags "Exif.<group>.0x9c9b"). Every offset is checked against the structure's size,
// IFDs already visited are not read again (loops), and the number of IFDs is bounded.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

using C = Category;

struct TagInfo {
  uint16_t tag;
  const char* name;
  Category category;
};

// TIFF / IFD0 / IFD1 tags (Exiv2 group "Image").
constexpr TagInfo kImageTags[] = {
    {0x000B, "ProcessingSoftware", C::kSoftware},
    {0x00FE, "NewSubfileType", C::kTechnical},
    {0x00FF, "SubfileType", C::kTechnical},
    {0x0100, "ImageWidth", C::kTechnical},
    {0x0101, "ImageLength", C::kTechnical},
    {0x0102, "BitsPerSample", C::kTechnical},
    {0x0103, "Compression", C::kTechnical},
    {0x0106, "PhotometricInterpretation", C::kTechnical},
    {0x010A, "FillOrder", C::kTechnical},
    {0x010D, "DocumentName", C::kDescription},
    {0x010E, "ImageDescription", C::kDescription},
    {0x010F, "Make", C::kDevice},
    {0x0110, "Model", C::kDevice},
    {0x0111, "StripOffsets", C::kTechnical},
    {0x0112, "Orientation", C::kTechnical},
    {0x0115, "SamplesPerPixel", C::kTechnical},
    {0x0116, "RowsPerStrip", C::kTechnical},
    {0x0117, "StripByteCounts", C::kTechnical},
    {0x011A, "XResolution", C::kTechnical},
    {0x011B, "YResolution", C::kTechnical},
    {0x011C, "PlanarConfiguration", C::kTechnical},
    {0x011D, "PageName", C::kDescription},
    {0x0128, "ResolutionUnit", C::kTechnical},
    {0x0129, "PageNumber", C::kTechnical},
    {0x012D, "TransferFunction", C::kTechnical},
    {0x0131, "Software", C::kSoftware},
    {0x0132, "DateTime", C::kTime},
    {0x013B, "Artist", C::kAuthor},
    {0x013C, "HostComputer", C::kDevice},
    {0x013D, "Predictor", C::kTechnical},
    {0x013E, "WhitePoint", C::kTechnical},
    {0x013F, "PrimaryChromaticities", C::kTechnical},
    {0x0140, "ColorMap", C::kTechnical},
    {0x0142, "TileWidth", C::kTechnical},
    {0x0143, "TileLength", C::kTechnical},
    {0x0144, "TileOffsets", C::kTechnical},
    {0x0145, "TileByteCounts", C::kTechnical},
    {0x014A, "SubIFDs", C::kTechnical},
    {0x0152, "ExtraSamples", C::kTechnical},
    {0x0153, "SampleFormat", C::kTechnical},
    {0x0201, "JPEGInterchangeFormat", C::kTechnical},
    {0x0202, "JPEGInterchangeFormatLength", C::kTechnical},
    {0x0211, "YCbCrCoefficients", C::kTechnical},
    {0x0212, "YCbCrSubSampling", C::kTechnical},
    {0x0213, "YCbCrPositioning", C::kTechnical},
    {0x0214, "ReferenceBlackWhite", C::kTechnical},
    {0x02BC, "XMLPacket", C::kOther},
    {0x4746, "Rating", C::kDescription},
    {0x4749, "RatingPercent", C::kDescription},
    {0x8298, "Copyright", C::kCopyright},
    {0x829A, "ExposureTime", C::kTechnical},
    {0x829D, "FNumber", C::kTechnical},
    {0x83BB, "IPTCNAA", C::kOther},
    {0x8649, "ImageResources", C::kOther},
    {0x8769, "ExifTag", C::kTechnical},
    {0x8773, "InterColorProfile", C::kTechnical},
    {0x8822, "ExposureProgram", C::kTechnical},
    {0x8825, "GPSTag", C::kGps},
    {0x8827, "ISOSpeedRatings", C::kTechnical},
    {0x882A, "TimeZoneOffset", C::kTime},
    {0x9003, "DateTimeOriginal", C::kTime},
    {0x9216, "TIFFEPStandardID", C::kTechnical},
    {0x9286, "UserComment", C::kDescription},
    {0x9C9B, "XPTitle", C::kDescription},
    {0x9C9C, "XPComment", C::kDescription},
    {0x9C9D, "XPAuthor", C::kAuthor},
    {0x9C9E, "XPKeywords", C::kDescription},
    {0x9C9F, "XPSubject", C::kDescription},
    {0xA480, "GDALMetadata", C::kOther},
    {0xC4A5, "PrintImageMatching", C::kTechnical},
    {0xC612, "DNGVersion", C::kTechnical},
    {0xC614, "UniqueCameraModel", C::kDevice},
    {0xC615, "LocalizedCameraModel", C::kDevice},
    {0xC62F, "CameraSerialNumber", C::kDevice},
    {0xC630, "LensInfo", C::kDevice},
    {0xEA1C, "Padding", C::kTechnical},
};

// ExifIFD tags (Exiv2 group "Photo").
constexpr TagInfo kPhotoTags[] = {
    {0x829A, "ExposureTime", C::kTechnical},
    {0x829D, "FNumber", C::kTechnical},
    {0x8822, "ExposureProgram", C::kTechnical},
    {0x8824, "SpectralSensitivity", C::kTechnical},
    {0x8827, "ISOSpeedRatings", C::kTechnical},
    {0x8828, "OECF", C::kTechnical},
    {0x8830, "SensitivityType", C::kTechnical},
    {0x8831, "StandardOutputSensitivity", C::kTechnical},
    {0x8832, "RecommendedExposureIndex", C::kTechnical},
    {0x8833, "ISOSpeed", C::kTechnical},
    {0x9000, "ExifVersion", C::kTechnical},
    {0x9003, "DateTimeOriginal", C::kTime},
    {0x9004, "DateTimeDigitized", C::kTime},
    {0x9010, "OffsetTime", C::kTime},
    {0x9011, "OffsetTimeOriginal", C::kTime},
    {0x9012, "OffsetTimeDigitized", C::kTime},
    {0x9101, "ComponentsConfiguration", C::kTechnical},
    {0x9102, "CompressedBitsPerPixel", C::kTechnical},
    {0x9201, "ShutterSpeedValue", C::kTechnical},
    {0x9202, "ApertureValue", C::kTechnical},
    {0x9203, "BrightnessValue", C::kTechnical},
    {0x9204, "ExposureBiasValue", C::kTechnical},
    {0x9205, "MaxApertureValue", C::kTechnical},
    {0x9206, "SubjectDistance", C::kTechnical},
    {0x9207, "MeteringMode", C::kTechnical},
    {0x9208, "LightSource", C::kTechnical},
    {0x9209, "Flash", C::kTechnical},
    {0x920A, "FocalLength", C::kTechnical},
    {0x9214, "SubjectArea", C::kTechnical},
    {0x927C, "MakerNote", C::kDevice},
    {0x9286, "UserComment", C::kDescription},
    {0x9290, "SubSecTime", C::kTime},
    {0x9291, "SubSecTimeOriginal", C::kTime},
    {0x9292, "SubSecTimeDigitized", C::kTime},
    {0x9C9B, "XPTitle", C::kDescription},
    {0x9C9C, "XPComment", C::kDescription},
    {0x9C9D, "XPAuthor", C::kAuthor},
    {0x9C9E, "XPKeywords", C::kDescription},
    {0x9C9F, "XPSubject", C::kDescription},
    {0xA000, "FlashpixVersion", C::kTechnical},
    {0xA001, "ColorSpace", C::kTechnical},
    {0xA002, "PixelXDimension", C::kTechnical},
    {0xA003, "PixelYDimension", C::kTechnical},
    {0xA004, "RelatedSoundFile", C::kDescription},
    {0xA005, "InteroperabilityTag", C::kTechnical},
    {0xA20B, "FlashEnergy", C::kTechnical},
    {0xA20C, "SpatialFrequencyResponse", C::kTechnical},
    {0xA20E, "FocalPlaneXResolution", C::kTechnical},
    {0xA20F, "FocalPlaneYResolution", C::kTechnical},
    {0xA210, "FocalPlaneResolutionUnit", C::kTechnical},
    {0xA214, "SubjectLocation", C::kTechnical},
    {0xA215, "ExposureIndex", C::kTechnical},
    {0xA217, "SensingMethod", C::kTechnical},
    {0xA300, "FileSource", C::kTechnical},
    {0xA301, "SceneType", C::kTechnical},
    {0xA302, "CFAPattern", C::kTechnical},
    {0xA401, "CustomRendered", C::kTechnical},
    {0xA402, "ExposureMode", C::kTechnical},
    {0xA403, "WhiteBalance", C::kTechnical},
    {0xA404, "DigitalZoomRatio", C::kTechnical},
    {0xA405, "FocalLengthIn35mmFilm", C::kTechnical},
    {0xA406, "SceneCaptureType", C::kTechnical},
    {0xA407, "GainControl", C::kTechnical},
    {0xA408, "Contrast", C::kTechnical},
    {0xA409, "Saturation", C::kTechnical},
    {0xA40A, "Sharpness", C::kTechnical},
    {0xA40B, "DeviceSettingDescription", C::kTechnical},
    {0xA40C, "SubjectDistanceRange", C::kTechnical},
    {0xA420, "ImageUniqueID", C::kOther},
    {0xA430, "CameraOwnerName", C::kAuthor},
    {0xA431, "BodySerialNumber", C::kDevice},
    {0xA432, "LensSpecification", C::kDevice},
    {0xA433, "LensMake", C::kDevice},
    {0xA434, "LensModel", C::kDevice},
    {0xA435, "LensSerialNumber", C::kDevice},
    {0xA436, "ImageTitle", C::kDescription},
    {0xA437, "Photographer", C::kAuthor},
    {0xA438, "ImageEditor", C::kAuthor},
    {0xA439, "CameraFirmware", C::kDevice},
    {0xA43A, "RAWDevelopingSoftware", C::kSoftware},
    {0xA43B, "ImageEditingSoftware", C::kSoftware},
    {0xA43C, "MetadataEditingSoftware", C::kSoftware},
    {0xA460, "CompositeImage", C::kTechnical},
    {0xA461, "SourceImageNumberOfCompositeImage", C::kTechnical},
    {0xA462, "SourceExposureTimesOfCompositeImage", C::kTechnical},
    {0xA500, "Gamma", C::kTechnical},
    {0xEA1C, "Padding", C::kTechnical},
    {0xEA1D, "OffsetSchema", C::kTechnical},
};

constexpr TagInfo kGpsTags[] = {
    {0x0000, "GPSVersionID", C::kGps},       {0x0001, "GPSLatitudeRef", C::kGps},
    {0x0002, "GPSLatitude", C::kGps},        {0x0003, "GPSLongitudeRef", C::kGps},
    {0x0004, "GPSLongitude", C::kGps},       {0x0005, "GPSAltitudeRef", C::kGps},
    {0x0006, "GPSAltitude", C::kGps},        {0x0007, "GPSTimeStamp", C::kGps},
    {0x0008, "GPSSatellites", C::kGps},      {0x0009, "GPSStatus", C::kGps},
    {0x000A, "GPSMeasureMode", C::kGps},     {0x000B, "GPSDOP", C::kGps},
    {0x000C, "GPSSpeedRef", C::kGps},        {0x000D, "GPSSpeed", C::kGps},
    {0x000E, "GPSTrackRef", C::kGps},        {0x000F, "GPSTrack", C::kGps},
    {0x0010, "GPSImgDirectionRef", C::kGps}, {0x0011, "GPSImgDirection", C::kGps},
    {0x0012, "GPSMapDatum", C::kGps},        {0x0013, "GPSDestLatitudeRef", C::kGps},
    {0x0014, "GPSDestLatitude", C::kGps},    {0x0015, "GPSDestLongitudeRef", C::kGps},
    {0x0016, "GPSDestLongitude", C::kGps},   {0x0017, "GPSDestBearingRef", C::kGps},
    {0x0018, "GPSDestBearing", C::kGps},     {0x0019, "GPSDestDistanceRef", C::kGps},
    {0x001A, "GPSDestDistance", C::kGps},    {0x001B, "GPSProcessingMethod", C::kGps},
    {0x001C, "GPSAreaInformation", C::kGps}, {0x001D, "GPSDateStamp", C::kGps},
    {0x001E, "GPSDifferential", C::kGps},    {0x001F, "GPSHPositioningError", C::kGps},
};

constexpr TagInfo kIopTags[] = {
    {0x0001, "InteroperabilityIndex", C::kTechnical},
    {0x0002, "InteroperabilityVersion", C::kTechnical},
    {0x1000, "RelatedImageFileFormat", C::kTechnical},
    {0x1001, "RelatedImageWidth", C::kTechnical},
    {0x1002, "RelatedImageLength", C::kTechnical},
};

enum class Group { kImage, kPhoto, kGps, kIop, kThumbnail, kOtherImage };

template <size_t N>
const TagInfo* FindTag(const TagInfo (&table)[N], uint16_t tag) {
  for (const TagInfo& t : table) {
    if (t.tag == tag) return &t;
  }
  return nullptr;
}

const TagInfo* LookUp(Group g, uint16_t tag) {
  switch (g) {
    case Group::kGps:
      return FindTag(kGpsTags, tag);
    case Group::kIop:
      return FindTag(kIopTags, tag);
    case Group::kPhoto:
      if (const TagInfo* t = FindTag(kPhotoTags, tag)) return t;
      return FindTag(kImageTags, tag);
    default:
      if (const TagInfo* t = FindTag(kImageTags, tag)) return t;
      return FindTag(kPhotoTags, tag);
  }
}

constexpr uint16_t kExifIfdPointer = 0x8769, kGpsPointer = 0x8825, kIopPointer = 0xA005;

// Bytes per value of each TIFF type (0 = unknown type).
size_t TypeSize(uint16_t type) {
  switch (type) {
    case 1:  // BYTE
    case 2:  // ASCII
    case 6:  // SBYTE
    case 7:  // UNDEFINED
      return 1;
    case 3:  // SHORT
    case 8:  // SSHORT
      return 2;
    case 4:   // LONG
    case 9:   // SLONG
    case 11:  // FLOAT
    case 13:  // IFD
      return 4;
    case 5:   // RATIONAL
    case 10:  // SRATIONAL
    case 12:  // DOUBLE
    case 16:  // LONG8 (BigTIFF)
    case 17:  // SLONG8
    case 18:  // IFD8
      return 8;
    default:
      return 0;
  }
}

struct Rendered {
  std::string text;
  bool binary = false;
  std::string what;  // for binary values
};

class TiffReader {
 public:
  TiffReader(Context& ctx, Span tiff, bool le, std::string_view carrier, uint64_t offset)
      : ctx_(ctx), t_(tiff), le_(le), carrier_(carrier), offset_(offset) {}

  void Run(uint32_t ifd0) {
    struct Pending {
      uint32_t at;
      Group group;
    };
    std::vector<Pending> queue = {{ifd0, Group::kImage}};
    int image_index = 0;
    for (size_t q = 0; q < queue.size(); ++q) {
      if (ctx_.full()) return;
      if (queue.size() > kMaxIfds) {
        ctx_.Warn(std::string(carrier_) + ": too many IFDs; the rest are skipped");
        return;
      }
      Pending p = queue[q];
      if (std::find(visited_.begin(), visited_.end(), p.at) != visited_.end()) {
        ctx_.Warn(std::string(carrier_) + ": EXIF IFD loop at offset " + std::to_string(p.at));
        continue;
      }
      visited_.push_back(p.at);
      std::vector<std::pair<uint32_t, Group>> children;
      uint32_t next = ReadIfd(p.at, p.group, image_index, children);
      for (auto& [at, g] : children) queue.push_back({at, g});
      bool image_chain =
          p.group == Group::kImage || p.group == Group::kThumbnail || p.group == Group::kOtherImage;
      if (image_chain && next != 0 && image_index < 3) {
        ++image_index;
        queue.push_back({next, image_index == 1 ? Group::kThumbnail : Group::kOtherImage});
      }
    }
  }

 private:
  static constexpr size_t kMaxIfds = 16;
  static constexpr size_t kMaxRenderedValues = 64;

  uint16_t u16(size_t at) const { return le_ ? U16Le(t_, at) : U16Be(t_, at); }
  uint32_t u32(size_t at) const { return le_ ? U32Le(t_, at) : U32Be(t_, at); }
  uint64_t u64(size_t at) const { return le_ ? U64Le(t_, at) : U64Be(t_, at); }

  std::string GroupName(Group g, int image_index) const {
    switch (g) {
      case Group::kImage:
        return "Image";
      case Group::kPhoto:
        return "Photo";
      case Group::kGps:
        return "GPSInfo";
      case Group::kIop:
        return "Iop";
      case Group::kThumbnail:
        return "Thumbnail";
      case Group::kOtherImage:
        return "Image" + std::to_string(image_index + 1);
    }
    return "Image";
  }

  // Reads one IFD; returns the next-IFD offset (0 if none or unreadable).
  uint32_t ReadIfd(uint32_t at, Group group, int image_index,
                   std::vector<std::pair<uint32_t, Group>>& children) {
    if (at > t_.size() || t_.size() - at < 2) {
      ctx_.Warn(std::string(carrier_) + ": EXIF IFD offset " + std::to_string(at) +
                " is outside the data");
      return 0;
    }
    const std::string group_name = GroupName(group, image_index);
    size_t count = u16(at);
    const size_t room = (t_.size() - at - 2) / 12;
    if (count > room) {
      ctx_.Warn(std::string(carrier_) + ": EXIF IFD at " + std::to_string(at) + " declares " +
                std::to_string(count) + " entries, only " + std::to_string(room) + " fit");
      count = room;
    }
    for (size_t i = 0; i < count && !ctx_.full(); ++i) {
      const size_t e = at + 2 + 12 * i;
      const uint16_t tag = u16(e), type = u16(e + 2);
      const uint32_t n = u32(e + 4);
      const size_t unit = TypeSize(type);
      if (unit == 0) continue;  // unknown type: its size is unknown too
      const uint64_t size = uint64_t(n) * unit;
      size_t value_at;
      if (size <= 4) {
        value_at = e + 8;
      } else {
        value_at = u32(e + 8);
        if (value_at > t_.size() || t_.size() - value_at < size) {
          ctx_.Warn(std::string(carrier_) + ": EXIF tag 0x" + Hex4(tag) +
                    " points outside the data");
          continue;
        }
      }
      Span value = t_.subspan(value_at, size_t(size));

      if (((tag == kExifIfdPointer || tag == kGpsPointer) &&
           (group == Group::kImage || group == Group::kOtherImage)) ||
          (tag == kIopPointer && group == Group::kPhoto)) {
        if ((type == 4 || type == 13) && n >= 1) {
          children.emplace_back(u32(value_at), tag == kExifIfdPointer ? Group::kPhoto
                                               : tag == kGpsPointer   ? Group::kGps
                                                                      : Group::kIop);
        }
        continue;
      }
      if (tag == 0xEA1C) continue;  // Padding (Microsoft): zeros

      const TagInfo* info = LookUp(group, tag);
      std::string key = "Exif." + group_name + "." +
                        (info != nullptr ? std::string(info->name) : "0x" + Hex4(tag));
      Category category =
          info != nullptr ? info->category : (group == Group::kGps ? C::kGps : C::kOther);
      if (group == Group::kThumbnail && category != C::kAuthor && category != C::kGps &&
          category != C::kCopyright && category != C::kDescription && category != C::kSoftware &&
          category != C::kDevice && category != C::kTime) {
        category = C::kTechnical;
      }

      // Embedded structures.
      if (group != Group::kGps && group != Group::kIop) {
        if (tag == 0x02BC) {
          ScopedNesting nest(ctx_);
          if (nest.ok()) ReadXmp(ctx_, value, carrier_, offset_);
          continue;
        }
        if (tag == 0x83BB) {
          ScopedNesting nest(ctx_);
          if (nest.ok()) ReadIptc(ctx_, value, carrier_, offset_);
          continue;
        }
        if (tag == 0x8649) {
          ScopedNesting nest(ctx_);
          if (nest.ok()) ReadPhotoshopIrb(ctx_, value, carrier_, offset_);
          continue;
        }
        if (tag == 0x8773) {
          ReadIcc(ctx_, value, carrier_, offset_);
          continue;
        }
        if (tag == 0x927C) {
          ctx_.AddBinary(carrier_, std::move(key), "MakerNote", value.size(), category, offset_);
          continue;
        }
        if (tag == 0xC4A5) {
          ctx_.AddBinary(carrier_, std::move(key), "PrintIM", value.size(), category, offset_);
          continue;
        }
      }

      Rendered r;
      if ((tag == 0x9286 && group != Group::kGps) ||
          (group == Group::kGps && (tag == 0x001B || tag == 0x001C))) {
        r.text = CharsetText(value);
      } else if (tag >= 0x9C9B && tag <= 0x9C9F && group != Group::kGps) {
        r.text = std::string(Trim(Utf16ToUtf8(value, false)));
      } else {
        r = Render(type, value, n);
      }
      if (r.binary) {
        ctx_.AddBinary(carrier_, std::move(key), r.what, value.size(), category, offset_);
      } else {
        ctx_.Add(carrier_, std::move(key), std::move(r.text), category, offset_);
      }
    }
    const size_t after = at + 2 + 12 * count;
    if (t_.size() - after < 4) return 0;
    uint32_t next = u32(after);
    return next;
  }

  static std::string Hex4(uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v);
    return buf;
  }

  // UserComment / GPSProcessingMethod: an 8-byte character-code prefix, then the text.
  std::string CharsetText(Span v) const {
    if (v.size() >= 8) {
      std::string_view prefix = AsChars(v.first(8));
      Span body = v.subspan(8);
      if (prefix == std::string_view("UNICODE\0", 8)) {
        // The byte order should be the TIFF's, but writers disagree (piexif, used by A1111,
        // always writes UTF-16BE): a BOM decides, else which half of the code units is zero.
        size_t even_zero = 0, odd_zero = 0;
        for (size_t i = 0; i + 1 < body.size(); i += 2) {
          even_zero += body[i] == 0;
          odd_zero += body[i + 1] == 0;
        }
        bool be = even_zero != odd_zero ? even_zero > odd_zero : !le_;
        return std::string(Trim(Utf16ToUtf8(body, be)));
      }
      if (prefix == std::string_view("ASCII\0\0\0", 8) ||
          prefix == std::string_view("JIS\0\0\0\0\0", 8) ||
          prefix == std::string_view("\0\0\0\0\0\0\0\0", 8)) {
        return std::string(Trim(BytesToText(body)));
      }
    }
    return std::string(Trim(BytesToText(v)));
  }

  Rendered Render(uint16_t type, Span v, uint32_t n) const {
    Rendered r;
    if (type == 2) {  // ASCII: NUL-terminated, sometimes several strings
      std::string out;
      size_t start = 0;
      for (size_t i = 0; i <= v.size(); ++i) {
        if (i == v.size() || v[i] == 0) {
          std::string_view piece = Trim(AsChars(v.subspan(start, i - start)));
          if (!piece.empty()) {
            if (!out.empty()) out += "; ";
            out += BytesToText(AsBytes(piece));
          }
          start = i + 1;
        }
      }
      r.text = std::move(out);
      return r;
    }
    if (type == 7 || type == 1 || type == 6) {
      std::string_view chars = TrimNuls(AsChars(v));
      if (type == 7 && !chars.empty() && LooksLikeText(AsBytes(chars))) {
        r.text = std::string(Trim(chars));
        return r;
      }
      if (v.size() > kMaxRenderedValues) {
        r.binary = true;
        r.what = "binary";
        return r;
      }
    }
    const size_t unit = TypeSize(type);
    std::string out;
    for (uint32_t i = 0; i < n && i < kMaxRenderedValues; ++i) {
      if (i > 0) out += ' ';
      const size_t at = size_t(i) * unit;
      // Offsets below are into `v`; convert to offsets into t_ for the typed readers.
      const size_t abs = size_t(v.data() - t_.data()) + at;
      switch (type) {
        case 1:
        case 7:
          out += std::to_string(v[at]);
          break;
        case 6:
          out += std::to_string(int8_t(v[at]));
          break;
        case 3:
          out += std::to_string(u16(abs));
          break;
        case 8:
          out += std::to_string(int16_t(u16(abs)));
          break;
        case 4:
        case 13:
          out += std::to_string(u32(abs));
          break;
        case 9:
          out += std::to_string(int32_t(u32(abs)));
          break;
        case 5:
          out += std::to_string(u32(abs)) + "/" + std::to_string(u32(abs + 4));
          break;
        case 10:
          out += std::to_string(int32_t(u32(abs))) + "/" + std::to_string(int32_t(u32(abs + 4)));
          break;
        case 11: {
          uint32_t bits = u32(abs);
          float f;
          std::memcpy(&f, &bits, 4);
          char buf[32];
          std::snprintf(buf, sizeof buf, "%g", double(f));
          out += buf;
          break;
        }
        case 12: {
          uint64_t bits = u64(abs);
          double d;
          std::memcpy(&d, &bits, 8);
          char buf[32];
          std::snprintf(buf, sizeof buf, "%g", d);
          out += buf;
          break;
        }
        case 16:
        case 18:
          out += std::to_string(u64(abs));
          break;
        case 17:
          out += std::to_string(int64_t(u64(abs)));
          break;
        default:
          break;
      }
    }
    if (n > kMaxRenderedValues) out += " ...";
    r.text = std::move(out);
    return r;
  }

  Context& ctx_;
  Span t_;
  bool le_;
  std::string_view carrier_;
  uint64_t offset_;
  std::vector<uint32_t> visited_;
};

}  // namespace

void ReadExif(Context& ctx, Span tiff, std::string_view carrier, uint64_t offset) {
  if (tiff.size() < 8) {
    ctx.Warn(std::string(carrier) + ": EXIF block too short");
    return;
  }
  bool le;
  if (tiff[0] == 'I' && tiff[1] == 'I' && U16Le(tiff, 2) == 42) {
    le = true;
  } else if (tiff[0] == 'M' && tiff[1] == 'M' && U16Be(tiff, 2) == 42) {
    le = false;
  } else {
    ctx.Warn(std::string(carrier) + ": EXIF block has no TIFF header");
    return;
  }
  uint32_t ifd0 = le ? U32Le(tiff, 4) : U32Be(tiff, 4);
  TiffReader(ctx, tiff, le, carrier, offset).Run(ifd0);
}

void ReadExifBlock(Context& ctx, Span block, std::string_view carrier, uint64_t offset) {
  // "Exif\0\0" is the JPEG APP1 form; some writers keep it in PNG eXIf / WebP EXIF, and a few
  // write "Exif\0\xff" or "Exif\xff\xe1..." (a whole APP1 marker).
  if (HasPrefix(block, "Exif") && block.size() >= 6 && block[4] == 0) {
    block = block.subspan(6);
  } else if (HasPrefix(block, "\xff\xe1") && block.size() >= 10 &&
             AsChars(block.subspan(4, 4)) == "Exif") {
    block = block.subspan(10);
  }
  ReadExif(ctx, block, carrier, offset);
}

}  // namespace custody::metadata::internal
