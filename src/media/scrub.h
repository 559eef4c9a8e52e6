// Metadata hygiene for exports: removes generation metadata (prompts, workflows, EXIF, XMP, ID3,
// C2PA, comments, authors, GPS...) by rewriting the container around the untouched media. Nothing
// is decoded or re-encoded: compressed pixels, audio samples, MP4 sample data and MP3 frames are
// bit-exact, and so is anything hidden *in* them (for example A1111's "stealth" alpha-LSB prompt,
// or an encoder's SEI message inside H.264 data): scrubbing is about carriers, not steganography.
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
//   WebP: "webp:<FOURCC>" (trailing spaces trimmed) for every chunk that is not image data, e.g.
//         "webp:EXIF", "webp:XMP", "webp:ICCP", "webp:C2PA"; "webp:ANMF/<FOURCC>" for unknown
//         chunks inside an animation frame; "webp:trailing-data" after the RIFF.
//   WAV:  "wav:<fourcc>" for every chunk but fmt/fact/data/ds64, e.g. "wav:id3", "wav:bext",
//         "wav:iXML", "wav:_PMX", "wav:C2PA", "wav:cue"; "wav:LIST:<type>" ("wav:LIST:INFO",
//         "wav:LIST:adtl"); "wav:trailing-data" after the RIFF.
//   MP4:  "mp4:<box path>" for every box removed, e.g. "mp4:moov/udta", "mp4:moov/meta",
//         "mp4:moov/trak/udta", "mp4:meta"; uuid boxes as "mp4:[<path>/]uuid:xmp",
//         "uuid:c2pa" or "uuid:<32 hex digits>"; free/skip/wide boxes with non-zero content as
//         "mp4:free" etc.; "mp4:<trak path>:timed-metadata" for a metadata track (not removable).
//   MP3:  "mp3:ID3v2", "mp3:ID3v1", "mp3:ID3v1:enhanced" (TAG+), "mp3:APEv2", "mp3:Lyrics3".
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

// What to keep. Applies to the image formats; audio and video have nothing it governs.
struct ScrubPolicy {
  // PNG iCCP / JPEG APP2 ICC_PROFILE / WebP ICCP: the colour profile (dropping it can shift
  // colours).
  bool keep_icc = true;
  // The EXIF Orientation tag: kept by rebuilding a minimal EXIF block (PNG eXIf, JPEG APP1 Exif,
  // WebP EXIF) holding only Orientation (and Copyright if keep_copyright); every other tag,
  // sub-IFD and thumbnail is dropped. When false, orientation is dropped and a rotated photo may
  // display sideways: callers that care should apply it to the pixels instead (ApplyEdits does).
  bool keep_orientation = false;
  // Copyright notices: PNG tEXt/zTXt/iTXt with keyword "Copyright", and the EXIF Copyright tag
  // (in the minimal EXIF block above). XMP dc:rights and IPTC copyright are not kept.
  bool keep_copyright = false;
};

struct ScrubReport {
  std::vector<std::string> removed;  // e.g. "png:tEXt:parameters", "jpeg:APP1:Exif", "jpeg:COM"
  std::vector<std::string> kept;     // metadata carriers left in the output, e.g. "png:iCCP"
};

// Rewrites `input` without metadata. `media_type` must be one of image/png, image/jpeg,
// image/webp, audio/wav, video/mp4 (video/quicktime and audio/mp4 are accepted as aliases: MOV
// and M4A are the same container) or audio/mpeg, and match the content.
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
// WebP: keeps VP8X (flags rewritten: ICC/EXIF bits say what is left, XMP and reserved bits
// cleared; alpha and animation kept), VP8, VP8L, ALPH, ANIM and ANMF (rebuilt with only their
// ALPH/VP8/VP8L sub-chunks, frame data untouched: an animated file stays animated), ICCP (if
// keep_icc) and a minimal EXIF as for PNG/JPEG. Drops EXIF, XMP, C2PA, every unknown chunk and
// bytes after the RIFF. A simple-format file (no VP8X) keeps its lone bitstream chunk.
//
// WAV: keeps fmt, fact (its 4-byte sample count), data (samples untouched), cue (only when it is
// exactly a count and 24-byte numeric cue points) and smpl (only without free-form sampler data,
// its manufacturer/product ids zeroed); drops LIST (INFO, adtl, ...), id3/ID3, bext, iXML, _PMX,
// C2PA, JUNK/PAD and every other chunk, and bytes after the RIFF. RF64/BW64 files are rewritten
// with their ds64 sizes updated (a ds64 chunk-size table is kUnsupportedMedia).
//
// MP4/MOV/M4A: every removed box is rewritten in place as a `free` box of the same size with an
// all-zero payload, so no byte moves: mdat and the stco/co64/tfhd/iloc offsets stay valid, and
// the output has the input's size. Removed: udta, meta (top-level too), ilst, keys, uuid (XMP,
// C2PA, any), QuickTime '©xyz' atoms, emsg and every box not on the allow-list of its container
// (moov, trak, mdia, minf, stbl, edts, dinf, mvex, moof, traf, mfra and the top level); the
// content of free/skip/wide boxes is zeroed. kUnsupportedMedia, rather than a half-clean file,
// for: timed-metadata tracks (handler 'meta'/'camm': GPS telemetry lives in mdat), HEIF/AVIF
// image items, a meta box that locates items, a compressed movie header (cmov), and a chunk
// offset pointing into a box that would be zeroed.
//
// MP3: drops ID3v2 (at the start, between frames, or appended with a footer), ID3v1 and its
// Enhanced TAG+, APEv2 and Lyrics3 v1/v2, and zero padding; keeps the MPEG audio frames bit-exact
// (a leading Xing/Info/LAME frame included; a last frame cut short by the end of the file is kept
// as it is). Anything else between frames is kInvalidArgument; free-format streams are
// kUnsupportedMedia.
//
// The re-read proof: before returning, the output is listed again (as ListMetadata would) and
// must carry nothing but the carriers reported as kept; otherwise kInternal (a scrubber bug).
//
// Errors: kUnsupportedMedia for other media types (the caller decides what to do with those) and
// for containers we cannot rewrite safely (an unknown critical PNG chunk, a reserved JPEG marker,
// the MP4/WAV cases above, big-endian RIFX); kInvalidArgument for content that does not match
// `media_type`, or is empty, truncated or malformed. `report` may be null; it is only written on
// success. Pure function, thread-safe.
Result<Bytes> ScrubMetadata(std::span<const uint8_t> input, std::string_view media_type,
                            const ScrubPolicy& policy, ScrubReport* report);

// The metadata carriers present in `input`, named as above (critical PNG chunks, JPEG structural
// segments, WebP image chunks, WAV fmt/fact/data/ds64, kept MP4 boxes, all-zero free boxes and
// MP3 frames are not metadata and are not listed). The same structural errors as ScrubMetadata;
// what ScrubMetadata refuses as kUnsupportedMedia inside a parseable file is listed instead.
// Pure function, thread-safe.
Result<std::vector<std::string>> ListMetadata(std::span<const uint8_t> input,
                                              std::string_view media_type);

}  // namespace custody
