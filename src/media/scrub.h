// Metadata hygiene for exports: removes generation metadata (prompts, workflows, EXIF, XMP, C2PA,
// comments...) by rewriting the container around the untouched compressed pixels. Nothing is
// decoded or re-encoded, so the pixels are bit-exact, and so is anything hidden *in* the pixels
// (for example A1111's "stealth" alpha-LSB prompt): scrubbing is about carriers, not steganography.
//
// Carrier names (used in ScrubReport and by ListMetadata):
//   PNG:  "png:<chunk>" for every ancillary chunk, e.g. "png:eXIf", "png:tIME", "png:caBX",
//         "png:iCCP"; text chunks add their keyword: "png:tEXt:parameters", "png:zTXt:prompt",
//         "png:iTXt:XML:com.adobe.xmp" (non-printable keyword bytes shown as '?');
//         "png:trailing-data" for bytes after IEND.
//   JPEG: "jpeg:APP<n>:<identifier>" for application segments, e.g. "jpeg:APP1:Exif",
//         "jpeg:APP1:XMP", "jpeg:APP1:ExtendedXMP", "jpeg:APP2:ICC_PROFILE", "jpeg:APP2:MPF",
//         "jpeg:APP11:JUMBF", "jpeg:APP13:Photoshop", "jpeg:APP14:Adobe", "jpeg:APP0:JFIF"
//         ("jpeg:APP<n>" when the segment has no recognisable identifier); "jpeg:COM";
//         "jpeg:trailing-data" for bytes after EOI (MPF secondary images, appended files).
//   A carrier rebuilt with a subset of its content (see keep_orientation) is listed under `kept`
//   and the dropped part under `removed` as "<carrier>:other-tags".
// One entry per occurrence, in file order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace custody {

struct ScrubPolicy {
  // PNG iCCP / JPEG APP2 ICC_PROFILE: the colour profile (dropping it can shift colours).
  bool keep_icc = true;
  // The EXIF Orientation tag: kept by rebuilding a minimal EXIF block (PNG eXIf / JPEG APP1 Exif)
  // holding only Orientation (and Copyright if keep_copyright); every other tag, sub-IFD and
  // thumbnail is dropped. When false, orientation is dropped and a rotated photo may display
  // sideways: callers that care should apply it to the pixels instead (ApplyEdits does).
  bool keep_orientation = false;
  // Copyright notices: PNG tEXt/zTXt/iTXt with keyword "Copyright", and the EXIF Copyright tag
  // (in the minimal EXIF block above). XMP dc:rights and IPTC copyright are not kept.
  bool keep_copyright = false;
};

struct ScrubReport {
  std::vector<std::string> removed;  // e.g. "png:tEXt:parameters", "jpeg:APP1:Exif", "jpeg:COM"
  std::vector<std::string> kept;     // metadata carriers left in the output, e.g. "png:iCCP"
};

// Rewrites `input` without metadata. `media_type` must be "image/png" or "image/jpeg" and match the
// content.
//
// PNG: keeps the critical chunks IHDR, PLTE, IDAT, IEND and only these ancillaries: tRNS, gAMA,
// cHRM, sRGB, sBIT, pHYs, bKGD, cICP, iCCP (if keep_icc), Copyright text (if keep_copyright),
// a minimal eXIf (see ScrubPolicy). Everything else goes, wherever it is (text after IDAT too),
// including APNG animation chunks (the output is the still default image) and bytes after IEND.
// Lengths are checked strictly; kept chunks must have correct CRCs (a kept critical chunk with a
// bad CRC is an error, a kept ancillary one is dropped, as libpng would ignore it).
//
// JPEG: keeps SOI, DQT, DHT, DAC, SOFn, DRI, DNL, DHP, EXP, SOS with the entropy-coded data of
// every scan (progressive files included), EOI, APP0 JFIF (rewritten without its thumbnail),
// APP14 Adobe (needed to decode colour), APP2 ICC_PROFILE (if keep_icc) and a minimal APP1 Exif
// (see ScrubPolicy). Drops every other APPn (Exif, XMP, ExtendedXMP, MPF, JUMBF/C2PA,
// Photoshop/IPTC, ...), COM, and anything after EOI.
//
// Errors: kUnsupportedMedia for other media types (the caller decides what to do with those) and
// for containers we cannot rewrite safely (an unknown critical PNG chunk, a reserved JPEG marker);
// kInvalidArgument for content that does not match `media_type`, or is empty, truncated or
// malformed. `report` may be null; it is only written on success. Pure function, thread-safe.
Result<Bytes> ScrubMetadata(std::span<const uint8_t> input, std::string_view media_type,
                            const ScrubPolicy& policy, ScrubReport* report);

// The metadata carriers present in `input`, named as above (critical PNG chunks and JPEG
// structural segments are not metadata and are not listed). Same errors as ScrubMetadata.
// Pure function, thread-safe.
Result<std::vector<std::string>> ListMetadata(std::span<const uint8_t> input,
                                              std::string_view media_type);

}  // namespace custody
