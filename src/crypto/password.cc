#include "crypto/password.h"

#include <sodium.h>

#include "crypto/key_file.h"

namespace custody::crypto {

PasswordParams PasswordParams::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordParams PasswordParams::ForTests() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<std::string> HashPassword(std::string_view password, PasswordParams params) {
  internal::EnsureSodium();
  if (params.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      params.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
      params.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      params.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return InvalidArgument("Argon2id parameters out of range");
  }
  if (password.size() > crypto_pwhash_argon2id_PASSWD_MAX) {
    return InvalidArgument("password too long");
  }
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.opslimit, params.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(ErrorCode::kResourceExhausted, "not enough memory to hash a password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored, std::string_view password) {
  internal::EnsureSodium();
  // libsodium wants a NUL-terminated string in a STRBYTES buffer.
  if (stored.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  char buf[crypto_pwhash_argon2id_STRBYTES] = {};
  stored.copy(buf, stored.size());
  if (stored.substr(0, 10) != "$argon2id$") return false;
  return crypto_pwhash_argon2id_str_verify(buf, password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view stored, PasswordParams params) {
  internal::EnsureSodium();
  if (stored.size() >= crypto_pwhash_argon2id_STRBYTES) return true;
  char buf[crypto_pwhash_argon2id_STRBYTES] = {};
  stored.copy(buf, stored.size());
  return crypto_pwhash_argon2id_str_needs_rehash(buf, params.opslimit, params.memlimit) != 0;
}

}  // namespace custody::crypto
