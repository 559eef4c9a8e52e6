// The metadata reader: every metadata carrier of an image, audio or video file, decoded to text,
// with the AI tools that wrote it recognised. Used by DLP on ingest, by `custody inventory`, and
// to prove an export's scrub left nothing behind.
//
// Carriers (names as in media/scrub.h, so a reader entry and a scrub report line up):
//   PNG   every chunk up to IEND, also after IDAT: tEXt (Latin-1), zTXt (zlib), iTXt (UTF-8,
//         compressed or not) as "png:tEXt" etc. with the keyword as key; eXIf (TIFF/EXIF), iCCP,
//         tIME, caBX (C2PA), "Raw profile type exif|APP1|iptc|xmp" text decoded as binary
//         profiles; XMP from iTXt "XML:com.adobe.xmp"; bytes after IEND ("png:trailing-data");
//         A1111/NovelAI stealth alpha-LSB ("png:alpha-lsb", key stealth_pnginfo/stealth_pngcomp).
//   JPEG  APP1 Exif (IFD0, ExifIFD, GPS IFD, Interop, IFD1), APP1 XMP and ExtendedXMP, APP13
//         Photoshop IRB → IPTC-IIM records, APP11 JUMBF (C2PA), APP2 ICC/MPF, COM, other APPn,
//         trailing data.
//   GIF   comment and plain-text extensions, XMP and ICC application extensions.
//   WebP  RIFF chunks: EXIF, XMP, ICCP, C2PA, unknown chunks; ALPH/VP8L alpha for stealth.
//   WAV   RIFF chunks: LIST/INFO (INAM, IART, ICMT, ISFT, ...), id3/ID3 , bext, iXML, _PMX
//         (XMP), C2PA, unknown chunks.
//   MP3   ID3v2.2–2.4 frames (text, comment, user text TXXX, GEOB incl. application/c2pa,
//         APIC as binary), ID3v1, APEv2.
//   MP4/MOV (ISO-BMFF) moov/udta (©xyz, ©cmt, ©too, ...), moov/meta/keys+ilst (QuickTime
//         metadata, ffmpeg's "prompt"/"workflow" tags), udta/meta/ilst (iTunes-style), trak
//         udta/meta, uuid boxes (XMP, C2PA), top-level meta.
// EXIF/TIFF values become entries too, keyed "Exif.<IFD>.<TagName>" (e.g. "Exif.Image.Model",
// "Exif.Photo.UserComment", "Exif.GPSInfo.GPSLatitude"; unknown tags "Exif.Image.0x9c9b");
// XMP properties "Xmp.<prefix>.<name>" (e.g. "Xmp.Iptc4xmpExt.DigitalSourceType",
// "Xmp.dc.creator"); IPTC datasets "Iptc.Application2.<Name>"; ID3 frames "ID3.<frame id>"
// (TXXX: "ID3.TXXX:<description>"); MP4 tags "QuickTime.<key>".
//
// Hostile input: every length is checked against the bytes that are really there, decompression
// is bounded (ReadOptions), recursion is bounded, and a malformed file gives an Error for that
// file (or warnings and the entries read before the damage), never a crash or an unbounded
// allocation. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace custody::metadata {

// What an entry is about; a scrub must leave none of kGeneration, kGps, kAuthor in an export.
enum class Category {
  kGeneration,   // AI prompts, workflows, parameters, generator names of AI tools
  kGps,          // location
  kAuthor,       // artist, creator, owner, by-line, camera owner, contact details
  kCopyright,    // copyright/rights notices
  kSoftware,     // non-AI software and processing history
  kDevice,       // camera/phone make, model, serial, lens
  kTime,         // dates and times
  kDescription,  // titles, captions, comments, keywords
  kProvenance,   // C2PA manifests, IPTC DigitalSourceType
  kTechnical,    // colour profile, orientation, resolution, structure
  kOther,
};
std::string_view CategoryName(Category c);  // "generation", "gps", "author", ...

struct Entry {
  std::string
      carrier;        // "png:tEXt", "jpeg:APP1:Exif", "webp:EXIF", "wav:LIST:INFO", "mp4:moov/udta"
  std::string key;    // "parameters", "Exif.Image.Model", "Xmp.dc.creator", "ID3.TIT2", ...
  std::string value;  // decoded UTF-8 text; for binary values a short description ("<ICC
                      // profile, 3144 bytes>") and `binary` is set
  bool binary = false;
  Category category = Category::kOther;
  uint64_t offset = 0;  // where the carrier starts in the file
};

// An AI tool recognised in the metadata, and what it left.
struct Generation {
  std::string tool;      // "ComfyUI", "AUTOMATIC1111", "InvokeAI", "NovelAI", "Fooocus",
                         // "SwarmUI", "Draw Things", "Easy Diffusion", or "unknown" (an IPTC
                         // DigitalSourceType or C2PA store says AI, no tool keys)
  std::string evidence;  // the carrier and key that identified it, e.g. "png:tEXt:workflow"
  std::string prompt;    // the positive prompt when it can be extracted (≤ 64 KiB), else empty
  std::string negative_prompt;
  std::string model;  // model/checkpoint name when present
  std::string seed;
  bool workflow = false;  // a node graph or full workflow is embedded (ComfyUI, InvokeAI graph)
};

struct Report {
  std::string media_type;  // as sniffed: image/png, image/jpeg, image/webp, audio/wav,
                           // audio/mpeg, video/mp4 (also MOV/M4A), image/gif
  std::vector<Entry> entries;
  std::vector<Generation> generations;  // one per tool recognised
  bool c2pa = false;                    // a C2PA manifest store is embedded
  std::string digital_source_type;      // IPTC DigitalSourceType URI, if any
  std::vector<std::string> warnings;    // damage read past, e.g. "png: bad CRC in tEXt"
};

struct ReadOptions {
  bool stealth = true;                        // decode pixels for the alpha-LSB payload
  uint64_t max_inflated_bytes = 64ull << 20;  // per compressed value (zTXt, iTXt, stealth)
  size_t max_entries = 100'000;
  size_t max_value_bytes = 16u << 20;  // longer values are truncated (with a warning)
};

// Reads every carrier of `data`. kUnsupportedMedia for formats with no reader (the media type is
// still sniffed); kInvalidArgument for a file too damaged to read at all (empty, bad signature,
// truncated header). Damage after the first carrier gives warnings and the entries read so far.
Result<Report> ReadMetadata(std::span<const uint8_t> data, const ReadOptions& options = {});

}  // namespace custody::metadata
