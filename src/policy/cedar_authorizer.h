// CedarAuthorizer: Custody's governance rules as Cedar policies, evaluated by the native engine
// in policy/cedar/.
//
// A PolicyBundle is a checked, parsed policy set made of named files (the default set is
// policies/default/*.cedar, compiled into the binary). The authorizer holds the active bundle and
// swaps it atomically when an administrator replaces or rolls back the policies: requests already
// being decided finish on the bundle they started with, the next one sees the new one.
//
// For each request the authorizer turns the facts the workflow read from the store (AuthzRequest)
// into Cedar entities and a context, following policies/custody.cedarschema (docs/policies.md
// describes every attribute), and maps Cedar's answer back to a Decision whose `determining` list
// names the policies' @id annotations.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "policy/authorizer.h"
#include "policy/cedar/authorizer.h"
#include "policy/cedar/parser.h"

namespace custody::policy {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};
// policies/default/*.cedar (sorted by name) followed by custody.cedarschema.
const std::vector<EmbeddedFile>& EmbeddedPolicyFiles();

struct PolicyFile {
  std::string name;  // e.g. "30-export.cedar"
  std::string text;
};

// A problem found while checking a policy set: the file, 1-based line and column (0 when the
// problem is not tied to a place), and what is wrong.
struct PolicyProblem {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  json::object ToJson() const;
};

class PolicyBundle {
 public:
  // Parses and checks `files`: every file must parse; every policy needs a unique @id; templates
  // are refused (the server links none); every action named in a scope must be one of Custody's
  // actions and every entity type named in a scope or `is` must be one of Custody's entity types
  // (a typo would otherwise silently never match). On failure returns the problems found.
  static Result<std::shared_ptr<const PolicyBundle>> Build(std::vector<PolicyFile> files,
                                                           std::vector<PolicyProblem>* problems);
  // The built-in default set (policies/default/).
  static std::vector<PolicyFile> DefaultFiles();
  // The schema the server's entities follow (policies/custody.cedarschema).
  static std::string_view SchemaText();

  const cedar::PolicySet& policies() const { return set_; }
  const std::vector<PolicyFile>& files() const { return files_; }
  // Canonical JSON of the files ({"name": "text", ...}) and its SHA-256: what the store keeps.
  const std::string& files_json() const { return files_json_; }
  const std::string& sha256() const { return sha256_; }
  // The @reason annotation of a policy, or "" when it has none.
  const std::string& ReasonOf(std::string_view policy_id) const;

 private:
  PolicyBundle() = default;
  std::vector<PolicyFile> files_;
  cedar::PolicySet set_;
  std::string files_json_;
  std::string sha256_;
  std::vector<std::pair<std::string, std::string>> reasons_;  // policy id → @reason
};

// Files from their stored form (a JSON object name → text).
Result<std::vector<PolicyFile>> PolicyFilesFromJson(std::string_view files_json);

// The Cedar request and entities for `request` (exposed for tests and the decision API).
struct CedarQuery {
  cedar::Entities entities;
  cedar::Request request;
};
CedarQuery ToCedar(const AuthzRequest& request);

// The Cedar entity type and id Custody uses for a resource, e.g. Custody::Asset::"ast_…".
cedar::EntityUid ResourceUid(const ResourceFacts& resource);

class CedarAuthorizer final : public Authorizer {
 public:
  struct Active {
    std::shared_ptr<const PolicyBundle> bundle;
    int64_t version = 0;
  };

  CedarAuthorizer(std::shared_ptr<const PolicyBundle> bundle, int64_t version);

  Decision Authorize(const AuthzRequest& request) const override;
  // Decides with a given bundle (validation previews, tests).
  static Decision Authorize(const PolicyBundle& bundle, const AuthzRequest& request);

  void Activate(std::shared_ptr<const PolicyBundle> bundle, int64_t version);
  Active active() const;

 private:
  mutable std::mutex mu_;
  Active active_;  // GUARDED_BY(mu_)
};

}  // namespace custody::policy
