// cedar_difftool: our side of the differential check against cedar-wasm (tests/cedar-diff/).
//
// Reads JSON lines from stdin, one case per line:
//   {"policies": "<Cedar text>", "entities": [<entity JSON>...], "schema": "<optional>",
//    "requests": [{"principal": uid, "action": uid, "resource": uid, "context": {...}}, ...]}
// and writes one JSON line per case (flushed, so a caller can drive it interactively):
//   {"ok": true, "results": [{"decision": "allow", "reason": [...], "errors": [...],
//                             "messages": {...}} | {"error": "..."}, ...]}
//   {"ok": false, "stage": "input|policies|schema|entities", "error": "..."}
// Policy ids are policy0, policy1, ... in text order, as cedar-wasm numbers a staticPolicies text.
#include <boost/json.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "policy/cedar/authorizer.h"
#include "policy/cedar/entities.h"
#include "policy/cedar/parser.h"
#include "policy/cedar/schema.h"
#include "policy/cedar/tests/conformance/harness.h"

namespace custody::cedar::conformance {
namespace {

namespace json = boost::json;

json::object Failure(std::string_view stage, std::string_view message) {
  return json::object{{"ok", false}, {"stage", stage}, {"error", message}};
}

json::object RunCase(std::string_view line) {
  boost::system::error_code ec;
  json::value input = json::parse(line, ec);
  if (ec || !input.is_object()) return Failure("input", "not a JSON object: " + ec.message());
  const json::object& in = input.as_object();
  const json::value* policies_text = in.if_contains("policies");
  const json::value* entities_json = in.if_contains("entities");
  const json::value* requests = in.if_contains("requests");
  if (policies_text == nullptr || !policies_text->is_string() || entities_json == nullptr ||
      requests == nullptr || !requests->is_array()) {
    return Failure("input", "expected {policies: string, entities, requests: [...]}");
  }

  Result<PolicySet> policies = PolicySet::Parse(policies_text->as_string());
  if (!policies.ok()) return Failure("policies", policies.error().message());
  // cedar-wasm's staticPolicies form refuses templates; so do we, to compare like with like.
  if (!policies->templates().empty()) {
    return Failure("policies", "static policy set includes a template");
  }

  std::optional<Schema> schema;
  if (const json::value* s = in.if_contains("schema"); s != nullptr && s->is_string()) {
    Result<Schema> parsed = Schema::Parse(s->as_string());
    if (!parsed.ok()) return Failure("schema", parsed.error().message());
    schema.emplace(std::move(*parsed));
  }
  const Schema* schema_ptr = schema ? &*schema : nullptr;

  Result<Entities> entities = Entities::FromJsonValue(*entities_json, schema_ptr);
  if (!entities.ok()) return Failure("entities", entities.error().message());

  json::array results;
  for (const json::value& r : requests->as_array()) {
    if (!r.is_object()) {
      results.push_back(json::object{{"error", "request is not an object"}});
      continue;
    }
    Result<Request> request = RequestFromJson(r.as_object(), schema_ptr);
    if (!request.ok()) {
      results.push_back(json::object{{"error", request.error().message()}});
      continue;
    }
    results.push_back(ResponseToJson(IsAuthorized(*request, *policies, *entities)));
  }
  return json::object{{"ok", true}, {"results", std::move(results)}};
}

}  // namespace
}  // namespace custody::cedar::conformance

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << boost::json::serialize(custody::cedar::conformance::RunCase(line)) << std::endl;
  }
  return 0;
}
