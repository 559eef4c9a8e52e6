// Proves the SDK harness (validate.js) on the shared C2PA fixtures: each file gets the validation
// state and status codes that $CUSTODY_FIXTURES/c2pa/README.md states, with the fixtures' root
// bundle as trust anchors and without anchors (then Trusted becomes Valid plus the failure
// signingCredential.untrusted). ctest runs it as c2pa_sdk_fixtures.
// Exit codes: 0 pass, 1 failure, 77 skipped (no node package or no fixtures; a failure when
// CUSTODY_REQUIRE_FIXTURES=1).
'use strict';
const fs = require('fs');
const path = require('path');
const { loadSdk, settings, validateBytes, fixturesDir, requireFixtures } = require('./validate.js');

const skip = (why) => {
  console.log(`c2pa_sdk_fixtures: ${why}`);
  process.exit(requireFixtures() ? 1 : 77);
};

// What the README says, per file. `state` null means the SDK refuses the file with `error`.
// `success`/`informational`/`failure` list codes that must be present in the active manifest's
// results; with `exactFailures` the failure list must be exactly that (without anchors
// signingCredential.untrusted is added). `deltaSuccess`/`deltaInfo` are codes of the ingredient
// deltas.
const BINDING = { data: 'assertion.dataHash.match', bmff: 'assertion.bmffHash.match' };
const TRUSTED = ['claimSignature.validated', 'claimSignature.insideValidity',
  'assertion.hashedURI.match', 'signingCredential.trusted'];
const EXPECTED = [
  { file: 'C.jpg', state: 'Trusted', success: [...TRUSTED, BINDING.data, 'timeStamp.validated'] },
  { file: 'CA.jpg', state: 'Trusted', success: [...TRUSTED, BINDING.data],
    deltaInfo: ['ingredient.unknownProvenance'] },
  { file: 'CACA.jpg', state: 'Trusted', success: [...TRUSTED, BINDING.data],
    deltaSuccess: ['ingredient.manifest.validated'] },
  { file: 'XCA.jpg', state: 'Invalid', failure: ['assertion.dataHash.mismatch'] },
  { file: 'E-sig-CA.jpg', state: 'Invalid', failure: ['claimSignature.mismatch'] },
  // Signed by a certificate outside the bundle: untrusted either way.
  { file: 'dashinit.mp4', state: 'Invalid', failure: ['assertion.bmffHash.mismatch'],
    untrustedAlways: true },
  { file: 'no_manifest.jpg', state: null, error: 'JumbfNotFound' },
  { file: 'earth_apollo17.jpg', state: null, error: 'JumbfNotFound' },
  { file: 'gradient64.png', state: null, error: 'JumbfNotFound' },
  { file: 'libpng-test.png', state: null, error: 'JumbfNotFound' },
  { file: 'tone_8k_mono.wav', state: null, error: 'JumbfNotFound' },
  { file: 'video1_no_manifest.mp4', state: null, error: 'JumbfNotFound' },
  { file: 'reference-c2pa-rs/genai_es256.jpg', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'reference-c2pa-rs/genai_ed25519.jpg', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'reference-c2pa-rs/genai_es256.png', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'reference-c2pa-rs/genai_es256.wav', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'reference-c2pa-rs/genai_es256.mp4', state: 'Trusted',
    success: [...TRUSTED, BINDING.bmff],
    informational: ['assertion.bmffHash.additionalExclusionsPresent'], exactFailures: true },
  { file: 'reference-c2pa-rs/opened_from_plain.png', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], deltaInfo: ['ingredient.unknownProvenance'],
    exactFailures: true },
  { file: 'reference-c2pa-rs/edited_from_CA.jpg', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], deltaSuccess: ['ingredient.manifest.validated'],
    exactFailures: true },
  { file: 'handbuilt/min.jpg', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'handbuilt/min.png', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'handbuilt/min.wav', state: 'Trusted',
    success: [...TRUSTED, BINDING.data], exactFailures: true },
  { file: 'handbuilt/tamper.jpg', state: 'Invalid', failure: ['assertion.dataHash.mismatch'] },
];

function deltaCodes(result, kind) {
  const deltas = ((result.manifest || {}).validation_results || {}).ingredientDeltas || [];
  return deltas.flatMap((d) => ((d.validationDeltas || {})[kind] || []).map((s) => s.code));
}

// Problems with one result against one expectation; `anchored` says whether trust anchors were set.
function check(exp, r, anchored) {
  const problems = [];
  const want = (list, codes, what) => {
    for (const c of codes || []) if (!list.includes(c)) problems.push(`no ${what} ${c}`);
  };
  if (exp.state === null) {
    if (r.state !== null || !r.error || !r.error.includes(exp.error)) {
      problems.push(`expected error ${exp.error}, got state ${r.state} error ${r.error}`);
    }
    return problems;
  }
  let state = exp.state;
  let success = exp.success || [];
  let failure = exp.failure || [];
  if (!anchored || exp.untrustedAlways) {
    if (state === 'Trusted') state = 'Valid';
    success = success.filter((c) => c !== 'signingCredential.trusted');
    failure = [...failure, 'signingCredential.untrusted'];
  }
  if (r.error) problems.push(`SDK error ${r.error}`);
  if (r.state !== state) problems.push(`state ${r.state}, expected ${state}`);
  want(r.success, success, 'success');
  want(r.informational, exp.informational, 'informational');
  want(r.failure, failure, 'failure');
  if ((exp.exactFailures || state !== 'Invalid') &&
      JSON.stringify([...r.failure].sort()) !== JSON.stringify([...failure].sort())) {
    problems.push(`failures ${JSON.stringify(r.failure)}, expected ${JSON.stringify(failure)}`);
  }
  want(deltaCodes(r, 'success'), exp.deltaSuccess, 'ingredient success');
  want(deltaCodes(r, 'informational'), exp.deltaInfo, 'ingredient informational');
  // Without anchors an ingredient's own signer is untrusted too (edited_from_CA.jpg).
  const ingredientFailures = r.ingredient_failures.filter(
    (c) => anchored || c !== 'signingCredential.untrusted');
  if (ingredientFailures.length) {
    problems.push(`ingredient failures ${JSON.stringify(ingredientFailures)}`);
  }
  return problems;
}

async function main() {
  const dir = path.join(fixturesDir(), 'c2pa');
  const bundle = path.join(dir, 'trust', 'test_cert_root_bundle.pem');
  if (!fs.existsSync(bundle)) skip(`fixtures missing (set CUSTODY_FIXTURES): ${dir}`);
  const sdk = await loadSdk();
  if (!sdk) skip('@contentauth/c2pa-wasm is not installed (run scripts/install-deps)');
  const anchored = settings(fs.readFileSync(bundle, 'utf8'));
  const bare = settings('');
  let failures = 0;
  let checks = 0;
  for (const exp of EXPECTED) {
    const file = path.join(dir, exp.file);
    if (!fs.existsSync(file)) {
      console.log(`FAIL ${exp.file}: missing`);
      failures++;
      continue;
    }
    const bytes = new Uint8Array(fs.readFileSync(file));
    for (const [withAnchors, s] of [[true, anchored], [false, bare]]) {
      const r = await validateBytes(sdk, bytes, s, exp.file);
      const problems = check(exp, r, withAnchors);
      checks++;
      const tag = withAnchors ? 'anchors   ' : 'no anchors';
      const got = r.state === null ? `error ${r.error}` : `${r.state} ${JSON.stringify(r.failure)}`;
      if (problems.length) {
        failures++;
        console.log(`FAIL ${tag} ${exp.file}: ${problems.join('; ')}`);
      } else {
        console.log(`ok   ${tag} ${exp.file}: ${got}`);
      }
    }
  }
  console.log(`${checks - failures}/${checks} checks passed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.log(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
