// PolicyBundle: parsing and checking a policy set made of named Cedar files.
#include <algorithm>
#include <set>

#include "base/json.h"
#include "crypto/sha256.h"
#include "policy/cedar_authorizer.h"

namespace custody::policy {
namespace {

constexpr std::string_view kSchemaFile = "custody.cedarschema";

// Entity types of policies/custody.cedarschema; a scope naming anything else is a typo.
const std::set<std::string, std::less<>>& KnownEntityTypes() {
  static const std::set<std::string, std::less<>> types = {
      "Custody::Role",  "Custody::Principal", "Custody::Project",
      "Custody::Asset", "Custody::Job",       "Custody::System",
  };
  return types;
}

bool KnownAction(const cedar::EntityUid& uid) {
  if (uid.type != "Custody::Action") return false;
  auto parsed = ParseAction(uid.id);
  return parsed.ok();
}

int Int(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return 0;
  return static_cast<int>(it->value().as_int64());
}

// Parse errors come back as "<file>:<line>:<column>: <what>" with details {line, column}.
PolicyProblem ProblemFromParseError(const std::string& file, const Error& e) {
  PolicyProblem p;
  p.file = file;
  p.line = Int(e.details(), "line");
  p.column = Int(e.details(), "column");
  p.message = e.message();
  std::string prefix = file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
  if (p.message.rfind(prefix, 0) == 0) p.message.erase(0, prefix.size());
  return p;
}

void CheckScope(const std::string& file, const cedar::Policy& policy, std::string_view which,
                const cedar::ScopeConstraint& scope, std::vector<PolicyProblem>* problems) {
  auto problem = [&](std::string message) {
    problems->push_back({file, policy.loc.line, policy.loc.column,
                         "policy " + policy.id + ": " + std::string(which) + " " + message});
  };
  auto check_uid = [&](const cedar::EntityUid& uid) {
    if (which == "action") {
      if (!KnownAction(uid)) problem("names an unknown action " + uid.ToString());
    } else if (!KnownEntityTypes().count(uid.type)) {
      problem("names an unknown entity type " + uid.type);
    }
  };
  if (scope.entity) check_uid(*scope.entity);
  for (const cedar::EntityUid& uid : scope.entities) check_uid(uid);
  if (!scope.type.empty() && !KnownEntityTypes().count(scope.type))
    problem("names an unknown entity type " + scope.type);
}

}  // namespace

json::object PolicyProblem::ToJson() const {
  json::object o;
  o["file"] = file;
  if (line > 0) {
    o["line"] = line;
    o["column"] = column;
  }
  o["message"] = message;
  return o;
}

std::vector<PolicyFile> PolicyBundle::DefaultFiles() {
  std::vector<PolicyFile> out;
  for (const EmbeddedFile& f : EmbeddedPolicyFiles()) {
    if (f.name == kSchemaFile) continue;
    out.push_back({std::string(f.name), std::string(f.content)});
  }
  return out;
}

std::string_view PolicyBundle::SchemaText() {
  for (const EmbeddedFile& f : EmbeddedPolicyFiles())
    if (f.name == kSchemaFile) return f.content;
  return {};
}

Result<std::shared_ptr<const PolicyBundle>> PolicyBundle::Build(
    std::vector<PolicyFile> files, std::vector<PolicyProblem>* problems) {
  problems->clear();
  if (files.empty()) problems->push_back({"", 0, 0, "a policy set needs at least one file"});
  std::set<std::string> names;
  auto bundle = std::shared_ptr<PolicyBundle>(new PolicyBundle());
  std::map<std::string, std::string> ids;  // policy id → file that defines it
  for (const PolicyFile& f : files) {
    if (f.name.empty() || f.name.size() > 128 || f.name.find('/') != std::string::npos ||
        f.name.find('\\') != std::string::npos || f.name[0] == '.') {
      problems->push_back({f.name.substr(0, 128), 0, 0,
                           "file names are 1-128 characters without '/', '\\' or a leading '.'"});
      continue;
    }
    if (!names.insert(f.name).second) {
      problems->push_back({f.name, 0, 0, "the file name is used twice"});
      continue;
    }
    auto parsed = cedar::PolicySet::Parse(f.text, f.name, /*ids_from_annotations=*/false);
    if (!parsed.ok()) {
      problems->push_back(ProblemFromParseError(f.name, parsed.error()));
      continue;
    }
    if (!parsed->templates().empty()) {
      const cedar::Policy& t = parsed->templates().front();
      problems->push_back({f.name, t.loc.line, t.loc.column,
                           "templates (policies with ?principal or ?resource) are not supported "
                           "in Custody's policy set"});
      continue;
    }
    for (const cedar::Policy& p : parsed->policies()) {
      const std::string* id = p.Annotation("id");
      if (id == nullptr || id->empty()) {
        problems->push_back({f.name, p.loc.line, p.loc.column,
                             "every policy needs an @id(\"...\") annotation (it names the policy "
                             "in decisions and in the audit log)"});
        continue;
      }
      auto [it, fresh] = ids.emplace(*id, f.name);
      if (!fresh) {
        problems->push_back({f.name, p.loc.line, p.loc.column,
                             "@id(\"" + *id + "\") is already used in " + it->second});
        continue;
      }
      CheckScope(f.name, p, "principal", p.principal, problems);
      CheckScope(f.name, p, "action", p.action, problems);
      CheckScope(f.name, p, "resource", p.resource, problems);
      cedar::Policy renamed = p;
      renamed.id = *id;
      const std::string* reason = p.Annotation("reason");
      bundle->reasons_.emplace_back(*id, reason ? *reason : std::string());
      Status s = bundle->set_.Add(std::move(renamed));
      if (!s.ok()) problems->push_back({f.name, p.loc.line, p.loc.column, s.error().message()});
    }
  }
  if (!problems->empty()) {
    return InvalidArgument("the policy set has " + std::to_string(problems->size()) +
                           (problems->size() == 1 ? " problem" : " problems"));
  }
  json::object o;
  for (const PolicyFile& f : files) o[f.name] = f.text;
  bundle->files_json_ = CanonicalJson(o);
  bundle->sha256_ = crypto::Sha256Hex(bundle->files_json_);
  bundle->files_ = std::move(files);
  std::sort(bundle->reasons_.begin(), bundle->reasons_.end());
  return std::shared_ptr<const PolicyBundle>(std::move(bundle));
}

const std::string& PolicyBundle::ReasonOf(std::string_view policy_id) const {
  static const std::string kNone;
  auto it = std::lower_bound(reasons_.begin(), reasons_.end(), policy_id,
                             [](const std::pair<std::string, std::string>& e, std::string_view id) {
                               return e.first < id;
                             });
  if (it == reasons_.end() || it->first != policy_id) return kNone;
  return it->second;
}

Result<std::vector<PolicyFile>> PolicyFilesFromJson(std::string_view files_json) {
  boost::system::error_code ec;
  json::value v = json::parse(files_json, ec);
  if (ec || !v.is_object()) return InvalidArgument("policy files must be a JSON object");
  std::vector<PolicyFile> out;
  for (const auto& kv : v.as_object()) {
    if (!kv.value().is_string())
      return InvalidArgument("policy file '" + std::string(kv.key()) + "' is not a string");
    out.push_back({std::string(kv.key()), std::string(kv.value().as_string())});
  }
  std::sort(out.begin(), out.end(),
            [](const PolicyFile& a, const PolicyFile& b) { return a.name < b.name; });
  return out;
}

}  // namespace custody::policy
