// RFC 3161 time-stamps for C2PA claim signatures (notes §2.6 "Timestamp"): building the request
// sent to a TSA, taking the token out of its response, and reading and checking a token found in
// a manifest (sigTst2, or v1 sigTst). Backed by OpenSSL's TS and CMS code. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"

namespace custody::provenance {

// A DER TimeStampReq for SHA-256(imprint_input), certReq = true, with a random 64-bit nonce.
Bytes MakeTimestampRequest(std::span<const uint8_t> imprint_input, Random& random);

// The DER TimeStampToken (a CMS ContentInfo) from a DER TimeStampResp. kUnavailable if the TSA
// refused (status not granted), kInvalidArgument if the response is malformed.
Result<Bytes> TimestampTokenFromResponse(std::span<const uint8_t> response);

struct TimestampInfo {
  TimePoint gen_time;
  std::vector<Bytes> tsa_chain;  // DER certificates carried in the token, signer first
  bool imprint_matches = false;  // the token's messageImprint is SHA-*(expected input)
  bool signature_valid = false;  // the CMS signature verifies with the token's signer cert
};

// Parses `token` and checks its imprint against `imprint_input` and its CMS signature against the
// signer certificate it carries (trust in that certificate is the caller's: certificates.h).
// `token` may also be a whole DER TimeStampResp (v1 sigTst keeps one), read as the token inside.
// kInvalidArgument if the token cannot be parsed (kUnavailable for a TimeStampResp whose status
// is not granted).
Result<TimestampInfo> ReadTimestampToken(std::span<const uint8_t> token,
                                         std::span<const uint8_t> imprint_input);

}  // namespace custody::provenance
