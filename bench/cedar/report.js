#!/usr/bin/env node
// Prints the comparison table of scripts/bench-cedar from cedar_bench's Google Benchmark JSON and
// wasm_bench.js's JSON, checks the performance goals, and writes both side by side to SUMMARY.json.
//
// Usage: node bench/cedar/report.js OURS.json SUMMARY.json WASM.json...  (wasm_bench.js outputs,
// merged: one per workload when scripts/bench-cedar runs them in separate processes)
'use strict';

const fs = require('fs');

const [oursFile, summaryFile, ...wasmFiles] = process.argv.slice(2);
if (!oursFile || !summaryFile || wasmFiles.length === 0) {
  console.error('usage: node bench/cedar/report.js OURS.json SUMMARY.json WASM.json...');
  process.exit(2);
}
const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8'));
const wasm = { workloads: {} };
for (const f of wasmFiles) {
  const part = JSON.parse(fs.readFileSync(f, 'utf8'));
  Object.assign(wasm.workloads, part.workloads);
  wasm.engine = part.engine;
  wasm.node = part.node;
  if (part.parse_schema) wasm.parse_schema = part.parse_schema;
}

// Google Benchmark reports times in the benchmark's unit; everything here is in microseconds.
const toUs = (b, t) => t * { ns: 1e-3, us: 1, ms: 1e3, s: 1e6 }[b.time_unit];
const bench = (prefix, name) => ours.benchmarks.find((b) => b.name.startsWith(`${prefix}/${name}`) && b.run_type !== 'aggregate');

const goals = { p50_us: 2, p99_us: 10, speedup: 10 };
const rows = [];
const summary = { context: { ours: ours.context, wasm: { engine: wasm.engine, node: wasm.node } }, goals, workloads: {} };
let failures = 0;
for (const [name, w] of Object.entries(wasm.workloads)) {
  const ev = bench('BM_Evaluate', name);
  const parse = bench('BM_ParsePolicies', name);
  const load = bench('BM_LoadEntities', name);
  const both = bench('BM_LoadAndEvaluate', name);
  if (!ev || !parse || !load || !both) {
    console.error(`report: no cedar_bench results for ${name}`);
    process.exit(1);
  }
  const s = {
    entities: w.entities,
    ours: {
      evaluate: { p50_us: ev.p50_us, p90_us: ev.p90_us, p99_us: ev.p99_us, mean_us: toUs(ev, ev.real_time), samples: ev.samples },
      parse_us: toUs(parse, parse.real_time),
      load_entities_us: toUs(load, load.real_time),
      load_and_evaluate: { p50_us: both.p50_us, p99_us: both.p99_us },
    },
    wasm: {
      evaluate_sliced: w.evaluate_sliced, sliced_entities: w.sliced_entities,
      evaluate_full: w.evaluate_full, evaluate_unparsed: w.evaluate_unparsed,
      parse_us: w.parse.p50_us, load_entities_us: w.load_entities.p50_us,
      decisions_disagree: w.decisions_disagree, decisions_compared: w.decisions_compared,
    },
  };
  s.speedup_p50_sliced = w.evaluate_sliced.p50_us / ev.p50_us;
  s.speedup_p50_full = w.evaluate_full.p50_us / ev.p50_us;
  s.meets = {
    p50: ev.p50_us <= goals.p50_us,
    p99: ev.p99_us <= goals.p99_us,
    speedup: s.speedup_p50_sliced >= goals.speedup,
    decisions: w.decisions_disagree === 0,
  };
  failures += Object.values(s.meets).filter((ok) => !ok).length;
  summary.workloads[name] = s;
  rows.push([name, s.entities, ev.p50_us, ev.p99_us, w.evaluate_sliced.p50_us, w.evaluate_sliced.p99_us,
    w.evaluate_full.p50_us, s.speedup_p50_sliced, s.speedup_p50_full,
    s.ours.parse_us, w.parse.p50_us, s.ours.load_entities_us, w.load_entities.p50_us, both.p50_us,
    `${w.decisions_compared - w.decisions_disagree}/${w.decisions_compared}`]);
}

const fmt = (x) => (typeof x !== 'number' ? String(x) : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
function table(headers, body) {
  const cells = [headers, ...body.map((r) => r.map(fmt))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  cells.slice(1).forEach((r) => console.log(line(r)));
}

console.log(`Cedar authorization, per request, policy set pre-parsed (microseconds). Ours: entities loaded once;`);
console.log(`${wasm.engine} (node ${wasm.node}): entities passed with every call, as its API takes them, either the`);
console.log(`request's slice (best case) or the whole store. Load average: ${(ours.context.load_avg || []).map((x) => x.toFixed(2)).join(' ')}\n`);
table(['workload', 'entities', 'ours p50', 'ours p99', 'wasm p50', 'wasm p99', 'wasm p50 full', 'x p50', 'x full'],
  rows.map((r) => r.slice(0, 9)));
console.log('\nParse and load costs (microseconds, per call; ours: mean, wasm: median), and ours without a cache:\n');
table(['workload', 'ours parse', 'wasm parse', 'ours entities', 'wasm entities', 'ours load+eval p50', 'decisions agree'],
  rows.map((r) => [r[0], ...r.slice(9)]));
const schemaOurs = ours.benchmarks.find((b) => b.name.startsWith('BM_ParseSchema'));
if (schemaOurs && wasm.parse_schema) {
  summary.schema_parse_us = { ours: toUs(schemaOurs, schemaOurs.real_time), wasm: wasm.parse_schema.p50_us };
  console.log(`\nSchema (policies/custody.cedarschema) parse: ours ${fmt(summary.schema_parse_us.ours)} us, wasm ${fmt(summary.schema_parse_us.wasm)} us`);
}
console.log(`\nGoals: ours p50 <= ${goals.p50_us} us, p99 <= ${goals.p99_us} us, >= ${goals.speedup}x cedar-wasm (p50, sliced), same decisions: ` +
  (failures === 0 ? 'all met' : `${failures} not met (see ${summaryFile})`));
fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 1));
