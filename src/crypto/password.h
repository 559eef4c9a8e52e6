// Password hashing with Argon2id (libsodium crypto_pwhash, PHC string format).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace custody::crypto {

// Argon2id cost. The values are stored in the hash string, so verification uses whatever the hash
// was made with; changing the parameters affects new hashes only (see PasswordNeedsRehash).
struct PasswordParams {
  uint64_t opslimit;
  size_t memlimit;  // bytes

  // libsodium's INTERACTIVE limits (2 passes, 64 MiB): the production default for logins.
  static PasswordParams Interactive();
  // The smallest limits Argon2id allows (1 pass, 8 KiB): fast, and only for tests.
  static PasswordParams ForTests();
};

// A "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string (under 128 bytes) with a fresh random salt
// from the OS. kInvalidArgument if `params` are outside libsodium's bounds; kResourceExhausted if
// the memory for the hash cannot be had. Thread-safe.
Result<std::string> HashPassword(std::string_view password, PasswordParams params);

// True if `password` matches `stored`. False for a malformed or non-Argon2 `stored` string. Takes
// as long as the stored parameters say, whatever the outcome. Thread-safe.
bool VerifyPassword(std::string_view stored, std::string_view password);

// True if `stored` was made with parameters other than `params` (or is not a valid Argon2id
// string), so the password should be re-hashed after its next successful verification.
bool PasswordNeedsRehash(std::string_view stored, PasswordParams params);

}  // namespace custody::crypto
