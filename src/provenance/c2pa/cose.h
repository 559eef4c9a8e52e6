// COSE_Sign1 (RFC 9052) as the C2PA claim signature: detached payload (the claim's exact CBOR
// bytes), protected header {1: alg, 33: x5chain}, unprotected header holding the `pad`/`pad2`
// filler that makes the structure exactly fill the reserved signature box, and optionally the
// v2 timestamp `sigTst2`. See design/notes/c2pa.md §2.6.
//
// Signing goes through the Signer interface (pki.h provides the real one over OpenSSL keys), so
// this file only deals with structure, sizing and verification. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "provenance/c2pa/cbor.h"

namespace custody::provenance::cose {

// COSE algorithm identifiers (IANA), the ones C2PA allows.
enum class Algorithm : int64_t {
  kEs256 = -7,
  kEs384 = -35,
  kEs512 = -36,
  kPs256 = -37,
  kPs384 = -38,
  kPs512 = -39,
  kEd25519 = -8,  // "EdDSA" with an Ed25519 key
};
std::string_view AlgorithmName(Algorithm alg);  // "ES256", ..., "Ed25519"
std::optional<Algorithm> AlgorithmFromCose(int64_t value);
std::optional<Algorithm> AlgorithmFromName(std::string_view name);  // case-insensitive
// Size of a raw signature: 64/96/132 for ES256/384/512 (r||s), 64 for Ed25519, the modulus size
// for PS* (`rsa_bits` / 8).
size_t RawSignatureSize(Algorithm alg, size_t rsa_bits = 0);

// Something that signs claims. Implementations must be thread-safe.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual Algorithm algorithm() const = 0;
  // DER certificates, signing (leaf) certificate first, then intermediates; the root is omitted.
  virtual const std::vector<Bytes>& certificate_chain() const = 0;
  // The raw signature of `data`: r||s (IEEE P1363) for ECDSA, 64 bytes for Ed25519, the PSS
  // signature (salt length = hash length) for PS*.
  virtual Result<Bytes> Sign(std::span<const uint8_t> data) const = 0;
  // An upper bound on Sign's output size.
  virtual size_t max_signature_size() const = 0;
};

// An RFC 3161 time-stamp authority: given the DER TimeStampReq, returns the DER TimeStampResp
// (the transport, usually HTTP POST with Content-Type application/timestamp-query, is the
// caller's; see timestamp.h for building requests and reading responses).
using TimestampTransport = std::function<Result<Bytes>(std::span<const uint8_t> request)>;

// How many bytes to reserve for the signature box's COSE_Sign1: the certificate chain, the
// signature, ~1 KiB of structure, plus 10,000 bytes when a timestamp will be added (mirrors
// c2pa-rs cose_reserve_size).
size_t ReserveSize(const Signer& signer, bool with_timestamp);

struct SignOptions {
  // When set, a sigTst2 timestamp over the signature is requested and embedded.
  const TimestampTransport* timestamp = nullptr;
  // Optional `iat`-style claimed signing time is not written (C2PA 2.2 prefers timestamps).
};

// Signs `claim_bytes` and returns a COSE_Sign1_Tagged of exactly `total_size` bytes: the
// unprotected header's `pad` (and `pad2` when one pad cannot hit the size because of CBOR length
// heads) absorbs the difference. kInvalidArgument if the signature does not fit in total_size.
Result<Bytes> SignClaim(const Signer& signer, std::span<const uint8_t> claim_bytes,
                        size_t total_size, const SignOptions& options = {});

// A COSE_Sign1 as read from a signature box.
struct Sign1 {
  int64_t alg_value = 0;                // as written
  std::optional<Algorithm> alg;         // nullopt if not one C2PA allows
  std::vector<Bytes> x5chain;           // DER, leaf first
  bool x5chain_in_unprotected = false;  // found in the unprotected bucket (v1 files do this)
  bool x5chain_in_both = false;         // in both buckets: invalid per C2PA
  Bytes protected_bytes;                // the protected header's serialized map, as read
  cbor::Value protected_header;
  cbor::Value unprotected_header;
  Bytes signature;
  // The RFC 3161 TimeStampToken (DER ContentInfo) from sigTst2 (version 2) or sigTst (version 1).
  // Found empirically on the fixtures (all imprints SHA-256; ReadTimestampToken also accepts
  // SHA-384/512), and the same as c2pa-rs's validate_cose_tst_info:
  //  - v2 (CACA.jpg): the imprint covers TimestampImprintInput(protected, signature), i.e.
  //    ["CounterSignature", protected, h'', bstr(<CBOR bstr of the signature>)].
  //  - v1 (C.jpg, CA.jpg): the imprint covers TimestampImprintInputV1(protected, claim), i.e.
  //    ["CounterSignature", protected, h'', claim bytes] -- the claim, not the signature; neither
  //    SHA-256(claim) nor SHA-256(SigStructure) match. In v1 the `val` holds the whole
  //    TimeStampResp (status + token); ParseSign1 extracts the token, so this is a ContentInfo
  //    in both versions.
  // TimestampImprintInputFor(sign1, claim) picks the right input for the version.
  std::optional<Bytes> timestamp_token;
  int timestamp_version = 0;         // 0 none, 1 sigTst, 2 sigTst2
  size_t timestamp_token_count = 0;  // entries in tstTokens (C2PA allows exactly one)
  // Set when sigTst/sigTst2 is present but not {"tstTokens": [{"val": bstr}, ...]}; the claim
  // signature itself can still be checked (c2pa-rs then reports timeStamp.malformed).
  std::optional<std::string> timestamp_malformed;
  bool payload_detached = true;  // payload was nil
};

// Parses COSE_Sign1_Tagged (tag 18) or an untagged COSE_Sign1 array. kInvalidArgument on any
// structural problem (message says which).
Result<Sign1> ParseSign1(std::span<const uint8_t> bytes);

// ["Signature1", protected, h'', payload] encoded: what the signature covers.
Bytes SigStructure(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload);

// The bytes an RFC 3161 v2 timestamp (sigTst2) imprints: CBOR
// ["CounterSignature", protected, h'', <bstr of the signature>] (notes §2.6).
Bytes TimestampImprintInput(std::span<const uint8_t> protected_bytes,
                            std::span<const uint8_t> signature);

// The bytes a v1 timestamp (sigTst, deprecated, never written) imprints: CBOR
// ["CounterSignature", protected, h'', claim_bytes].
Bytes TimestampImprintInputV1(std::span<const uint8_t> protected_bytes,
                              std::span<const uint8_t> claim_bytes);

// What `sign1.timestamp_token` must imprint, by sign1.timestamp_version (see Sign1); empty when
// there is no timestamp.
Bytes TimestampImprintInputFor(const Sign1& sign1, std::span<const uint8_t> claim_bytes);

// Verifies `sign1.signature` over SigStructure(protected, claim_bytes) with the public key of
// the leaf certificate x5chain[0]. Returns true/false; an Error only when the key or the
// certificate cannot be used at all (unparseable DER, algorithm/key mismatch), which callers
// report as claimSignature.mismatch / signingCredential.invalid.
Result<bool> VerifyClaimSignature(const Sign1& sign1, std::span<const uint8_t> claim_bytes);

}  // namespace custody::provenance::cose
