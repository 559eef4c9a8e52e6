// libFuzzer target for the C2PA verifier (src/provenance/c2pa/validate.h) and the manifest-store
// reader under it (manifest.h): both read untrusted files. The same input is fed twice:
//   - as an asset file to VerifyAsset (container detection, store extraction, every check);
//   - as a bare JUMBF manifest store to ParseManifestStore, then every manifest through
//     VerifyManifestOnly and every claim URI through ResolveUri.
// Besides "no crash, no over-read, no UB, no unbounded allocation" it checks the verifier's
// contracts: a report with failures (other than signingCredential.untrusted) is never Valid or
// Trusted, nothing is Trusted without trust anchors, and ToJson always serializes.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/validate.h"

namespace {

using custody::provenance::StatusEntry;
using custody::provenance::ValidationState;

bool HasRealFailure(const std::vector<StatusEntry>& failures) {
  for (const StatusEntry& e : failures) {
    if (e.code != "signingCredential.untrusted") return true;
  }
  return false;
}

custody::provenance::VerifyOptions Options() {
  custody::provenance::VerifyOptions options;
  options.now = *custody::ParseTime("2026-11-22T00:00:00Z");
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const custody::provenance::VerifyOptions options = Options();
  std::span<const uint8_t> in(data, size);

  auto report = custody::provenance::VerifyAsset(in, options);
  if (report.ok()) {
    if (report->state != ValidationState::kInvalid) {
      if (!report->has_manifest || HasRealFailure(report->active.failure)) std::abort();
      for (const auto& delta : report->ingredient_deltas) {
        if (HasRealFailure(delta.status.failure)) std::abort();
      }
    }
    // Without trust anchors nothing can be trusted.
    if (report->state == ValidationState::kTrusted) std::abort();
    (void)boost::json::serialize(report->ToJson());
  }

  auto store = custody::provenance::ParseManifestStore(custody::Bytes(in.begin(), in.end()));
  if (store.ok()) {
    for (const auto& manifest : store->manifests) {
      (void)custody::provenance::VerifyManifestOnly(*store, manifest, options);
      for (const auto& uri : manifest.created_assertions) {
        if (auto resolved = custody::provenance::ResolveUri(*store, manifest, uri.url)) {
          (void)store->SuperboxPayload(resolved->box->range);
        }
      }
    }
  }
  return 0;
}
