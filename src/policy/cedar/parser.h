// Parsing Cedar policy text (docs.cedarpolicy.com/policies/syntax-grammar.html) into a PolicySet,
// and Cedar entity-uid syntax (`Namespace::Type::"id"`).
//
// Errors carry the 1-based line and column of the offending token: the message is
// "<name>:<line>:<column>: <what>" (name is the file name given, or "policy"), and the Error's
// details hold {"line": L, "column": C}.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/cedar/ast.h"

namespace custody::cedar {

class PolicySet {
 public:
  // Parses every policy and template in `text`. Ids are policy0, policy1, … in file order
  // (templates share the numbering). With `ids_from_annotations`, a policy with `@id("x")` is
  // named x instead (as the official CLI does); duplicate ids are an error.
  static Result<PolicySet> Parse(std::string_view text, std::string_view name = "policy",
                                 bool ids_from_annotations = false);

  // Adds a parsed policy or template; its id must be new.
  Status Add(Policy policy);

  // Links template `template_id` with slot values into a new static policy `link_id`.
  Status Link(std::string_view template_id, std::string link_id,
              const std::map<Slot, EntityUid>& values);

  // Static and linked policies, in the order they were added (evaluation order).
  const std::vector<Policy>& policies() const { return policies_; }
  const std::vector<Policy>& templates() const { return templates_; }
  const Policy* Find(std::string_view id) const;  // policy or template

 private:
  std::vector<Policy> policies_;
  std::vector<Policy> templates_;
};

// Parses a single entity uid in Cedar syntax: `Type::"id"` or `NS::Type::"id"` (whitespace and
// comments allowed between tokens, as in policies).
Result<EntityUid> ParseEntityUid(std::string_view text);

// Parses a single expression (used by tests and by `custody policy evaluate`-style tools).
Result<ExprPtr> ParseExpression(std::string_view text);

}  // namespace custody::cedar
