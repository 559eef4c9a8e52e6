// Opaque bearer secrets (refresh tokens, session tokens, API keys) and how they are stored.
//
// A token is "cst_<kind>_<52 base32 chars>" holding 256 random bits. The prefix makes leaked
// tokens recognisable to secret scanners and tells a reader which table to look in. Only
// TokenHash(token) is stored, never the token.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"

namespace custody::crypto {

// A fresh token of `kind` ("at", "rt", "ak", ...). Thread-safe if `random` is.
// REQUIRES: kind is 1..8 characters of [a-z0-9] (kinds are constants in our code).
std::string NewSecretToken(std::string_view kind, Random& random);

// True if `token` has the exact shape NewSecretToken(kind, ...) produces. Use it to reject junk
// before hashing and looking up.
bool LooksLikeSecretToken(std::string_view token, std::string_view kind);

// Lowercase hex SHA-256 of the token, the form tokens are stored and looked up in. A fast hash is
// right here, unlike for passwords: the input is 256 uniformly random bits, so there is nothing
// to guess and a slow KDF (Argon2id) would only make every authenticated request slower. Equality
// lookups by hash also avoid comparing secrets in non-constant time.
std::string TokenHash(std::string_view token);

}  // namespace custody::crypto
