// Shared pieces of the Cedar conformance runner (conformance_test.cc) and of the differential
// tool (difftool.cc): requests in the JSON form of cedar-integration-tests and of cedar-wasm, and a
// comparable summary of an authorization response.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "policy/cedar/authorizer.h"
#include "policy/cedar/schema.h"

namespace custody::cedar::conformance {

Result<std::string> ReadFile(const std::filesystem::path& path);

// A request object {"principal", "action", "resource", "context"} whose uids are either
// {"type", "id"} or {"__entity": {...}}. With a schema, the context is parsed with the declared
// context type of the action (implicit entity and extension forms allowed), as the Rust harness
// does; without one, only the explicit __entity / __extn forms are recognised.
Result<Request> RequestFromJson(const boost::json::object& json, const Schema* schema);

// What the conformance tests compare: the decision and the sets of policy ids.
struct Answer {
  bool allow = false;
  std::set<std::string> reason;
  std::set<std::string> errors;
  friend bool operator==(const Answer&, const Answer&) = default;
};

Answer Summarize(const Response& response);

// "allow reason=[policy0] errors=[]".
std::string ToString(const Answer& answer);

// The response as JSON: {"decision", "reason": [...], "errors": [...], "messages": {id: msg}}.
boost::json::object ResponseToJson(const Response& response);

// Shortens `s` to at most `max` bytes for failure messages, marking the cut.
std::string Truncate(std::string_view s, size_t max);

}  // namespace custody::cedar::conformance
