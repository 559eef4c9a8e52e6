#include "policy/authorizer.h"

#include <array>

namespace custody::policy {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 20> kActions{{
    {Action::kRead, "read"},
    {Action::kUpload, "upload"},
    {Action::kGenerate, "generate"},
    {Action::kEdit, "edit"},
    {Action::kQueue, "queue"},
    {Action::kSubmit, "submit"},
    {Action::kApprove, "approve"},
    {Action::kReject, "reject"},
    {Action::kRequestExport, "request-export"},
    {Action::kExport, "export"},
    {Action::kRollback, "rollback"},
    {Action::kAdmin, "admin"},
    {Action::kAuditRead, "audit-read"},
    {Action::kPolicyRead, "policy-read"},
    {Action::kPolicyWrite, "policy-write"},
    {Action::kAuthorize, "authorize"},
    {Action::kVerify, "verify"},
    {Action::kIncludePromptInCredentials, "include-prompt-in-credentials"},
    {Action::kIncludeAuthorInCredentials, "include-author-in-credentials"},
    {Action::kRedactFinding, "redact-finding"},
}};

}  // namespace

std::string_view Name(Action a) {
  for (const auto& [v, n] : kActions)
    if (v == a) return n;
  return "unknown";
}

Result<Action> ParseAction(std::string_view name) {
  for (const auto& [v, n] : kActions)
    if (n == name) return v;
  return InvalidArgument("unknown action '" + std::string(name.substr(0, 64)) + "'");
}

const std::vector<Action>& AllActions() {
  static const std::vector<Action> all = [] {
    std::vector<Action> v;
    for (const auto& [a, n] : kActions) v.push_back(a);
    return v;
  }();
  return all;
}

bool RoleGrants(Role role, Action action) {
  // Verifying Content Credentials needs a role, any role (00-roles.cedar, permit-verify).
  if (action == Action::kVerify) return true;
  switch (role) {
    case Role::kCreator:
      return action == Action::kRead || action == Action::kUpload || action == Action::kGenerate ||
             action == Action::kEdit || action == Action::kQueue || action == Action::kSubmit;
    case Role::kReviewer:
      return action == Action::kRead || action == Action::kApprove || action == Action::kReject;
    case Role::kPublisher:
      return action == Action::kRead || action == Action::kRequestExport ||
             action == Action::kExport || action == Action::kRollback;
    case Role::kAuditor:
      return action == Action::kRead || action == Action::kAuditRead;
    case Role::kAdmin:
      // A project admin manages the project's members and sees everything in it; approving and
      // exporting still need the reviewer and publisher roles (separation of duties).
      return action == Action::kRead || action == Action::kAdmin || action == Action::kAuditRead ||
             action == Action::kQueue;
  }
  return false;
}

json::object Decision::ToJson() const {
  json::object o;
  o["allowed"] = allowed;
  o["action"] = std::string(Name(action));
  json::array det, rs, errs;
  for (const auto& s : determining) det.emplace_back(s);
  for (const auto& s : reasons) rs.emplace_back(s);
  for (const auto& s : errors) errs.emplace_back(s);
  o["determining"] = std::move(det);
  o["reasons"] = std::move(rs);
  o["errors"] = std::move(errs);
  if (policy_version > 0) o["policy_version"] = policy_version;
  return o;
}

}  // namespace custody::policy
