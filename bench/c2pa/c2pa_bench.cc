// c2pa_bench: what Content Credentials cost on an export, against one SHA-256 pass over the same
// bytes (the floor: a hard binding hashes the whole asset once) and, through scripts/bench-c2pa,
// against the official SDK doing the same (bench/c2pa/wasm_bench.js, c2pa-rs 0.91.3 as
// @contentauth/c2pa-wasm 0.13.3) on the same files.
//
// Inputs (--make_media=DIR writes them; --media=DIR reads them):
//   bench.jpg  ≈10 MiB: 2,450² colour noise from libvips at Q95 (noise defeats compression)
//   bench.mp4  100 MiB: the fixture video1_no_manifest.mp4 with its mdat (the last box) grown by
//              pseudo-random bytes; every sample offset stays valid
// Benchmarks, per asset (bytes in memory, ES256 with the fixtures' es256 certificate, no
// timestamp, the generative-AI "created" manifest of an export):
//   BM_Sha256/<asset>  crypto::Sha256 over the bytes
//   BM_Sign/<asset>    SignAsset: build, hash, sign and embed
//   BM_Verify/<asset>  VerifyAsset of the signed bytes with the fixtures' root bundle as anchors
//
//   build/release/bench/c2pa/c2pa_bench --make_media=DIR
//   build/release/bench/c2pa/c2pa_bench --media=DIR --benchmark_out=c2pa.json
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <vips/vips8>

#include "base/clock.h"
#include "base/encoding.h"
#include "crypto/sha256.h"
#include "provenance/c2pa/builder.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/validate.h"
#include "provenance/pki.h"

namespace custody::provenance::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMp4Size = 100ull << 20;
constexpr int kJpegSide = 2450;  // ≈10 MiB at Q95 with three independent noise bands

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return fs::path(CUSTODY_SOURCE_DIR) / ".." / "shared" / "fixtures";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  Bytes b(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()))) {
    return std::nullopt;
  }
  return b;
}

bool WriteFile(const fs::path& path, std::span<const uint8_t> data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

uint64_t ReadU64Be(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void WriteU64Be(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// The fixture MP4 grown to kMp4Size by extending its last top-level box, mdat, with pseudo-random
// bytes (sample offsets in stco still point at the original samples).
std::optional<Bytes> GrowMp4(Bytes mp4) {
  size_t offset = 0, last = 0;
  uint64_t last_size = 0;
  bool large = false;
  while (offset + 8 <= mp4.size()) {
    uint64_t size = (uint64_t{mp4[offset]} << 24) | (uint64_t{mp4[offset + 1]} << 16) |
                    (uint64_t{mp4[offset + 2]} << 8) | mp4[offset + 3];
    large = size == 1;
    if (large) {
      if (offset + 16 > mp4.size()) return std::nullopt;
      size = ReadU64Be(&mp4[offset + 8]);
    }
    if (size < 8 || size > mp4.size() - offset) return std::nullopt;
    last = offset;
    last_size = size;
    offset += size;
  }
  if (offset != mp4.size() || std::memcmp(&mp4[last + 4], "mdat", 4) != 0) return std::nullopt;
  if (mp4.size() >= kMp4Size) return std::nullopt;
  const uint64_t extra = kMp4Size - mp4.size();
  const uint64_t new_size = last_size + extra;
  if (large) {
    WriteU64Be(&mp4[last + 8], new_size);
  } else {
    if (new_size > UINT32_MAX) return std::nullopt;
    for (int i = 0; i < 4; ++i) mp4[last + i] = static_cast<uint8_t>(new_size >> (24 - 8 * i));
  }
  const size_t start = mp4.size();
  mp4.resize(kMp4Size);
  SeededRandom random(100);
  random.Fill(std::span<uint8_t>(mp4.data() + start, mp4.size() - start));
  return mp4;
}

int MakeMedia(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (VIPS_INIT("c2pa_bench") != 0) {
    std::fprintf(stderr, "c2pa_bench: libvips failed to start: %s\n", vips_error_buffer());
    return 1;
  }
  try {
    std::vector<vips::VImage> bands;
    for (int seed = 1; seed <= 3; ++seed) {
      bands.push_back(vips::VImage::gaussnoise(
          kJpegSide, kJpegSide,
          vips::VImage::option()->set("mean", 128.0)->set("sigma", 40.0)->set("seed", seed)));
    }
    vips::VImage rgb =
        vips::VImage::bandjoin(bands)
            .cast(VIPS_FORMAT_UCHAR)
            .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    rgb.jpegsave((dir / "bench.jpg").c_str(), vips::VImage::option()->set("Q", 95));
  } catch (const vips::VError& e) {
    std::fprintf(stderr, "c2pa_bench: libvips: %s\n", e.what());
    return 1;
  }
  std::optional<Bytes> mp4 = ReadFile(FixturesDir() / "c2pa" / "video1_no_manifest.mp4");
  if (!mp4) {
    std::fprintf(stderr, "c2pa_bench: fixture video1_no_manifest.mp4 missing (CUSTODY_FIXTURES)\n");
    return 1;
  }
  std::optional<Bytes> big = GrowMp4(std::move(*mp4));
  if (!big || !WriteFile(dir / "bench.mp4", *big)) {
    std::fprintf(stderr, "c2pa_bench: cannot write bench.mp4\n");
    return 1;
  }
  std::printf("c2pa_bench: wrote %s (%ju bytes) and %s (%ju bytes)\n", (dir / "bench.jpg").c_str(),
              static_cast<uintmax_t>(fs::file_size(dir / "bench.jpg")), (dir / "bench.mp4").c_str(),
              static_cast<uintmax_t>(fs::file_size(dir / "bench.mp4")));
  return 0;
}

struct Setup {
  std::shared_ptr<SigningCredential> signer;
  TrustSettings trust;
  ManifestSpec spec;
};

std::optional<Setup>& GlobalSetup() {
  static std::optional<Setup> setup;
  return setup;
}

bool LoadSetup(std::string* error) {
  const fs::path c2pa = FixturesDir() / "c2pa";
  std::optional<Bytes> chain = ReadFile(c2pa / "certs" / "es256.pub");
  std::optional<Bytes> key = ReadFile(c2pa / "certs" / "es256.pem");
  std::optional<Bytes> bundle = ReadFile(c2pa / "trust" / "test_cert_root_bundle.pem");
  if (!chain || !key || !bundle) {
    *error = "fixture certificates missing in " + c2pa.string();
    return false;
  }
  Setup s;
  auto signer = SigningCredential::FromPem(std::string(chain->begin(), chain->end()), *key);
  auto trust = TrustSettingsFromPem(std::string(bundle->begin(), bundle->end()));
  if (!signer.ok() || !trust.ok()) {
    *error = !signer.ok() ? signer.error().ToString() : trust.error().ToString();
    return false;
  }
  s.signer = std::move(*signer);
  s.trust = std::move(*trust);
  ActionSpec created;
  created.action = "c2pa.created";
  created.digital_source_type = std::string(kSourceTrainedAlgorithmicMedia);
  created.software_agent = SoftwareAgent{"Custody", "0.1.0", {}};
  s.spec.title = "asset";
  s.spec.actions.push_back(std::move(created));
  GlobalSetup() = std::move(s);
  return true;
}

Result<SignedAsset> Sign(std::span<const uint8_t> bytes, Random& random) {
  const Setup& s = *GlobalSetup();
  BuildOptions options;
  options.random = &random;
  options.now = SystemClock().Now();
  options.trust = &s.trust;
  return SignAsset(bytes, s.spec, *s.signer, options);
}

void BM_Sha256(benchmark::State& state, const Bytes* bytes) {
  for (auto _ : state) {
    crypto::Sha256Hash h = crypto::Sha256Digest(*bytes);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes->size()));
}

void BM_Sign(benchmark::State& state, const Bytes* bytes) {
  SeededRandom random(1);
  for (auto _ : state) {
    Result<SignedAsset> signed_asset = Sign(*bytes, random);
    if (!signed_asset.ok()) {
      state.SkipWithError(("SignAsset: " + signed_asset.error().ToString()).c_str());
      return;
    }
    benchmark::DoNotOptimize(signed_asset->bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes->size()));
}

void BM_Verify(benchmark::State& state, const Bytes* bytes) {
  SeededRandom random(2);
  Result<SignedAsset> signed_asset = Sign(*bytes, random);
  if (!signed_asset.ok()) {
    state.SkipWithError(("SignAsset: " + signed_asset.error().ToString()).c_str());
    return;
  }
  const Bytes& signed_bytes = signed_asset->bytes;
  VerifyOptions options;
  options.trust = &GlobalSetup()->trust;
  options.now = SystemClock().Now();
  Result<VerifyReport> check = VerifyAsset(signed_bytes, options);
  if (!check.ok() || check->state != ValidationState::kTrusted) {
    state.SkipWithError(check.ok() ? "our signed asset does not verify as Trusted"
                                   : check.error().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    Result<VerifyReport> report = VerifyAsset(signed_bytes, options);
    benchmark::DoNotOptimize(report);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * signed_bytes.size()));
}

}  // namespace
}  // namespace custody::provenance::bench

int main(int argc, char** argv) {
  namespace b = custody::provenance::bench;
  benchmark::Initialize(&argc, argv);
  std::string media;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--make_media=")) return b::MakeMedia(std::string(a.substr(13)));
    if (a.starts_with("--media=")) {
      media = std::string(a.substr(8));
    } else {
      std::fprintf(stderr, "c2pa_bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (media.empty()) {
    std::fprintf(stderr, "usage: c2pa_bench --make_media=DIR | --media=DIR [benchmark flags]\n");
    return 2;
  }
  std::string error;
  if (!b::LoadSetup(&error)) {
    std::fprintf(stderr, "c2pa_bench: %s\n", error.c_str());
    return 1;
  }
  static std::vector<std::pair<std::string, custody::Bytes>> assets;
  for (const char* name : {"jpeg", "mp4"}) {
    const char* file = std::string_view(name) == "jpeg" ? "bench.jpg" : "bench.mp4";
    std::optional<custody::Bytes> bytes = b::ReadFile(std::filesystem::path(media) / file);
    if (!bytes) {
      std::fprintf(stderr, "c2pa_bench: %s/%s missing (run with --make_media first)\n",
                   media.c_str(), file);
      return 1;
    }
    assets.emplace_back(name, std::move(*bytes));
  }
  for (const auto& [name, bytes] : assets) {
    // Whole-asset operations of 10-100 MiB: few iterations, repeated for a median.
    for (auto [label, fn] :
         {std::pair{"BM_Sha256/", &b::BM_Sha256}, std::pair{"BM_Sign/", &b::BM_Sign},
          std::pair{"BM_Verify/", &b::BM_Verify}}) {
      benchmark::RegisterBenchmark((label + name).c_str(), fn, &bytes)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MinTime(0.5)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
