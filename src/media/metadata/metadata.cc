// ReadMetadata: sniffs the container, runs its reader, the stealth check and the AI-tool
// recognition (see metadata.h and README.md).
#include "media/metadata/metadata.h"

#include <algorithm>
#include <new>

#include "media/media.h"
#include "media/metadata/internal.h"

namespace custody::metadata {

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kGeneration:
      return "generation";
    case Category::kGps:
      return "gps";
    case Category::kAuthor:
      return "author";
    case Category::kCopyright:
      return "copyright";
    case Category::kSoftware:
      return "software";
    case Category::kDevice:
      return "device";
    case Category::kTime:
      return "time";
    case Category::kDescription:
      return "description";
    case Category::kProvenance:
      return "provenance";
    case Category::kTechnical:
      return "technical";
    case Category::kOther:
      return "other";
  }
  return "other";
}

namespace {

using internal::Span;

// QuickTime files need not start with ftyp: a classic MOV starts with moov, mdat, wide, free...
bool LooksLikeQuickTime(Span d) {
  if (d.size() < 8) return false;
  const std::string_view type = AsChars(d.subspan(4, 4));
  static constexpr std::string_view kTypes[] = {"moov", "mdat", "wide", "free", "skip", "pnot"};
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) return false;
  const uint32_t size = internal::U32Be(d, 0);
  return size == 0 || size == 1 || (size >= 8 && size <= d.size());
}

Result<Report> Read(Span data, const ReadOptions& options) {
  if (data.empty()) return InvalidArgument("metadata: the file is empty");
  Report report;
  report.media_type = SniffMediaType(data.first(std::min<size_t>(data.size(), 64)));
  if (report.media_type == "application/octet-stream") {
    if (LooksLikeQuickTime(data)) {
      report.media_type = "video/mp4";
    } else if (data.size() >= 12 &&
               (internal::HasPrefix(data, "RF64") || internal::HasPrefix(data, "BW64")) &&
               AsChars(data.subspan(8, 4)) == "WAVE") {
      report.media_type = "audio/wav";
    }
  }
  internal::Context ctx(data, options, report);
  const std::string& type = report.media_type;
  Status s;
  if (type == "image/png") {
    s = internal::ReadPng(ctx, data);
  } else if (type == "image/jpeg") {
    s = internal::ReadJpeg(ctx, data);
  } else if (type == "image/gif") {
    s = internal::ReadGif(ctx, data);
  } else if (type == "image/webp") {
    s = internal::ReadWebp(ctx, data);
  } else if (type == "audio/wav") {
    s = internal::ReadWav(ctx, data);
  } else if (type == "audio/mpeg") {
    s = internal::ReadMp3(ctx, data);
  } else if (type == "video/mp4") {
    s = internal::ReadBmff(ctx, data);
  } else {
    return Error(ErrorCode::kUnsupportedMedia, "metadata: no reader for " + type);
  }
  if (!s.ok()) return std::move(s).error();
  if (options.stealth && (type == "image/png" || type == "image/webp")) {
    internal::ReadStealth(ctx, data, type == "image/png" ? "png" : "webp");
  }
  internal::RecognizeTools(report);
  return report;
}

}  // namespace

Result<Report> ReadMetadata(std::span<const uint8_t> data, const ReadOptions& options) {
  try {
    return Read(data, options);
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kResourceExhausted, "metadata: out of memory");
  } catch (const std::length_error&) {
    return Error(ErrorCode::kResourceExhausted, "metadata: value too large");
  }
}

}  // namespace custody::metadata
