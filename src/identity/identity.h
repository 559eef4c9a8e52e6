// Identity: principals, passwords, bearer tokens and API keys.
//
// Every credential is an opaque 256-bit random secret; the store keeps only its SHA-256, so a
// database leak reveals no usable token. Access tokens are short-lived; refresh tokens rotate on
// use (the old one is revoked, and reuse of a revoked refresh token revokes its whole family);
// API keys belong to service/agent/worker principals and always expire. Disabling a principal
// revokes every token it holds in the same transaction, and Authenticate re-checks the principal
// on every request, so a disabled principal is locked out at once.
//
// Methods taking a WriteTx& compose into a caller's use-case transaction (so the audit entry for
// the same event commits with it). Password hashing and verification (Argon2id, deliberately
// slow) run outside any transaction so they never stall the store's writer.
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "crypto/password.h"
#include "model/model.h"
#include "store/store.h"

namespace custody::identity {

struct IdentityOptions {
  Duration access_ttl = std::chrono::minutes(15);
  Duration refresh_ttl = std::chrono::hours(24 * 30);
  Duration max_api_key_ttl = std::chrono::hours(24 * 366);
  size_t min_password_length = 12;
  crypto::PasswordParams password = crypto::PasswordParams::Interactive();
};

struct TokenPair {
  std::string access_token;
  TimePoint access_expires_at;
  std::string refresh_token;
  TimePoint refresh_expires_at;
};

// Who is calling, as established from a bearer credential.
struct Caller {
  PrincipalRecord principal;
  TokenRecord token;
  std::vector<RoleBinding> roles;
  // When this session began: the login that started the token family, or the API key's issue.
  // Policies see the session's age (context.session.age).
  TimePoint session_started_at;
};

struct NewPrincipal {
  std::string name;
  PrincipalKind kind = PrincipalKind::kHuman;
  std::optional<PrincipalId> owner;
  std::string display_name;
  std::string password_hash;  // from HashPassword; empty: no password login
};

class IdentityService {
 public:
  IdentityService(Store& store, const Clock& clock, Random& random, IdentityOptions options);

  // Argon2id hash of a new password; kInvalidArgument if it is too short.
  Result<std::string> HashPassword(std::string_view password) const;

  // Verifies name + password. Unknown names cost the same time as wrong passwords, and both give
  // the same kUnauthenticated error.
  Result<PrincipalRecord> CheckPassword(std::string_view name, std::string_view password) const;

  Result<TokenPair> IssueTokens(WriteTx& tx, const PrincipalRecord& principal) const;

  // Rotates a refresh token. Presenting an already revoked refresh token revokes its family
  // (token theft detection) and fails. Returns the new pair and the principal.
  Result<std::pair<TokenPair, PrincipalRecord>> Refresh(WriteTx& tx,
                                                        std::string_view refresh_token) const;

  // Resolves a bearer secret to a live principal. kUnauthenticated for unknown, expired,
  // revoked or refresh tokens, and for disabled principals.
  Result<Caller> Authenticate(ReadTx& tx, std::string_view bearer) const;
  Result<Caller> Authenticate(std::string_view bearer) const;

  // Revokes the presented token's family (an access token's refresh parent and siblings).
  Status Logout(WriteTx& tx, const TokenRecord& presented) const;

  // Creates a principal; non-human principals need a human owner that exists and is enabled.
  Result<PrincipalRecord> CreatePrincipal(WriteTx& tx, const NewPrincipal& spec,
                                          const std::optional<PrincipalId>& created_by) const;

  // Disables (or re-enables) a principal; disabling revokes all its tokens. Returns how many
  // live tokens were revoked.
  Result<int> SetDisabled(WriteTx& tx, const PrincipalId& id, bool disabled) const;

  // An API key for a non-human principal, shown once. `ttl` is capped by max_api_key_ttl.
  Result<std::pair<std::string, TokenRecord>> CreateApiKey(WriteTx& tx, const PrincipalId& id,
                                                           Duration ttl, std::string label) const;

  // Creates the bootstrap administrator "admin" with a global admin role if there are no
  // principals yet; returns nullopt when the database already has principals.
  Result<std::optional<PrincipalRecord>> Bootstrap(WriteTx& tx,
                                                   const std::string& password_hash) const;

  const IdentityOptions& options() const { return options_; }

 private:
  Result<TokenPair> IssueTokens(WriteTx& tx, const PrincipalRecord& principal,
                                const std::optional<TokenId>& family) const;
  // Revokes every refresh token of the login `refresh` belongs to, and their access tokens.
  Status RevokeLoginFamily(WriteTx& tx, const TokenRecord& refresh) const;
  Result<TokenRecord> NewToken(WriteTx& tx, TokenKind kind, const PrincipalId& principal,
                               Duration ttl, std::optional<TokenId> parent, std::string label,
                               std::string* secret) const;

  Store& store_;
  const Clock& clock_;
  Random& random_;
  IdentityOptions options_;
  std::string dummy_hash_;  // verified against when the name is unknown (equal timing)
};

}  // namespace custody::identity
