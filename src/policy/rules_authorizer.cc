// The interim governance rules, written as a list of named permit and forbid rules so that each
// maps one-to-one onto a Cedar policy with the same @id when the Cedar engine lands.
#include <algorithm>
#include <functional>

#include "policy/authorizer.h"

namespace custody::policy {
namespace {

struct Rule {
  const char* id;
  bool forbid;
  // Returns a reason when the rule matches, nullopt otherwise.
  std::function<std::optional<std::string>(const AuthzRequest&)> match;
};

bool IsApproveOrExport(Action a) { return a == Action::kRequestExport || a == Action::kExport; }

bool HoldsGlobal(const PrincipalFacts& p, Role role) {
  return std::any_of(p.roles.begin(), p.roles.end(),
                     [&](const RoleBinding& b) { return !b.project && b.role == role; });
}

// Approvals that count: live, for the asset's current hash, by a human outside the contributors.
std::set<PrincipalId> QualifyingApprovers(const AuthzRequest& r) {
  std::set<PrincipalId> out;
  const AssetFacts& a = *r.resource.asset;
  for (const ApprovalFacts& ap : a.approvals) {
    if (ap.sha256 != a.sha256) continue;
    if (ap.reviewer_kind != PrincipalKind::kHuman) continue;
    if (a.contributors.count(ap.reviewer)) continue;
    if (ap.expires_at && *ap.expires_at <= r.context.now) continue;
    out.insert(ap.reviewer);
  }
  return out;
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      // ---- permits ----
      {"permit-project-role", false,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (!r.resource.project) return std::nullopt;
         for (const RoleBinding& b : r.principal.roles) {
           if (b.project == r.resource.project && RoleGrants(b.role, r.action))
             return "the principal's project role '" + std::string(Name(b.role)) + "' grants '" +
                    std::string(Name(r.action)) + "'";
         }
         return std::nullopt;
       }},
      {"permit-global-admin", false,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (!HoldsGlobal(r.principal, Role::kAdmin)) return std::nullopt;
         if (r.action == Action::kAdmin || r.action == Action::kRead ||
             r.action == Action::kAuditRead)
           return "global administrators may '" + std::string(Name(r.action)) + "'";
         return std::nullopt;
       }},
      {"permit-global-auditor", false,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (!HoldsGlobal(r.principal, Role::kAuditor)) return std::nullopt;
         if (r.action == Action::kRead || r.action == Action::kAuditRead)
           return "global auditors may '" + std::string(Name(r.action)) + "'";
         return std::nullopt;
       }},

      // ---- forbids ----
      {"forbid-disabled-principal", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.principal.disabled) return "the principal is disabled";
         return std::nullopt;
       }},
      {"forbid-non-human-approves", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.action == Action::kApprove && r.principal.kind != PrincipalKind::kHuman)
           return "non-human principals (" + std::string(Name(r.principal.kind)) +
                  ") never approve";
         return std::nullopt;
       }},
      {"forbid-contributor-approves", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.action != Action::kApprove || !r.resource.asset) return std::nullopt;
         if (r.resource.asset->contributors.count(r.principal.id))
           return "separation of duties: the principal created or acted on this asset or one "
                  "of its ancestors";
         return std::nullopt;
       }},
      {"forbid-approve-other-hash", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.action != Action::kApprove || !r.resource.asset) return std::nullopt;
         if (!r.context.sha256 || *r.context.sha256 != r.resource.asset->sha256)
           return "an approval must name the asset's exact sha256 (" + r.resource.asset->sha256 +
                  ")";
         return std::nullopt;
       }},
      {"forbid-approve-twice", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.action != Action::kApprove || !r.resource.asset) return std::nullopt;
         for (const ApprovalFacts& ap : r.resource.asset->approvals) {
           if (ap.reviewer == r.principal.id && ap.sha256 == r.resource.asset->sha256)
             return "the principal already approved this version; approvals must come from "
                    "distinct reviewers";
         }
         return std::nullopt;
       }},
      {"forbid-export-unapproved", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (!IsApproveOrExport(r.action) || !r.resource.asset) return std::nullopt;
         const AssetFacts& a = *r.resource.asset;
         if (a.stage != Stage::kApproved && a.stage != Stage::kPublished)
           return "only approved assets may be exported (stage is " + std::string(Name(a.stage)) +
                  ")";
         if (QualifyingApprovers(r).empty())
           return "no live approval from a human outside the contributors binds sha256 " + a.sha256;
         return std::nullopt;
       }},
      {"forbid-restricted-single-approval", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (!IsApproveOrExport(r.action) || !r.resource.asset) return std::nullopt;
         if (r.resource.asset->classification != Classification::kRestricted) return std::nullopt;
         size_t n = QualifyingApprovers(r).size();
         if (n < size_t(r.context.required_approvals_restricted))
           return "restricted assets need approvals from " +
                  std::to_string(r.context.required_approvals_restricted) +
                  " distinct humans outside the contributors (have " + std::to_string(n) + ")";
         return std::nullopt;
       }},
      {"forbid-export-without-grant", true,
       [](const AuthzRequest& r) -> std::optional<std::string> {
         if (r.action != Action::kExport || !r.resource.asset) return std::nullopt;
         if (!r.context.grant) return "exports need a just-in-time grant";
         const GrantFacts& g = *r.context.grant;
         if (g.used) return "the grant was already used";
         if (g.expires_at <= r.context.now) return "the grant has expired";
         if (g.requester != r.principal.id) return "the grant was issued to another principal";
         if (g.asset.str() != r.resource.id || g.sha256 != r.resource.asset->sha256)
           return "the grant is bound to another asset version";
         if (r.context.destination && *r.context.destination != g.destination)
           return "the grant is bound to another destination";
         return std::nullopt;
       }},
  };
  return rules;
}

}  // namespace

Decision RulesAuthorizer::Authorize(const AuthzRequest& request) const {
  Decision d;
  d.action = request.action;
  std::vector<std::pair<std::string, std::string>> permits, forbids;
  for (const Rule& rule : Rules()) {
    if (auto reason = rule.match(request)) {
      (rule.forbid ? forbids : permits).emplace_back(rule.id, std::move(*reason));
    }
  }
  const auto& chosen = !forbids.empty() ? forbids : permits;
  d.allowed = forbids.empty() && !permits.empty();
  for (const auto& [id, reason] : chosen) {
    d.determining.push_back(id);
    d.reasons.push_back(reason);
  }
  if (forbids.empty() && permits.empty()) {
    d.determining.push_back("default-deny");
    d.reasons.push_back("no rule permits '" + std::string(Name(request.action)) +
                        "' for this principal on this " + request.resource.type);
  }
  return d;
}

}  // namespace custody::policy
