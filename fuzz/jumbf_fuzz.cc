// libFuzzer target for the JUMBF reader (src/provenance/c2pa/jumbf.h), which reads C2PA manifest
// stores out of untrusted files. Besides "no crash, no over-read, no UB" it checks the reader's
// round-trip promise: a store that parses serializes back to exactly the input bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "provenance/c2pa/jumbf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto box = custody::provenance::ParseJumbf(in);
  if (!box.ok()) return 0;
  auto out = custody::provenance::SerializeJumbf(*box);
  if (!out.ok() || out->size() != size || !std::equal(out->begin(), out->end(), data)) std::abort();
  return 0;
}
