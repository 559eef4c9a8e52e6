// Content Credentials: verification summaries for asset records, the manifest of an asset built
// from its lineage (see credentials.h), and the Workflow use cases that sign and verify.
#include "workflow/credentials.h"

#include <algorithm>

#include "crypto/sha256.h"
#include "provenance/c2pa/container.h"
#include "workflow/workflow.h"

namespace custody::workflow {
namespace {

namespace pv = provenance;

// Bounds on what a third party's file can make us store with an asset.
constexpr size_t kMaxLabelBytes = 512;
constexpr size_t kMaxFailureCodes = 64;
constexpr size_t kMaxCodeBytes = 128;
constexpr size_t kMaxReportBytes = size_t(4) << 20;

// Labels and codes come from untrusted files: keep printable ASCII only, bounded.
std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (char ch : s.substr(0, max)) out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
  return out;
}

std::string StatusReportJson(std::string_view error) {
  return json::serialize(json::object{{"validation_state", nullptr},
                                      {"manifests", json::object{}},
                                      {"error", std::string(error.substr(0, 300))}});
}

// "image/png; charset=…" → "image/png".
std::string BareMediaType(std::string_view media_type) {
  std::string_view t = media_type.substr(0, media_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return std::string(t);
}

pv::SoftwareAgent AgentOf(const JobRecord& job) {
  pv::SoftwareAgent agent;
  agent.name = job.engine;
  agent.version = job.model_version;
  if (!job.model.empty()) agent.extra["org.custody.model"] = job.model;
  return agent;
}

// An input asset as an ingredient: named by its asset id, titled and typed as stored, with its
// file when it has one C2PA covers (a manifest it carries is then kept).
pv::IngredientSpec InputIngredient(const ManifestInput& in, pv::Relationship relationship) {
  pv::IngredientSpec ing;
  ing.relationship = relationship;
  ing.title = in.asset.title;
  ing.format = BareMediaType(in.asset.media_type);
  ing.instance_id = AssetInstanceId(in.asset.id);
  if (in.file && pv::DetectFormat(*in.file) != pv::AssetFormat::kUnknown) ing.file = *in.file;
  return ing;
}

// The prompt: identified by the hash of its text; the text itself only when disclosed.
pv::IngredientSpec PromptIngredient(const ManifestInput& in) {
  pv::IngredientSpec ing;
  ing.relationship = pv::Relationship::kInputTo;
  ing.title = "Prompt";
  ing.format = "text/plain";
  ing.instance_id = HashInstanceId(in.asset.sha256);
  ing.description = in.disclosed_text;
  return ing;
}

size_t Add(pv::ManifestSpec& spec, pv::IngredientSpec ing) {
  spec.ingredients.push_back(std::move(ing));
  return spec.ingredients.size() - 1;
}

}  // namespace

std::string AssetInstanceId(const AssetId& id) { return "urn:custody:asset:" + id.str(); }
std::string HashInstanceId(std::string_view sha256_hex) {
  return "urn:custody:sha256:" + std::string(sha256_hex);
}

VerifiedFile SkippedVerification(uint64_t size, uint64_t max_bytes, TimePoint now) {
  VerifiedFile out;
  ContentCredentials& c = out.credentials;
  c.verified_at = now;
  c.state = CredentialsState::kNone;
  c.failures.emplace_back(kVerificationSkipped);
  c.report_json = StatusReportJson("not verified: the file has " + std::to_string(size) +
                                   " bytes, more than the " + std::to_string(max_bytes) +
                                   " verified in memory");
  return out;
}

VerifiedFile VerifyFile(std::span<const uint8_t> bytes, const pv::TrustSettings& trust,
                        TimePoint now, uint64_t max_bytes) {
  if (bytes.size() > max_bytes) return SkippedVerification(bytes.size(), max_bytes, now);
  VerifiedFile out;
  ContentCredentials& c = out.credentials;
  c.verified_at = now;
  c.state = CredentialsState::kNone;
  if (pv::DetectFormat(bytes) == pv::AssetFormat::kUnknown) {
    c.report_json = StatusReportJson("not a format that carries Content Credentials");
    return out;
  }
  pv::VerifyOptions vo;
  vo.trust = &trust;
  vo.now = now;
  auto report = pv::VerifyAsset(bytes, vo);
  if (!report.ok()) {
    if (report.error().code() == ErrorCode::kUnsupportedMedia) {
      c.report_json = StatusReportJson(report.error().message());
      return out;
    }
    // The container itself could not be read: whatever it claims cannot be trusted, and policy
    // should see it as invalid rather than as a file without credentials.
    c.state = CredentialsState::kInvalid;
    c.failures.emplace_back(kUnreadable);
    c.report_json = StatusReportJson(report.error().message());
    return out;
  }
  if (report->has_manifest) {
    switch (report->state) {
      case pv::ValidationState::kInvalid:
        c.state = CredentialsState::kInvalid;
        break;
      case pv::ValidationState::kValid:
        c.state = CredentialsState::kValid;
        break;
      case pv::ValidationState::kTrusted:
        c.state = CredentialsState::kTrusted;
        break;
    }
    c.active_manifest = Printable(report->active_manifest, kMaxLabelBytes);
    for (const pv::StatusEntry& f : report->active.failure) {
      if (c.failures.size() == kMaxFailureCodes) break;
      c.failures.push_back(Printable(f.code, kMaxCodeBytes));
    }
  }
  c.report_json = json::serialize(report->ToJson());
  if (c.report_json.size() > kMaxReportBytes)
    c.report_json = StatusReportJson("the verification report was too large to keep");
  out.report = std::move(*report);
  return out;
}

json::object CredentialsJson(const ContentCredentials& c) {
  json::array failures;
  for (const auto& f : c.failures) failures.emplace_back(f);
  json::object o{{"state", std::string(Name(c.state))}, {"failures", std::move(failures)}};
  o["active_manifest"] =
      c.active_manifest.empty() ? json::value(nullptr) : json::value(c.active_manifest);
  return o;
}

Result<pv::ManifestSpec> BuildManifestSpec(const ManifestFacts& f) {
  pv::ManifestSpec spec;
  spec.title = f.title;
  spec.instance_id = f.instance_id;
  spec.claim_generator = pv::SoftwareAgent{"Custody", f.claim_generator_version, {}};

  if (f.job && f.job->kind == JobKind::kGenerate) {
    pv::ActionSpec created;
    created.action = "c2pa.created";
    created.digital_source_type = std::string(pv::kSourceTrainedAlgorithmicMedia);
    created.software_agent = AgentOf(*f.job);
    created.when = f.asset.created_at;
    for (const ManifestInput& in : f.inputs) {
      bool prompt = in.input.role == "prompt" || in.asset.kind == AssetKind::kPrompt;
      created.ingredients.push_back(Add(
          spec, prompt ? PromptIngredient(in) : InputIngredient(in, pv::Relationship::kInputTo)));
    }
    spec.actions.push_back(std::move(created));
  } else if (f.job && f.job->kind == JobKind::kEdit) {
    const ManifestInput* source = nullptr;
    for (const ManifestInput& in : f.inputs)
      if (in.input.role == "source") source = &in;
    if (!source)
      return InvalidArgument("edit " + f.asset.id.str() + " has no source input to open");
    pv::ActionSpec opened;
    opened.action = "c2pa.opened";
    opened.ingredients.push_back(Add(spec, InputIngredient(*source, pv::Relationship::kParentOf)));
    pv::ActionSpec edited;
    edited.action = "c2pa.edited";
    if (f.generative_edit)
      edited.digital_source_type = std::string(pv::kSourceCompositeWithTrainedAlgorithmicMedia);
    edited.software_agent = AgentOf(*f.job);
    edited.when = f.asset.created_at;
    std::vector<pv::ActionSpec> placed;
    for (const ManifestInput& in : f.inputs) {
      if (&in == source) continue;
      if (in.input.role == "prompt" || in.asset.kind == AssetKind::kPrompt) {
        edited.ingredients.push_back(Add(spec, PromptIngredient(in)));
        continue;
      }
      pv::ActionSpec p;
      p.action = "c2pa.placed";
      p.when = f.asset.created_at;
      p.ingredients.push_back(Add(spec, InputIngredient(in, pv::Relationship::kComponentOf)));
      placed.push_back(std::move(p));
    }
    spec.actions.push_back(std::move(opened));
    spec.actions.push_back(std::move(edited));
    for (pv::ActionSpec& p : placed) spec.actions.push_back(std::move(p));
  } else {
    if (!f.original)
      return InvalidArgument("the manifest of " + f.asset.id.str() + " needs its original file");
    ManifestInput self;
    self.input = JobInput{f.asset.id, "original"};
    self.asset = f.asset;
    self.file = f.original;
    pv::ActionSpec opened;
    opened.action = "c2pa.opened";
    opened.ingredients.push_back(Add(spec, InputIngredient(self, pv::Relationship::kParentOf)));
    pv::ActionSpec scrubbed;
    scrubbed.action = std::string(kScrubAction);
    scrubbed.software_agent = pv::SoftwareAgent{"Custody", f.claim_generator_version, {}};
    scrubbed.when = f.now;
    scrubbed.description = "embedded metadata removed on export";
    spec.actions.push_back(std::move(opened));
    spec.actions.push_back(std::move(scrubbed));
  }

  if (f.author) {
    json::object person{{"@type", "Person"}, {"name", *f.author}};
    pv::ExtraAssertion work;
    work.label = "stds.schema-org.CreativeWork";
    work.json = json::object{{"@context", "https://schema.org"},
                             {"@type", "CreativeWork"},
                             {"author", json::array{std::move(person)}}};
    spec.extra_assertions.push_back(std::move(work));
  }
  return spec;
}

// ---- Workflow: signing with lineage, verifying ---------------------------------------------

Result<pv::SignedAsset> Workflow::SignWithLineage(const Caller& c, const AssetRecord& a,
                                                  std::span<const uint8_t> bytes,
                                                  const std::string& instance_id,
                                                  const std::string& title,
                                                  std::optional<Bytes> original, int depth,
                                                  json::array* disclosures) {
  const CredentialsOptions& co = options_.credentials;
  if (!co.signer)
    return Error(ErrorCode::kUnavailable,
                 "no Content Credentials signing identity is loaded (custody pki init)");
  ManifestFacts f;
  f.asset = a;
  f.instance_id = instance_id;
  f.title = title;
  f.now = clock_.Now();
  f.claim_generator_version = co.claim_generator_version;
  f.original = std::move(original);

  // The lineage facts from one snapshot, and the disclosure decisions taken on them. Decisions
  // are the exporter's: the same person who may export decides what the file may say.
  std::vector<bool> disclose_prompt;
  auto record = [&](const policy::Decision& d, const AssetRecord& about) {
    json::object o{{"asset", about.id.str()},
                   {"action", std::string(policy::Name(d.action))},
                   {"allowed", d.allowed}};
    json::array det;
    for (const auto& id : d.determining) det.emplace_back(id);
    o["determining"] = std::move(det);
    disclosures->push_back(std::move(o));
  };
  Status s = store_.ReadTransaction([&](ReadTx& tx) -> Status {
    if (a.generated_by) {
      ASSIGN_OR_RETURN(JobRecord job, tx.GetJob(*a.generated_by));
      f.generative_edit =
          job.kind == JobKind::kEdit && co.generative_edit_engines.count(job.engine) > 0;
      Classification input_level = Classification::kPublic;
      for (const JobInput& in : job.inputs) {
        ManifestInput mi;
        mi.input = in;
        ASSIGN_OR_RETURN(mi.asset, tx.GetAsset(in.asset));
        input_level = std::max(input_level, mi.asset.classification);
        f.inputs.push_back(std::move(mi));
      }
      for (const ManifestInput& mi : f.inputs) {
        bool prompt = mi.input.role == "prompt" || mi.asset.kind == AssetKind::kPrompt;
        if (!prompt) {
          disclose_prompt.push_back(false);
          continue;
        }
        ASSIGN_OR_RETURN(policy::AssetFacts facts, FactsOf(tx, mi.asset));
        policy::RequestContext ctx;
        ctx.input_classification = input_level;
        policy::Decision d = Decide(c, policy::Action::kIncludePromptInCredentials,
                                    AssetResource(mi.asset, std::move(facts)), ctx);
        record(d, mi.asset);
        disclose_prompt.push_back(d.allowed);
      }
      f.job = std::move(job);
    }
    ASSIGN_OR_RETURN(policy::AssetFacts facts, FactsOf(tx, a));
    policy::Decision d =
        Decide(c, policy::Action::kIncludeAuthorInCredentials, AssetResource(a, std::move(facts)));
    record(d, a);
    if (d.allowed) {
      // The person behind the asset: the human an agent or service acted for.
      ASSIGN_OR_RETURN(PrincipalRecord author, tx.GetPrincipal(a.on_behalf_of.value_or(a.owner)));
      f.author = author.display_name.empty() ? author.name : author.display_name;
    }
    return OkStatus();
  });
  RETURN_IF_ERROR(s);

  // The inputs' content: the disclosed prompt text, and every other input's file — signed with
  // its own lineage first when a job made it, so its history nests inside ours.
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    ManifestInput& mi = f.inputs[i];
    bool prompt = mi.input.role == "prompt" || mi.asset.kind == AssetKind::kPrompt;
    if (prompt) {
      if (!disclose_prompt[i]) continue;
      ASSIGN_OR_RETURN(Bytes text, LoadBytes(mi.asset, options_.max_prompt_bytes));
      mi.disclosed_text = std::string(text.begin(), text.end());
      continue;
    }
    if (mi.asset.status == AssetStatus::kDisposed) continue;  // listed, without its file
    auto loaded = LoadBytes(mi.asset, uint64_t(512) << 20);
    // Content that was disposed of (crypto-shredded) is listed without its file; any other
    // failure to read an input stops the export.
    if (!loaded.ok() && loaded.error().code() == ErrorCode::kNotFound) continue;
    if (!loaded.ok()) return loaded.error();
    Bytes content = std::move(*loaded);
    if (pv::DetectFormat(content) == pv::AssetFormat::kUnknown) continue;
    if (mi.asset.generated_by && depth + 1 <= co.max_nesting) {
      ASSIGN_OR_RETURN(pv::SignedAsset nested,
                       SignWithLineage(c, mi.asset, content, AssetInstanceId(mi.asset.id),
                                       mi.asset.title, std::nullopt, depth + 1, disclosures));
      mi.file = std::move(nested.bytes);
    } else {
      mi.file = std::move(content);
    }
  }

  ASSIGN_OR_RETURN(pv::ManifestSpec spec, BuildManifestSpec(f));
  pv::BuildOptions bo;
  bo.random = &random_;
  bo.now = f.now;
  bo.trust = &co.trust;
  if (depth == 0 && co.timestamp) bo.timestamp = &co.timestamp;
  return pv::SignAsset(bytes, spec, *co.signer, bo);
}

Result<VerifyResult> Workflow::Verify(const Caller& c, BodySource& body) {
  // Decide before reading a byte: a caller without the right sends nothing we keep.
  policy::Decision d = Decide(c, policy::Action::kVerify, SystemResource("verify", "content"));
  audit::AuditEvent e =
      Event(c, "credentials.verify", "verify/content", d.allowed ? "allowed" : "denied", &d);
  if (!d.allowed) {
    audit_.AppendAsync(std::move(e));
    return DeniedError(d);
  }
  const uint64_t limit = std::min(options_.max_upload_bytes, options_.credentials.max_verify_bytes);
  Bytes file;
  std::vector<uint8_t> buf(256 * 1024);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, body.Read(buf));
    if (n == 0) break;
    if (file.size() + n > limit)
      return Error(ErrorCode::kPayloadTooLarge,
                   "files are verified up to " + std::to_string(limit) + " bytes");
    file.insert(file.end(), buf.begin(), buf.begin() + n);
  }
  if (file.empty()) return InvalidArgument("empty body: send the file to verify");
  if (pv::DetectFormat(file) == pv::AssetFormat::kUnknown)
    return Error(ErrorCode::kUnsupportedMedia,
                 "not a format Content Credentials are read from (JPEG, PNG, WAV, WebP, MP4)");
  VerifyResult out;
  out.sha256 = crypto::Sha256Hex(file);
  out.size = file.size();
  out.verified = VerifyFile(file, options_.credentials.trust, clock_.Now(), limit);
  e.details["sha256"] = out.sha256;
  e.details["size"] = out.size;
  e.details["credentials"] = CredentialsJson(out.verified.credentials);
  audit_.AppendAsync(std::move(e));
  return out;
}

}  // namespace custody::workflow
