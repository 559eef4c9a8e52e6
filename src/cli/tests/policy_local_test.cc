// Tests for `custody policy authorize` / `custody policy check-parse` (policy_local.h): the output
// of the official `cedar authorize` reproduced byte for byte (its CLI snapshot included), exit
// codes, -v and -t, the --request-json form, template links, @id renaming, schemas, and every
// kind of input error; then the CLI11 wiring.
#include "cli/policy_local.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

class PolicyLocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "custody-policy-local-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `text` to a file in the test's directory; returns its path.
  std::string Write(const std::string& name, std::string_view text) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  int Authorize(const PolicyAuthorizeOptions& o) {
    out_.str("");
    err_.str("");
    return RunPolicyAuthorize(o, out_, err_);
  }

  int CheckParse(const PolicyCheckParseOptions& o) {
    out_.str("");
    err_.str("");
    return RunPolicyCheckParse(o, out_, err_);
  }

  // The usual request against `policies` and `entities`.
  PolicyAuthorizeOptions Request(std::string_view policies, std::string_view entities = "[]") {
    PolicyAuthorizeOptions o;
    o.policies = Write("policies.cedar", policies);
    o.entities = Write("entities.json", entities);
    o.principal = R"(User::"alice")";
    o.action = R"(Action::"view")";
    o.resource = R"(Photo::"pic")";
    return o;
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

// The snapshot from cedar-policy-cli's tests (notes §2), byte for byte.
TEST_F(PolicyLocalTest, OfficialSnapshot) {
  PolicyAuthorizeOptions o = Request(
      "permit(principal, action, resource);\n"
      "forbid(principal, action, resource) when { resource.isPublic };\n");
  EXPECT_EQ(Authorize(o), 0);
  EXPECT_EQ(out_.str(),
            "\nALLOW\n\nerror while evaluating policy `policy1`: entity `Photo::\"pic\"` does not "
            "exist\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(PolicyLocalTest, VerboseAllowListsTheDeterminingPolicies) {
  PolicyAuthorizeOptions o = Request(
      "permit(principal, action, resource);\n"
      "permit(principal == User::\"alice\", action, resource);\n"
      "permit(principal == User::\"bob\", action, resource);\n");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 0);
  EXPECT_EQ(out_.str(),
            "\nALLOW\n\nnote: this decision was due to the following policies:\n  policy0\n  "
            "policy1\n\n");
}

TEST_F(PolicyLocalTest, DenyExitsTwo) {
  PolicyAuthorizeOptions o = Request("permit(principal == User::\"bob\", action, resource);\n");
  EXPECT_EQ(Authorize(o), 2);
  EXPECT_EQ(out_.str(), "\nDENY\n");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 2);
  EXPECT_EQ(out_.str(), "\nDENY\n\nnote: no policies applied to this request\n");
  // A forbid is the reason for its deny.
  o = Request(
      "permit(principal, action, resource);\n@id(\"no-alice\")\n"
      "forbid(principal == User::\"alice\", action, resource);\n");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 2);
  EXPECT_EQ(out_.str(),
            "\nDENY\n\nnote: this decision was due to the following policies:\n  no-alice\n\n");
}

TEST_F(PolicyLocalTest, ErrorsAndVerboseTogether) {
  PolicyAuthorizeOptions o = Request(
      "@id(\"bad\") permit(principal, action, resource) when { resource.owner == principal };\n");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 2);
  EXPECT_EQ(out_.str(),
            "\nDENY\n\nerror while evaluating policy `bad`: entity `Photo::\"pic\"` does not "
            "exist\n\nnote: no policies applied to this request\n");
}

TEST_F(PolicyLocalTest, TimingLineComesBeforeTheDecision) {
  PolicyAuthorizeOptions o = Request("permit(principal, action, resource);");
  o.timing = true;
  EXPECT_EQ(Authorize(o), 0);
  const std::string out = out_.str();
  const std::string prefix = "\nAuthorization Time (micro seconds) : ";
  ASSERT_EQ(out.rfind(prefix, 0), 0u) << out;
  size_t eol = out.find('\n', prefix.size());
  ASSERT_NE(eol, std::string::npos);
  std::string micros = out.substr(prefix.size(), eol - prefix.size());
  EXPECT_FALSE(micros.empty());
  EXPECT_EQ(micros.find_first_not_of("0123456789"), std::string::npos) << micros;
  EXPECT_EQ(out.substr(eol + 1), "ALLOW\n");
}

TEST_F(PolicyLocalTest, EntitiesContextAndHierarchy) {
  PolicyAuthorizeOptions o = Request(
      "permit(principal in Group::\"staff\", action, resource) when {\n"
      "  context.ip.isInRange(ip(\"10.0.0.0/8\")) && principal.level >= 3 };\n",
      R"([{"uid": {"type": "User", "id": "alice"}, "attrs": {"level": 5},
           "parents": [{"type": "Group", "id": "staff"}]}])");
  o.context = Write("context.json", R"({"ip": {"__extn": {"fn": "ip", "arg": "10.1.2.3"}}})");
  EXPECT_EQ(Authorize(o), 0) << err_.str();
  EXPECT_EQ(out_.str(), "\nALLOW\n");
  o.context = Write("context2.json", R"({"ip": {"__extn": {"fn": "ip", "arg": "192.168.0.1"}}})");
  EXPECT_EQ(Authorize(o), 2);
}

TEST_F(PolicyLocalTest, RequestJson) {
  PolicyAuthorizeOptions o = Request(
      "permit(principal, action == Action::\"view\", resource) "
      "when { context.n == 1 };");
  o.principal = o.action = o.resource = "";
  o.request_json = Write("request.json", R"({"principal": "User::\"alice\"",
      "action": "Action::\"view\"", "resource": "Photo::\"VacationPhoto94.jpg\"",
      "context": {"n": 1}})");
  EXPECT_EQ(Authorize(o), 0) << err_.str();
  EXPECT_EQ(out_.str(), "\nALLOW\n");

  o.request_json = Write("partial.json", R"({"principal": "User::\"alice\"", "context": {}})");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_EQ(out_.str(), "\n");
  EXPECT_EQ(err_.str(),
            "error: failed to parse request: All three (`principal`, `action`, `resource`) "
            "variables must be specified\n");

  o.request_json = Write("badeuid.json", R"({"principal": "alice", "action": "Action::\"view\"",
      "resource": "Photo::\"x\"", "context": {}})");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("failed to parse principal in " + o.request_json + " as entity Uid"),
            std::string::npos)
      << err_.str();
}

TEST_F(PolicyLocalTest, TemplateLinks) {
  PolicyAuthorizeOptions o = Request(
      "@id(\"AccessVacation\")\n"
      "permit(principal == ?principal, action == Action::\"view\", resource);\n");
  o.template_linked = Write("links.json", R"([
      {"template_id": "AccessVacation", "link_id": "AliceAccess",
       "args": {"?principal": "User::\"alice\""}},
      {"template_id": "AccessVacation", "link_id": "BobAccess",
       "args": {"?principal": "User::\"bob\""}}])");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "\nALLOW\n\nnote: this decision was due to the following policies:\n  AliceAccess\n\n");

  // An empty links file has no links; a template alone grants nothing.
  o.template_linked = Write("empty.json", "");
  EXPECT_EQ(Authorize(o), 2);

  o.template_linked = Write("badslot.json", R"([{"template_id": "AccessVacation",
      "link_id": "L", "args": {"?nope": "User::\"alice\""}}])");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("Invalid SlotId! Expected ?principal|?resource, got: ?nope"),
            std::string::npos)
      << err_.str();

  o.template_linked = Write("notemplate.json", R"([{"template_id": "Nope", "link_id": "L",
      "args": {"?principal": "User::\"alice\""}}])");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("failed to link template"), std::string::npos) << err_.str();
}

constexpr const char* kSchema = R"(
entity UserGroup;
entity User in [UserGroup] = { department: String };
entity Account = { owner: User };
entity Photo in [Account] = { account: Account, ip: ipaddr };
action viewPhoto, editPhoto in [readOnly] appliesTo {
  principal: User, resource: Photo, context: { authenticated: Bool, source: ipaddr } };
action readOnly;
)";

constexpr const char* kSchemaEntities = R"([
  {"uid": {"type": "User", "id": "alice"}, "attrs": {"department": "eng"},
   "parents": [{"type": "UserGroup", "id": "g"}]},
  {"uid": {"type": "Account", "id": "a"}, "attrs": {"owner": {"type": "User", "id": "alice"}}},
  {"uid": {"type": "Photo", "id": "pic"},
   "attrs": {"account": {"type": "Account", "id": "a"}, "ip": "10.0.0.1"},
   "parents": [{"type": "Account", "id": "a"}]}
])";

TEST_F(PolicyLocalTest, SchemaEnablesImplicitFormsAndActionEntities) {
  PolicyAuthorizeOptions o = Request(
      "permit(principal, action in Action::\"readOnly\", resource) when {\n"
      "  resource.account.owner == principal && context.authenticated &&\n"
      "  context.source.isLoopback() && resource.ip == ip(\"10.0.0.1\") };\n",
      kSchemaEntities);
  o.action = R"(Action::"viewPhoto")";
  o.schema = Write("schema.cedarschema", kSchema);
  o.context = Write("context.json", R"({"authenticated": true, "source": "127.0.0.1"})");
  o.verbose = true;
  EXPECT_EQ(Authorize(o), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "\nALLOW\n\nnote: this decision was due to the following policies:\n  policy0\n\n");

  // Without the schema the implicit forms are records and strings, and Action::"viewPhoto" is
  // not in Action::"readOnly".
  o.schema = "";
  EXPECT_EQ(Authorize(o), 2) << err_.str();

  // With it, a context that does not match the declared type is an error.
  o.schema = Write("schema2.cedarschema", kSchema);
  o.context = Write("bad_context.json", R"({"authenticated": true})");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("failed to create a context from " + o.context), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("`source`"), std::string::npos) << err_.str();
}

TEST_F(PolicyLocalTest, InputErrorsAreAllReportedWithPositions) {
  PolicyAuthorizeOptions o;
  o.policies = Write("bad.cedar", "permit(principal, action, resource);\npermit(principal,");
  o.schema = Write("bad.cedarschema", "entity A;\nentity B = { a: Nope };");
  o.entities = Write("bad.json", "[\n  {\"uid\": {\"type\": \"A\", \"id\": \"x\"}},\n  oops]");
  o.principal = "not a uid";
  o.action = R"(Action::"view")";
  o.resource = R"(Photo::"pic")";
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_EQ(out_.str(), "\n");
  std::vector<std::string> lines;
  std::istringstream err(err_.str());
  for (std::string line; std::getline(err, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << err_.str();
  EXPECT_EQ(lines[0].rfind("error: failed to parse policy set: " + o.policies + ":2:", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1].rfind("error: failed to parse schema from file " + o.schema + ": " + o.schema +
                               ":2:17: failed to resolve type `Nope`",
                           0),
            0u)
      << lines[1];
  EXPECT_EQ(lines[2].rfind("error: failed to parse entities from file " + o.entities + ": " +
                               o.entities + ":3:3:",
                           0),
            0u)
      << lines[2];
  EXPECT_EQ(lines[3].rfind("error: failed to parse request: failed to parse principal not a uid "
                           "as entity Uid",
                           0),
            0u)
      << lines[3];
}

TEST_F(PolicyLocalTest, MissingFilesAndUnsupportedFormats) {
  PolicyAuthorizeOptions o = Request("permit(principal, action, resource);");
  o.entities = (dir_ / "nope.json").string();
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_EQ(err_.str(),
            "error: failed to open entities file " + o.entities + ": No such file or directory\n");

  o = Request("permit(principal, action, resource);");
  o.context = (dir_ / "nope.json").string();
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("error while loading context from " + o.context), std::string::npos);

  o = Request("permit(principal, action, resource);");
  o.schema_format = "json";
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("--schema-format json is not supported"), std::string::npos);
  o = Request("permit(principal, action, resource);");
  o.policy_format = "json";
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("--policy-format json is not supported"), std::string::npos);

  o = Request("permit(principal, action, resource);");
  o.resource = "";
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("All three"), std::string::npos);
}

TEST_F(PolicyLocalTest, PoliciesFromStdin) {
  PolicyAuthorizeOptions o = Request("");
  o.policies = "";
  std::istringstream in("permit(principal, action, resource);");
  o.input = &in;
  EXPECT_EQ(Authorize(o), 0) << err_.str();
  EXPECT_EQ(out_.str(), "\nALLOW\n");
  std::istringstream bad("permit(");
  o.input = &bad;
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("<stdin>:1:"), std::string::npos) << err_.str();
}

TEST_F(PolicyLocalTest, DuplicateIdAnnotationsAreAnError) {
  PolicyAuthorizeOptions o = Request(
      "@id(\"x\") permit(principal, action, resource);\n"
      "@id(\"x\") forbid(principal, action, resource);\n");
  EXPECT_EQ(Authorize(o), 1);
  EXPECT_NE(err_.str().find("duplicate policy id `x`"), std::string::npos) << err_.str();
}

TEST_F(PolicyLocalTest, CheckParse) {
  PolicyCheckParseOptions o;
  o.policies = Write("ok.cedar", "permit(principal, action, resource);");
  EXPECT_EQ(CheckParse(o), 0);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "");

  o.policies = Write("bad.cedar", "permit(principal, action, resource) when { 1 + };");
  EXPECT_EQ(CheckParse(o), 1);
  EXPECT_EQ(err_.str().rfind("error: failed to parse policy set: " + o.policies + ":1:", 0), 0u)
      << err_.str();

  // No file at all: the policies on stdin.
  PolicyCheckParseOptions stdin_only;
  std::istringstream in("forbid(principal, action, resource);");
  stdin_only.input = &in;
  EXPECT_EQ(CheckParse(stdin_only), 0);
  std::istringstream bad("forbid(principal, action, resource)");
  stdin_only.input = &bad;
  EXPECT_EQ(CheckParse(stdin_only), 1);

  // Schema, entities (with the schema) and an expression, each reported.
  PolicyCheckParseOptions all;
  all.schema = Write("s.cedarschema", kSchema);
  all.entities = Write("e.json", kSchemaEntities);
  all.expression = "principal.department == \"eng\"";
  EXPECT_EQ(CheckParse(all), 0) << err_.str();
  all.expression = "1 +";
  all.entities = Write("e2.json", R"([{"uid": {"type": "Nope", "id": "x"}}])");
  EXPECT_EQ(CheckParse(all), 1);
  EXPECT_NE(err_.str().find("failed to parse expression"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("not declared in the schema"), std::string::npos) << err_.str();
}

// The commands as the custody binary wires them: flags parsed by CLI11.
class PolicyLocalCommandTest : public PolicyLocalTest {
 protected:
  int Run(std::vector<std::string> args) {
    CLI::App app("custody");
    CLI::App* policy = app.add_subcommand("policy");
    int code = -1;
    RegisterPolicyLocalCommands(*policy, &code);
    std::vector<const char*> argv = {"custody"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
    std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      code = 100 + e.get_exit_code();
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    out_.str(out.str());
    err_.str(err.str());
    return code;
  }
};

TEST_F(PolicyLocalCommandTest, FlagsOfCedarAuthorize) {
  std::string policies = Write("p.cedar", "permit(principal, action, resource);");
  std::string entities = Write("e.json", "[]");
  std::string context = Write("c.json", "{}");
  EXPECT_EQ(Run({"policy", "authorize", "-p", policies, "--entities", entities, "-l",
                 R"(User::"alice")", "-a", R"(Action::"view")", "-r", R"(Photo::"pic")", "-c",
                 context, "-v", "--request-validation", "false"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(),
            "\nALLOW\n\nnote: this decision was due to the following policies:\n  policy0\n\n");
  EXPECT_EQ(
      Run({"policy", "authorize", "--policies", policies, "--entities", entities, "--principal",
           R"(User::"alice")", "--action", R"(Action::"view")", "--resource", R"(Photo::"pic")",
           "--timing", "--schema-format", "cedar", "--policy-format", "cedar"}),
      0)
      << err_.str();
  // --request-json conflicts with the separate request flags; --entities is required.
  std::string request = Write("r.json", "{}");
  EXPECT_GT(Run({"policy", "authorize", "-p", policies, "--entities", entities, "--request-json",
                 request, "-l", R"(User::"alice")"}),
            100);
  EXPECT_GT(Run({"policy", "authorize", "-p", policies, "-l", R"(User::"alice")"}), 100);
  EXPECT_GT(Run({"policy", "authorize", "-p", policies, "--entities", entities, "--schema-format",
                 "yaml"}),
            100);
}

TEST_F(PolicyLocalCommandTest, CheckParseFlags) {
  std::string policies = Write("p.cedar", "permit(principal, action, resource);");
  EXPECT_EQ(Run({"policy", "check-parse", "-p", policies}), 0);
  EXPECT_EQ(out_.str(), "");
  std::string bad = Write("bad.cedar", "permit(");
  EXPECT_EQ(Run({"policy", "check-parse", "--policies", bad}), 1);
  EXPECT_NE(err_.str().find(bad + ":1:"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace custody::cli
