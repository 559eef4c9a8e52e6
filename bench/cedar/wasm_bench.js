#!/usr/bin/env node
// The official Cedar build for WebAssembly (@cedar-policy/cedar-wasm, pinned in tests/node) on the
// workloads cedar_bench exported (--export_workloads=DIR), measured the way cedar_bench measures
// ours: the policy set pre-parsed once (preparsePolicySet + statefulIsAuthorized), each call timed
// on its own with process.hrtime.bigint(), after a warm-up. cedar-wasm cannot keep entities loaded
// between calls: every call receives an entity list (JS objects) and builds its store from it. So
// evaluation is measured twice: with the request's entity slice (its best case, what the Cedar
// docs recommend) and with the whole store.
//
// Also measured: policy text → pre-parsed policy set (preparsePolicySet), entity list → entity
// store (checkParseEntities), schema text → schema (checkParseSchema), and a call that parses
// the policy text too (isAuthorized), for reference. Decisions are compared with ours (exported by
// cedar_bench) and any disagreement is reported.
//
// Usage: node bench/cedar/wasm_bench.js DIR OUT.json [--only NAME] [--budget-ms 2000]
'use strict';

const fs = require('fs');
const path = require('path');

const modDir = path.join(__dirname, '..', '..', 'tests', 'node', 'node_modules', '@cedar-policy', 'cedar-wasm', 'nodejs');
if (!fs.existsSync(modDir)) {
  console.error(`wasm_bench: cedar-wasm not installed at ${modDir} (run scripts/install-deps)`);
  process.exit(1);
}
const cedar = require(modDir);

const [dir, outFile] = process.argv.slice(2);
const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx > 0 ? process.argv[onlyIdx + 1] : null;
const budgetIdx = process.argv.indexOf('--budget-ms');
const budgetMs = budgetIdx > 0 ? Number(process.argv[budgetIdx + 1]) : 2000;
if (!dir || !outFile) {
  console.error('usage: node bench/cedar/wasm_bench.js WORKLOAD_DIR OUT.json [--only NAME] [--budget-ms N]');
  process.exit(2);
}

const now = () => process.hrtime.bigint();

function percentiles(samplesNs) {
  const s = Float64Array.from(samplesNs).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))] / 1e3;
  return { p50_us: at(0.5), p90_us: at(0.9), p99_us: at(0.99), max_us: s[s.length - 1] / 1e3, samples: s.length };
}

// Times fn() repeatedly for about `ms` milliseconds (at least `min` times); per-call percentiles.
function timeRepeated(fn, ms, min = 20) {
  const samples = [];
  const end = Date.now() + ms;
  while (samples.length < min || Date.now() < end) {
    const t0 = now();
    fn(samples.length);
    samples.push(Number(now() - t0));
  }
  return percentiles(samples);
}

function check(answer, what) {
  if (answer.type !== 'success') {
    throw new Error(`${what}: ${JSON.stringify(answer.errors || answer).slice(0, 500)}`);
  }
  return answer;
}

// The entities one request can reach: the principal, the resource and the action, the entities
// their attributes name (one level), and everything above all of these in the hierarchy. This is
// the "entity slice" the Cedar documentation recommends passing per request; it is enough for both
// workloads' policies, and every sliced decision is checked against ours on the full store.
function slice(entities, req) {
  const key = (u) => {
    const x = u.__entity || u;
    return `${x.type}::${JSON.stringify(x.id)}`;
  };
  const byKey = new Map(entities.map((e) => [key(e.uid), e]));
  const out = new Map();
  const add = (k) => {
    const e = byKey.get(k);
    if (!e || out.has(k)) return;
    out.set(k, e);
    for (const p of e.parents) add(key(p));
  };
  const refs = (v, sink) => {
    if (Array.isArray(v)) v.forEach((x) => refs(x, sink));
    else if (v && typeof v === 'object') {
      if (v.__entity) sink.push(key(v));
      else Object.values(v).forEach((x) => refs(x, sink));
    }
  };
  for (const u of [req.principal, req.resource, req.action]) {
    add(key(u));
    const e = byKey.get(key(u));
    if (e) {
      const named = [];
      refs(e.attrs, named);
      named.forEach(add);
    }
  }
  const named = [];
  refs(req.context, named);
  named.forEach(add);
  return [...out.values()];
}

const results = { engine: `cedar-wasm ${cedar.getCedarVersion()}`, node: process.version, workloads: {} };
const names = only ? [only] : JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
const workloads = names.map((name) => {
  const w = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  w.calls = [];
  w.hierarchies.forEach((h, hi) => h.requests.forEach((r, ri) => w.calls.push({ h, hi, r, ri, sliced: slice(h.entities, r) })));
  w.id = `${name}-bench`;
  check(cedar.preparsePolicySet(w.id, { staticPolicies: w.policies }), 'preparse');
  return w;
});

// WebAssembly code runs in a baseline tier first and is optimised while it runs: warm up on every
// workload before timing anything.
{
  const end = Date.now() + 3000;
  for (let i = 0; Date.now() < end; i++) {
    const w = workloads[i % workloads.length];
    const c = w.calls[i % w.calls.length];
    cedar.statefulIsAuthorized({ ...c.r, preparsedPolicySetId: w.id, entities: c.sliced });
    if (i % 50 === 0) cedar.preparsePolicySet(`warmup-${i}`, { staticPolicies: w.policies });
    if (i % 200 === 0) cedar.checkParseEntities({ entities: c.h.entities });
  }
}

for (const w of workloads) {
  const { name, calls, id } = w;
  const r = { requests: calls.length, hierarchies: w.hierarchies.length };
  r.entities = Math.round(w.hierarchies.reduce((n, h) => n + h.entities.length, 0) / w.hierarchies.length);
  r.sliced_entities = calls.reduce((n, c) => n + c.sliced.length, 0) / calls.length;

  // Parse cost: a fresh id each time so that every call really parses.
  r.parse = timeRepeated((i) => check(cedar.preparsePolicySet(`${name}-parse-${i}`, { staticPolicies: w.policies }), 'preparse'), 300, 10);
  r.load_entities = timeRepeated((i) => check(cedar.checkParseEntities({ entities: w.hierarchies[i % w.hierarchies.length].entities }), 'entities'), 300, 5);

  // Decisions against ours: every request with its slice, and the first ones with the full store.
  let disagree = 0;
  let allow = 0;
  const compare = (c, entities, what) => {
    const a = check(cedar.statefulIsAuthorized({ ...c.r, preparsedPolicySetId: id, entities }), `${name} request`);
    const d = a.response.decision;
    const ours = c.h.ours ? c.h.ours[c.ri] : undefined;
    if (ours !== undefined && ours !== d) {
      if (disagree < 5) console.error(`wasm_bench: ${name} hierarchy ${c.hi} request ${c.ri} (${what}): cedar-wasm ${d}, ours ${ours}: ${JSON.stringify(c.r)}`);
      disagree++;
    }
    return d;
  };
  for (const c of calls) allow += compare(c, c.sliced, 'sliced') === 'allow';
  for (const c of calls.slice(0, 25)) compare(c, c.h.entities, 'full store');
  r.decisions_compared = calls.length + Math.min(25, calls.length);
  r.decisions_disagree = disagree;
  r.allow_share = allow / calls.length;

  // Evaluation with the policy set pre-parsed, cycling through the requests: with the request's
  // entity slice, and with the whole entity store as the API takes it.
  const evaluate = (entitiesOf) => (i) => {
    const c = calls[i % calls.length];
    cedar.statefulIsAuthorized({ ...c.r, preparsedPolicySetId: id, entities: entitiesOf(c) });
  };
  r.evaluate_sliced = timeRepeated(evaluate((c) => c.sliced), budgetMs, Math.min(calls.length, 1000));
  r.evaluate_full = timeRepeated(evaluate((c) => c.h.entities), budgetMs / 2, 10);
  // For reference: the plain call, which parses the policy text every time (sliced entities).
  r.evaluate_unparsed = timeRepeated((i) => {
    const c = calls[i % calls.length];
    cedar.isAuthorized({ ...c.r, policies: { staticPolicies: w.policies }, entities: c.sliced });
  }, budgetMs / 4, 10);
  results.workloads[name] = r;
  const f = (x) => x.toFixed(1);
  console.log(`${name}: evaluate p50 ${f(r.evaluate_sliced.p50_us)} us / p99 ${f(r.evaluate_sliced.p99_us)} us with ` +
    `${f(r.sliced_entities)} sliced entities, p50 ${f(r.evaluate_full.p50_us)} us with all ${r.entities}; ` +
    `parse ${f(r.parse.p50_us)} us; entities ${f(r.load_entities.p50_us)} us; ` +
    `decisions disagreeing with ours: ${disagree}/${r.decisions_compared}`);
}

const schemaPath = path.join(__dirname, '..', '..', 'policies', 'custody.cedarschema');
if (fs.existsSync(schemaPath) && (!only || only === 'custody-default')) {
  const text = fs.readFileSync(schemaPath, 'utf8');
  results.parse_schema = timeRepeated(() => check(cedar.checkParseSchema(text), 'schema'), 500);
}
fs.writeFileSync(outFile, JSON.stringify(results, null, 1));
const bad = Object.values(results.workloads).reduce((n, r) => n + r.decisions_disagree, 0);
process.exit(bad > 0 ? 1 : 0);
