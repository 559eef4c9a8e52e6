// custody pki init | import | show | trust: the data directory's C2PA signing identity
// (provenance/pki.h), managed locally like `custody audit verify --data`: no server, the same
// configuration sources as `custody serve`, the master key read from the data directory.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/config.h"
#include "app/server.h"
#include "cli/command_util.h"
#include "crypto/sha256.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/pki.h"

namespace custody::app {
namespace {

namespace pv = provenance;
using cli::Arr;
using cli::Obj;
using cli::PrintJson;
using cli::Str;

struct PkiCommon {
  std::string config_file;
  std::string data;
  bool json = false;
};

void AddPkiFlags(CLI::App* cmd, PkiCommon* o, bool json) {
  cmd->add_option("--config", o->config_file, "TOML configuration file (as for custody serve)");
  cmd->add_option("--data", o->data, "Data directory (default: the configured one, ./data)");
  if (json) cmd->add_flag("--json", o->json, "Print JSON instead of text");
}

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + std::string(what) + " " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "AB:CD:…", as `openssl x509 -fingerprint -sha256` prints it.
std::string ColonHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    for (char ch : hex.substr(i, 2)) out += char(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

std::string DistinguishedName(const std::string& cn, const std::string& o) {
  std::string out = "CN=" + cn;
  if (!o.empty()) out += ", O=" + o;
  return out;
}

// The identity in the data directory, described: the signing certificate, whether the key loads
// and matches it, the C2PA profile check, and whether it chains to the trust bundle.
Result<json::object> Describe(const Config& config, const crypto::MasterKey* master) {
  const std::filesystem::path& data = config.data_dir;
  pv::PkiPaths paths = pv::PkiPathsFor(data);
  auto chain_pem = ReadFile(paths.chain().string(), "certificate chain");
  if (!chain_pem.ok())
    return NotFound("no C2PA signing identity in " + paths.dir.string() +
                    " (custody pki init, or custody pki import)");
  ASSIGN_OR_RETURN(std::vector<Bytes> chain, pv::ParsePemCertificates(*chain_pem));
  ASSIGN_OR_RETURN(pv::CertificateSummary leaf, pv::SummarizeCertificate(chain[0]));
  const TimePoint now = SystemClock().Now();
  json::object o;
  o["subject"] = json::object{{"common_name", leaf.subject_common_name},
                              {"organization", leaf.subject_organization}};
  o["issuer"] = json::object{{"common_name", leaf.issuer_common_name},
                             {"organization", leaf.issuer_organization}};
  o["serial"] = leaf.serial_hex;
  o["not_before"] = FormatTime(leaf.not_before);
  o["not_after"] = FormatTime(leaf.not_after);
  o["sha256_fingerprint"] = crypto::Sha256Hex(chain[0]);
  o["chain_length"] = chain.size();
  o["chain_file"] = paths.chain().string();
  if (master) {
    auto credential = pv::LoadSigningCredential(data, *master);
    o["key"] = credential.ok() ? json::value("loads and matches the certificate")
                               : json::value("unusable: " + credential.error().message());
    o["key_ok"] = credential.ok();
    if (credential.ok())
      o["algorithm"] = std::string(pv::cose::AlgorithmName((*credential)->algorithm()));
  }
  ASSIGN_OR_RETURN(auto issues, pv::CheckSigningCertificate(chain[0], pv::TrustSettings{}, now));
  json::array list;
  for (const pv::ProfileIssue& i : issues)
    list.push_back(json::object{{"code", i.code}, {"explanation", i.explanation}});
  o["profile"] = json::object{{"ok", issues.empty()}, {"issues", std::move(list)}};
  auto bundle = pv::ReadTrustBundle(data);
  if (bundle.ok()) {
    ASSIGN_OR_RETURN(pv::TrustSettings trust, pv::TrustSettingsFromPem(*bundle));
    o["trust_file"] = paths.trust().string();
    o["trust_anchors"] = trust.anchors.size();
    o["chains_to_trust_bundle"] =
        pv::VerifyCertificateChain(chain, trust, now) == pv::ChainTrust::kTrusted;
  } else {
    o["trust_anchors"] = 0;
    o["chains_to_trust_bundle"] = false;
  }
  return o;
}

void PrintDescription(const json::object& d) {
  const json::object& subject = Obj(d, "subject");
  const json::object& issuer = Obj(d, "issuer");
  std::cout << "subject:     "
            << DistinguishedName(Str(subject, "common_name"), Str(subject, "organization")) << "\n"
            << "issuer:      "
            << DistinguishedName(Str(issuer, "common_name"), Str(issuer, "organization")) << "\n";
  if (!Str(d, "algorithm").empty()) std::cout << "algorithm:   " << Str(d, "algorithm") << "\n";
  std::cout << "valid:       " << Str(d, "not_before") << " to " << Str(d, "not_after") << "\n"
            << "serial:      " << Str(d, "serial") << "\n"
            << "sha256:      " << ColonHex(Str(d, "sha256_fingerprint")) << "\n"
            << "chain:       " << Str(d, "chain_length") << " certificate(s), "
            << Str(d, "chain_file") << "\n";
  if (!Str(d, "key").empty()) std::cout << "key:         " << Str(d, "key") << "\n";
  const json::object& profile = Obj(d, "profile");
  if (Str(profile, "ok") == "true") {
    std::cout << "profile:     meets the C2PA signing-certificate profile\n";
  } else {
    std::cout << "profile:     does NOT meet the C2PA signing-certificate profile\n";
    for (const json::value& i : Arr(profile, "issues"))
      std::cout << "  " << Str(i, "code") << ": " << Str(i, "explanation") << "\n";
  }
  std::cout << "trust:       " << Str(d, "trust_anchors") << " anchor(s)"
            << (Str(d, "trust_file").empty() ? "" : " in " + Str(d, "trust_file")) << "; "
            << (Str(d, "chains_to_trust_bundle") == "true" ? "the chain verifies against them"
                                                           : "the chain does NOT verify against "
                                                             "them")
            << "\n";
}

// ---- the commands ---------------------------------------------------------------------------

struct InitOptions {
  PkiCommon common;
  std::string algorithm = "es256";
  std::string organization;
  std::string common_name;
  bool force = false;
};

Status Init(const InitOptions& o) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(o.common.config_file, o.common.data));
  pv::PkiInitOptions po;
  if (o.algorithm == "es256") {
    po.algorithm = pv::cose::Algorithm::kEs256;
  } else if (o.algorithm == "ed25519") {
    po.algorithm = pv::cose::Algorithm::kEd25519;
  } else {
    return InvalidArgument("--algorithm must be es256 or ed25519");
  }
  if (!o.organization.empty()) po.organization = o.organization;
  if (!o.common_name.empty()) po.common_name = o.common_name;
  po.force = o.force;
  SystemRandom random;
  SystemClock clock;
  ASSIGN_OR_RETURN(auto master, OpenMasterKey(config.data_dir, random, /*create=*/true));
  Status s = pv::PkiInit(config.data_dir, *master, random, clock, po);
  if (!s.ok() && s.error().code() == ErrorCode::kAlreadyExists)
    return Error(ErrorCode::kAlreadyExists,
                 "the data directory already has a C2PA signing identity; --force replaces it "
                 "(files signed before stay valid, but validators need the new trust bundle)");
  RETURN_IF_ERROR(s);
  ASSIGN_OR_RETURN(json::object d, Describe(config, master.get()));
  if (o.common.json) {
    PrintJson(d);
  } else {
    std::cout << "created the studio's C2PA signing identity in "
              << pv::PkiPathsFor(config.data_dir).dir.string() << "\n";
    PrintDescription(d);
  }
  return OkStatus();
}

struct ImportOptions {
  PkiCommon common;
  std::string chain;
  std::string key;
  std::string trust;
};

Status Import(const ImportOptions& o) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(o.common.config_file, o.common.data));
  ASSIGN_OR_RETURN(std::string chain, ReadFile(o.chain, "certificate chain"));
  ASSIGN_OR_RETURN(std::string key, ReadFile(o.key, "private key"));
  std::string trust;
  if (!o.trust.empty()) {
    ASSIGN_OR_RETURN(trust, ReadFile(o.trust, "trust bundle"));
  }
  SystemRandom random;
  SystemClock clock;
  ASSIGN_OR_RETURN(auto master, OpenMasterKey(config.data_dir, random, /*create=*/true));
  Status s = pv::PkiImport(
      config.data_dir, *master, random, clock, chain,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()), trust);
  // The key's bytes are not needed any more; do not leave them in freed memory.
  std::fill(key.begin(), key.end(), '\0');
  RETURN_IF_ERROR(s);
  ASSIGN_OR_RETURN(json::object d, Describe(config, master.get()));
  if (o.common.json) {
    PrintJson(d);
  } else {
    std::cout << "imported the C2PA signing identity into "
              << pv::PkiPathsFor(config.data_dir).dir.string() << "\n";
    PrintDescription(d);
  }
  return OkStatus();
}

Status Show(const PkiCommon& o) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(o.config_file, o.data));
  SystemRandom random;
  ASSIGN_OR_RETURN(auto master, OpenMasterKey(config.data_dir, random, /*create=*/false));
  ASSIGN_OR_RETURN(json::object d, Describe(config, master.get()));
  if (o.json)
    PrintJson(d);
  else
    PrintDescription(d);
  return OkStatus();
}

struct TrustOptions {
  PkiCommon common;
  std::string out;
};

Status Trust(const TrustOptions& o) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(o.common.config_file, o.common.data));
  auto bundle = pv::ReadTrustBundle(config.data_dir);
  if (!bundle.ok() && bundle.error().code() == ErrorCode::kNotFound)
    return NotFound("no trust bundle in " + pv::PkiPathsFor(config.data_dir).dir.string() +
                    " (custody pki init, or custody pki import --trust)");
  if (!bundle.ok()) return bundle.error();
  if (o.out.empty()) {
    std::cout << *bundle;
    return OkStatus();
  }
  std::ofstream f(o.out, std::ios::binary | std::ios::trunc);
  f << *bundle;
  f.close();
  if (!f) return Error(ErrorCode::kUnavailable, "cannot write " + o.out);
  std::cerr << "wrote the trust bundle to " << o.out << "\n";
  return OkStatus();
}

}  // namespace

void RegisterPkiCommands(CLI::App& app, int* exit_code) {
  CLI::App* pki = app.add_subcommand(
      "pki", "The studio's C2PA signing identity (local: works on the data directory)");
  pki->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  CLI::App* c = pki->add_subcommand(
      "init", "Create a root CA and a C2PA signing certificate for this studio");
  AddPkiFlags(c, &init->common, true);
  c->add_option("--algorithm", init->algorithm, "es256 (default) or ed25519");
  c->add_option("--organization", init->organization, "The organisation named in the certificates");
  c->add_option("--common-name", init->common_name, "The signing certificate's common name");
  c->add_flag("--force", init->force, "Replace an existing identity");
  cli::SetAction(c, exit_code, [init] { return Init(*init); });

  auto imp = std::make_shared<ImportOptions>();
  c = pki->add_subcommand("import", "Install an organisation's signing certificate chain and key");
  AddPkiFlags(c, &imp->common, true);
  c->add_option("--chain", imp->chain, "PEM: the signing certificate, then intermediates")
      ->required();
  c->add_option("--key", imp->key, "The signing key (PEM or PKCS#8 DER)")->required();
  c->add_option("--trust", imp->trust,
                "PEM: the root(s) validators should trust (default: the chain's self-signed "
                "last certificate)");
  cli::SetAction(c, exit_code, [imp] { return Import(*imp); });

  auto show = std::make_shared<PkiCommon>();
  c = pki->add_subcommand("show", "Describe the signing identity and check it");
  AddPkiFlags(c, show.get(), true);
  cli::SetAction(c, exit_code, [show] { return Show(*show); });

  auto trust = std::make_shared<TrustOptions>();
  c = pki->add_subcommand("trust", "Print the trust bundle (PEM) for downstream validators");
  AddPkiFlags(c, &trust->common, false);
  c->add_option("-o,--output", trust->out, "Write it to this file instead of standard output");
  cli::SetAction(c, exit_code, [trust] { return Trust(*trust); });
}

}  // namespace custody::app
