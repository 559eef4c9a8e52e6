// `custody policy authorize` / `custody policy check-parse`: the official `cedar` CLI's
// `authorize` and `check-parse` (cedar-policy-cli/src/command/{authorize,check_parse}.rs and
// utils/*.rs) on the native engine. Like cedar, `authorize` loads every input before giving up,
// so one run reports all of the broken ones.
#include "cli/policy_local.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/cedar/authorizer.h"
#include "policy/cedar/entities.h"
#include "policy/cedar/parser.h"
#include "policy/cedar/schema.h"

namespace custody::cli {
namespace {

namespace json = boost::json;
using cedar::Entities;
using cedar::EntityUid;
using cedar::PolicySet;
using cedar::Schema;

// `what` names the input in the message, as cedar does ("failed to open schema file
// x.cedarschema").
Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return InvalidArgument("failed to open " + std::string(what) + " file " + path + ": " +
                           std::strerror(errno));
  }
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) return InvalidArgument("failed to read " + std::string(what) + " file " + path);
  return s.str();
}

std::string ReadAll(std::istream& in) {
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Error Wrap(std::string_view context, const Error& e) {
  Error out(e.code(), std::string(context) + ": " + e.message(), e.details());
  return out;
}

Status CheckFormats(std::string_view policy_format, std::string_view schema_format) {
  if (policy_format != "cedar")
    return InvalidArgument("--policy-format " + std::string(policy_format) +
                           " is not supported: only Cedar policy text (cedar) is");
  if (schema_format != "cedar")
    return InvalidArgument("--schema-format " + std::string(schema_format) +
                           " is not supported: only the Cedar schema format (cedar) is; convert "
                           "the schema with `cedar translate-schema --direction json-to-cedar`");
  return OkStatus();
}

// The --template-linked file: [{"template_id", "link_id", "args": {"?principal": "EUID", ..}}].
// An empty file has no links.
Status AddTemplateLinks(const std::string& path, PolicySet& policies) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, "links"));
  if (text.empty()) return OkStatus();
  Result<json::value> parsed = cedar::ParseJson(text, path);
  if (!parsed.ok()) return Wrap("failed to parse template links", parsed.error());
  const json::array* links = parsed->if_array();
  if (!links)
    return InvalidArgument("failed to parse template links from " + path +
                           ": expected a JSON array");
  for (const json::value& item : *links) {
    const json::object* link = item.if_object();
    const json::value* template_id = link ? link->if_contains("template_id") : nullptr;
    const json::value* link_id = link ? link->if_contains("link_id") : nullptr;
    const json::value* args = link ? link->if_contains("args") : nullptr;
    if (!template_id || !template_id->is_string() || !link_id || !link_id->is_string() || !args ||
        !args->is_object())
      return InvalidArgument("failed to parse template links from " + path +
                             ": expected {\"template_id\": \"..\", \"link_id\": \"..\", \"args\": "
                             "{..}}, got " +
                             json::serialize(item));
    std::map<cedar::Slot, EntityUid> values;
    for (const auto& kv : args->get_object()) {
      cedar::Slot slot;
      if (kv.key() == "?principal") {
        slot = cedar::Slot::kPrincipal;
      } else if (kv.key() == "?resource") {
        slot = cedar::Slot::kResource;
      } else {
        return InvalidArgument(
            "failed to parse template links from " + path +
            ": Invalid SlotId! Expected ?principal|?resource, got: " + std::string(kv.key()));
      }
      if (!kv.value().is_string())
        return InvalidArgument("failed to parse template links from " + path + ": the value of " +
                               std::string(kv.key()) + " must be a string");
      Result<EntityUid> uid = cedar::ParseEntityUid(kv.value().get_string());
      if (!uid.ok()) return Wrap("failed to parse template links from " + path, uid.error());
      values.emplace(slot, std::move(uid).value());
    }
    Status linked =
        policies.Link(template_id->get_string(), std::string(link_id->get_string()), values);
    if (!linked.ok()) return Wrap("failed to link template", linked.error());
  }
  return OkStatus();
}

// -p FILE (or stdin), renamed by @id annotations as cedar does, plus -k links.
Result<PolicySet> LoadPolicies(const std::string& file, const std::string& links,
                               std::istream* input) {
  std::string text;
  std::string name = "<stdin>";
  if (file.empty()) {
    text = ReadAll(input ? *input : std::cin);
  } else {
    ASSIGN_OR_RETURN(text, ReadFile(file, "policy set"));
    name = file;
  }
  Result<PolicySet> policies = PolicySet::Parse(text, name, /*ids_from_annotations=*/true);
  if (!policies.ok()) return Wrap("failed to parse policy set", policies.error());
  if (!links.empty()) RETURN_IF_ERROR(AddTemplateLinks(links, *policies));
  return policies;
}

Result<Schema> LoadSchema(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, "schema"));
  Result<Schema> schema = Schema::Parse(text, file);
  if (!schema.ok()) return Wrap("failed to parse schema from file " + file, schema.error());
  return schema;
}

Result<Entities> LoadEntities(const std::string& file, const Schema* schema) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, "entities"));
  Result<json::value> parsed = cedar::ParseJson(text, file);
  if (!parsed.ok()) return Wrap("failed to parse entities from file " + file, parsed.error());
  Result<Entities> entities = Entities::FromJsonValue(*parsed, schema);
  if (!entities.ok()) return Wrap("failed to parse entities from file " + file, entities.error());
  return entities;
}

Result<EntityUid> ParseUid(const std::string& text, std::string_view what,
                           std::string_view where = "") {
  Result<EntityUid> uid = cedar::ParseEntityUid(text);
  if (uid.ok()) return uid;
  std::string context = "failed to parse " + std::string(what) +
                        (where.empty() ? " " + text : " in " + std::string(where)) +
                        " as entity Uid";
  return Wrap(context, uid.error());
}

// The context JSON, parsed with the action's declared context type when there is a schema.
Result<cedar::Value> ParseContext(const json::value& j, const Schema* schema,
                                  const EntityUid& action) {
  const cedar::SchemaType* type = nullptr;
  if (schema) {
    type = schema->ActionContext(action);
    if (!type)
      return InvalidArgument("action `" + action.ToString() +
                             "` does not exist in the supplied schema");
  }
  ASSIGN_OR_RETURN(cedar::Value v, cedar::ValueFromJson(j, type));
  if (!v.is(cedar::Type::kRecord))
    return InvalidArgument("the context must be a JSON object (a record), got a " +
                           std::string(cedar::TypeName(v.type())));
  return v;
}

Error MissingRequestVariable() {
  return InvalidArgument(
      "All three (`principal`, `action`, `resource`) variables must be specified");
}

Result<cedar::Request> LoadRequestJson(const std::string& file, const Schema* schema) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, "request-json"));
  Result<json::value> parsed = cedar::ParseJson(text, file);
  if (!parsed.ok()) return Wrap("failed to parse request-json file " + file, parsed.error());
  const json::object* o = parsed->if_object();
  if (!o || !o->contains("context"))
    return InvalidArgument("failed to parse request-json file " + file +
                           ": expected an object with \"principal\", \"action\", \"resource\" "
                           "and \"context\"");
  cedar::Request request;
  struct Var {
    const char* key;
    EntityUid* out;
  };
  for (Var var : {Var{"principal", &request.principal}, Var{"action", &request.action},
                  Var{"resource", &request.resource}}) {
    const json::value* v = o->if_contains(var.key);
    if (!v || v->is_null()) return MissingRequestVariable();
    if (!v->is_string())
      return InvalidArgument("failed to parse request-json file " + file + ": `" + var.key +
                             "` must be a string such as \"User::\\\"alice\\\"\"");
    ASSIGN_OR_RETURN(*var.out, ParseUid(std::string(v->get_string()), var.key, file));
  }
  Result<cedar::Value> context = ParseContext(o->at("context"), schema, request.action);
  if (!context.ok()) return Wrap("failed to create a context from " + file, context.error());
  request.context = std::move(context).value();
  return request;
}

Result<cedar::Request> LoadRequest(const PolicyAuthorizeOptions& o, const Schema* schema) {
  if (!o.request_json.empty()) return LoadRequestJson(o.request_json, schema);
  std::optional<EntityUid> principal, action, resource;
  if (!o.principal.empty()) {
    ASSIGN_OR_RETURN(principal, ParseUid(o.principal, "principal"));
  }
  if (!o.action.empty()) {
    ASSIGN_OR_RETURN(action, ParseUid(o.action, "action"));
  }
  if (!o.resource.empty()) {
    ASSIGN_OR_RETURN(resource, ParseUid(o.resource, "resource"));
  }
  cedar::Value context = cedar::Value(cedar::Record{});
  if (!o.context.empty()) {
    Result<std::string> text = ReadFile(o.context, "context");
    if (!text.ok())
      return InvalidArgument("error while loading context from " + o.context + ": " +
                             text.error().message());
    Result<json::value> parsed = cedar::ParseJson(*text, o.context);
    if (!parsed.ok()) return Wrap("failed to create a context from " + o.context, parsed.error());
    // Without an action there is no declared context type to go by (and the request is
    // incomplete anyway, which is reported below).
    Result<cedar::Value> v =
        ParseContext(*parsed, action ? schema : nullptr, action ? *action : EntityUid{});
    if (!v.ok()) return Wrap("failed to create a context from " + o.context, v.error());
    context = std::move(v).value();
  }
  if (!principal || !action || !resource) return MissingRequestVariable();
  return cedar::Request{std::move(*principal), std::move(*action), std::move(*resource),
                        std::move(context)};
}

void PrintErrors(std::ostream& err, const std::vector<Error>& errors) {
  for (const Error& e : errors) err << "error: " << e.message() << "\n";
}

}  // namespace

int RunPolicyAuthorize(const PolicyAuthorizeOptions& o, std::ostream& out, std::ostream& err) {
  out << "\n";
  if (Status formats = CheckFormats(o.policy_format, o.schema_format); !formats.ok()) {
    PrintErrors(err, {formats.error()});
    return 1;
  }
  std::vector<Error> errors;
  PolicySet policies;
  if (Result<PolicySet> p = LoadPolicies(o.policies, o.template_linked, o.input); p.ok()) {
    policies = std::move(p).value();
  } else {
    errors.push_back(p.error());
  }
  std::optional<Schema> schema;
  if (!o.schema.empty()) {
    if (Result<Schema> s = LoadSchema(o.schema); s.ok()) {
      schema = std::move(s).value();
    } else {
      errors.push_back(s.error());
    }
  }
  const Schema* schema_ptr = schema ? &*schema : nullptr;
  Entities entities;
  if (o.entities.empty()) {
    errors.push_back(InvalidArgument("--entities is required"));
  } else if (Result<Entities> e = LoadEntities(o.entities, schema_ptr); e.ok()) {
    entities = std::move(e).value();
  } else {
    errors.push_back(e.error());
  }
  Result<cedar::Request> request = LoadRequest(o, schema_ptr);
  if (!request.ok()) errors.push_back(Wrap("failed to parse request", request.error()));
  if (!errors.empty()) {
    PrintErrors(err, errors);
    return 1;
  }

  auto start = std::chrono::steady_clock::now();
  cedar::Response response = cedar::IsAuthorized(*request, policies, entities);
  auto elapsed = std::chrono::steady_clock::now() - start;
  if (o.timing) {
    out << "Authorization Time (micro seconds) : "
        << std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() << "\n";
  }
  out << (response.allow ? "ALLOW" : "DENY") << "\n";
  if (!response.errors.empty()) {
    out << "\n";
    for (const cedar::PolicyError& e : response.errors)
      out << "error while evaluating policy `" << e.policy_id << "`: " << e.message << "\n";
  }
  if (o.verbose) {
    out << "\n";
    if (response.reason.empty()) {
      out << "note: no policies applied to this request\n";
    } else {
      out << "note: this decision was due to the following policies:\n";
      for (const std::string& id : response.reason) out << "  " << id << "\n";
      out << "\n";
    }
  }
  out << std::flush;
  return response.allow ? 0 : 2;
}

int RunPolicyCheckParse(const PolicyCheckParseOptions& o, std::ostream& out, std::ostream& err) {
  if (Status formats = CheckFormats(o.policy_format, o.schema_format); !formats.ok()) {
    PrintErrors(err, {formats.error()});
    return 1;
  }
  std::vector<Error> errors;
  // As in cedar, naming nothing at all means "check the policies on stdin".
  if (o.policies.empty() && o.schema.empty() && o.entities.empty() && o.expression.empty()) {
    Result<PolicySet> p = LoadPolicies("", o.template_linked, o.input);
    if (!p.ok()) errors.push_back(p.error());
  } else {
    if (!o.policies.empty()) {
      Result<PolicySet> p = LoadPolicies(o.policies, o.template_linked, o.input);
      if (!p.ok()) errors.push_back(p.error());
    }
    if (!o.expression.empty()) {
      Result<cedar::ExprPtr> e = cedar::ParseExpression(o.expression);
      if (!e.ok()) errors.push_back(Wrap("failed to parse expression", e.error()));
    }
    std::optional<Schema> schema;
    if (!o.schema.empty()) {
      if (Result<Schema> s = LoadSchema(o.schema); s.ok()) {
        schema = std::move(s).value();
      } else {
        errors.push_back(s.error());
      }
    }
    if (!o.entities.empty()) {
      Result<Entities> e = LoadEntities(o.entities, schema ? &*schema : nullptr);
      if (!e.ok()) errors.push_back(e.error());
    }
  }
  out << std::flush;
  PrintErrors(err, errors);
  return errors.empty() ? 0 : 1;
}

void RegisterPolicyLocalCommands(CLI::App& policy_app, int* exit_code) {
  {
    auto o = std::make_shared<PolicyAuthorizeOptions>();
    CLI::App* cmd = policy_app.add_subcommand(
        "authorize",
        "Evaluate an authorization request locally (the flags and output of `cedar authorize`)");
    CLI::Option* principal =
        cmd->add_option("-l,--principal", o->principal, "Principal, e.g. User::\"alice\"");
    CLI::Option* action =
        cmd->add_option("-a,--action", o->action, "Action, e.g. Action::\"view\"");
    CLI::Option* resource =
        cmd->add_option("-r,--resource", o->resource, "Resource, e.g. File::\"myfile.txt\"");
    CLI::Option* context =
        cmd->add_option("-c,--context", o->context, "JSON object with the request's context");
    cmd->add_option("--request-json", o->request_json,
                    "JSON file with \"principal\", \"action\", \"resource\" and \"context\"")
        ->excludes(principal)
        ->excludes(action)
        ->excludes(resource)
        ->excludes(context);
    cmd->add_option("--request-validation", o->request_validation,
                    "true|false (accepted for compatibility; requests are not validated)");
    cmd->add_option("-p,--policies", o->policies,
                    "Cedar policies and templates (default: read stdin)");
    cmd->add_option("--policy-format", o->policy_format, "Policy format (cedar)")
        ->check(CLI::IsMember({"cedar", "json"}));
    cmd->add_option("-k,--template-linked", o->template_linked,
                    "JSON file of template links [{template_id, link_id, args}]");
    cmd->add_option("-s,--schema", o->schema,
                    "Cedar schema: schema-based parsing of entities and context, and the "
                    "action entities");
    cmd->add_option("--schema-format", o->schema_format, "Schema format (cedar)")
        ->check(CLI::IsMember({"cedar", "json"}));
    cmd->add_option("--entities", o->entities, "JSON file of entities")->required();
    cmd->add_flag("-v,--verbose", o->verbose, "Also print the policies behind the decision");
    cmd->add_flag("-t,--timing", o->timing, "Print the time the authorization took");
    cmd->callback([o, exit_code] { *exit_code = RunPolicyAuthorize(*o, std::cout, std::cerr); });
  }
  {
    auto o = std::make_shared<PolicyCheckParseOptions>();
    CLI::App* cmd = policy_app.add_subcommand(
        "check-parse",
        "Check that policies (and a schema, entities or an expression) parse (as `cedar "
        "check-parse`)");
    cmd->add_option("-p,--policies", o->policies,
                    "Cedar policies and templates (default with no other input: read stdin)");
    cmd->add_option("--policy-format", o->policy_format, "Policy format (cedar)")
        ->check(CLI::IsMember({"cedar", "json"}));
    cmd->add_option("-k,--template-linked", o->template_linked, "JSON file of template links");
    cmd->add_option("-s,--schema", o->schema, "Cedar schema");
    cmd->add_option("--schema-format", o->schema_format, "Schema format (cedar)")
        ->check(CLI::IsMember({"cedar", "json"}));
    cmd->add_option("--entities", o->entities, "JSON file of entities");
    cmd->add_option("--expression", o->expression, "A Cedar expression");
    cmd->callback([o, exit_code] { *exit_code = RunPolicyCheckParse(*o, std::cout, std::cerr); });
  }
}

}  // namespace custody::cli
