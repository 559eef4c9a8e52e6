#include "identity/identity.h"

#include "crypto/token.h"

namespace custody::identity {

namespace {
Error BadCredentials() { return Unauthenticated("invalid name or password"); }
}  // namespace

IdentityService::IdentityService(Store& store, const Clock& clock, Random& random,
                                 IdentityOptions options)
    : store_(store), clock_(clock), random_(random), options_(std::move(options)) {
  auto h = crypto::HashPassword("custody-timing-equaliser", options_.password);
  if (h.ok()) dummy_hash_ = *h;
}

Result<std::string> IdentityService::HashPassword(std::string_view password) const {
  if (password.size() < options_.min_password_length)
    return InvalidArgument("passwords must have at least " +
                           std::to_string(options_.min_password_length) + " characters");
  if (password.size() > 1024) return InvalidArgument("password too long");
  return crypto::HashPassword(password, options_.password);
}

Result<PrincipalRecord> IdentityService::CheckPassword(std::string_view name,
                                                       std::string_view password) const {
  if (name.size() > 64 || password.size() > 1024) return BadCredentials();
  ASSIGN_OR_RETURN(auto found,
                   store_.Read([&](ReadTx& tx) { return tx.FindPrincipalByName(name); }));
  if (!found || found->password_hash.empty()) {
    if (!dummy_hash_.empty()) (void)crypto::VerifyPassword(dummy_hash_, password);
    return BadCredentials();
  }
  if (!crypto::VerifyPassword(found->password_hash, password)) return BadCredentials();
  if (found->disabled) return Unauthenticated("principal is disabled");
  return *found;
}

Result<TokenRecord> IdentityService::NewToken(WriteTx& tx, TokenKind kind,
                                              const PrincipalId& principal, Duration ttl,
                                              std::optional<TokenId> parent, std::string label,
                                              std::string* secret) const {
  static constexpr std::string_view kPrefixes[] = {"at", "rt", "ak"};
  *secret = crypto::NewSecretToken(kPrefixes[static_cast<int>(kind)], random_);
  TokenRecord t;
  t.id = NewId<TokenId>(random_);
  t.hash = crypto::TokenHash(*secret);
  t.kind = kind;
  t.principal = principal;
  t.issued_at = clock_.Now();
  t.expires_at = t.issued_at + ttl;
  t.parent = std::move(parent);
  t.label = std::move(label);
  RETURN_IF_ERROR(tx.InsertToken(t));
  return t;
}

Result<TokenPair> IdentityService::IssueTokens(WriteTx& tx,
                                               const PrincipalRecord& principal) const {
  return IssueTokens(tx, principal, std::nullopt);
}

Result<TokenPair> IdentityService::IssueTokens(WriteTx& tx, const PrincipalRecord& principal,
                                               const std::optional<TokenId>& family) const {
  if (principal.disabled) return Unauthenticated("principal is disabled");
  TokenPair pair;
  // A refresh token's parent is the first refresh token of its login (the family root); an
  // access token's parent is the refresh token it was issued with.
  ASSIGN_OR_RETURN(TokenRecord refresh,
                   NewToken(tx, TokenKind::kRefresh, principal.id, options_.refresh_ttl, family, "",
                            &pair.refresh_token));
  ASSIGN_OR_RETURN(TokenRecord access,
                   NewToken(tx, TokenKind::kAccess, principal.id, options_.access_ttl, refresh.id,
                            "", &pair.access_token));
  pair.access_expires_at = access.expires_at;
  pair.refresh_expires_at = refresh.expires_at;
  return pair;
}

Status IdentityService::RevokeLoginFamily(WriteTx& tx, const TokenRecord& refresh) const {
  TokenId root = refresh.parent.value_or(refresh.id);
  ASSIGN_OR_RETURN(auto tokens, tx.TokensOf(refresh.principal));
  for (const TokenRecord& t : tokens) {
    if (t.kind == TokenKind::kRefresh && (t.id == root || t.parent == root))
      RETURN_IF_ERROR(tx.RevokeTokenFamily(t.id));
  }
  return OkStatus();
}

Result<std::pair<TokenPair, PrincipalRecord>> IdentityService::Refresh(
    WriteTx& tx, std::string_view refresh_token) const {
  ASSIGN_OR_RETURN(auto found, tx.FindTokenByHash(crypto::TokenHash(refresh_token)));
  if (!found || found->kind != TokenKind::kRefresh) return Unauthenticated("unknown refresh token");
  if (found->revoked) {
    // A revoked refresh token presented again means it leaked: revoke every token descended
    // from the same login, including the ones the rotation issued.
    RETURN_IF_ERROR(RevokeLoginFamily(tx, *found));
    return Unauthenticated("refresh token was already used or revoked");
  }
  if (found->expires_at <= clock_.Now()) return Unauthenticated("refresh token expired");
  ASSIGN_OR_RETURN(PrincipalRecord principal, tx.GetPrincipal(found->principal));
  if (principal.disabled) return Unauthenticated("principal is disabled");
  RETURN_IF_ERROR(tx.RevokeTokenFamily(found->id));
  ASSIGN_OR_RETURN(TokenPair pair, IssueTokens(tx, principal, found->parent.value_or(found->id)));
  return std::make_pair(std::move(pair), std::move(principal));
}

Result<Caller> IdentityService::Authenticate(ReadTx& tx, std::string_view bearer) const {
  if (bearer.empty() || bearer.size() > 200) return Unauthenticated("missing or malformed token");
  ASSIGN_OR_RETURN(auto found, tx.FindTokenByHash(crypto::TokenHash(bearer)));
  if (!found) return Unauthenticated("unknown token");
  if (found->kind == TokenKind::kRefresh)
    return Unauthenticated("a refresh token cannot be used as an access token");
  if (found->revoked) return Unauthenticated("token revoked");
  if (found->expires_at <= clock_.Now()) return Unauthenticated("token expired");
  ASSIGN_OR_RETURN(PrincipalRecord principal, tx.GetPrincipal(found->principal));
  if (principal.disabled) return Unauthenticated("principal is disabled");
  ASSIGN_OR_RETURN(auto roles, tx.RolesOf(principal.id));
  // An access token's parent is the refresh token it came with; that token's parent (or itself)
  // is the family root, issued at login.
  TimePoint started = found->issued_at;
  if (found->parent) {
    auto refresh = tx.GetToken(*found->parent);
    if (refresh.ok()) {
      started = refresh->issued_at;
      if (refresh->parent) {
        auto root = tx.GetToken(*refresh->parent);
        if (root.ok()) started = root->issued_at;
      }
    }
  }
  return Caller{std::move(principal), std::move(*found), std::move(roles), started};
}

Result<Caller> IdentityService::Authenticate(std::string_view bearer) const {
  return store_.Read([&](ReadTx& tx) { return Authenticate(tx, bearer); });
}

Status IdentityService::Logout(WriteTx& tx, const TokenRecord& presented) const {
  if (presented.kind == TokenKind::kApiKey) return tx.RevokeToken(presented.id);
  TokenId family = presented.parent.value_or(presented.id);
  return tx.RevokeTokenFamily(family).ok() ? OkStatus() : tx.RevokeToken(presented.id);
}

Result<PrincipalRecord> IdentityService::CreatePrincipal(
    WriteTx& tx, const NewPrincipal& spec, const std::optional<PrincipalId>& created_by) const {
  RETURN_IF_ERROR(ValidateName(spec.name, "principal name"));
  if (spec.display_name.size() > 200) return InvalidArgument("display name too long");
  if (spec.kind == PrincipalKind::kHuman) {
    if (spec.owner) return InvalidArgument("human principals have no owner");
  } else {
    if (!spec.owner)
      return InvalidArgument("a " + std::string(Name(spec.kind)) +
                             " principal needs a human owner");
    auto owner = tx.GetPrincipal(*spec.owner);
    if (!owner.ok()) return InvalidArgument("owner " + spec.owner->str() + " does not exist");
    if (owner->kind != PrincipalKind::kHuman)
      return InvalidArgument("the owner of a non-human principal must be a human");
    if (owner->disabled) return InvalidArgument("the owner is disabled");
  }
  PrincipalRecord p;
  p.id = NewId<PrincipalId>(random_);
  p.name = spec.name;
  p.kind = spec.kind;
  p.owner = spec.owner;
  p.display_name = spec.display_name.empty() ? spec.name : spec.display_name;
  p.password_hash = spec.password_hash;
  p.created_at = clock_.Now();
  p.created_by = created_by;
  RETURN_IF_ERROR(tx.InsertPrincipal(p));
  return p;
}

Result<int> IdentityService::SetDisabled(WriteTx& tx, const PrincipalId& id, bool disabled) const {
  ASSIGN_OR_RETURN(PrincipalRecord p, tx.GetPrincipal(id));
  p.disabled = disabled;
  RETURN_IF_ERROR(tx.UpdatePrincipal(p));
  if (!disabled) return 0;
  return tx.RevokeTokensOf(id);
}

Result<std::pair<std::string, TokenRecord>> IdentityService::CreateApiKey(WriteTx& tx,
                                                                          const PrincipalId& id,
                                                                          Duration ttl,
                                                                          std::string label) const {
  ASSIGN_OR_RETURN(PrincipalRecord p, tx.GetPrincipal(id));
  if (p.kind == PrincipalKind::kHuman)
    return InvalidArgument("API keys are for service, worker and agent principals");
  if (p.disabled) return Conflict("principal is disabled");
  if (ttl <= Duration::zero()) return InvalidArgument("an API key must expire");
  if (ttl > options_.max_api_key_ttl)
    return InvalidArgument(
        "API keys may live at most " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::hours>(options_.max_api_key_ttl).count() / 24) +
        " days");
  if (label.size() > 200) return InvalidArgument("label too long");
  std::string secret;
  ASSIGN_OR_RETURN(TokenRecord t, NewToken(tx, TokenKind::kApiKey, id, ttl, std::nullopt,
                                           std::move(label), &secret));
  return std::make_pair(std::move(secret), std::move(t));
}

Result<std::optional<PrincipalRecord>> IdentityService::Bootstrap(
    WriteTx& tx, const std::string& password_hash) const {
  ASSIGN_OR_RETURN(auto all, tx.ListPrincipals());
  if (!all.empty()) return std::optional<PrincipalRecord>();
  NewPrincipal spec;
  spec.name = "admin";
  spec.display_name = "Bootstrap administrator";
  spec.password_hash = password_hash;
  ASSIGN_OR_RETURN(PrincipalRecord admin, CreatePrincipal(tx, spec, std::nullopt));
  RETURN_IF_ERROR(tx.AddRole(RoleBinding{admin.id, std::nullopt, Role::kAdmin}));
  return std::optional<PrincipalRecord>(std::move(admin));
}

}  // namespace custody::identity
