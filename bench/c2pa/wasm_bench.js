// The official C2PA SDK (c2pa-rs 0.91.3 as @contentauth/c2pa-wasm 0.13.3, tests/node) doing what
// c2pa_bench measures for ours, on the same files: sign + embed a generative-AI "created" manifest
// (ES256, the fixtures' es256 certificate, no thumbnail, no timestamp) into the bytes in memory,
// and verify the signed result (trust anchors = the fixtures' root bundle, nothing fetched).
//
//   node bench/c2pa/wasm_bench.js MEDIA_DIR OUT.json [--iterations N]
//
// MEDIA_DIR holds the inputs c2pa_bench --make_media wrote (bench.jpg, bench.mp4). Prints one line
// per operation and writes {"sdk", "node", "results": [{"asset", "bytes", "op", "iterations",
// "ms": [...], "cpu_ms": [...], "median_ms", "min_ms", "median_cpu_ms"}]} (wall and process CPU
// time per run). One untimed warm-up per operation (V8 compiles the wasm
// in tiers). Exit 1 if a signed file does not verify as Trusted.
'use strict';
const fs = require('fs');
const path = require('path');
const { loadSdk, settings, mimeOf, validateBytes, fixturesDir } =
  require('../../tests/c2pa-sdk/validate.js');
const { makeSigner, signWithSdk, createdDefinition } = require('../../tests/c2pa-sdk/sdk_sign.js');

function usage() {
  console.error('usage: wasm_bench.js MEDIA_DIR OUT.json [--iterations N]');
  process.exit(2);
}

const now = () => process.hrtime.bigint();
const ms = (from) => Number(now() - from) / 1e6;
// CPU time of the whole process (V8's compiler and GC threads included), in ms: on a loaded
// machine it is steadier than wall time, and c2pa_bench reports the same for ours.
const cpuNow = () => process.cpuUsage();
const cpuMs = (from) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e3;
};

async function main(argv) {
  const positional = [];
  let iterations = 5;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--iterations' && i + 1 < argv.length) iterations = Number(argv[++i]);
    else if (argv[i].startsWith('--')) usage();
    else positional.push(argv[i]);
  }
  if (positional.length !== 2 || !(iterations > 0)) usage();
  const [mediaDir, outFile] = positional;
  const sdk = await loadSdk();
  if (!sdk) {
    console.error('wasm_bench: @contentauth/c2pa-wasm is not installed (scripts/install-deps)');
    process.exit(1);
  }
  const c2pa = path.join(fixturesDir(), 'c2pa');
  const signer = makeSigner(fs.readFileSync(path.join(c2pa, 'certs', 'es256.pub'), 'utf8'),
    fs.readFileSync(path.join(c2pa, 'certs', 'es256.pem'), 'utf8'));
  const verifySettings = settings(
    fs.readFileSync(path.join(c2pa, 'trust', 'test_cert_root_bundle.pem'), 'utf8'));

  const results = [];
  for (const [asset, name] of [['jpeg', 'bench.jpg'], ['mp4', 'bench.mp4']]) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(mediaDir, name)));
    const mime = mimeOf(bytes);
    const definition = createdDefinition(mime, name);
    let signed = await signWithSdk(sdk, bytes, mime, signer, definition);  // warm-up
    const signMs = [];
    const signCpu = [];
    for (let i = 0; i < iterations; i++) {
      const t = now();
      const c = cpuNow();
      signed = await signWithSdk(sdk, bytes, mime, signer, definition);
      signMs.push(ms(t));
      signCpu.push(cpuMs(c));
    }
    let check = await validateBytes(sdk, signed, verifySettings, name);  // warm-up
    if (check.state !== 'Trusted') {
      console.error(`wasm_bench: the SDK's own ${name} does not verify: ${check.state} ` +
        `${check.error || JSON.stringify(check.failure)}`);
      process.exit(1);
    }
    const verifyMs = [];
    const verifyCpu = [];
    for (let i = 0; i < iterations; i++) {
      const t = now();
      const c = cpuNow();
      check = await validateBytes(sdk, signed, verifySettings, name);
      verifyMs.push(ms(t));
      verifyCpu.push(cpuMs(c));
    }
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    for (const [op, list, cpu] of [['sign', signMs, signCpu], ['verify', verifyMs, verifyCpu]]) {
      const r = { asset, bytes: bytes.length, op, iterations, ms: list, cpu_ms: cpu,
        median_ms: median(list), min_ms: Math.min(...list), median_cpu_ms: median(cpu) };
      results.push(r);
      const mib = (bytes.length / 1048576).toFixed(1);
      console.log(`c2pa-wasm ${asset.padEnd(4)} ${op.padEnd(6)} ${mib} MiB: ` +
        `median ${r.median_ms.toFixed(1)} ms (CPU ${r.median_cpu_ms.toFixed(1)} ms), ` +
        `min ${r.min_ms.toFixed(1)} ms (${iterations} runs)`);
    }
  }
  const out = { sdk: '@contentauth/c2pa-wasm 0.13.3 (c2pa-rs 0.91.3)', node: process.version,
    results };
  fs.writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
