// Validates files with the official C2PA SDK (c2pa-rs 0.91.3 compiled to WebAssembly,
// @contentauth/c2pa-wasm 0.13.3, pinned in tests/node/package-lock.json), offline: trust is
// checked against the given anchors, nothing is fetched (no remote manifests, no OCSP).
//
//   node tests/c2pa-sdk/validate.js [--trust PEM_FILE] [--trust-config FILE] FILE...
//
// Prints one JSON line per file: {"file", "mime", "state": "Trusted"|"Valid"|"Invalid"|null,
// "error": the SDK's error message or null, "success", "informational", "failure" (the active
// manifest's status codes), "ingredient_failures" (failure codes of the ingredient deltas),
// "manifest" (the reader's whole JSON)}. A file the SDK refuses (no manifest:
// "C2pa(JumbfNotFound)"; a structural defect: e.g. "C2pa(ClaimMissingHardBinding)") has state
// null and the error set.
// Exit code 0 unless the command line is wrong (2), or the package is missing (77, a skip for
// ctest; 1 when CUSTODY_REQUIRE_FIXTURES=1).
//
// Also a module for the other scripts here and bench/c2pa/wasm_bench.js: loadSdk(), settings(),
// mimeOf(), validateBytes().
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const pkgDir = path.join(root, 'tests', 'node', 'node_modules', '@contentauth', 'c2pa-wasm');

// The EKUs c2pa-rs accepts on a signing certificate when given a trust_config, as in the fixtures'
// trust/store.cfg: C2PA claimSigning, emailProtection, documentSigning, MS C2PA signing,
// timeStamping, OCSPSigning. Without a trust_config c2pa-rs 0.91.3 allows only the last three and
// emailProtection, and rejects documentSigning-only leaves.
const DEFAULT_EKUS = [
  '1.3.6.1.4.1.62558.2.1',
  '1.3.6.1.5.5.7.3.4',
  '1.3.6.1.5.5.7.3.36',
  '1.3.6.1.4.1.311.76.59.1.9',
  '1.3.6.1.5.5.7.3.8',
  '1.3.6.1.5.5.7.3.9',
];

function fixturesDir() {
  const env = process.env.CUSTODY_FIXTURES;
  return env ? path.resolve(env) : path.resolve(root, '..', 'shared', 'fixtures');
}

function requireFixtures() {
  return process.env.CUSTODY_REQUIRE_FIXTURES === '1';
}

// Loads and initialises the SDK (an ES module, hence import()). Resolves to the module, or null
// when tests/node/node_modules lacks it.
async function loadSdk() {
  const js = path.join(pkgDir, 'pkg', 'c2pa.js');
  if (!fs.existsSync(js)) return null;
  const sdk = await import(js);
  sdk.initSync({ module: fs.readFileSync(path.join(pkgDir, 'pkg', 'c2pa_bg.wasm')) });
  return sdk;
}

// The SDK settings: trust verified against `anchorsPem` (a PEM bundle; '' = no anchors, so the
// best state is Valid), `trustConfig` the allowed EKU OIDs one per line, nothing fetched.
function settings(anchorsPem, trustConfig) {
  const s = {
    verify: { verify_trust: true, remote_manifest_fetch: false, ocsp_fetch: false },
    trust: { trust_config: trustConfig || defaultTrustConfig() },
  };
  if (anchorsPem) s.trust.trust_anchors = anchorsPem;
  return s;
}

function defaultTrustConfig() {
  const cfg = path.join(fixturesDir(), 'c2pa', 'trust', 'store.cfg');
  if (fs.existsSync(cfg)) return fs.readFileSync(cfg, 'utf8');
  return DEFAULT_EKUS.join('\n') + '\n';
}

// The media type from the magic bytes; null when unknown.
function mimeOf(bytes) {
  const ascii = (from, to) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'image/jpeg';
  }
  if (bytes.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF') {
    if (ascii(8, 12) === 'WAVE') return 'audio/wav';
    if (ascii(8, 12) === 'WEBP') return 'image/webp';
    if (ascii(8, 12) === 'AVI ') return 'video/avi';
  }
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'qt  ') return 'video/quicktime';
    if (brand === 'M4A ') return 'audio/mp4';
    if (brand === 'avif') return 'image/avif';
    if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return 'image/heif';
    return 'video/mp4';
  }
  return null;
}

function codes(list) {
  return (list || []).map((s) => s.code);
}

// Validates one file's bytes. Never throws: an SDK error is returned in `error`.
async function validateBytes(sdk, bytes, settingsObj, file) {
  const mime = mimeOf(bytes);
  const out = {
    file: file || null,
    mime,
    state: null,
    error: null,
    success: [],
    informational: [],
    failure: [],
    ingredient_failures: [],
    manifest: null,
  };
  if (!mime) {
    out.error = 'unknown media type';
    return out;
  }
  let reader;
  try {
    reader = await sdk.WasmReader.fromBytes(mime, bytes, JSON.stringify(settingsObj));
    const json = JSON.parse(reader.json());
    out.manifest = json;
    out.state = json.validation_state || null;
    const results = json.validation_results || {};
    const active = results.activeManifest || {};
    out.success = codes(active.success);
    out.informational = codes(active.informational);
    out.failure = codes(active.failure);
    for (const delta of results.ingredientDeltas || []) {
      out.ingredient_failures.push(...codes((delta.validationDeltas || {}).failure));
    }
  } catch (e) {
    // wasm-bindgen rejects with a string such as "C2pa(JumbfNotFound)", or an Error.
    out.error = e instanceof Error ? e.message : String(e);
    out.state = null;
  } finally {
    if (reader) reader.free();
  }
  return out;
}

function usage() {
  console.error('usage: validate.js [--trust PEM_FILE] [--trust-config FILE] FILE...');
  process.exit(2);
}

async function main(argv) {
  let trust = '';
  let trustConfig = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--trust' || a === '--trust-config') {
      if (i + 1 >= argv.length) usage();
      const text = fs.readFileSync(argv[++i], 'utf8');
      if (a === '--trust') trust = text;
      else trustConfig = text;
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('--')) {
      console.error(`validate.js: unknown option ${a}`);
      usage();
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) usage();
  const sdk = await loadSdk();
  if (!sdk) {
    console.error('validate.js: @contentauth/c2pa-wasm is not installed (scripts/install-deps)');
    process.exit(requireFixtures() ? 1 : 77);
  }
  const s = settings(trust, trustConfig);
  for (const f of files) {
    let bytes;
    try {
      bytes = new Uint8Array(fs.readFileSync(f));
    } catch (e) {
      console.log(JSON.stringify({ file: f, mime: null, state: null, error: e.message, success: [],
        informational: [], failure: [], ingredient_failures: [], manifest: null }));
      continue;
    }
    console.log(JSON.stringify(await validateBytes(sdk, bytes, s, f)));
  }
}

module.exports = { loadSdk, settings, mimeOf, validateBytes, fixturesDir, requireFixtures,
  DEFAULT_EKUS };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  });
}
