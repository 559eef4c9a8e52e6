// The table of scripts/bench-c2pa: ours (c2pa_bench, Google Benchmark JSON) against one SHA-256
// pass over the same bytes and against the official SDK (wasm_bench.js output), medians in ms.
//
//   node bench/c2pa/report.js c2pa.json c2pa-wasm.json SUMMARY.json
'use strict';
const fs = require('fs');

const [oursFile, wasmFile, summaryFile] = process.argv.slice(2);
if (!summaryFile) {
  console.error('usage: report.js c2pa.json c2pa-wasm.json SUMMARY.json');
  process.exit(2);
}
const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8'));
const wasm = JSON.parse(fs.readFileSync(wasmFile, 'utf8'));

const toMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 };
// Median wall (real_time) or CPU (cpu_time) ms of one of ours.
function oursMedian(name, field = 'real_time') {
  // run_name carries the options too: "BM_Sign/jpeg/min_time:0.500/repeats:5/real_time".
  const b = ours.benchmarks.find((x) => x.aggregate_name === 'median' &&
    (x.run_name === name || x.run_name.startsWith(name + '/')));
  if (!b) throw new Error(`no median for ${name} in ${oursFile}`);
  if (b.error_occurred) throw new Error(`${name}: ${b.error_message}`);
  return b[field] * toMs[b.time_unit];
}
function sdkMedian(asset, op, field = 'median_ms') {
  const r = wasm.results.find((x) => x.asset === asset && x.op === op);
  return r && r[field] !== undefined ? r[field] : null;
}

const ctx = ours.context || {};
const summary = { sdk: wasm.sdk, node: wasm.node,
  machine: { date: ctx.date, num_cpus: ctx.num_cpus, mhz_per_cpu: ctx.mhz_per_cpu,
    load_avg: ctx.load_avg },
  assets: {} };
const tables = { wall: [], cpu: [] };
for (const asset of ['jpeg', 'mp4']) {
  const bytes = wasm.results.find((x) => x.asset === asset).bytes;
  const s = { bytes };
  for (const [kind, oursField, sdkField] of [['wall', 'real_time', 'median_ms'],
    ['cpu', 'cpu_time', 'median_cpu_ms']]) {
    const sha = oursMedian(`BM_Sha256/${asset}`, oursField);
    s[`sha256_${kind}_ms`] = sha;
    for (const op of ['sign', 'verify']) {
      const o = oursMedian(`BM_${op === 'sign' ? 'Sign' : 'Verify'}/${asset}`, oursField);
      const w = sdkMedian(asset, op, sdkField);
      s[`${op}_${kind}_ms`] = o;
      s[`sdk_${op}_${kind}_ms`] = w;
      tables[kind].push({ asset, size: `${(bytes / 1048576).toFixed(1)} MiB`, op, sha, ours: o,
        sdk: w });
    }
  }
  summary.assets[asset] = s;
}
fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 1) + '\n');

const f = (x, d = 1) => (x === null ? '-' : x.toFixed(d));
for (const [kind, rows] of Object.entries(tables)) {
  const unit = kind === 'wall' ? 'ms' : 'CPU ms';
  const header = ['asset', 'size', 'operation', `SHA-256 ${unit}`, `ours ${unit}`, 'ours/SHA-256',
    `SDK ${unit}`, 'SDK/ours'];
  const lines = rows.map((r) => [r.asset, r.size, r.op === 'sign' ? 'sign+embed' : 'verify',
    f(r.sha), f(r.ours), `${f(r.ours / r.sha, 2)}x`, f(r.sdk),
    r.sdk === null ? '-' : `${f(r.sdk / r.ours, 1)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(kind === 'wall' ? 'wall time (medians)'
    : '\nCPU time (medians; the SDK: the node process, all threads)');
  console.log(fmt(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
}
console.log(`\nours: ES256, bytes in memory (c2pa_bench); SDK: ${wasm.sdk} on node ${wasm.node}; ` +
  `load average ${(ctx.load_avg || []).map((x) => x.toFixed(1)).join(' ')} ` +
  `on ${ctx.num_cpus} CPUs`);
