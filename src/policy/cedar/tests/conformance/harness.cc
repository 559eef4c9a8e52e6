// Requests from JSON and response summaries, shared by the conformance runner and the difftool.
#include "policy/cedar/tests/conformance/harness.h"

#include <fstream>
#include <sstream>

#include "policy/cedar/entities.h"

namespace custody::cedar::conformance {

namespace json = boost::json;

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Internal("cannot read " + path.string());
  return out.str();
}

namespace {

Result<EntityUid> UidField(const json::object& request, std::string_view key) {
  const json::value* v = request.if_contains(key);
  if (v == nullptr) return InvalidArgument("request has no \"" + std::string(key) + "\"");
  Result<EntityUid> uid = EntityUidFromJson(*v);
  if (!uid.ok()) {
    return InvalidArgument("request " + std::string(key) + ": " + uid.error().message());
  }
  return uid;
}

std::string JoinSet(const std::set<std::string>& ids) {
  std::string out = "[";
  for (const std::string& id : ids) {
    if (out.size() > 1) out += ", ";
    out += id;
  }
  return out + "]";
}

}  // namespace

Result<Request> RequestFromJson(const json::object& json, const Schema* schema) {
  Request request;
  Result<EntityUid> principal = UidField(json, "principal");
  if (!principal.ok()) return std::move(principal).error();
  Result<EntityUid> action = UidField(json, "action");
  if (!action.ok()) return std::move(action).error();
  Result<EntityUid> resource = UidField(json, "resource");
  if (!resource.ok()) return std::move(resource).error();
  request.principal = std::move(*principal);
  request.action = std::move(*action);
  request.resource = std::move(*resource);

  const json::value* context = json.if_contains("context");
  if (context != nullptr && !context->is_null()) {
    if (!context->is_object()) return InvalidArgument("request context is not a JSON object");
    const SchemaType* type = schema != nullptr ? schema->ActionContext(request.action) : nullptr;
    Result<Value> value = ValueFromJson(*context, type);
    if (!value.ok()) return InvalidArgument("request context: " + value.error().message());
    if (!value->is(Type::kRecord)) return InvalidArgument("request context is not a record");
    request.context = std::move(*value);
  }
  return request;
}

Answer Summarize(const Response& response) {
  Answer answer;
  answer.allow = response.allow;
  answer.reason.insert(response.reason.begin(), response.reason.end());
  for (const PolicyError& e : response.errors) answer.errors.insert(e.policy_id);
  return answer;
}

std::string ToString(const Answer& answer) {
  return std::string(answer.allow ? "allow" : "deny") + " reason=" + JoinSet(answer.reason) +
         " errors=" + JoinSet(answer.errors);
}

json::object ResponseToJson(const Response& response) {
  json::object out;
  out["decision"] = response.allow ? "allow" : "deny";
  json::array reason;
  for (const std::string& id : response.reason) reason.emplace_back(id);
  out["reason"] = std::move(reason);
  json::array errors;
  json::object messages;
  for (const PolicyError& e : response.errors) {
    errors.emplace_back(e.policy_id);
    messages[e.policy_id] = e.message;
  }
  out["errors"] = std::move(errors);
  out["messages"] = std::move(messages);
  return out;
}

std::string Truncate(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "…[" + std::to_string(s.size() - max) + " more bytes]";
}

}  // namespace custody::cedar::conformance
