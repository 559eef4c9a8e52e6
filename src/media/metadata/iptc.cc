// IPTC-IIM datasets ("Iptc.Envelope.<Name>", "Iptc.Application2.<Name>", Exiv2's names) and
// Photoshop image resource blocks (JPEG APP13, TIFF tag 0x8649, PNG "Raw profile type 8bim"):
// 0x0404 IPTC, 0x0422 EXIF, 0x0424 XMP, 0x040F ICC, thumbnails and a few text resources.
#include <cstdio>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

using C = Category;

struct Dataset {
  uint8_t number;
  const char* name;
  Category category;
};

constexpr Dataset kEnvelope[] = {
    {0, "ModelVersion", C::kTechnical},  {5, "Destination", C::kOther},
    {20, "FileFormat", C::kTechnical},   {22, "FileVersion", C::kTechnical},
    {30, "ServiceId", C::kOther},        {40, "EnvelopeNumber", C::kOther},
    {50, "ProductId", C::kOther},        {60, "EnvelopePriority", C::kOther},
    {70, "DateSent", C::kTime},          {80, "TimeSent", C::kTime},
    {90, "CharacterSet", C::kTechnical}, {100, "UNO", C::kOther},
    {120, "ARMId", C::kOther},           {122, "ARMVersion", C::kOther},
};

constexpr Dataset kApplication2[] = {
    {0, "RecordVersion", C::kTechnical},
    {3, "ObjectType", C::kOther},
    {4, "ObjectAttribute", C::kOther},
    {5, "ObjectName", C::kDescription},
    {7, "EditStatus", C::kOther},
    {8, "EditorialUpdate", C::kOther},
    {10, "Urgency", C::kOther},
    {12, "Subject", C::kDescription},
    {15, "Category", C::kDescription},
    {20, "SuppCategory", C::kDescription},
    {22, "FixtureId", C::kOther},
    {25, "Keywords", C::kDescription},
    {26, "LocationCode", C::kGps},
    {27, "LocationName", C::kGps},
    {30, "ReleaseDate", C::kTime},
    {35, "ReleaseTime", C::kTime},
    {37, "ExpirationDate", C::kTime},
    {38, "ExpirationTime", C::kTime},
    {40, "SpecialInstructions", C::kDescription},
    {42, "ActionAdvised", C::kOther},
    {45, "ReferenceService", C::kOther},
    {47, "ReferenceDate", C::kTime},
    {50, "ReferenceNumber", C::kOther},
    {55, "DateCreated", C::kTime},
    {60, "TimeCreated", C::kTime},
    {62, "DigitizationDate", C::kTime},
    {63, "DigitizationTime", C::kTime},
    {65, "Program", C::kSoftware},
    {70, "ProgramVersion", C::kSoftware},
    {75, "ObjectCycle", C::kOther},
    {80, "Byline", C::kAuthor},
    {85, "BylineTitle", C::kAuthor},
    {90, "City", C::kGps},
    {92, "SubLocation", C::kGps},
    {95, "ProvinceState", C::kGps},
    {100, "CountryCode", C::kGps},
    {101, "CountryName", C::kGps},
    {103, "TransmissionReference", C::kOther},
    {105, "Headline", C::kDescription},
    {110, "Credit", C::kAuthor},
    {115, "Source", C::kAuthor},
    {116, "Copyright", C::kCopyright},
    {118, "Contact", C::kAuthor},
    {120, "Caption", C::kDescription},
    {121, "LocalCaption", C::kDescription},
    {122, "Writer", C::kAuthor},
    {125, "RasterizedCaption", C::kDescription},
    {130, "ImageType", C::kTechnical},
    {131, "ImageOrientation", C::kTechnical},
    {135, "Language", C::kOther},
    {150, "AudioType", C::kTechnical},
    {151, "AudioRate", C::kTechnical},
    {152, "AudioResolution", C::kTechnical},
    {153, "AudioDuration", C::kTechnical},
    {154, "AudioOutcue", C::kOther},
    {184, "JobId", C::kOther},
    {185, "MasterDocumentId", C::kOther},
    {186, "ShortDocumentId", C::kOther},
    {187, "UniqueDocumentId", C::kOther},
    {188, "OwnerId", C::kAuthor},
    {200, "PreviewFormat", C::kTechnical},
    {201, "PreviewVersion", C::kTechnical},
    {202, "Preview", C::kTechnical},
};

template <size_t N>
const Dataset* Find(const Dataset (&table)[N], uint8_t number) {
  for (const Dataset& d : table) {
    if (d.number == number) return &d;
  }
  return nullptr;
}

}  // namespace

void ReadIptc(Context& ctx, Span d, std::string_view carrier, uint64_t offset) {
  size_t p = 0;
  while (p < d.size() && !ctx.full()) {
    if (d[p] == 0) {  // padding
      ++p;
      continue;
    }
    if (d[p] != 0x1C) {
      ctx.Warn(std::string(carrier) + ": IPTC data has an invalid tag marker");
      return;
    }
    if (d.size() - p < 5) {
      ctx.Warn(std::string(carrier) + ": IPTC dataset header truncated");
      return;
    }
    const uint8_t record = d[p + 1], number = d[p + 2];
    uint64_t size = U16Be(d, p + 3);
    size_t header = 5;
    if (size & 0x8000) {  // extended dataset: the low 15 bits give the length of the length
      size_t n = size & 0x7FFF;
      if (n == 0 || n > 4 || d.size() - p - 5 < n) {
        ctx.Warn(std::string(carrier) + ": IPTC extended dataset length is invalid");
        return;
      }
      size = 0;
      for (size_t k = 0; k < n; ++k) size = size << 8 | d[p + 5 + k];
      header += n;
    }
    if (d.size() - p - header < size) {
      ctx.Warn(std::string(carrier) + ": IPTC dataset " + std::to_string(record) + ":" +
               std::to_string(number) + " runs past the end of the data");
      return;
    }
    Span value = d.subspan(p + header, size_t(size));
    p += header + size_t(size);

    const Dataset* info = record == 1   ? Find(kEnvelope, number)
                          : record == 2 ? Find(kApplication2, number)
                                        : nullptr;
    std::string group = record == 1   ? "Envelope"
                        : record == 2 ? "Application2"
                                      : "Record" + std::to_string(record);
    std::string key =
        "Iptc." + group + "." + (info != nullptr ? std::string(info->name) : "0x" + [&] {
          char buf[8];
          std::snprintf(buf, sizeof buf, "%04x", number);
          return std::string(buf);
        }());
    Category category = info != nullptr ? info->category : Category::kOther;
    if ((record == 1 && number == 90) || (record == 2 && (number == 0 || number == 10))) {
      // CharacterSet (escape sequences), RecordVersion, Urgency: binary-ish small values.
      std::string text;
      if (record == 2 && value.size() == 2) {
        text = std::to_string(U16Be(value, 0));
      } else if (LooksLikeText(value)) {
        text = BytesToText(value);
      } else {
        for (uint8_t b : value) {
          if (!text.empty()) text += ' ';
          text += std::to_string(b);
        }
      }
      ctx.Add(carrier, std::move(key), std::move(text), category, offset);
      continue;
    }
    if (record == 2 && number == 202) {
      ctx.AddBinary(carrier, std::move(key), "preview", value.size(), category, offset);
      continue;
    }
    ctx.Add(carrier, std::move(key), std::string(Trim(BytesToText(value))), category, offset);
  }
}

void ReadPhotoshopIrb(Context& ctx, Span d, std::string_view carrier, uint64_t offset) {
  size_t p = 0;
  while (p < d.size() && !ctx.full()) {
    if (d.size() - p < 12) {
      if (Trim(AsChars(d.subspan(p))).empty()) return;  // padding
      ctx.Warn(std::string(carrier) + ": Photoshop resource block truncated");
      return;
    }
    std::string_view signature = AsChars(d.subspan(p, 4));
    if (signature != "8BIM" && signature != "PHUT" && signature != "DCSR" && signature != "AgHg" &&
        signature != "MeSa") {
      if (d[p] == 0) return;  // zero padding after the last block
      ctx.Warn(std::string(carrier) + ": Photoshop resource block has no 8BIM signature");
      return;
    }
    const uint16_t id = U16Be(d, p + 4);
    const size_t name_len = d[p + 6];
    size_t name_field = 1 + name_len;
    if (name_field % 2 != 0) ++name_field;  // padded to even
    size_t at = p + 6 + name_field;
    if (at > d.size() || d.size() - at < 4) {
      ctx.Warn(std::string(carrier) + ": Photoshop resource block truncated");
      return;
    }
    const uint32_t size = U32Be(d, at);
    at += 4;
    if (d.size() - at < size) {
      ctx.Warn(std::string(carrier) + ": Photoshop resource 0x" + std::to_string(id) +
               " runs past the end of the data");
      return;
    }
    Span value = d.subspan(at, size);
    p = at + size + (size % 2);
    if (p > d.size()) p = d.size();

    char hex[8];
    std::snprintf(hex, sizeof hex, "%04x", id);
    ScopedNesting nest(ctx);
    if (!nest.ok()) return;
    switch (id) {
      case 0x0404:
        ReadIptc(ctx, value, carrier, offset);
        break;
      case 0x0422:
      case 0x0423:
        ReadExifBlock(ctx, value, carrier, offset);
        break;
      case 0x0424:
        ReadXmp(ctx, value, carrier, offset);
        break;
      case 0x040F:
        ReadIcc(ctx, value, carrier, offset);
        break;
      case 0x0409:
      case 0x040C:
        ctx.AddBinary(carrier, "Photoshop.Thumbnail", "thumbnail", value.size(),
                      Category::kTechnical, offset);
        break;
      case 0x0425:  // IPTC digest (MD5)
        ctx.Add(carrier, "Photoshop.IPTCDigest",
                HexEncode(value.first(std::min<size_t>(value.size(), 64))), Category::kTechnical,
                offset);
        break;
      case 0x03F0:  // Caption (Pascal string)
        if (!value.empty() && value[0] <= value.size() - 1) {
          ctx.Add(carrier, "Photoshop.Caption", BytesToText(value.subspan(1, value[0])),
                  Category::kDescription, offset);
        }
        break;
      case 0x040B:  // URL
        ctx.Add(carrier, "Photoshop.URL", std::string(Trim(BytesToText(value))),
                Category::kDescription, offset);
        break;
      case 0x03ED:  // ResolutionInfo
      case 0x0406:  // JPEG quality
      case 0x0408:  // grid and guides
      case 0x040A:  // copyright flag
      case 0x0414:  // document-specific ids
      case 0x0419:  // global altitude
      case 0x040D:  // global angle
      case 0x03F3:  // print flags
      case 0x03F5:  // colour halftoning
      case 0x03F8:  // colour transfer
      case 0x041A:  // slices
      case 0x041E:  // URL list
      case 0x0421:  // version info
      case 0x0426:  // print scale
      case 0x0428:  // pixel aspect ratio
      case 0x043A:  // print info
      case 0x043B:  // print style
        ctx.AddBinary(carrier, std::string("Photoshop.0x") + hex, "Photoshop resource",
                      value.size(), Category::kTechnical, offset);
        break;
      default:
        if (!value.empty() && LooksLikeText(value)) {
          ctx.Add(carrier, std::string("Photoshop.0x") + hex, std::string(Trim(AsChars(value))),
                  Category::kOther, offset);
        } else {
          ctx.AddBinary(carrier, std::string("Photoshop.0x") + hex, "Photoshop resource",
                        value.size(), Category::kOther, offset);
        }
        break;
    }
  }
}

}  // namespace custody::metadata::internal
