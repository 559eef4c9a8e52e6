// libFuzzer target for the metadata reader (src/media/metadata/metadata.h), which takes apart
// every untrusted upload (PNG, JPEG, GIF, WebP, WAV, MP3, MP4/MOV; EXIF, XMP, IPTC, ID3, ...).
// Besides "no crash, no over-read, no UB, no unbounded allocation" it checks the reader's
// promises: the limits hold (entry count, value size), every key and value is valid UTF-8, and
// every generation names its tool and evidence. The stealth check is on, so PNG/WebP inputs with
// alpha also reach the pixel decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "media/metadata/metadata.h"
#include "media/metadata/tests/utf8_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace custody::metadata;  // NOLINT: a fuzz driver
  using testing::ValidUtf8;
  ReadOptions options;
  options.stealth = true;
  options.max_entries = 5'000;  // small limits, so the fuzzer reaches them
  options.max_value_bytes = 64u << 10;
  options.max_inflated_bytes = 1u << 20;
  auto report = ReadMetadata(std::span<const uint8_t>(data, size), options);
  if (!report.ok()) return 0;
  if (report->entries.size() > options.max_entries) std::abort();
  for (const Entry& e : report->entries) {
    if (e.value.size() > options.max_value_bytes) std::abort();
    if (!ValidUtf8(e.value) || !ValidUtf8(e.key) || !ValidUtf8(e.carrier)) std::abort();
    if (e.offset > size) std::abort();
  }
  for (const Generation& g : report->generations) {
    if (g.tool.empty() || g.evidence.empty()) std::abort();
    if (g.prompt.size() > 64 * 1024 || !ValidUtf8(g.prompt)) std::abort();
  }
  return 0;
}
