// Evaluating Cedar: expressions (cedar-lean/Cedar/Spec/Evaluator.lean) and authorization requests
// (Authorizer.lean): default deny, forbid overrides permit, a policy whose evaluation errors is
// skipped and reported.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "policy/cedar/ast.h"
#include "policy/cedar/entities.h"
#include "policy/cedar/parser.h"

namespace custody::cedar {

struct Request {
  EntityUid principal;
  EntityUid action;
  EntityUid resource;
  Value context = Value(Record{});  // a record
};

struct PolicyError {
  std::string policy_id;
  std::string message;
};

struct Response {
  bool allow = false;
  std::vector<std::string> reason;  // determining policy ids, in policy-set order
  std::vector<PolicyError> errors;  // policies whose evaluation errored, in policy-set order
};

// Evaluates every policy of `policies` on `request`.
Response IsAuthorized(const Request& request, const PolicySet& policies, const Entities& entities);

// Evaluates one expression. Errors (type errors, missing entities or attributes, overflow,
// extension errors) come back as Error with a message in the style of the Rust implementation.
Result<Value> Evaluate(const Expr& expr, const Request& request, const Entities& entities);

// Whether `policy` is satisfied by `request` (scope and conditions), or the error evaluating it.
Result<bool> Satisfied(const Policy& policy, const Request& request, const Entities& entities);

}  // namespace custody::cedar
