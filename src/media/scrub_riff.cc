// The RIFF containers of the scrubber: WebP (image/webp) and WAV (audio/wav, also RF64/BW64).
//
// RIFF: "RIFF" | size u32 LE | form | chunks `id | size u32 LE | data | pad to even`. Both
// scrubbers rebuild the file from an allow-list of chunks, copying the kept chunks' data
// untouched (so the compressed pixels and the audio samples are bit-exact), and recompute the
// RIFF size. Bytes after the RIFF's declared end are dropped.
#include <algorithm>
#include <array>

#include "media/scrub_internal.h"

namespace custody::scrub_internal {
namespace {

struct RiffChunk {
  size_t offset = 0;  // the chunk header
  Span id;            // 4 bytes
  Span data;          // the declared size, without the pad byte

  bool Is(std::string_view cc) const { return HasPrefix(id, cc); }
};

struct RiffFile {
  std::vector<RiffChunk> chunks;
  size_t trailing = 0;  // bytes after the RIFF's declared end
};

// Chunks of [pos, end). Strict: every chunk must fit, pad byte included, except that the pad of
// the very last chunk may be missing when the container ends right after its data (a common
// writer quirk that loses nothing: the output always has the pad).
// `size_of(chunk id, declared size)` maps a declared size (RF64 keeps 64-bit sizes elsewhere).
template <typename SizeOf>
Result<std::vector<RiffChunk>> ReadChunks(Span in, size_t pos, size_t end, std::string_view format,
                                          SizeOf size_of) {
  std::vector<RiffChunk> chunks;
  while (pos < end) {
    const size_t left = end - pos;
    if (left < 8) return Malformed(format, pos, "truncated chunk header");
    ASSIGN_OR_RETURN(uint64_t size, size_of(in.subspan(pos, 4), U32Le(in, pos + 4), pos));
    if (size > left - 8) return Malformed(format, pos, "chunk runs past the end of its container");
    const bool last_without_pad = (size & 1) && size == left - 8;
    chunks.push_back({pos, in.subspan(pos, 4), in.subspan(pos + 8, size_t(size))});
    pos += 8 + size_t(size) + ((size & 1) && !last_without_pad ? 1 : 0);
  }
  return chunks;
}

Result<std::vector<RiffChunk>> ReadPlainChunks(Span in, size_t pos, size_t end,
                                               std::string_view format) {
  return ReadChunks(in, pos, end, format,
                    [](Span, uint32_t size, size_t) -> Result<uint64_t> { return size; });
}

// A RIFF of form `form` ("WEBP", "WAVE"). REQUIRES: the caller checked the first 12 bytes' tags.
Result<RiffFile> ParseRiff(Span in, std::string_view format) {
  if (in.size() < 12) return Malformed(format, 0, "truncated RIFF header");
  const uint64_t riff_size = U32Le(in, 4);
  if (riff_size < 4) return Malformed(format, 4, "RIFF size below 4");
  if (riff_size > in.size() - 8) return Malformed(format, 4, "RIFF runs past the end of the file");
  RiffFile file;
  ASSIGN_OR_RETURN(file.chunks, ReadPlainChunks(in, 12, size_t(8 + riff_size), format));
  file.trailing = in.size() - size_t(8 + riff_size);
  return file;
}

void AppendChunk(Bytes& out, Span id, Span data) {
  Append(out, id);
  AppendU32Le(out, uint32_t(data.size()));
  Append(out, data);
  if (data.size() & 1) out.push_back(0);
}
void AppendChunk(Bytes& out, std::string_view id, Span data) {
  AppendChunk(out, AsBytes(id), data);
}

// ---------------------------------------------------------------- WebP

constexpr std::string_view kWebp = "WebP";

// VP8X flags (first byte; the other 3 are reserved).
constexpr uint8_t kVp8xIcc = 0x20, kVp8xAlpha = 0x10, kVp8xExif = 0x08, kVp8xAnimation = 0x02;

bool IsWebpBitstream(const RiffChunk& c) { return c.Is("VP8 ") || c.Is("VP8L"); }
// Chunks that make up the image (not metadata): never listed.
bool IsWebpStructural(const RiffChunk& c) {
  return IsWebpBitstream(c) || c.Is("VP8X") || c.Is("ALPH") || c.Is("ANIM") || c.Is("ANMF");
}

std::string WebpName(const RiffChunk& c) { return "webp:" + FourCcName(c.id); }
std::string AnmfName(const RiffChunk& c) { return "webp:ANMF/" + FourCcName(c.id); }

constexpr size_t kAnmfHeader = 16;  // X, Y, width-1, height-1 (u24 each), duration u24, flags

// An ANMF frame rebuilt with only its image chunks (ALPH, VP8, VP8L) and their bytes untouched;
// every other sub-chunk is dropped and named in `dropped`.
Result<Bytes> RebuildFrame(Span in, const RiffChunk& anmf, std::vector<std::string>& dropped) {
  if (anmf.data.size() < kAnmfHeader) return Malformed(kWebp, anmf.offset, "ANMF chunk too short");
  const size_t start = anmf.offset + 8 + kAnmfHeader;
  ASSIGN_OR_RETURN(std::vector<RiffChunk> subs,
                   ReadPlainChunks(in, start, anmf.offset + 8 + anmf.data.size(), kWebp));
  Bytes frame(anmf.data.begin(), anmf.data.begin() + kAnmfHeader);
  bool bitstream = false;
  for (const RiffChunk& s : subs) {
    if (s.Is("ALPH") || IsWebpBitstream(s)) {
      bitstream = bitstream || IsWebpBitstream(s);
      AppendChunk(frame, s.id, s.data);
    } else {
      dropped.push_back(AnmfName(s));
    }
  }
  if (!bitstream) return Malformed(kWebp, anmf.offset, "animation frame without image data");
  return frame;
}

Result<Bytes> ScrubWebpFile(Span in, const ScrubPolicy& policy, ScrubReport& report) {
  ASSIGN_OR_RETURN(RiffFile file, ParseRiff(in, kWebp));
  if (file.chunks.empty()) return Malformed(kWebp, 12, "no chunks");
  Bytes out = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  out.reserve(in.size());
  const RiffChunk& first = file.chunks.front();
  if (IsWebpBitstream(first)) {
    // Simple format: the bitstream alone. Anything after it is not part of a valid simple file
    // (decoders ignore it), so it all goes, whatever it is.
    AppendChunk(out, first.id, first.data);
    for (size_t i = 1; i < file.chunks.size(); ++i) {
      report.removed.push_back(WebpName(file.chunks[i]));
    }
  } else if (first.Is("VP8X")) {
    if (first.data.size() != 10)
      return Malformed(kWebp, first.offset, "VP8X chunk is not 10 bytes");
    const size_t vp8x_at = out.size();
    AppendChunk(out, first.id, first.data);  // flags are rewritten below
    bool icc = false, exif = false, image = false;
    for (size_t i = 1; i < file.chunks.size(); ++i) {
      const RiffChunk& c = file.chunks[i];
      if (c.Is("VP8X")) return Malformed(kWebp, c.offset, "second VP8X chunk");
      if (c.Is("ANMF")) {
        std::vector<std::string> dropped;
        ASSIGN_OR_RETURN(Bytes frame, RebuildFrame(in, c, dropped));
        AppendChunk(out, "ANMF", frame);
        report.removed.insert(report.removed.end(), dropped.begin(), dropped.end());
        image = true;
        continue;
      }
      if (IsWebpStructural(c)) {
        AppendChunk(out, c.id, c.data);
        image = image || IsWebpBitstream(c);
        continue;
      }
      std::string name = WebpName(c);
      if (c.Is("ICCP") && policy.keep_icc && !icc) {
        icc = true;
        AppendChunk(out, c.id, c.data);
        report.kept.push_back(std::move(name));
        continue;
      }
      if (c.Is("EXIF") && !exif && (policy.keep_orientation || policy.keep_copyright)) {
        // The chunk holds a TIFF structure; some writers put JPEG's "Exif\0\0" in front.
        Span tiff = c.data;
        if (HasPrefix(tiff, std::string_view("Exif\0\0", 6))) tiff = tiff.subspan(6);
        ExifSubset subset = ReadExifSubset(tiff, policy);
        if (subset.orientation || subset.copyright) {
          exif = true;
          AppendChunk(out, "EXIF", BuildTiff(subset));
          report.kept.push_back(name);
          if (subset.had_other_content) report.removed.push_back(name + ":other-tags");
          continue;
        }
      }
      report.removed.push_back(std::move(name));
    }
    if (!image) return Malformed(kWebp, 12, "no image data (VP8, VP8L or ANMF chunk)");
    // Alpha and animation describe the image and stay; ICC and EXIF say what is left; XMP and
    // the reserved bits are cleared.
    uint8_t& flags = out[vp8x_at + 8];
    flags = uint8_t((flags & (kVp8xAlpha | kVp8xAnimation)) | (icc ? kVp8xIcc : 0) |
                    (exif ? kVp8xExif : 0));
    out[vp8x_at + 9] = out[vp8x_at + 10] = out[vp8x_at + 11] = 0;
  } else {
    return Malformed(kWebp, first.offset, "first chunk is neither VP8, VP8L nor VP8X");
  }
  if (file.trailing > 0) report.removed.push_back("webp:trailing-data");
  PutU32Le(out, 4, uint32_t(out.size() - 8));
  return out;
}

// ---------------------------------------------------------------- WAV

constexpr std::string_view kWav = "WAV";

struct WavFile {
  bool rf64 = false;  // RF64 or BW64: sizes over 4 GiB live in the ds64 chunk
  RiffFile riff;
  uint64_t ds64_sample_count = 0;
};

// RF64/BW64 (EBU Tech 3306, ITU-R BS.2088): the RIFF size is 0xFFFFFFFF and the first chunk,
// ds64, carries the 64-bit RIFF and data sizes. ds64's table of other 64-bit chunk sizes is not
// supported (no writer we know of fills it).
Result<WavFile> ParseWav(Span in) {
  WavFile wav;
  if (!HasPrefix(in, "RF64") && !HasPrefix(in, "BW64")) {
    ASSIGN_OR_RETURN(wav.riff, ParseRiff(in, kWav));
    return wav;
  }
  wav.rf64 = true;
  if (in.size() < 12 + 8 + 28 || !HasAt(in, 12, "ds64")) {
    return Malformed(kWav, 12, "RF64 file without a ds64 chunk");
  }
  const uint64_t ds64_size = U32Le(in, 16);
  if (ds64_size < 28 || ds64_size > in.size() - 20) {
    return Malformed(kWav, 12, "ds64 chunk has a bad size");
  }
  const uint64_t riff_size = U64Le(in, 20), data_size = U64Le(in, 28);
  wav.ds64_sample_count = U64Le(in, 36);
  if (U32Le(in, 44) != 0) {
    return Unsupported(kWav, "RF64 files with a ds64 chunk-size table are not supported");
  }
  if (riff_size < 4 || riff_size > in.size() - 8) {
    return Malformed(kWav, 20, "RF64 size runs past the end of the file");
  }
  const size_t end = size_t(8 + riff_size);
  ASSIGN_OR_RETURN(
      wav.riff.chunks,
      ReadChunks(in, 12, end, kWav, [&](Span id, uint32_t size, size_t at) -> Result<uint64_t> {
        if (size != 0xFFFFFFFFu) return size;
        if (HasPrefix(id, "data")) return data_size;
        return Malformed(kWav, at, "chunk size 0xFFFFFFFF not in ds64");
      }));
  wav.riff.trailing = in.size() - end;
  return wav;
}

// Chunks that make up the audio (not metadata): never listed.
bool IsWavStructural(const RiffChunk& c) {
  return c.Is("fmt ") || c.Is("data") || c.Is("fact") || c.Is("ds64");
}

std::string WavName(const RiffChunk& c) {
  if (c.Is("LIST") && c.data.size() >= 4) return "wav:LIST:" + FourCcName(c.data.first(4));
  return "wav:" + FourCcName(c.id);
}

// cue: a count and 24-byte cue points of numbers only; kept when it is exactly that (labels
// and notes live in LIST adtl, which goes).
bool IsPlainCue(Span d) {
  return d.size() >= 4 && (d.size() - 4) / 24 == U32Le(d, 0) && (d.size() - 4) % 24 == 0;
}

// smpl: 36 bytes of sampler parameters, 24-byte loops, then free-form "sampler data". Kept
// (rebuilt) only without sampler data; the manufacturer and product ids (who made the file) are
// zeroed.
std::optional<Bytes> PlainSmpl(Span d) {
  if (d.size() < 36 || U32Le(d, 32) != 0) return std::nullopt;
  const uint32_t loops = U32Le(d, 28);
  if ((d.size() - 36) % 24 != 0 || (d.size() - 36) / 24 != loops) return std::nullopt;
  Bytes out(d.begin(), d.end());
  std::fill(out.begin(), out.begin() + 8, 0);
  return out;
}

Result<Bytes> ScrubWavFile(Span in, ScrubReport& report) {
  ASSIGN_OR_RETURN(WavFile wav, ParseWav(in));
  Bytes out(in.begin(), in.begin() + 12);
  out.reserve(in.size());
  size_t ds64_at = 0;
  bool fmt = false, data = false, fact = false;
  uint64_t data_size = 0;
  for (const RiffChunk& c : wav.riff.chunks) {
    if (c.Is("wavl")) return Unsupported(kWav, "samples in a wave list (wavl) are not supported");
    if (c.Is("ds64")) {
      if (!wav.rf64 || ds64_at != 0) return Malformed(kWav, c.offset, "unexpected ds64 chunk");
      ds64_at = out.size();
      Bytes ds64(28, 0);  // sizes filled in below; no table
      AppendChunk(out, c.id, ds64);
      continue;
    }
    if (c.Is("fmt ")) {
      if (fmt) return Malformed(kWav, c.offset, "second fmt chunk");
      if (c.data.size() < 16) return Malformed(kWav, c.offset, "fmt chunk too short");
      fmt = true;
      AppendChunk(out, c.id, c.data);
      continue;
    }
    if (c.Is("data")) {
      if (data) return Unsupported(kWav, "more than one data chunk");
      data = true;
      data_size = c.data.size();
      // In RF64 the data header keeps its 0xFFFFFFFF size: the real one is in ds64.
      const size_t at = out.size();
      AppendChunk(out, c.id, c.data);
      if (wav.rf64) PutU32Le(out, at + 4, U32Le(in, c.offset + 4));
      continue;
    }
    if (c.Is("fact")) {
      if (c.data.size() < 4) return Malformed(kWav, c.offset, "fact chunk too short");
      // The sample count; anything a writer appended after it goes.
      if (!fact) AppendChunk(out, c.id, c.data.first(4));
      fact = true;
      continue;
    }
    std::string name = WavName(c);
    if (c.Is("cue ") && IsPlainCue(c.data)) {
      AppendChunk(out, c.id, c.data);
      report.kept.push_back(std::move(name));
      continue;
    }
    if (c.Is("smpl")) {
      if (std::optional<Bytes> smpl = PlainSmpl(c.data)) {
        AppendChunk(out, c.id, *smpl);
        report.kept.push_back(std::move(name));
        continue;
      }
    }
    report.removed.push_back(std::move(name));
  }
  if (!fmt) return Malformed(kWav, 12, "no fmt chunk");
  if (!data) return Malformed(kWav, 12, "no data chunk");
  if (wav.riff.trailing > 0) report.removed.push_back("wav:trailing-data");
  if (wav.rf64) {
    Bytes sizes;
    AppendU64Le(sizes, out.size() - 8);
    AppendU64Le(sizes, data_size);
    AppendU64Le(sizes, wav.ds64_sample_count);
    std::copy(sizes.begin(), sizes.end(), out.begin() + long(ds64_at + 8));
  } else {
    PutU32Le(out, 4, uint32_t(out.size() - 8));
  }
  return out;
}

}  // namespace

Result<Bytes> ScrubWebp(Span in, const ScrubPolicy& policy, ScrubReport& report) {
  return ScrubWebpFile(in, policy, report);
}

Result<std::vector<std::string>> ListWebp(Span in) {
  ASSIGN_OR_RETURN(RiffFile file, ParseRiff(in, kWebp));
  std::vector<std::string> out;
  for (const RiffChunk& c : file.chunks) {
    if (c.Is("ANMF")) {
      if (c.data.size() < kAnmfHeader) return Malformed(kWebp, c.offset, "ANMF chunk too short");
      ASSIGN_OR_RETURN(
          std::vector<RiffChunk> subs,
          ReadPlainChunks(in, c.offset + 8 + kAnmfHeader, c.offset + 8 + c.data.size(), kWebp));
      for (const RiffChunk& s : subs) {
        if (!s.Is("ALPH") && !IsWebpBitstream(s)) out.push_back(AnmfName(s));
      }
    }
    if (!IsWebpStructural(c)) out.push_back(WebpName(c));
  }
  if (file.trailing > 0) out.push_back("webp:trailing-data");
  return out;
}

Result<Bytes> ScrubWav(Span in, const ScrubPolicy&, ScrubReport& report) {
  return ScrubWavFile(in, report);
}

Result<std::vector<std::string>> ListWav(Span in) {
  ASSIGN_OR_RETURN(WavFile wav, ParseWav(in));
  std::vector<std::string> out;
  for (const RiffChunk& c : wav.riff.chunks) {
    if (!IsWavStructural(c)) out.push_back(WavName(c));
  }
  if (wav.riff.trailing > 0) out.push_back("wav:trailing-data");
  return out;
}

}  // namespace custody::scrub_internal
