// The conformance check of our C2PA output against the official SDK (ctest c2pa_sdk_conformance).
//
//   node tests/c2pa-sdk/check.js [--samples PATH_TO_c2pa_samples] --out DIR [--verbose]
//
// Runs c2pa_samples (when given) to write the signed samples and expectations.json into DIR, then
// validates every sample with the SDK (validate.js) and asserts:
// - positives: Trusted with the sample's trust bundle as anchor and no failure code (ingredient
//   deltas included); without anchors Valid, with signingCredential.untrusted as the only failure;
//   our verifier (c2pa_samples ran VerifyAsset with the same anchors) Trusted with no failure;
// - negatives: the SDK fails the way the notes' table says (that failure code with state Invalid,
//   or that hard error), and our verifier reports Invalid with the corresponding code.
// Prints a table (and the status codes where the SDK and ours differ, for information), writes the
// SDK's result next to each sample (<file>.sdk.json). Exit codes: 0 pass, 1 failure, 77 skipped
// (node package or fixtures missing; a failure when CUSTODY_REQUIRE_FIXTURES=1).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { loadSdk, settings, validateBytes, requireFixtures } = require('./validate.js');

function usage() {
  console.error('usage: check.js [--samples c2pa_samples] --out DIR [--verbose]');
  process.exit(2);
}

function skip(why) {
  console.log(`c2pa_sdk_conformance: ${why}`);
  process.exit(requireFixtures() ? 1 : 77);
}

// Codes only one side can report here: the SDK's OCSP note, and the informational codes our
// verifier and the SDK word differently are listed, not failed.
const IGNORED = new Set(['signingCredential.ocsp.skipped']);

function setDiff(a, b) {
  const sb = new Set(b);
  return [...new Set(a)].filter((c) => !sb.has(c) && !IGNORED.has(c));
}

function describe(r) {
  if (!r) return '-';
  if (r.state === null || r.state === undefined) {
    // "C2pa(AssertionDecoding(could not decode …))" → "error AssertionDecoding".
    const m = /^C2pa\((\w+)/.exec(String(r.error));
    return `error ${m ? m[1] : r.error}`;
  }
  const f = r.failure.length ? ' ' + r.failure.join(',') : '';
  return `${r.state}${f}`;
}

function judge(entry, anchored, bare) {
  const problems = [];
  const ours = entry.ours_result;
  if (entry.positive) {
    if (anchored.state !== 'Trusted' || anchored.failure.length) {
      problems.push(`SDK with anchors: ${describe(anchored)}`);
    }
    if (anchored.ingredient_failures.length) {
      problems.push(`SDK ingredient failures ${anchored.ingredient_failures.join(',')}`);
    }
    const bareFailures = bare.failure.filter((c) => c !== 'signingCredential.untrusted');
    const bareIngredient =
      bare.ingredient_failures.filter((c) => c !== 'signingCredential.untrusted');
    if (bare.state !== 'Valid' || bareFailures.length || bareIngredient.length) {
      problems.push(`SDK without anchors: ${describe(bare)}`);
    }
    if (ours.state !== 'Trusted' || ours.failure.length || ours.ingredient_failures.length) {
      problems.push(`ours: ${describe(ours)} ${ours.ingredient_failures.join(',')}`);
    }
    return problems;
  }
  const sdk = entry.sdk;
  if (sdk.error) {
    if (anchored.state !== null || !String(anchored.error).includes(sdk.error)) {
      problems.push(`SDK: expected hard error ${sdk.error}, got ${describe(anchored)}`);
    }
  } else if (anchored.state !== sdk.state || !anchored.failure.includes(sdk.failure)) {
    problems.push(`SDK: expected ${sdk.state} ${sdk.failure}, got ${describe(anchored)}`);
  }
  const want = entry.ours;
  if (ours.state !== want.state || !want.failure.some((c) => ours.failure.includes(c))) {
    problems.push(`ours: expected ${want.state} ${want.failure.join('|')}, got ${describe(ours)}`);
  }
  // Same failure code on both sides when the SDK reports codes (not a hard error).
  if (!sdk.error && !ours.failure.includes(sdk.failure)) {
    problems.push(`ours lacks the SDK's failure ${sdk.failure}`);
  }
  return problems;
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function main(argv) {
  let samplesBin = null;
  let out = null;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--samples' && i + 1 < argv.length) samplesBin = argv[++i];
    else if (argv[i] === '--out' && i + 1 < argv.length) out = argv[++i];
    else if (argv[i] === '--verbose') verbose = true;
    else usage();
  }
  if (!out) usage();

  const sdk = await loadSdk();
  if (!sdk) skip('@contentauth/c2pa-wasm is not installed (run scripts/install-deps)');

  if (samplesBin) {
    fs.rmSync(out, { recursive: true, force: true });
    const run = spawnSync(samplesBin, ['--out', out], { stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8', maxBuffer: 64 << 20 });
    process.stdout.write(run.stdout || '');
    if (run.status === 77) skip('c2pa_samples skipped (fixtures missing)');
    if (run.status !== 0) {
      console.log(`c2pa_samples failed (exit ${run.status}${run.signal ? ', ' + run.signal : ''})`);
      process.exit(1);
    }
  }
  const doc = JSON.parse(fs.readFileSync(path.join(out, 'expectations.json'), 'utf8'));
  const trustCache = new Map();
  const trustSettings = (file) => {
    if (!trustCache.has(file)) {
      trustCache.set(file, settings(fs.readFileSync(path.join(out, file), 'utf8')));
    }
    return trustCache.get(file);
  };
  const bareSettings = settings('');

  const rows = [];
  const diffs = [];
  let failures = 0;
  for (const entry of doc.samples) {
    if (entry.sign_error) {
      failures++;
      rows.push([entry.file, 'sign error', '', entry.sign_error, 'FAIL']);
      continue;
    }
    const bytes = new Uint8Array(fs.readFileSync(path.join(out, entry.file)));
    const anchored = await validateBytes(sdk, bytes, trustSettings(entry.trust), entry.file);
    const bare = entry.positive ? await validateBytes(sdk, bytes, bareSettings, entry.file) : null;
    fs.writeFileSync(path.join(out, entry.file + '.sdk.json'), JSON.stringify(anchored, null, 1));
    const problems = judge(entry, anchored, bare || {});
    if (problems.length) failures++;
    const expected = entry.positive ? 'Trusted' :
      entry.sdk.error ? `error ${entry.sdk.error}` : `Invalid ${entry.sdk.failure}`;
    rows.push([entry.file, expected, describe(anchored), describe(entry.ours_result),
      problems.length ? 'FAIL ' + problems.join('; ') : 'ok']);
    if (entry.positive && anchored.state) {
      const ours = entry.ours_result;
      const onlySdk = setDiff([...anchored.success, ...anchored.informational],
        [...ours.success, ...ours.informational]);
      const onlyOurs = setDiff([...ours.success, ...ours.informational],
        [...anchored.success, ...anchored.informational]);
      if (onlySdk.length || onlyOurs.length) {
        diffs.push(`${entry.file}: only SDK ${JSON.stringify(onlySdk)}, ` +
          `only ours ${JSON.stringify(onlyOurs)}`);
      }
    }
  }

  const widths = [0, 0, 0, 0];
  for (const r of rows) for (let i = 0; i < 4; i++) widths[i] = Math.max(widths[i], r[i].length);
  const header = ['sample', 'expected (SDK)', 'SDK', 'ours', 'result'];
  console.log(header.map((h, i) => (i < 4 ? pad(h, widths[i]) : h)).join(' | '));
  for (const r of rows) {
    if (!verbose && r[4] === 'ok' && rows.length > 60 && !r[0].startsWith('neg_') &&
        !r[0].includes('_own-') && !r[0].includes('fixture-es256')) {
      continue;  // long runs: one identity's positives in full, failures and negatives always
    }
    console.log(r.map((c, i) => (i < 4 ? pad(c, widths[i]) : c)).join(' | '));
  }
  if (diffs.length) {
    console.log(`\nstatus codes reported by one side only (informational, ${diffs.length} ` +
      'samples):');
    for (const d of verbose ? diffs : diffs.slice(0, 10)) console.log('  ' + d);
    if (!verbose && diffs.length > 10) console.log(`  ... ${diffs.length - 10} more (--verbose)`);
  }
  console.log(`\n${rows.length - failures}/${rows.length} samples conform`);
  process.exit(failures ? 1 : 0);
}

main(process.argv.slice(2)).catch((e) => {
  console.log(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
