// Random Cedar cases for the differential check (diff.js): policies, entities and requests drawn
// from a seeded RNG so that a case is reproducible from (seed, index) alone.
//
// The generator is type-directed: it mostly builds expressions that make sense over the entity
// data it also builds (so that decisions are not all errors), and with a small probability puts an
// expression of the wrong type anywhere (so that type errors, missing attributes and missing
// entities are exercised too). It covers the whole language: every scope form, annotations, when /
// unless, all operators, has (incl. extended has and string attribute names), like with escapes and
// wildcards, is / is-in, set and record literals, every extension constructor and method with valid
// and invalid literals, entity attributes and tags, parent hierarchies (incl. cycles, which must be
// rejected), entity references to absent entities, i64 overflow, and a few policies with syntax
// errors that both sides must reject.
//
// Expressions are kept as small trees ({text} leaves and {fmt, kids} nodes, fully parenthesised)
// so that diff.js can shrink a failing case by replacing a node with one of its children.
'use strict';

// mulberry32: small, fast, good enough for test generation, and identical on every platform.
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    // Picks from [[weight, value], ...].
    weighted: (pairs) => {
      let total = 0;
      for (const [w] of pairs) total += w;
      let r = next() * total;
      for (const [w, v] of pairs) {
        if ((r -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
    subset: (xs, p) => xs.filter(() => next() < p),
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// The universe a case draws from.

const ENTITY_TYPES = ['User', 'Group', 'Doc', 'Folder', 'NS::Thing'];
const IDS = ['alice', 'bob', '', 'x y', 'ü', 'q"t', 'line\nbreak'];
const ACTION_TYPES = ['Action', 'Action', 'Action', 'NS::Action'];
const ACTION_IDS = ['view', 'edit', 'delete', 'readGroup'];

// Attribute names and the type their values usually have (entities and context alike).
const ATTRS = {
  name: 'string',
  age: 'long',
  active: 'bool',
  labels: 'setString',
  owner: 'entity',
  friends: 'setEntity',
  info: 'info',
  addr: 'ip',
  amount: 'decimal',
  created: 'datetime',
  ttl: 'duration',
  'with space': 'string',
  misc: 'any',
};
const TAG_KEYS = ['env', 't1', 't2'];

const STRINGS = ['', 'a', 'abc', 'hello world', 'a*b', '*', 'ünï', 'x\ny', 'foo.bar', 'AbC', 'tab\there'];
const LONGS = [0, 1, -1, 2, 7, 42, 100, -100, 2147483648, -2147483649, 9007199254740991,
  -9007199254740991, 123456789];
// Policy text can hold the i64 extremes exactly (JSON numbers cannot round-trip them through JS).
const BIG_LONGS = ['9223372036854775807', '-9223372036854775808', '4611686018427387904',
  '3037000500', '-3037000500'];

const DECIMALS = ['0.0', '1.5', '-3.14', '123.4567', '922337203685477.5807',
  '-922337203685477.5808', '0.0001', '1.0', '1.00'];
const BAD_DECIMALS = ['1.23456', '1', '.5', '1.', 'abc', '922337203685477.5808', '1.2.3', '- 1.0'];
const IPS = ['10.0.0.1', '10.0.0.0/8', '192.168.1.1/24', '127.0.0.1', '127.0.0.0/8', '224.0.0.1',
  '::1', '::', 'ff02::1', '2001:db8::/32', '2001:db8::1', '0.0.0.0/0', '10.0.0.1/32', 'fe80::1/64',
  '255.255.255.255'];
const BAD_IPS = ['10.0.0.256', '1.2.3', '10.0.0.1/33', '::1/129', 'abc', '01.2.3.4', '::ffff:1.2.3.4',
  '1.2.3.4/', ''];
const DATETIMES = ['2024-01-01', '2024-06-15T12:30:00Z', '2024-06-15T12:30:00.123Z',
  '2024-06-15T12:30:00+0130', '1970-01-01', '2000-02-29T23:59:59-0800', '1969-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999Z', '0000-01-01'];
const BAD_DATETIMES = ['2024-13-01', '2024-02-30', '2024-01-01T25:00:00Z', '24-01-01',
  '2024-01-01T00:00:00.1Z', '2024-01-01T00:00:00', '2024-01-01 00:00:00Z', '2024-1-1'];
const DURATIONS = ['1d', '2h30m', '-1h', '1d2h3m4s5ms', '0ms', '100ms', '-5s', '60m', '1h',
  '9223372036854775807ms', '-9223372036854775808ms', '106751991167d'];
const BAD_DURATIONS = ['', '1x', '1h1d', '1.5h', 'h', '1', '1d-2h', '9223372036854775808ms',
  '106751991168d'];

// How often an extension value in entity or context data is malformed. Such data makes the whole
// entity store (or the request) invalid for both sides, so it must stay rare.
const BAD_DATA = 0.004;

// Policies at the edges of the grammar; most are syntax errors the official parser rejects (and ours
// must too), a few are accepted and fail only when evaluated.
const EDGE_POLICIES = [
  'permit(principal, action == User::"x", resource);',
  'permit(principal in [User::"x"], action, resource);',
  'permit(principal, action, resource) when { !!!!!true };',
  'permit(principal, action, resource) when { 1 < 2 < 3 };',
  'permit(principal, action, resource) when { {a: 1, a: 2} has a };',
  'permit(principal, action, resource) when { principal has if };',
  'permit(principal, action, resource) when { "a".decimal() };',
  'permit(principal, action, resource) when { -(9223372036854775808) < 0 };',
  'permit(principal, action, resource) when { nosuchfn("x") };',
  'permit(principal, action, resource) when { "\\*" == "*" };',
  'permit(principal, action, resource) when { __cedar::ip("1.1.1.1").isIpv4() };',
  'permit(principal, action, resource) when { principal.contains() };',
  'permit(principal, action, resource) when { true }',
  'permit(principal, action, resource) when { context.x like context.y };',
  'permitt(principal, action, resource);',
  'permit(resource, action, principal);',
  'permit(principal, action, resource) when { principal is User::"x" };',
  'permit(principal, action, resource) when { ip("1.1.1.1", "x").isIpv4() };',
  'permit(principal == ?principal, action, resource);',
  'permit(principal, action, resource) when { [1].isEmpty(1) };',
  'permit(principal, action, resource) when { decimal("1.0").lessThan() };',
  'permit(principal, action, resource) when { ip() == ip() };',
  'permit(principal, action, resource) when { principal.getTag("a", "b") };',
  'permit(principal, action, resource) when { context.x.nosuch() };',
  'permit(principal, action, resource) when { principal is User in [User::"a"] };',
  'permit(principal, action in [], resource);',
  'forbid(principal is NS::Thing in NS::Thing::"", action, resource is User) unless { false };',
];

// ---------------------------------------------------------------------------------------------
// Cedar text.

function cedarString(rng, s) {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += rng.chance(0.5) ? '\\n' : '\\u{a}';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\0') out += '\\0';
    else if (cp > 127 && rng.chance(0.5)) out += `\\u{${cp.toString(16)}}`;
    else if (cp >= 0x41 && cp <= 0x5a && rng.chance(0.1)) out += `\\x${cp.toString(16)}`;
    else out += ch;
  }
  return out + '"';
}

function uidText(rng, uid) {
  return `${uid.type}::${cedarString(rng, uid.id)}`;
}

const leaf = (text) => ({ text });
const node = (fmt, ...kids) => ({ fmt, kids });
// `(a OP b)`
const bin = (op, a, b) => node(['(', 0, ` ${op} `, 1, ')'], a, b);
const call = (recv, name, ...args) => {
  const fmt = ['(', 0, `).${name}(`];
  args.forEach((_, i) => {
    if (i > 0) fmt.push(', ');
    fmt.push(i + 1);
  });
  fmt.push(')');
  return node(fmt, recv, ...args);
};
const fn = (name, arg) => node([`${name}(`, 0, ')'], arg);

function printExpr(e) {
  if (e.text !== undefined) return e.text;
  return e.fmt.map((p) => (typeof p === 'number' ? printExpr(e.kids[p]) : p)).join('');
}

// ---------------------------------------------------------------------------------------------
// Values (entity data and context) in Cedar's JSON format.

function entityRef(rng, uid) {
  // Without a schema the implicit {type, id} form is a record, not an entity: both must agree.
  return rng.chance(0.05) ? { type: uid.type, id: uid.id } : { __entity: { type: uid.type, id: uid.id } };
}

function extn(fnName, arg) {
  return { __extn: { fn: fnName, arg } };
}

class CaseGen {
  constructor(rng) {
    this.rng = rng;
    // Candidate uids for this case; about two thirds of them exist as entities.
    this.uids = [];
    const n = 4 + rng.int(5);
    for (let i = 0; i < n; i++) {
      this.uids.push({ type: rng.pick(ENTITY_TYPES), id: rng.pick(IDS) });
    }
    this.actions = [];
    for (let i = 0; i < 3; i++) this.actions.push({ type: rng.pick(ACTION_TYPES), id: rng.pick(ACTION_IDS) });
    this.group = { type: 'Action', id: 'readGroup' };
  }

  anyUid() {
    return this.rng.chance(0.85) ? this.rng.pick(this.uids)
      : { type: this.rng.pick(ENTITY_TYPES), id: this.rng.pick(IDS) };
  }

  // A JSON value of the given attribute type.
  json(type, depth = 0) {
    const rng = this.rng;
    if (rng.chance(0.04) && depth < 2) type = rng.pick(Object.values(ATTRS));
    switch (type) {
      case 'string': return rng.pick(STRINGS);
      case 'long': return rng.pick(LONGS);
      case 'bool': return rng.chance(0.5);
      case 'entity': return entityRef(rng, this.anyUid());
      case 'setString': return rng.subset(STRINGS, 0.25);
      case 'setEntity': {
        const out = [];
        for (let i = rng.int(4); i > 0; i--) out.push(entityRef(rng, this.anyUid()));
        return out;
      }
      case 'info': {
        const out = {};
        if (rng.chance(0.8)) out.level = this.json('long', depth + 1);
        if (rng.chance(0.6)) out.note = this.json('string', depth + 1);
        if (rng.chance(0.5)) out.deep = { flag: rng.chance(0.5) };
        return out;
      }
      case 'ip': return extn('ip', rng.chance(BAD_DATA) ? rng.pick(BAD_IPS) : rng.pick(IPS));
      case 'decimal': return extn('decimal', rng.chance(BAD_DATA) ? rng.pick(BAD_DECIMALS) : rng.pick(DECIMALS));
      case 'datetime':
        if (rng.chance(0.1)) {
          return { __extn: { fn: 'offset', args: [extn('datetime', rng.pick(DATETIMES)), extn('duration', rng.pick(DURATIONS))] } };
        }
        return extn('datetime', rng.chance(BAD_DATA) ? rng.pick(BAD_DATETIMES) : rng.pick(DATETIMES));
      case 'duration': return extn('duration', rng.chance(BAD_DATA) ? rng.pick(BAD_DURATIONS) : rng.pick(DURATIONS));
      default: {
        const t = rng.pick(['string', 'long', 'bool', 'entity', 'setString', 'info', 'ip', 'decimal']);
        if (depth >= 2) return rng.pick(STRINGS);
        if (rng.chance(0.15)) return [this.json(t, depth + 1), this.json('long', depth + 1)];
        return this.json(t, depth + 1);
      }
    }
  }

  attrs(p) {
    const out = {};
    for (const [name, type] of Object.entries(ATTRS)) {
      if (this.rng.chance(p)) out[name] = this.json(type);
    }
    return out;
  }

  entities() {
    const rng = this.rng;
    const seen = new Set();
    const present = [];
    for (const uid of this.uids) {
      const key = `${uid.type}::${uid.id}`;
      if (seen.has(key) || !rng.chance(0.7)) continue;
      seen.add(key);
      present.push(uid);
    }
    const out = [];
    present.forEach((uid, i) => {
      // Parents point forward in the list (a DAG), sometimes to absent entities; rarely backward,
      // which can close a cycle (an error for both).
      const parents = [];
      for (let j = i + 1; j < present.length; j++) {
        if (rng.chance(0.3)) parents.push(entityRef(rng, present[j]));
      }
      if (rng.chance(0.15)) parents.push(entityRef(rng, { type: rng.pick(ENTITY_TYPES), id: 'absent' }));
      if (i > 0 && rng.chance(0.006)) parents.push(entityRef(rng, present[rng.int(i + 1)]));
      const e = { uid: rng.chance(0.8) ? { type: uid.type, id: uid.id } : { __entity: { type: uid.type, id: uid.id } },
        attrs: this.attrs(0.55), parents };
      if (rng.chance(0.4)) {
        e.tags = {};
        for (const k of TAG_KEYS) {
          if (rng.chance(0.5)) e.tags[k] = this.json(rng.chance(0.7) ? 'string' : 'any');
        }
      }
      out.push(e);
    });
    // Action entities, the group one as parent.
    const actionSeen = new Set();
    for (const a of this.actions) {
      const key = `${a.type}::${a.id}`;
      if (actionSeen.has(key) || seen.has(key) || !rng.chance(0.6)) continue;
      actionSeen.add(key);
      const parents = a.id !== 'readGroup' && rng.chance(0.6) ? [{ type: 'Action', id: 'readGroup' }] : [];
      out.push({ uid: { type: a.type, id: a.id }, attrs: rng.chance(0.2) ? this.attrs(0.3) : {}, parents });
    }
    // A uid listed twice: accepted when both entries are the same entity, an error otherwise.
    if (rng.chance(0.02) && out.length > 0) {
      const copy = JSON.parse(JSON.stringify(rng.pick(out)));
      if (rng.chance(0.5)) copy.attrs = this.attrs(0.3);
      else if (rng.chance(0.3)) copy.uid = { __entity: copy.uid.__entity || copy.uid };
      out.push(copy);
    }
    return out;
  }

  request() {
    const rng = this.rng;
    return {
      principal: this.anyUid(),
      action: rng.chance(0.9) ? rng.pick(this.actions) : this.group,
      resource: this.anyUid(),
      context: this.attrs(0.5),
    };
  }

  // ----- expressions, by the type they should produce -----------------------------------------

  gen(type, d) {
    const rng = this.rng;
    if (rng.chance(0.06)) type = rng.pick(['bool', 'long', 'string', 'entity', 'set', 'record', 'ip', 'decimal', 'datetime', 'duration']);
    const g = this[`gen_${type}`];
    return g.call(this, Math.max(d, 0));
  }

  uidLit(uid) {
    return leaf(uidText(this.rng, uid));
  }

  strLit(s) {
    return leaf(cedarString(this.rng, s !== undefined ? s : this.rng.pick(STRINGS)));
  }

  // `base.attr` or `base["attr"]` for an attribute of the given type, on an entity or on context.
  attrOf(type, d) {
    const rng = this.rng;
    const names = Object.keys(ATTRS).filter((n) => ATTRS[n] === type);
    const name = names.length > 0 && rng.chance(0.9) ? rng.pick(names) : rng.pick(Object.keys(ATTRS));
    const base = rng.weighted([
      [4, () => leaf('principal')], [4, () => leaf('resource')], [4, () => leaf('context')],
      [1, () => leaf('action')], [1, () => this.uidLit(this.anyUid())],
      [d > 0 ? 1 : 0, () => node(['(', 0, ').owner'], rng.chance(0.5) ? leaf('principal') : leaf('resource'))],
    ])();
    return this.access(base, name);
  }

  access(base, name) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && this.rng.chance(0.8)) return node(['(', 0, `).${name}`], base);
    return node(['(', 0, `)[${cedarString(this.rng, name)}]`], base);
  }

  ite(type, d) {
    return node(['(if ', 0, ' then ', 1, ' else ', 2, ')'], this.gen('bool', d - 1), this.gen(type, d - 1), this.gen(type, d - 1));
  }

  gen_bool(d) {
    const rng = this.rng;
    if (d === 0) {
      return rng.weighted([
        [3, () => leaf(rng.chance(0.5) ? 'true' : 'false')],
        [2, () => this.attrOf('bool', 0)],
        [1, () => node(['(', 0, ').deep.flag'], this.attrOf('info', 0))],
        [1, () => bin('in', leaf(rng.pick(['principal', 'resource'])), this.uidLit(this.anyUid()))],
        [1, () => bin('has', leaf(rng.pick(['principal', 'resource', 'context'])), leaf(rng.pick(Object.keys(ATTRS).filter((n) => !n.includes(' ')))))],
      ])();
    }
    const cmpType = () => rng.weighted([[5, 'long'], [2, 'datetime'], [2, 'duration'], [1, 'decimal'], [1, 'string']]);
    const eqType = () => rng.pick(['long', 'string', 'entity', 'set', 'record', 'ip', 'decimal', 'datetime', 'duration', 'bool']);
    return rng.weighted([
      [2, () => this.gen_bool(0)],
      [4, () => { const t = eqType(); return bin(rng.pick(['==', '!=']), this.gen(t, d - 1), this.gen(rng.chance(0.9) ? t : eqType(), d - 1)); }],
      [3, () => { const t = cmpType(); return bin(rng.pick(['<', '<=', '>', '>=']), this.gen(t, d - 1), this.gen(t, d - 1)); }],
      [3, () => bin(rng.pick(['&&', '||']), this.gen('bool', d - 1), this.gen('bool', d - 1))],
      [2, () => node(['(!', 0, ')'], this.gen('bool', d - 1))],
      [1, () => this.ite('bool', d)],
      [3, () => bin('in', this.gen('entity', d - 1), rng.chance(0.6) ? this.gen('entity', d - 1) : this.entitySet(d - 1))],
      [1, () => bin('in', leaf('action'), rng.chance(0.5) ? this.uidLit(this.group) : node(['[', 0, ', ', 1, ']'], this.uidLit(rng.pick(this.actions)), this.uidLit(this.group)))],
      [3, () => this.hasExpr(d)],
      [2, () => node(['(', 0, ` like ${this.pattern()})`], this.gen('string', d - 1))],
      [2, () => this.isExpr(d)],
      [3, () => this.setPredicate(d)],
      [2, () => call(this.gen('entity', d - 1), 'hasTag', this.tagKey(d))],
      [2, () => call(this.gen('ip', d - 1), rng.pick(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast']))],
      [0.3, () => call(this.gen('ip', d - 1), rng.pick(['isIpv4', 'isInRange', 'isMulticast']), this.gen('ip', d - 1), this.gen('ip', d - 1))],
      [1, () => call(this.gen('ip', d - 1), 'isInRange', this.gen('ip', d - 1))],
      [2, () => call(this.gen('decimal', d - 1), rng.pick(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual']), this.gen('decimal', d - 1))],
      [1, () => call(this.gen('entity', d - 1), 'getTag', this.tagKey(d))],
    ])();
  }

  tagKey(d) {
    return this.rng.chance(0.85) ? this.strLit(this.rng.pick([...TAG_KEYS, 'nope'])) : this.gen('string', d - 1);
  }

  hasExpr(d) {
    const rng = this.rng;
    const base = rng.chance(0.7) ? leaf(rng.pick(['principal', 'resource', 'context'])) : this.gen(rng.pick(['entity', 'record']), d - 1);
    return rng.weighted([
      [4, () => node(['(', 0, ` has ${rng.pick(Object.keys(ATTRS).filter((n) => !n.includes(' ')))})`], base)],
      [1, () => node(['(', 0, ` has ${cedarString(rng, rng.pick(Object.keys(ATTRS)))})`], base)],
      [2, () => node(['(', 0, ` has info.${rng.pick(['level', 'note', 'deep', 'nope'])})`], base)],
      [1, () => node(['(', 0, ' has info.deep.flag)'], base)],
      [1, () => node(['(', 0, ` has ${rng.pick(['level', 'note', 'deep'])})`], this.gen('record', d - 1))],
    ])();
  }

  isExpr(d) {
    const rng = this.rng;
    const type = rng.pick([...ENTITY_TYPES, 'Action', 'NS::Action', 'Nope']);
    if (rng.chance(0.6)) return node(['(', 0, ` is ${type})`], this.gen('entity', d - 1));
    const rhs = rng.chance(0.7) ? this.gen('entity', d - 1) : this.entitySet(d - 1);
    return node(['(', 0, ` is ${type} in `, 1, ')'], this.gen('entity', d - 1), rhs);
  }

  // A like pattern: literal runs (with escapes, incl. \*) and wildcards.
  pattern() {
    const rng = this.rng;
    let out = '"';
    for (let i = 1 + rng.int(4); i > 0; i--) {
      out += rng.weighted([
        [3, '*'], [4, rng.pick(['a', 'b', 'ab', 'abc', 'hello', ' ', 'ü', '.', 'o w'])],
        [1, '\\*'], [1, '\\n'], [1, '\\u{fc}'], [1, '**'], [1, '\\"'], [1, '\\\\'],
      ]);
    }
    return out + '"';
  }

  setPredicate(d) {
    const rng = this.rng;
    const set = this.gen('set', d - 1);
    return rng.weighted([
      [3, () => call(set, 'contains', this.gen(rng.pick(['string', 'long', 'entity']), d - 1))],
      [2, () => call(set, 'containsAll', this.gen('set', d - 1))],
      [2, () => call(set, 'containsAny', this.gen('set', d - 1))],
      [1, () => call(set, 'isEmpty')],
    ])();
  }

  entitySet(d) {
    const n = this.rng.int(4);
    const kids = [];
    for (let i = 0; i < n; i++) kids.push(this.rng.chance(0.9) ? this.gen('entity', d - 1) : this.gen('long', d - 1));
    return this.listNode(kids);
  }

  listNode(kids) {
    const fmt = ['['];
    kids.forEach((_, i) => {
      if (i > 0) fmt.push(', ');
      fmt.push(i);
    });
    if (kids.length > 0 && this.rng.chance(0.05)) fmt.push(',');  // trailing comma (Cedar 4.4+)
    fmt.push(']');
    return node(fmt, ...kids);
  }

  gen_long(d) {
    const rng = this.rng;
    const lit = () => {
      if (rng.chance(0.15)) return leaf(`(${rng.pick(BIG_LONGS)})`);
      const n = rng.pick(LONGS);
      return leaf(n < 0 ? `(${n})` : `${n}`);
    };
    if (d === 0) return rng.chance(0.6) ? lit() : this.attrOf('long', 0);
    return rng.weighted([
      [3, lit],
      [2, () => this.attrOf('long', d)],
      [1, () => node(['(', 0, ').level'], this.attrOf('info', d))],
      [4, () => bin(rng.pick(['+', '-', '*']), this.gen('long', d - 1), this.gen('long', d - 1))],
      [1, () => node(['(-', 0, ')'], this.gen('long', d - 1))],
      [1, () => this.ite('long', d)],
      [2, () => call(this.gen('duration', d - 1), rng.pick(['toMilliseconds', 'toSeconds', 'toMinutes', 'toHours', 'toDays']))],
    ])();
  }

  gen_string(d) {
    const rng = this.rng;
    if (d === 0) return rng.chance(0.6) ? this.strLit() : this.attrOf('string', 0);
    return rng.weighted([
      [3, () => this.strLit()],
      [3, () => this.attrOf('string', d)],
      [1, () => node(['(', 0, ').note'], this.attrOf('info', d))],
      [1, () => this.ite('string', d)],
      [2, () => call(this.gen('entity', d - 1), 'getTag', this.tagKey(d))],
    ])();
  }

  gen_entity(d) {
    const rng = this.rng;
    const basic = () => rng.weighted([
      [3, () => leaf(rng.pick(['principal', 'resource']))], [1, () => leaf('action')],
      [3, () => this.uidLit(this.anyUid())], [1, () => this.uidLit(rng.pick(this.actions))],
    ])();
    if (d === 0) return basic();
    return rng.weighted([
      [4, basic],
      [2, () => this.attrOf('entity', d)],
      [1, () => this.ite('entity', d)],
    ])();
  }

  gen_set(d) {
    const rng = this.rng;
    const literal = () => {
      const t = rng.pick(['long', 'string', 'entity', 'bool', 'set', 'decimal']);
      const kids = [];
      for (let i = rng.int(4); i > 0; i--) kids.push(this.gen(rng.chance(0.9) ? t : 'long', d - 1));
      return this.listNode(kids);
    };
    if (d === 0) return rng.chance(0.5) ? leaf('[]') : this.attrOf(rng.pick(['setString', 'setEntity']), 0);
    return rng.weighted([
      [3, literal],
      [3, () => this.attrOf(rng.pick(['setString', 'setEntity']), d)],
      [1, () => this.entitySet(d)],
      [1, () => this.ite('set', d)],
    ])();
  }

  gen_record(d) {
    const rng = this.rng;
    const literal = () => {
      const keys = rng.subset(['level', 'note', 'deep', 'with space', 'if', 'a'], 0.4);
      const fmt = ['{'];
      const kids = [];
      keys.forEach((k, i) => {
        if (i > 0) fmt.push(', ');
        const key = /^[a-z]+$/.test(k) && k !== 'if' && rng.chance(0.6) ? k : cedarString(rng, k);
        fmt.push(`${key}: `, i);
        kids.push(this.gen(k === 'level' ? 'long' : k === 'note' ? 'string' : k === 'deep' ? 'record' : rng.pick(['long', 'bool', 'string']), d - 1));
      });
      fmt.push('}');
      return node(fmt, ...kids);
    };
    if (d === 0) return rng.chance(0.5) ? leaf('context') : this.attrOf('info', 0);
    return rng.weighted([[2, literal], [2, () => this.attrOf('info', d)], [1, () => leaf('context')], [1, () => this.ite('record', d)]])();
  }

  ext(name, good, bad, type, d) {
    const rng = this.rng;
    const ctor = () => {
      if (rng.chance(0.1) && d > 0) return fn(name, this.gen('string', d - 1));
      // Extension functions check their arity when called, not when parsed.
      if (rng.chance(0.02)) return node([`${name}(`, 0, ', ', 1, ')'], this.strLit(rng.pick(good)), this.strLit());
      return fn(name, leaf(cedarString(rng, rng.chance(0.9) ? rng.pick(good) : rng.pick(bad))));
    };
    if (d === 0) return rng.chance(0.7) ? ctor() : this.attrOf(type, 0);
    return rng.weighted([[4, ctor], [2, () => this.attrOf(type, d)], [1, () => this.ite(type, d)]])();
  }

  gen_ip(d) { return this.ext('ip', IPS, BAD_IPS, 'ip', d); }
  gen_decimal(d) { return this.ext('decimal', DECIMALS, BAD_DECIMALS, 'decimal', d); }
  gen_duration(d) {
    if (d > 0 && this.rng.chance(0.3)) {
      return this.rng.chance(0.5) ? call(this.gen('datetime', d - 1), 'toTime')
        : call(this.gen('datetime', d - 1), 'durationSince', this.gen('datetime', d - 1));
    }
    return this.ext('duration', DURATIONS, BAD_DURATIONS, 'duration', d);
  }
  gen_datetime(d) {
    if (d > 0 && this.rng.chance(0.3)) {
      return this.rng.chance(0.5) ? call(this.gen('datetime', d - 1), 'toDate')
        : call(this.gen('datetime', d - 1), 'offset', this.gen('duration', d - 1));
    }
    return this.ext('datetime', DATETIMES, BAD_DATETIMES, 'datetime', d);
  }

  // ----- policies --------------------------------------------------------------------------------

  scope(which) {
    const rng = this.rng;
    const uid = () => uidText(rng, this.anyUid());
    if (which === 'action') {
      return rng.weighted([
        [3, 'action'],
        [3, `action == ${uidText(rng, rng.pick(this.actions))}`],
        [2, `action in ${uidText(rng, rng.chance(0.5) ? this.group : rng.pick(this.actions))}`],
        [2, `action in [${uidText(rng, rng.pick(this.actions))}, ${uidText(rng, this.group)}]`],
        [1, 'action in []'],
      ]);
    }
    const type = rng.pick(ENTITY_TYPES);
    return rng.weighted([
      [4, which],
      [2, `${which} == ${uid()}`],
      [2, `${which} in ${uid()}`],
      [2, `${which} is ${type}`],
      [1, `${which} is ${type} in ${uid()}`],
    ]);
  }

  policy(depth) {
    const rng = this.rng;
    if (rng.chance(0.02)) return { raw: rng.pick(EDGE_POLICIES) };
    const annotations = [];
    if (rng.chance(0.15)) annotations.push(rng.chance(0.5) ? '@id("custom")' : '@note("x")');
    if (rng.chance(0.05)) annotations.push('@flag');
    const conds = [];
    for (let n = rng.weighted([[3, 0], [6, 1], [1, 2]]); n > 0; n--) {
      conds.push({ when: rng.chance(0.8), expr: this.gen('bool', depth) });
    }
    return {
      annotations,
      effect: rng.chance(0.7) ? 'permit' : 'forbid',
      scope: [this.scope('principal'), this.scope('action'), this.scope('resource')],
      conds,
    };
  }
}

function policyText(p) {
  if (p.raw) return p.raw;
  const conds = p.conds.map((c) => ` ${c.when ? 'when' : 'unless'} { ${printExpr(c.expr)} }`).join('');
  const anno = p.annotations.map((a) => `${a}\n`).join('');
  return `${anno}${p.effect}(${p.scope.join(', ')})${conds};`;
}

function policiesText(policies) {
  return policies.map(policyText).join('\n// next\n');
}

// Case `index` of the run seeded with `seed`.
function generateCase(seed, index) {
  const rng = makeRng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
  const g = new CaseGen(rng);
  const policies = [];
  for (let n = 1 + rng.int(4); n > 0; n--) policies.push(g.policy(1 + rng.int(3)));
  const entities = g.entities();
  const requests = [];
  for (let n = 3; n > 0; n--) requests.push(g.request());
  return { policies, entities, requests };
}

module.exports = { generateCase, policiesText, policyText, printExpr, makeRng };
