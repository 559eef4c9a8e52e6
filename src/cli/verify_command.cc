// custody verify FILE: reads and verifies a file's C2PA Content Credentials locally, with no
// server (provenance::VerifyAsset), and prints a summary or the verifier's JSON report.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command_util.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/validate.h"

namespace custody::cli {
namespace {

namespace pv = provenance;

// Exit codes of `custody verify` (documented in README.md).
constexpr int kExitInvalid = 1;
constexpr int kExitNoManifest = 2;
constexpr int kExitCannotVerify = 5;

struct VerifyFileOptions {
  bool json = false;
  std::string file;
  std::string trust;
};

Result<std::string> ReadWholeFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ExitError(ErrorCode::kNotFound, "cannot read " + std::string(what) + " " + path,
                     kExitCannotVerify);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad())
    return ExitError(ErrorCode::kUnavailable, "error reading " + std::string(what) + " " + path,
                     kExitCannotVerify);
  return s.str();
}

std::string LowerState(const json::object& report, bool has_manifest) {
  if (!has_manifest) return "none";
  std::string s = Str(report, "validation_state");
  for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" → the last segment.
std::string ShortUri(std::string_view uri) {
  size_t slash = uri.rfind('/');
  return std::string(slash == std::string_view::npos ? uri : uri.substr(slash + 1));
}

std::string AgentText(const json::object& action) {
  const json::value* agent = action.if_contains("softwareAgent");
  if (agent == nullptr) return "";
  if (agent->is_string()) return std::string(agent->as_string());
  std::string out = Str(*agent, "name");
  if (!Str(*agent, "version").empty()) out += " " + Str(*agent, "version");
  return out;
}

void PrintManifest(const json::object& m) {
  if (!Str(m, "title").empty()) std::cout << "title:           " << Str(m, "title") << "\n";
  for (const json::value& g : Arr(m, "claim_generator_info")) {
    std::cout << "claim generator: " << Str(g, "name");
    if (!Str(g, "version").empty()) std::cout << " " << Str(g, "version");
    std::cout << "\n";
  }
  const json::object& sig = Obj(m, "signature_info");
  if (!sig.empty()) {
    std::cout << "signer:          " << Str(sig, "common_name");
    if (!Str(sig, "issuer").empty()) std::cout << " (issued by " << Str(sig, "issuer") << ")";
    std::cout << ", " << Str(sig, "alg") << "\n";
    if (!Str(sig, "time").empty())
      std::cout << "time-stamped:    " << Str(sig, "time") << " (RFC 3161)\n";
  }
  std::vector<std::vector<std::string>> actions = {{"  ACTION", "SOURCE", "AGENT", "WHEN"}};
  for (const json::value& a : Arr(m, "assertions")) {
    std::string label = Str(a, "label");
    if (label.rfind("c2pa.actions", 0) != 0) continue;
    for (const json::value& act : Arr(Obj(a, "data"), "actions")) {
      if (!act.is_object()) continue;
      actions.push_back({"  " + Str(act, "action"), ShortUri(Str(act, "digitalSourceType")),
                         AgentText(act.as_object()), Str(act, "when")});
    }
  }
  std::cout << "actions:\n";
  PrintTable(actions, "  (none)");
  std::vector<std::vector<std::string>> ingredients = {
      {"  RELATIONSHIP", "TITLE", "FORMAT", "INSTANCE", "MANIFEST"}};
  for (const json::value& i : Arr(m, "ingredients"))
    ingredients.push_back({"  " + Str(i, "relationship"), Str(i, "title"), Str(i, "format"),
                           Str(i, "instance_id"), Str(i, "active_manifest")});
  std::cout << "ingredients:\n";
  PrintTable(ingredients, "  (none)");
  for (const json::value& a : Arr(m, "assertions")) {
    if (Str(a, "label") != "stds.schema-org.CreativeWork") continue;
    for (const json::value& who : Arr(Obj(a, "data"), "author"))
      std::cout << "author:          " << Str(who, "name") << "\n";
  }
}

void PrintStatus(const json::object& results) {
  std::vector<std::vector<std::string>> rows = {{"  STATUS", "CODE", "ABOUT"}};
  auto add = [&](const json::object& status, std::string_view prefix) {
    for (const char* kind : {"success", "informational", "failure"})
      for (const json::value& e : Arr(status, kind))
        rows.push_back({"  " + std::string(prefix) + kind, Str(e, "code"), Str(e, "url")});
  };
  add(Obj(results, "activeManifest"), "");
  for (const json::value& d : Arr(results, "ingredientDeltas"))
    add(Obj(d, "validationDeltas"), "ingredient ");
  std::cout << "status:\n";
  PrintTable(rows, "  (none)");
}

Status VerifyFileCommand(const VerifyFileOptions& o) {
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(o.file, "file"));
  std::optional<pv::TrustSettings> trust;
  if (!o.trust.empty()) {
    ASSIGN_OR_RETURN(std::string pem, ReadWholeFile(o.trust, "trust bundle"));
    auto parsed = pv::TrustSettingsFromPem(pem);
    if (!parsed.ok())
      return ExitError(ErrorCode::kInvalidArgument,
                       "trust bundle " + o.trust + ": " + parsed.error().message(),
                       kExitCannotVerify);
    trust = std::move(*parsed);
  }
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (pv::DetectFormat(data) == pv::AssetFormat::kUnknown)
    return ExitError(ErrorCode::kUnsupportedMedia,
                     o.file +
                         ": not a format Content Credentials are read from (JPEG, PNG, WAV, "
                         "WebP, MP4/MOV)",
                     kExitCannotVerify);
  pv::VerifyOptions vo;
  vo.trust = trust ? &*trust : nullptr;
  vo.now = SystemClock().Now();
  auto report = pv::VerifyAsset(data, vo);
  if (!report.ok()) {
    if (report.error().code() == ErrorCode::kUnsupportedMedia)
      return ExitError(ErrorCode::kUnsupportedMedia, o.file + ": " + report.error().message(),
                       kExitCannotVerify);
    // The container itself is malformed: nothing it claims can be relied on.
    if (o.json)
      PrintJson(json::object{{"state", "invalid"},
                             {"validation_state", nullptr},
                             {"error", report.error().message()}});
    return ExitError(ErrorCode::kInvalidArgument,
                     o.file + ": cannot be read: " + report.error().message(), kExitInvalid);
  }
  json::object j = report->ToJson();
  std::string state = LowerState(j, report->has_manifest);
  if (o.json) {
    j["state"] = state;
    j["file"] = o.file;
    PrintJson(j);
  } else if (report->has_manifest) {
    std::cout << "file:            " << o.file << " (" << pv::MediaTypeOf(data) << ", "
              << bytes.size() << " bytes)\n"
              << "state:           " << Str(j, "validation_state")
              << (trust ? "" : " (no trust anchors given: --trust BUNDLE)") << "\n"
              << "active manifest: " << report->active_manifest << "\n";
    const json::object& manifests = Obj(j, "manifests");
    PrintManifest(Obj(manifests, report->active_manifest));
    PrintStatus(Obj(j, "validation_results"));
    if (report->store && report->store->manifests.size() > 1)
      std::cout << "nested manifests: " << report->store->manifests.size() - 1
                << " (ingredients' own Content Credentials; --json shows them)\n";
  } else {
    std::cout << o.file << ": no C2PA manifest\n";
  }
  if (!report->has_manifest)
    return ExitError(ErrorCode::kNotFound, o.file + " carries no Content Credentials",
                     kExitNoManifest);
  if (report->state == pv::ValidationState::kInvalid)
    return ExitError(ErrorCode::kInvalidArgument, o.file + ": the Content Credentials are invalid",
                     kExitInvalid);
  return OkStatus();
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<VerifyFileOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Verify a file's C2PA Content Credentials locally (exit 0 valid or trusted, 1 invalid, "
      "2 no manifest, 5 unreadable or unsupported)");
  cmd->add_option("FILE", o->file, "The file to verify (JPEG, PNG, WAV, WebP, MP4/MOV)")
      ->required();
  cmd->add_flag("--json", o->json, "Print the verifier's JSON report");
  cmd->add_option("--trust", o->trust,
                  "PEM bundle of trust anchors (e.g. from custody pki trust); without it the "
                  "best state is Valid");
  SetAction(cmd, exit_code, [o] { return VerifyFileCommand(*o); });
}

}  // namespace custody::cli
