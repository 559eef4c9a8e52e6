// c2pa_samples: writes files signed by our C2PA builder for the conformance check against the
// official SDK (tests/c2pa-sdk/check.js, ctest c2pa_sdk_conformance), with what each should give.
//
//   c2pa_samples --out DIR
//
// For every format we sign (JPEG with and without JFIF, RGB and palette PNG, WAV with an even and
// an odd data chunk, MP4, WebP), every signing identity (the c2pa-rs test certificates ES256 and
// Ed25519, and a studio PKI made by PkiInit, ES256 and Ed25519) and every scenario (created by a
// generative model; opened from a plain parentOf ingredient and edited; opened from CA.jpg, which
// carries its own manifest; placed componentOf; created from an inputTo prompt) it writes a
// positive sample, plus one negative sample per BuildDefects flag and a few certificate cases
// (certs-own: C2PA EKU, documentSigning only, self-signed end-entity, expired; generated here
// with OpenSSL, each signingCredential.invalid: leaf EKU serverAuth only, leaf without EKU, leaf
// without KeyUsage, self-signed CA:TRUE signer, self-signed end-entity without AKI).
//
// DIR then holds the samples, the trust bundles they chain to (trust-*.pem), for each sample our
// own verifier's result (<file>.ours.json: VerifyAsset's report) and expectations.json: a list of
// {"file", "format", "profile", "scenario", "trust" (bundle file name), "positive", "sdk":
// {"state", "failure"} or {"error"} (the SDK's expected result, the notes' failure table),
// "ours": {"state", "failure": [accepted codes]}, "ours_result": {state, success, informational,
// failure, ingredient_failures, error}, "note"}. Exit code 0 unless a sample could not be written
// or the fixtures are missing (77: skipped, 1 when CUSTODY_REQUIRE_FIXTURES=1).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"
#include "crypto/master_key.h"
#include "provenance/c2pa/builder.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/validate.h"
#include "provenance/pki.h"

namespace custody::provenance::samples {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return fs::path(CUSTODY_SOURCE_DIR) / ".." / "shared" / "fixtures";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> ReadText(const fs::path& path) {
  std::optional<Bytes> b = ReadFile(path);
  if (!b) return std::nullopt;
  return std::string(b->begin(), b->end());
}

bool WriteFile(const fs::path& path, std::span<const uint8_t> data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

bool WriteText(const fs::path& path, std::string_view text) {
  return WriteFile(path, AsBytes(text));
}

// A signing identity and the bundle a validator must anchor on to trust it.
struct Profile {
  std::string name;  // "fixture-es256", "studio-ed25519", ...
  std::shared_ptr<SigningCredential> signer;
  std::string trust_file;  // in the output dir
  TrustSettings trust;
};

struct Input {
  std::string name;  // file name, e.g. "no_manifest.jpg"
  Bytes bytes;
};

// What the SDK and our verifier should report. `sdk_error` set: the SDK refuses the file with an
// error containing it (a "hard error" in the notes' table).
struct Expectation {
  bool positive = true;
  std::string sdk_state = "Trusted";
  std::string sdk_failure;  // one failure code that must be present
  std::string sdk_error;
  std::string ours_state = "Trusted";
  std::vector<std::string> ours_failures;  // one of these must be present
  std::string note;
};

// Certificates generated with OpenSSL that each break one rule of the C2PA profile (as in
// src/provenance/tests/certificates_test.cc): a P-256 CA root issues P-256 leaves from CertSpecs.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct CertSpec {
  std::string common_name = "generated leaf";
  // extension name → OpenSSL config value. The defaults give a leaf that meets the profile.
  std::map<std::string, std::string> extensions = {
      {"basicConstraints", "critical,CA:FALSE"},
      {"keyUsage", "critical,digitalSignature"},
      {"subjectKeyIdentifier", "hash"},
      {"authorityKeyIdentifier", "keyid:always"},
      {"extendedKeyUsage", "1.3.6.1.4.1.62558.2.1,emailProtection"},
  };
};

// Self-signed when `issuer` is null. Null on an OpenSSL failure.
X509Ptr BuildCert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key,
                  time_t now) {
  X509Ptr cert(X509_new());
  X509* x = cert.get();
  if (x == nullptr || X509_set_version(x, X509_VERSION_3) != 1) return nullptr;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  BN_rand(serial.get(), 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x));
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Custody Samples"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now);
  X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &now);
  X509_set_pubkey(x, subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  // SKI before AKI: a self-signed AKI copies the certificate's own SKI.
  for (const char* ext_name : {"basicConstraints", "keyUsage", "subjectKeyIdentifier",
                               "authorityKeyIdentifier", "extendedKeyUsage"}) {
    auto it = spec.extensions.find(ext_name);
    if (it == spec.extensions.end()) continue;
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, it->first.c_str(), it->second.c_str());
    if (ext == nullptr) return nullptr;
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

std::string CertPem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Bytes KeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return Bytes(data, data + len);
}

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

PkeyPtr P256Key() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

class SampleWriter {
 public:
  SampleWriter(fs::path out, fs::path fixtures)
      : out_(std::move(out)), fixtures_(std::move(fixtures)), random_(20261122) {}

  int Run();

 private:
  Result<Profile> FixtureProfile(std::string name, std::string_view alg);
  Result<Profile> OwnProfile(std::string name, std::string_view chain, std::string_view key,
                             std::string_view anchor);
  Result<Profile> StudioProfile(std::string name, cose::Algorithm alg);
  // A leaf from `spec` issued by `ca` (anchor: the CA), or self-signed when `ca` is null (anchor:
  // the leaf itself).
  Result<Profile> GeneratedProfile(std::string name, const CertSpec& spec, X509* ca,
                                   EVP_PKEY* ca_key);
  Result<std::vector<Input>> Inputs();

  // Signs, writes the file, verifies it with our verifier and records the expectation. A signing
  // failure is recorded too (check.js reports it), except kUnsupportedMedia for WebP.
  void Sample(const std::string& file, const Input& input, const Profile& profile,
              const std::string& scenario, const ManifestSpec& spec, const BuildDefects* defects,
              Expectation expect);

  fs::path out_;
  fs::path fixtures_;
  SeededRandom random_;
  SystemClock clock_;
  json::array entries_;
  int errors_ = 0;
  std::optional<Bytes> ca_jpg_;
  std::optional<Bytes> component_;
};

Result<Profile> SampleWriter::FixtureProfile(std::string name, std::string_view alg) {
  const fs::path c2pa = fixtures_ / "c2pa";
  std::optional<std::string> chain = ReadText(c2pa / "certs" / (std::string(alg) + ".pub"));
  std::optional<Bytes> key = ReadFile(c2pa / "certs" / (std::string(alg) + ".pem"));
  std::optional<std::string> bundle = ReadText(c2pa / "trust" / "test_cert_root_bundle.pem");
  if (!chain || !key || !bundle)
    return NotFound("fixture certificates missing in " + c2pa.string());
  Profile p;
  p.name = std::move(name);
  ASSIGN_OR_RETURN(p.signer, SigningCredential::FromPem(*chain, *key));
  ASSIGN_OR_RETURN(p.trust, TrustSettingsFromPem(*bundle));
  p.trust_file = "trust-fixtures.pem";
  if (!WriteText(out_ / p.trust_file, *bundle)) return Internal("cannot write " + p.trust_file);
  return p;
}

Result<Profile> SampleWriter::OwnProfile(std::string name, std::string_view chain_file,
                                         std::string_view key_file, std::string_view anchor_file) {
  const fs::path own = fixtures_ / "c2pa" / "certs-own";
  std::optional<std::string> chain = ReadText(own / chain_file);
  std::optional<Bytes> key = ReadFile(own / key_file);
  std::optional<std::string> anchor = ReadText(own / anchor_file);
  if (!chain || !key || !anchor) return NotFound("certs-own files missing in " + own.string());
  Profile p;
  p.name = std::move(name);
  ASSIGN_OR_RETURN(p.signer, SigningCredential::FromPem(*chain, *key));
  ASSIGN_OR_RETURN(p.trust, TrustSettingsFromPem(*anchor));
  p.trust_file = "trust-" + p.name + ".pem";
  if (!WriteText(out_ / p.trust_file, *anchor)) return Internal("cannot write " + p.trust_file);
  return p;
}

Result<Profile> SampleWriter::GeneratedProfile(std::string name, const CertSpec& spec, X509* ca,
                                               EVP_PKEY* ca_key) {
  const time_t now = ToTimeT(clock_.Now());
  PkeyPtr key = P256Key();
  if (key == nullptr) return Internal("cannot generate a P-256 key");
  X509Ptr leaf = BuildCert(spec, key.get(), ca, ca != nullptr ? ca_key : key.get(), now);
  if (leaf == nullptr) return Internal("cannot generate the certificate for " + name);
  const std::string leaf_pem = CertPem(leaf.get());
  const std::string anchor = ca != nullptr ? CertPem(ca) : leaf_pem;
  Profile p;
  p.name = std::move(name);
  ASSIGN_OR_RETURN(p.signer, SigningCredential::FromPem(
                                 ca != nullptr ? leaf_pem + anchor : leaf_pem, KeyPem(key.get())));
  ASSIGN_OR_RETURN(p.trust, TrustSettingsFromPem(anchor));
  p.trust_file = "trust-" + p.name + ".pem";
  if (!WriteText(out_ / p.trust_file, anchor)) return Internal("cannot write " + p.trust_file);
  return p;
}

Result<Profile> SampleWriter::StudioProfile(std::string name, cose::Algorithm alg) {
  const fs::path data_dir = out_ / ("data-" + name);
  std::error_code ec;
  fs::remove_all(data_dir, ec);
  fs::create_directories(data_dir, ec);
  if (ec) return Internal("cannot create " + data_dir.string());
  crypto::MasterKey master = crypto::MasterKey::Generate(random_);
  PkiInitOptions options;
  options.algorithm = alg;
  RETURN_IF_ERROR(PkiInit(data_dir, master, random_, clock_, options));
  Profile p;
  p.name = std::move(name);
  ASSIGN_OR_RETURN(p.signer, LoadSigningCredential(data_dir, master));
  ASSIGN_OR_RETURN(std::string bundle, ReadTrustBundle(data_dir));
  ASSIGN_OR_RETURN(p.trust, TrustSettingsFromPem(bundle));
  p.trust_file = "trust-" + p.name + ".pem";
  if (!WriteText(out_ / p.trust_file, bundle)) return Internal("cannot write " + p.trust_file);
  return p;
}

void PutU32Le(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// An 8-bit mono WAV with an odd data chunk (7,999 samples + the RIFF pad byte), from the 16-bit
// tone: the odd-size case of RIFF padding (notes §2.8).
Bytes OddWav(const Bytes& tone16) {
  constexpr uint32_t kSamples = 7999;
  Bytes samples;
  // The tone's data chunk starts after the 44-byte canonical header; take the high bytes.
  for (uint32_t i = 0; i < kSamples && 44 + 2 * i + 1 < tone16.size(); ++i) {
    samples.push_back(static_cast<uint8_t>(static_cast<int8_t>(tone16[44 + 2 * i + 1]) + 128));
  }
  samples.resize(kSamples, 128);
  Bytes b;
  const std::string_view riff = "RIFF", wave = "WAVEfmt ", data = "data";
  b.insert(b.end(), riff.begin(), riff.end());
  PutU32Le(b, 4 + (8 + 16) + (8 + kSamples + 1));
  b.insert(b.end(), wave.begin(), wave.end());
  PutU32Le(b, 16);
  const uint8_t fmt[16] = {1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x40, 0x1f, 0, 0, 1, 0, 8, 0};
  b.insert(b.end(), std::begin(fmt), std::end(fmt));
  b.insert(b.end(), data.begin(), data.end());
  PutU32Le(b, kSamples);
  b.insert(b.end(), samples.begin(), samples.end());
  b.push_back(0);  // pad byte
  return b;
}

Result<std::vector<Input>> SampleWriter::Inputs() {
  const fs::path c2pa = fixtures_ / "c2pa";
  std::vector<Input> inputs;
  for (const char* name : {"no_manifest.jpg", "earth_apollo17.jpg", "gradient64.png",
                           "libpng-test.png", "tone_8k_mono.wav", "video1_no_manifest.mp4"}) {
    std::optional<Bytes> b = ReadFile(c2pa / name);
    if (!b) return NotFound(std::string("fixture missing: ") + name);
    inputs.push_back({name, std::move(*b)});
  }
  inputs.push_back({"tone_odd.wav", OddWav(inputs[4].bytes)});
  // A still WebP with VP8X, alpha, EXIF and XMP chunks, from the metadata fixtures.
  if (std::optional<Bytes> webp =
          ReadFile(fixtures_ / "metadata" / "exiftool-t-images" / "t" / "images" / "RIFF.webp")) {
    inputs.push_back({"RIFF.webp", std::move(*webp)});
  }
  return inputs;
}

json::array Codes(const std::vector<StatusEntry>& list) {
  json::array a;
  for (const StatusEntry& e : list) a.push_back(json::string(e.code));
  return a;
}

std::string Extension(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? "" : std::string(name.substr(dot));
}

void SampleWriter::Sample(const std::string& file, const Input& input, const Profile& profile,
                          const std::string& scenario, const ManifestSpec& spec,
                          const BuildDefects* defects, Expectation expect) {
  json::object e;
  e["file"] = file;
  e["input"] = input.name;
  e["format"] = std::string(FormatName(DetectFormat(input.bytes)));
  e["profile"] = profile.name;
  e["scenario"] = scenario;
  e["trust"] = profile.trust_file;
  e["positive"] = expect.positive;

  BuildOptions options;
  options.random = &random_;
  options.now = clock_.Now();
  options.trust = &profile.trust;
  options.defects = defects;
  Result<SignedAsset> signed_asset = SignAsset(input.bytes, spec, *profile.signer, options);
  if (!signed_asset.ok()) {
    if (signed_asset.error().code() == ErrorCode::kUnsupportedMedia &&
        DetectFormat(input.bytes) == AssetFormat::kWebp) {
      std::printf("skip %s: %s\n", file.c_str(), signed_asset.error().ToString().c_str());
      return;
    }
    e["sign_error"] = signed_asset.error().ToString();
    std::printf("SIGN ERROR %s: %s\n", file.c_str(), signed_asset.error().ToString().c_str());
    entries_.push_back(std::move(e));
    return;
  }
  if (!WriteFile(out_ / file, signed_asset->bytes)) {
    std::fprintf(stderr, "c2pa_samples: cannot write %s\n", file.c_str());
    ++errors_;
    return;
  }

  json::object sdk;
  if (!expect.sdk_error.empty()) {
    sdk["error"] = expect.sdk_error;
  } else {
    sdk["state"] = expect.sdk_state;
    if (!expect.sdk_failure.empty()) sdk["failure"] = expect.sdk_failure;
  }
  e["sdk"] = std::move(sdk);
  json::object ours;
  ours["state"] = expect.ours_state;
  json::array accepted;
  for (const std::string& c : expect.ours_failures) accepted.push_back(json::string(c));
  ours["failure"] = std::move(accepted);
  e["ours"] = std::move(ours);
  if (!expect.note.empty()) e["note"] = expect.note;

  // Our verifier, with the profile's anchors, as the SDK is run.
  VerifyOptions verify;
  verify.trust = &profile.trust;
  verify.now = clock_.Now();
  Result<VerifyReport> report = VerifyAsset(signed_asset->bytes, verify);
  json::object result;
  json::value full;
  if (report.ok()) {
    result["state"] = report->has_manifest
                          ? json::value(std::string(ValidationStateName(report->state)))
                          : json::value(nullptr);
    result["error"] = report->has_manifest ? json::value(nullptr) : json::value("no manifest");
    result["success"] = Codes(report->active.success);
    result["informational"] = Codes(report->active.informational);
    result["failure"] = Codes(report->active.failure);
    json::array ingredient_failures;
    for (const IngredientDelta& d : report->ingredient_deltas) {
      for (const StatusEntry& s : d.status.failure)
        ingredient_failures.push_back(json::string(s.code));
    }
    result["ingredient_failures"] = std::move(ingredient_failures);
    full = report->ToJson();
  } else {
    result["state"] = nullptr;
    result["error"] = report.error().ToString();
    result["success"] = json::array();
    result["informational"] = json::array();
    result["failure"] = json::array();
    result["ingredient_failures"] = json::array();
  }
  json::object ours_file = result;
  ours_file["report"] = std::move(full);
  if (!WriteText(out_ / (file + ".ours.json"), json::serialize(ours_file))) ++errors_;
  e["ours_result"] = std::move(result);
  entries_.push_back(std::move(e));
}

SoftwareAgent Agent() { return SoftwareAgent{"Custody", "0.1.0", {}}; }

ActionSpec Created(std::vector<size_t> ingredients = {}) {
  ActionSpec a;
  a.action = "c2pa.created";
  a.digital_source_type = std::string(kSourceTrainedAlgorithmicMedia);
  a.software_agent = Agent();
  a.ingredients = std::move(ingredients);
  return a;
}

std::string InstanceId(Random& random) {
  uint8_t b[16];
  random.Fill(b);
  return "xmp:iid:" + HexEncode(b);
}

int SampleWriter::Run() {
  std::error_code ec;
  fs::create_directories(out_, ec);
  if (ec) {
    std::fprintf(stderr, "c2pa_samples: cannot create %s\n", out_.string().c_str());
    return 1;
  }
  Result<std::vector<Input>> inputs = Inputs();
  if (!inputs.ok()) {
    std::printf("c2pa_samples: %s\n", inputs.error().ToString().c_str());
    const char* require = std::getenv("CUSTODY_REQUIRE_FIXTURES");
    return require != nullptr && std::string_view(require) == "1" ? 1 : 77;
  }
  ca_jpg_ = ReadFile(fixtures_ / "c2pa" / "CA.jpg");
  component_ = ReadFile(fixtures_ / "c2pa" / "earth_apollo17.jpg");
  if (!ca_jpg_ || !component_) {
    std::fprintf(stderr, "c2pa_samples: CA.jpg or earth_apollo17.jpg missing\n");
    return 1;
  }

  std::vector<Profile> profiles;
  for (Result<Profile> p :
       {FixtureProfile("fixture-es256", "es256"), FixtureProfile("fixture-ed25519", "ed25519"),
        StudioProfile("studio-es256", cose::Algorithm::kEs256),
        StudioProfile("studio-ed25519", cose::Algorithm::kEd25519)}) {
    if (!p.ok()) {
      std::fprintf(stderr, "c2pa_samples: %s\n", p.error().ToString().c_str());
      return 1;
    }
    profiles.push_back(std::move(*p));
  }

  // Positive samples: every input × profile × scenario.
  for (const Input& input : *inputs) {
    const std::string media_type = MediaTypeOf(input.bytes);
    for (const Profile& profile : profiles) {
      const std::string suffix = "_" + profile.name + "_" + input.name;
      {
        ManifestSpec spec;
        spec.title = input.name;
        spec.actions.push_back(Created());
        Sample("created" + suffix, input, profile, "created", spec, nullptr, {});
      }
      {
        // Opened from the same file without C2PA (a plain parentOf), then edited with AI.
        ManifestSpec spec;
        spec.title = input.name;
        IngredientSpec parent;
        parent.relationship = Relationship::kParentOf;
        parent.title = input.name;
        parent.format = media_type;
        parent.instance_id = InstanceId(random_);
        parent.file = input.bytes;
        spec.ingredients.push_back(std::move(parent));
        ActionSpec opened;
        opened.action = "c2pa.opened";
        opened.ingredients = {0};
        ActionSpec edited;
        edited.action = "c2pa.edited";
        edited.digital_source_type = std::string(kSourceCompositeWithTrainedAlgorithmicMedia);
        edited.software_agent = Agent();
        spec.actions = {opened, edited};
        Sample("opened" + suffix, input, profile, "opened", spec, nullptr, {});
      }
      {
        // Opened from CA.jpg, whose manifest store is copied into ours, then edited.
        ManifestSpec spec;
        spec.title = input.name;
        IngredientSpec parent;
        parent.relationship = Relationship::kParentOf;
        parent.title = "CA.jpg";
        parent.format = "image/jpeg";
        parent.instance_id = InstanceId(random_);
        parent.file = *ca_jpg_;
        spec.ingredients.push_back(std::move(parent));
        ActionSpec opened;
        opened.action = "c2pa.opened";
        opened.ingredients = {0};
        ActionSpec edited;
        edited.action = "c2pa.edited";
        edited.digital_source_type = std::string(kSourceCompositeWithTrainedAlgorithmicMedia);
        edited.software_agent = Agent();
        spec.actions = {opened, edited};
        Sample("edited-ca" + suffix, input, profile, "edited-ca", spec, nullptr, {});
      }
      {
        // Generated, then a photograph placed into it (componentOf).
        ManifestSpec spec;
        spec.title = input.name;
        IngredientSpec component;
        component.relationship = Relationship::kComponentOf;
        component.title = "earth_apollo17.jpg";
        component.format = "image/jpeg";
        component.instance_id = InstanceId(random_);
        component.file = *component_;
        spec.ingredients.push_back(std::move(component));
        ActionSpec placed;
        placed.action = "c2pa.placed";
        placed.ingredients = {0};
        spec.actions = {Created(), placed};
        Sample("placed" + suffix, input, profile, "placed", spec, nullptr, {});
      }
      {
        // Generated from a text prompt (an inputTo ingredient referenced by c2pa.created).
        ManifestSpec spec;
        spec.title = input.name;
        IngredientSpec prompt;
        prompt.relationship = Relationship::kInputTo;
        prompt.title = "prompt";
        prompt.format = "text/plain";
        prompt.instance_id = "urn:custody:prompt:" + HexEncode(AsBytes(input.name));
        prompt.description = "a lighthouse on a cliff at dusk, oil painting";
        spec.ingredients.push_back(std::move(prompt));
        spec.actions = {Created({0})};
        Sample("prompt" + suffix, input, profile, "prompt", spec, nullptr, {});
      }
    }
  }

  // Certificate cases (certs-own), created on the plain JPEG.
  const Input& jpeg = (*inputs)[0];
  ManifestSpec created_spec;
  created_spec.title = jpeg.name;
  created_spec.actions.push_back(Created());
  struct OwnCase {
    const char* name;
    const char* chain;
    const char* key;
    const char* anchor;
    Expectation expect;
  };
  Expectation expired;
  expired.positive = false;
  expired.sdk_state = "Invalid";
  expired.sdk_failure = "signingCredential.expired";
  expired.ours_state = "Invalid";
  expired.ours_failures = {"signingCredential.expired"};
  expired.note = "leaf expired yesterday, no timestamp";
  Expectation docsign;
  docsign.note = "documentSigning EKU only: accepted through the trust_config EKU list";
  Expectation self_signed;
  self_signed.note = "self-signed end-entity, itself the anchor";
  const OwnCase own_cases[] = {
      {"own-c2pa-email", "leaf_c2pa_email.chain.pem", "leaf_c2pa_email.key", "ca.pem", {}},
      {"own-docsign", "leaf_docsign.chain.pem", "leaf_docsign.key", "ca.pem", docsign},
      {"own-self-signed", "ss_ee2.pem", "ss_ee2.key", "ss_ee2.pem", self_signed},
      {"own-expired", "expired.chain.pem", "expired.key", "ca.pem", expired},
  };
  for (const OwnCase& c : own_cases) {
    Result<Profile> p = OwnProfile(c.name, c.chain, c.key, c.anchor);
    if (!p.ok()) {
      std::fprintf(stderr, "c2pa_samples: %s\n", p.error().ToString().c_str());
      ++errors_;
      continue;
    }
    Sample(std::string("created_") + c.name + "_" + jpeg.name, jpeg, *p, "created", created_spec,
           nullptr, c.expect);
  }

  // Generated certificates that break the profile (notes: signingCredential.invalid), on a P-256
  // CA root made here; the self-signed ones are their own anchor.
  {
    PkeyPtr ca_key = P256Key();
    CertSpec ca_spec;
    ca_spec.common_name = "Generated Samples Root";
    ca_spec.extensions = {{"basicConstraints", "critical,CA:TRUE"},
                          {"keyUsage", "critical,keyCertSign,cRLSign"},
                          {"subjectKeyIdentifier", "hash"}};
    X509Ptr ca = ca_key != nullptr ? BuildCert(ca_spec, ca_key.get(), nullptr, ca_key.get(),
                                               ToTimeT(clock_.Now()))
                                   : nullptr;
    if (ca == nullptr) {
      std::fprintf(stderr, "c2pa_samples: cannot generate the samples CA\n");
      return 1;
    }
    struct GenCase {
      const char* name;
      CertSpec spec;
      bool self_signed;
      const char* note;
    };
    std::vector<GenCase> gen_cases;
    {
      CertSpec s;
      s.extensions["extendedKeyUsage"] = "serverAuth";
      gen_cases.push_back({"gen-eku-serverauth", s, false,
                           "leaf EKU serverAuth only; the SDK adds signingCredential.untrusted"});
    }
    {
      CertSpec s;
      s.extensions.erase("extendedKeyUsage");
      gen_cases.push_back(
          {"gen-no-eku", s, false,
           "leaf without Extended Key Usage; the SDK adds signingCredential.untrusted"});
    }
    {
      CertSpec s;
      s.extensions.erase("keyUsage");
      gen_cases.push_back({"gen-no-ku", s, false, "leaf without Key Usage"});
    }
    {
      CertSpec s;
      s.extensions["basicConstraints"] = "critical,CA:TRUE";
      s.extensions["keyUsage"] = "critical,digitalSignature,keyCertSign";
      gen_cases.push_back(
          {"gen-self-signed-ca", s, true, "self-signed CA:TRUE signer, itself the anchor"});
    }
    {
      CertSpec s;
      s.extensions.erase("authorityKeyIdentifier");
      gen_cases.push_back({"gen-self-signed-no-aki", s, true,
                           "self-signed end-entity without AKI, itself the anchor"});
    }
    for (const GenCase& c : gen_cases) {
      Result<Profile> p =
          GeneratedProfile(c.name, c.spec, c.self_signed ? nullptr : ca.get(), ca_key.get());
      if (!p.ok()) {
        std::fprintf(stderr, "c2pa_samples: %s\n", p.error().ToString().c_str());
        ++errors_;
        continue;
      }
      Expectation expect;
      expect.positive = false;
      expect.sdk_state = "Invalid";
      expect.sdk_failure = "signingCredential.invalid";
      expect.ours_state = "Invalid";
      expect.ours_failures = {"signingCredential.invalid"};
      expect.note = c.note;
      Sample(std::string("created_") + c.name + "_" + jpeg.name, jpeg, *p, "created", created_spec,
             nullptr, expect);
    }
  }

  // Negative samples: one per BuildDefects flag (notes §3, "Observed failure modes").
  const Profile& es256 = profiles[0];
  struct Negative {
    const char* name;
    bool BuildDefects::*flag;
    const char* sdk_failure;  // or
    const char* sdk_error;
    std::vector<std::string> ours;
  };
  const std::vector<Negative> negatives = {
      {"omit_actions",
       &BuildDefects::omit_actions,
       "assertion.action.malformed",
       "",
       {"assertion.action.malformed"}},
      {"omit_hard_binding",
       &BuildDefects::omit_hard_binding,
       "",
       "ClaimMissingHardBinding",
       {"claim.hardBindings.missing"}},
      {"undeclared_assertion",
       &BuildDefects::undeclared_assertion,
       "",
       "AssertionMissing",
       {"assertion.undeclared"}},
      {"omit_pad",
       &BuildDefects::omit_pad,
       "",
       "AssertionDecoding",
       {"assertion.dataHash.malformed", "assertion.cbor.invalid"}},
      {"omit_claim_generator_info",
       &BuildDefects::omit_claim_generator_info,
       "",
       "ClaimDecoding",
       {"claim.malformed"}},
      {"omit_claim_alg",
       &BuildDefects::omit_claim_alg,
       "",
       "UnknownAlgorithm",
       {"algorithm.unsupported", "claim.malformed"}},
      {"damage_signature",
       &BuildDefects::damage_signature,
       "claimSignature.mismatch",
       "",
       {"claimSignature.mismatch"}},
      {"change_asset_byte",
       &BuildDefects::change_asset_byte,
       "assertion.dataHash.mismatch",
       "",
       {"assertion.dataHash.mismatch"}},
      {"tamper_assertion",
       &BuildDefects::tamper_assertion,
       "assertion.hashedURI.mismatch",
       "",
       {"assertion.hashedURI.mismatch"}},
  };
  auto negative = [&](const Negative& n, const Input& input) {
    BuildDefects defects;
    defects.*(n.flag) = true;
    ManifestSpec spec;
    spec.title = input.name;
    spec.actions.push_back(Created());
    Expectation expect;
    expect.positive = false;
    expect.ours_state = "Invalid";
    expect.ours_failures = n.ours;
    if (*n.sdk_error != '\0') {
      expect.sdk_error = n.sdk_error;
    } else {
      expect.sdk_state = "Invalid";
      expect.sdk_failure = n.sdk_failure;
    }
    const bool bmff = DetectFormat(input.bytes) == AssetFormat::kBmff;
    if (bmff && std::string_view(n.sdk_failure) == "assertion.dataHash.mismatch") {
      expect.sdk_failure = "assertion.bmffHash.mismatch";
      expect.ours_failures = {"assertion.bmffHash.mismatch"};
    }
    Sample(std::string("neg_") + n.name + "_" + input.name, input, es256, n.name, spec, &defects,
           expect);
  };
  auto named = [&](std::string_view name) -> const Negative& {
    for (const Negative& n : negatives) {
      if (n.name == name) return n;
    }
    std::abort();  // a typo in this file
  };
  for (const Negative& n : negatives) negative(n, jpeg);
  // The byte flip on every other format, the damaged signature on BMFF too; the RIFF pad byte
  // only means something for WAV (below).
  for (size_t i = 1; i < inputs->size(); ++i) {
    negative(named("change_asset_byte"), (*inputs)[i]);
    if (Extension((*inputs)[i].name) == ".mp4") negative(named("damage_signature"), (*inputs)[i]);
  }
  for (const Input& input : *inputs) {
    if (Extension(input.name) != ".wav") continue;
    BuildDefects defects;
    defects.riff_pad_in_exclusion = true;
    ManifestSpec spec;
    spec.title = input.name;
    spec.actions.push_back(Created());
    Expectation expect;
    expect.positive = false;
    expect.sdk_state = "Invalid";
    expect.sdk_failure = "assertion.dataHash.mismatch";
    expect.ours_state = "Invalid";
    expect.ours_failures = {"assertion.dataHash.mismatch"};
    expect.note = "the C2PA chunk's pad byte excluded from the hash (only when its size is odd)";
    Sample("neg_riff_pad_in_exclusion_" + input.name, input, es256, "riff_pad_in_exclusion", spec,
           &defects, expect);
  }

  json::object doc;
  doc["fixtures"] = fixtures_.string();
  doc["samples"] = std::move(entries_);
  if (!WriteText(out_ / "expectations.json", json::serialize(doc))) ++errors_;
  std::printf("c2pa_samples: %zu samples in %s\n", doc["samples"].as_array().size(),
              out_.string().c_str());
  return errors_ == 0 ? 0 : 1;
}

}  // namespace
}  // namespace custody::provenance::samples

int main(int argc, char** argv) {
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a.starts_with("--out=")) {
      out = std::string(a.substr(6));
    } else {
      std::fprintf(stderr, "usage: c2pa_samples --out DIR\n");
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: c2pa_samples --out DIR\n");
    return 2;
  }
  custody::provenance::samples::SampleWriter writer(out,
                                                    custody::provenance::samples::FixturesDir());
  return writer.Run();
}
