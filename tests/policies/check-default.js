// Checks Custody's default policy set with the official Cedar implementation
// (@cedar-policy/cedar-wasm): the policies validate against policies/custody.cedarschema, and every
// example request in policies/examples/requests.json gets the decision it expects.
// Exit codes: 0 pass, 1 failure, 77 skipped (no node_modules; a failure when
// CUSTODY_REQUIRE_FIXTURES=1).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
let cedar;
try {
  cedar = require(path.join(root, 'tests', 'node', 'node_modules', '@cedar-policy', 'cedar-wasm', 'nodejs'));
} catch (e) {
  console.log('cedar-wasm is not installed (run scripts/install-deps): ' + e.message);
  process.exit(process.env.CUSTODY_REQUIRE_FIXTURES === '1' ? 1 : 77);
}

const dir = path.join(root, 'policies');
const files = fs.readdirSync(path.join(dir, 'default')).filter((f) => f.endsWith('.cedar')).sort();
const schema = fs.readFileSync(path.join(dir, 'custody.cedarschema'), 'utf8');
const policies = {};
for (const f of files) {
  const parts = cedar.policySetTextToParts(fs.readFileSync(path.join(dir, 'default', f), 'utf8'));
  if (parts.type !== 'success') {
    console.log(`${f}: does not parse: ${JSON.stringify(parts.errors)}`);
    process.exit(1);
  }
  for (const p of parts.policies) {
    const m = p.match(/@id\("([^"]+)"\)/);
    if (!m) { console.log(`${f}: a policy has no @id`); process.exit(1); }
    policies[m[1]] = p;
  }
}
let failures = 0;
const v = cedar.validate({ schema, policies: { staticPolicies: policies } });
if (v.type !== 'success' || v.validationErrors.length) {
  console.log('validation failed: ' + JSON.stringify(v, null, 1));
  failures++;
} else {
  console.log(`${Object.keys(policies).length} policies validate against custody.cedarschema`);
}

const entities = JSON.parse(fs.readFileSync(path.join(dir, 'examples', 'entities.json'), 'utf8'));
const requests = JSON.parse(fs.readFileSync(path.join(dir, 'examples', 'requests.json'), 'utf8'));
const euid = (s) => { const m = s.match(/^(.*)::"(.*)"$/); return { type: m[1], id: m[2] }; };
for (const r of requests) {
  const a = cedar.isAuthorized({
    principal: euid(r.principal), action: euid(r.action), resource: euid(r.resource),
    context: r.context, schema, validateRequest: true, policies: { staticPolicies: policies }, entities,
  });
  if (a.type !== 'success') {
    console.log(`FAIL ${r.description}: ${JSON.stringify(a.errors)}`);
    failures++;
    continue;
  }
  const d = a.response.decision;
  const ok = d === r.expect && a.response.diagnostics.errors.length === 0;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.description}: ${d} ${JSON.stringify(a.response.diagnostics.reason)}`);
}
process.exit(failures ? 1 : 0);
