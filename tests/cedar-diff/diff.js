#!/usr/bin/env node
// Differential check: random Cedar cases (gen.js) evaluated by our engine (cedar_difftool, fed JSON
// lines) and by the official Rust implementation compiled to WebAssembly (@cedar-policy/cedar-wasm,
// pinned in tests/node/package-lock.json). For every request the decision, the set of determining
// policies and the set of erroring policies must agree; when one side rejects the input (a policy
// syntax error, bad entity data, a hierarchy cycle) the other side must reject it too.
//
// A mismatch is shrunk (requests, policies, entities, attributes and expression nodes removed while
// the disagreement persists) and printed as a minimal reproduction; the exit code is then 1.
//
// Usage: node tests/cedar-diff/diff.js --tool build/dev/.../cedar_difftool
//          [--cases 2000] [--seed 1] [--case N (only case N)] [--show 3] [--no-shrink]
// Exit codes: 0 all agree, 1 mismatches, 2 usage error, 77 skipped (no node_modules; a failure
// instead when CUSTODY_REQUIRE_FIXTURES=1).
'use strict';

const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');
const readline = require('readline');
const { generateCase, policiesText } = require('./gen.js');

function parseArgs(argv) {
  const args = { cases: 2000, seed: 1, show: 3, shrink: true, case: null, tool: null };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--tool') args.tool = value();
    else if (a === '--cases') args.cases = Number(value());
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--case') args.case = Number(value());
    else if (a === '--show') args.show = Number(value());
    else if (a === '--no-shrink') args.shrink = false;
    else usage(`unknown argument ${a}`);
  }
  if (!args.tool) usage('--tool is required');
  return args;
}

function usage(message) {
  console.error(`diff.js: ${message}\nusage: node diff.js --tool PATH [--cases N] [--seed S] [--case I] [--show N] [--no-shrink]`);
  process.exit(2);
}

function loadWasm() {
  const dir = path.join(__dirname, '..', 'node', 'node_modules', '@cedar-policy', 'cedar-wasm', 'nodejs');
  if (!fs.existsSync(dir)) {
    const msg = `cedar-wasm not installed at ${dir} (run scripts/install-deps)`;
    if (process.env.CUSTODY_REQUIRE_FIXTURES === '1') {
      console.error(`FAIL: ${msg}`);
      process.exit(1);
    }
    console.log(`SKIP: ${msg}`);
    process.exit(77);
  }
  return require(dir);
}

// Our engine as a child process answering one JSON line per input line, in order.
class Tool {
  constructor(file) {
    this.proc = spawn(file, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    this.exited = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(JSON.parse(line));
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = `cedar_difftool exited (code ${code}, signal ${signal})`;
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
    });
    this.proc.stdin.on('error', () => {});  // reported through 'exit'
  }
  ask(input) {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify(input) + '\n');
    });
  }
  close() {
    this.proc.stdin.end();
    return new Promise((resolve) => {
      if (this.exited) resolve(this.exited);
      else this.proc.on('exit', (code, signal) => resolve(code === 0 ? null : `exit code ${code}, signal ${signal}`));
    });
  }
}

function toolInput(c) {
  return { policies: policiesText(c.policies), entities: c.entities, requests: c.requests };
}

// Both sides' answers as comparable records: {rejected, text} or {decision, reason, errors}.
function oursAnswers(c, out) {
  if (!out.ok) return c.requests.map(() => ({ rejected: true, text: `${out.stage}: ${out.error}` }));
  return out.results.map((r) => (r.error !== undefined ? { rejected: true, text: `request: ${r.error}` }
    : { decision: r.decision, reason: [...r.reason].sort(), errors: [...r.errors].sort(), messages: r.messages }));
}

// cedar-wasm's answers, with the case's policy set parsed once (preparsePolicySet, cached under one
// id that every case reuses) and the entities passed with each request, as its API takes them.
function wasmAnswers(cedar, c) {
  const text = policiesText(c.policies);
  let parsed;
  try {
    parsed = cedar.preparsePolicySet('diff', { staticPolicies: text });
  } catch (e) {
    parsed = { type: 'failure', errors: [{ message: `exception: ${e}` }] };
  }
  if (parsed.type !== 'success') {
    const text = parsed.errors.map((e) => e.message).join('; ');
    return c.requests.map(() => ({ rejected: true, text }));
  }
  return c.requests.map((r) => {
    let res;
    try {
      res = cedar.statefulIsAuthorized({ principal: r.principal, action: r.action, resource: r.resource,
        context: r.context, preparsedPolicySetId: 'diff', entities: c.entities });
    } catch (e) {
      return { rejected: true, text: `exception: ${e}` };
    }
    if (res.type !== 'success') return { rejected: true, text: res.errors.map((e) => e.message).join('; ') };
    const d = res.response.diagnostics;
    const messages = {};
    for (const e of d.errors) messages[e.policyId] = e.error.message;
    return { decision: res.response.decision, reason: [...d.reason].sort(), errors: d.errors.map((e) => e.policyId).sort(), messages };
  });
}

function agree(a, b) {
  if (a.rejected || b.rejected) return Boolean(a.rejected) === Boolean(b.rejected);
  return a.decision === b.decision && JSON.stringify(a.reason) === JSON.stringify(b.reason) &&
    JSON.stringify(a.errors) === JSON.stringify(b.errors);
}

function describe(a) {
  if (a.rejected) return `rejected: ${a.text}`;
  let s = `${a.decision} reason=[${a.reason.join(', ')}] errors=[${a.errors.join(', ')}]`;
  for (const [id, m] of Object.entries(a.messages || {})) s += `\n      ${id}: ${m}`;
  return s;
}

async function mismatches(tool, cedar, c) {
  const ours = oursAnswers(c, await tool.ask(toolInput(c)));
  const theirs = wasmAnswers(cedar, c);
  const out = [];
  c.requests.forEach((_, i) => {
    if (!agree(ours[i], theirs[i])) out.push({ index: i, ours: ours[i], theirs: theirs[i] });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shrinking: greedy removal while the case still has a mismatch.

const clone = (x) => JSON.parse(JSON.stringify(x));

// Every way to make `c` one step smaller.
function* candidates(c) {
  for (let i = 0; i < c.policies.length && c.policies.length > 1; i++) {
    const d = clone(c); d.policies.splice(i, 1); yield d;
  }
  for (let i = 0; i < c.entities.length; i++) {
    const d = clone(c); d.entities.splice(i, 1); yield d;
  }
  for (let i = 0; i < c.entities.length; i++) {
    const e = c.entities[i];
    for (const k of Object.keys(e.attrs || {})) { const d = clone(c); delete d.entities[i].attrs[k]; yield d; }
    if (e.tags) {
      { const d = clone(c); delete d.entities[i].tags; yield d; }
      for (const k of Object.keys(e.tags)) { const d = clone(c); delete d.entities[i].tags[k]; yield d; }
    }
    for (let j = 0; j < (e.parents || []).length; j++) { const d = clone(c); d.entities[i].parents.splice(j, 1); yield d; }
  }
  for (const k of Object.keys(c.requests[0].context)) { const d = clone(c); delete d.requests[0].context[k]; yield d; }
  for (let i = 0; i < c.policies.length; i++) {
    const p = c.policies[i];
    if (p.raw) continue;
    if (p.annotations.length > 0) { const d = clone(c); d.policies[i].annotations = []; yield d; }
    const vars = ['principal', 'action', 'resource'];
    for (let j = 0; j < 3; j++) {
      if (p.scope[j] !== vars[j]) { const d = clone(c); d.policies[i].scope[j] = vars[j]; yield d; }
    }
    for (let j = 0; j < p.conds.length; j++) { const d = clone(c); d.policies[i].conds.splice(j, 1); yield d; }
    for (let j = 0; j < p.conds.length; j++) {
      for (const path of nodePaths(p.conds[j].expr, [])) {
        const target = at(p.conds[j].expr, path);
        const replacements = [...(target.kids || []), { text: 'true' }, { text: 'false' }, { text: '1' }];
        for (const r of replacements) {
          if (r.text !== undefined && r.text === target.text) continue;
          const d = clone(c);
          d.policies[i].conds[j].expr = replaceAt(d.policies[i].conds[j].expr, path, clone(r));
          yield d;
        }
      }
    }
  }
}

// Paths to every node, parents before children so that big cuts are tried first.
function* nodePaths(e, prefix) {
  yield prefix;
  for (let i = 0; i < (e.kids || []).length; i++) yield* nodePaths(e.kids[i], [...prefix, i]);
}
const at = (e, path) => path.reduce((n, i) => n.kids[i], e);
function replaceAt(e, path, r) {
  if (path.length === 0) return r;
  at(e, path.slice(0, -1)).kids[path[path.length - 1]] = r;
  return e;
}

async function shrink(tool, cedar, c, budget = 3000) {
  let best = c;
  let progress = true;
  while (progress && budget > 0) {
    progress = false;
    for (const d of candidates(best)) {
      if (--budget <= 0) break;
      if ((await mismatches(tool, cedar, d)).length > 0) {
        best = d;
        progress = true;
        break;
      }
    }
  }
  return best;
}

function reproduction(c, m, args, index) {
  const lines = [];
  lines.push(`policies:\n${policiesText(c.policies).replace(/^/gm, '    ')}`);
  lines.push(`entities: ${JSON.stringify(c.entities)}`);
  const r = c.requests[m.index];
  lines.push(`request: principal=${JSON.stringify(r.principal)} action=${JSON.stringify(r.action)} resource=${JSON.stringify(r.resource)}`);
  lines.push(`         context=${JSON.stringify(r.context)}`);
  lines.push(`  ours:      ${describe(m.ours)}`);
  lines.push(`  cedar-wasm: ${describe(m.theirs)}`);
  lines.push(`difftool input line: ${JSON.stringify(toolInput({ ...c, requests: [r] }))}`);
  lines.push(`regenerate: node tests/cedar-diff/diff.js --tool <cedar_difftool> --seed ${args.seed} --case ${index}`);
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv);
  const cedar = loadWasm();
  if (!fs.existsSync(args.tool)) usage(`no tool at ${args.tool}`);
  const tool = new Tool(args.tool);
  const start = Date.now();

  const indices = args.case !== null ? [args.case] : [...Array(args.cases).keys()];
  const cases = indices.map((i) => generateCase(args.seed, i));
  // Our side as one pipelined batch, answered by the tool while cedar-wasm works case by case.
  const oursPending = Promise.all(cases.map((c) => tool.ask(toolInput(c))));
  const theirs = [];
  for (const c of cases) {
    theirs.push(wasmAnswers(cedar, c));
    // Let the event loop feed the tool's stdin and read its answers meanwhile.
    if (theirs.length % 16 === 0) await new Promise(setImmediate);
  }
  const ours = await oursPending;
  const stats = { requests: 0, allow: 0, deny: 0, withErrors: 0, rejected: 0, mismatched: 0 };
  const failures = [];
  cases.forEach((c, k) => {
    const o = oursAnswers(c, ours[k]);
    const w = theirs[k];
    c.requests.forEach((_, i) => {
      stats.requests++;
      if (w[i].rejected) stats.rejected++;
      else {
        stats[w[i].decision]++;
        if (w[i].errors.length > 0) stats.withErrors++;
      }
      if (!agree(o[i], w[i])) {
        stats.mismatched++;
        if (!failures.some((f) => f.k === k)) failures.push({ k, index: i });
      }
    });
  });

  for (const f of failures.slice(0, args.show)) {
    let c = cases[f.k];
    // One request only, then everything else that can go.
    c = { ...clone(c), requests: [clone(c.requests[f.index])] };
    if (args.shrink) c = await shrink(tool, cedar, c);
    const m = (await mismatches(tool, cedar, c))[0];
    console.log(`\n=== mismatch in case ${indices[f.k]} (seed ${args.seed})${args.shrink ? ', shrunk' : ''}`);
    console.log(reproduction(c, m, args, indices[f.k]));
  }
  const exit = await tool.close();
  const secs = ((Date.now() - start) / 1000).toFixed(1);
  console.log(`\ncedar differential (seed ${args.seed}): ${cases.length} cases, ${stats.requests} requests in ${secs} s; ` +
    `cedar-wasm said allow ${stats.allow}, deny ${stats.deny} (${stats.withErrors} with policy errors), ` +
    `rejected the input ${stats.rejected}`);
  console.log(`${stats.requests - stats.mismatched} passed, ${stats.mismatched} failed`);
  if (exit) {
    console.log(`cedar_difftool did not exit cleanly: ${exit}`);
    process.exit(1);
  }
  process.exit(stats.mismatched > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
