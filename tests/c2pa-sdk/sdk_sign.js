// Signing with the official SDK (@contentauth/c2pa-wasm 0.13.3), for the benchmark baseline
// (bench/c2pa/wasm_bench.js) and for SDK-made samples our verifier must accept.
//
// c2pa-wasm's signer is "direct COSE": the SDK builds the manifest, embeds a placeholder, hashes
// the asset and hands the claim bytes to a JS callback, which must return the whole
// COSE_Sign1_Tagged of exactly `reserveSize` bytes (c2pa-rs compares it with the placeholder's
// size). So the callback here does what c2pa-rs does natively (cose_sign + pad_cose_sig): protected
// {1: alg, 33: [leaf, intermediates...]}, detached payload, raw signature (P1363 r||s for ECDSA),
// unprotected {"pad": zeros} sized to the reserve. The private key operation is node:crypto
// (OpenSSL), as ours.
//
// The SDK reads assets through Blob + FileReaderSync, which Node lacks: BytesBlob and the
// FileReaderSync below are a synchronous stand-in over a Uint8Array (same copies as a browser).
'use strict';
const crypto = require('crypto');

// --- a minimal CBOR encoder (definite lengths, preferred serialization) for the COSE structure.
function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

// Values: integers, strings (text), Buffer/Uint8Array (bytes), arrays, Map (keys in insertion
// order), null, Tagged.
function encode(v) {
  if (v === null) return Buffer.from([0xf6]);
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(encode)]);
  if (v instanceof Map) {
    const parts = [head(5, v.size)];
    for (const [k, x] of v) parts.push(encode(k), encode(x));
    return Buffer.concat(parts);
  }
  if (v instanceof Tagged) return Buffer.concat([head(6, v.tag), encode(v.value)]);
  throw new Error(`cbor: cannot encode ${typeof v}`);
}

function pemCertificates(pem) {
  const out = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  let m;
  while ((m = re.exec(pem)) !== null) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  return out;
}

const COSE_ALG = { es256: -7, es384: -35, es512: -36, ps256: -37, ps384: -38, ps512: -39,
  ed25519: -8 };

// A direct-COSE signer definition for WasmBuilder.sign. `chainPem`: leaf then intermediates;
// `keyPem`: PKCS#8. The algorithm follows the key (P-256 → es256, Ed25519 → ed25519, ...).
function makeSigner(chainPem, keyPem, reserveSize) {
  const key = crypto.createPrivateKey(keyPem);
  let alg;
  let signRaw;
  if (key.asymmetricKeyType === 'ed25519') {
    alg = 'ed25519';
    signRaw = (tbs) => crypto.sign(null, tbs, key);
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails.namedCurve;
    const [a, hash] = { prime256v1: ['es256', 'sha256'], secp384r1: ['es384', 'sha384'],
      secp521r1: ['es512', 'sha512'] }[curve];
    alg = a;
    signRaw = (tbs) => crypto.sign(hash, tbs, { key, dsaEncoding: 'ieee-p1363' });
  } else if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    alg = 'ps256';
    signRaw = (tbs) => crypto.sign('sha256', tbs,
      { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  } else {
    throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  }
  const chain = pemCertificates(chainPem);
  const chainBytes = chain.reduce((n, c) => n + c.length, 0);
  // c2pa-rs cose_reserve_size: certificates + signature + 1024 of COSE overhead.
  const reserve = reserveSize || chainBytes + 512 + 1024;
  const x5chain = chain.length === 1 ? chain[0] : chain;
  const protectedBytes = encode(new Map([[1, COSE_ALG[alg]], [33, x5chain]]));
  return {
    alg,
    reserveSize: reserve,
    sign: async (claim) => {
      const tbs = encode(['Signature1', protectedBytes, Buffer.alloc(0), Buffer.from(claim)]);
      const signature = signRaw(tbs);
      return new Uint8Array(padCose(protectedBytes, signature, reserve));
    },
  };
}

// COSE_Sign1_Tagged with an unprotected pad (and pad2 when one pad cannot hit the size, as
// c2pa-rs pad_cose_sig) so the result is exactly `size` bytes.
function padCose(protectedBytes, signature, size) {
  const build = (pad, pad2) => {
    const unprotected = new Map([['pad', Buffer.alloc(pad)]]);
    if (pad2 !== undefined) unprotected.set('pad2', Buffer.alloc(pad2));
    return encode(new Tagged(18, [protectedBytes, unprotected, null, signature]));
  };
  const base = build(0).length;
  if (base > size) throw new Error(`COSE of ${base} bytes exceeds the reserve ${size}`);
  for (let pad = size - base; pad >= Math.max(0, size - base - 8); pad--) {
    const b = build(pad);
    if (b.length === size) return b;
  }
  for (let pad2 = 0; pad2 < 32; pad2++) {
    for (let pad = size - base - pad2; pad >= Math.max(0, size - base - pad2 - 16); pad--) {
      const b = build(pad, pad2);
      if (b.length === size) return b;
    }
  }
  throw new Error(`cannot pad the COSE to ${size} bytes`);
}

class BytesBlob {
  constructor(u8) {
    this.u8 = u8;
    this.size = u8.length;
  }
  slice(start, end) {
    return new BytesBlob(this.u8.subarray(start, end));
  }
}

function installFileReaderSync() {
  if (globalThis.FileReaderSync) return;
  globalThis.FileReaderSync = class {
    readAsArrayBuffer(blob) {
      if (!(blob instanceof BytesBlob)) throw new Error('FileReaderSync stand-in: not a BytesBlob');
      const u = blob.u8;
      return u.buffer.slice(u.byteOffset, u.byteOffset + u.length);
    }
  };
}

// A generative-AI "created" manifest definition, the same content our builder writes for an
// export: claim generator, title, format, one c2pa.created action with trainedAlgorithmicMedia.
function createdDefinition(mime, title) {
  return {
    claim_generator_info: [{ name: 'Custody', version: '0.1.0' }],
    title,
    format: mime,
    assertions: [{
      label: 'c2pa.actions.v2',
      data: { actions: [{
        action: 'c2pa.created',
        digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
        softwareAgent: { name: 'Custody', version: '0.1.0' },
      }] },
    }],
  };
}

// Signs `bytes` (a Uint8Array) with the SDK: returns the signed asset's bytes. Thumbnails are off
// (ours makes none).
async function signWithSdk(sdk, bytes, mime, signer, definition) {
  installFileReaderSync();
  const def = definition || createdDefinition(mime, 'asset');
  const builder = sdk.WasmBuilder.fromJson(JSON.stringify(def),
    JSON.stringify({ builder: { thumbnail: { enabled: false } } }));
  try {
    return await builder.sign(signer, [], mime, new BytesBlob(bytes));
  } finally {
    builder.free();
  }
}

module.exports = { makeSigner, signWithSdk, createdDefinition, BytesBlob, installFileReaderSync,
  encode, Tagged, pemCertificates };
