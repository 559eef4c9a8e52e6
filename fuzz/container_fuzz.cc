// libFuzzer target for the C2PA containers (src/provenance/c2pa/container.h), which take apart
// untrusted JPEG, PNG, WAV, WebP and BMFF files. Besides "no crash, no over-read, no UB" it checks
// the embedding promises: whenever PrepareEmbedding accepts a file, writing a store into it and
// reading it back gives that store again, and stripping it gives what stripping the input gave.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/jumbf.h"

namespace {

using namespace custody::provenance;  // NOLINT: a fuzz driver

// A C2PA-shaped store of `size` bytes (at least 46): jumb{jumd("c2pa"), bidb{filler}}.
custody::Bytes MakeStore(size_t size, uint8_t seed) {
  custody::Bytes filler(size - 46);
  for (size_t i = 0; i < filler.size(); ++i) filler[i] = static_cast<uint8_t>(seed + i * 31);
  Box store = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"),
                           {MakeContentBox(MakeFourCC("bidb"), std::move(filler))});
  auto bytes = SerializeJumbf(store);
  if (!bytes.ok() || bytes->size() != size) std::abort();
  return std::move(bytes).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)DetectFormat(in);
  (void)MediaTypeOf(in);
  auto found = ReadManifestStore(in);
  if (found.ok() && found->has_value()) {
    for (const ByteRange& b : (*found)->blocks) {
      if (b.start > size || b.length > size - b.start) std::abort();
    }
    (void)DataHash(in, (*found)->blocks);
  }
  auto removed = RemoveManifestStore(in);
  (void)BmffHash(in, DefaultBmffExclusions());

  // A small store whose size depends on the input, so odd and even sizes are both exercised.
  const size_t store_size = 46 + (size == 0 ? 0 : data[size - 1] % 64);
  auto prepared = PrepareEmbedding(in, store_size);
  if (!prepared.ok()) return 0;
  if (!removed.ok()) std::abort();  // Prepare strips the store: it cannot accept more than Remove
  const custody::Bytes store = MakeStore(store_size, size == 0 ? 0 : data[0]);
  Embedding e = std::move(prepared).value();
  if (!WriteManifestStore(e, store).ok()) std::abort();
  for (const ByteRange& x : e.exclusions) {
    if (x.start > e.bytes.size() || x.length > e.bytes.size() - x.start) std::abort();
  }
  auto again = ReadManifestStore(e.bytes);
  if (!again.ok() || !again->has_value() || (*again)->jumbf != store) std::abort();
  auto stripped = RemoveManifestStore(e.bytes);
  if (!stripped.ok() || *stripped != *removed) std::abort();
  return 0;
}
