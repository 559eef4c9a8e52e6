// libFuzzer target for the CBOR decoder (src/provenance/c2pa/cbor.h), which reads the claims,
// assertions and COSE signatures of C2PA manifests out of untrusted files. Besides "no crash, no
// over-read, no UB, no large allocation" it checks the codec's round-trip promise: a value that
// decodes encodes to bytes that decode back to an equal value, and that encoding is a fixed point
// (preferred serialization is unique). ToJson and Diagnostic are run on every decoded value too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "provenance/c2pa/cbor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cbor = custody::provenance::cbor;
  auto value = cbor::Decode(std::span<const uint8_t>(data, size));
  if (!value.ok()) return 0;
  const custody::Bytes encoded = cbor::Encode(*value);
  auto again = cbor::Decode(encoded);
  if (!again.ok() || !(*again == *value)) std::abort();
  if (cbor::Encode(*again) != encoded) std::abort();
  (void)cbor::ToJson(*value);
  (void)cbor::Diagnostic(*value);
  return 0;
}
