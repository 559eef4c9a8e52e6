#include "jobs/engines/builtin_engines.h"

#include "media/edit.h"
#include "media/media.h"
#include "media/procedural.h"

namespace custody::jobs {
namespace {

Result<int> IntParam(const json::object& p, std::string_view key, int def, int lo, int hi) {
  ASSIGN_OR_RETURN(auto v, OptionalInt(p, key));
  if (!v) return def;
  if (*v < lo || *v > hi)
    return InvalidArgument("parameter '" + std::string(key) + "' must be between " +
                           std::to_string(lo) + " and " + std::to_string(hi));
  return int(*v);
}

Status OnlyKnownKeys(const json::object& p, std::initializer_list<std::string_view> keys) {
  for (const auto& kv : p) {
    bool known = false;
    for (auto k : keys) known |= kv.key() == k;
    if (!known) return InvalidArgument("unknown parameter '" + std::string(kv.key()) + "'");
  }
  return OkStatus();
}

class ProceduralEngine final : public Engine {
 public:
  std::string_view name() const override { return "procedural"; }
  std::string_view model() const override { return "custody-procedural"; }
  std::string_view version() const override { return kProceduralVersion; }
  JobKind kind() const override { return JobKind::kGenerate; }

  Status Validate(const json::object& p, const std::vector<std::string>& roles) const override {
    RETURN_IF_ERROR(OnlyKnownKeys(p, {"width", "height"}));
    RETURN_IF_ERROR(IntParam(p, "width", 512, kProceduralMinSize, kProceduralMaxSize));
    RETURN_IF_ERROR(IntParam(p, "height", 512, kProceduralMinSize, kProceduralMaxSize));
    int prompts = 0;
    size_t refs = 0;
    for (const std::string& r : roles) {
      if (r == "prompt") {
        ++prompts;
      } else if (r == "reference" || r.rfind("reference:", 0) == 0) {
        ++refs;
      } else {
        return InvalidArgument(
            "the procedural engine takes inputs with role 'prompt' or "
            "'reference:<kind>', not '" +
            r + "'");
      }
    }
    if (prompts != 1) return InvalidArgument("the procedural engine needs exactly one prompt");
    if (refs > kProceduralMaxReferences)
      return InvalidArgument("at most " + std::to_string(kProceduralMaxReferences) + " references");
    return OkStatus();
  }

  Result<EngineOutput> Run(const EngineRequest& req, ProgressSink& progress) override {
    ProceduralSpec spec;
    spec.seed = req.seed;
    ASSIGN_OR_RETURN(
        spec.width, IntParam(req.parameters, "width", 512, kProceduralMinSize, kProceduralMaxSize));
    ASSIGN_OR_RETURN(spec.height, IntParam(req.parameters, "height", 512, kProceduralMinSize,
                                           kProceduralMaxSize));
    for (const EngineInput& in : req.inputs) {
      if (in.role == "prompt")
        spec.prompt.assign(in.content.begin(), in.content.end());
      else
        spec.references.push_back(in.content);
    }
    ASSIGN_OR_RETURN(Bytes png,
                     RenderProcedural(spec, [&](double f) { return progress.Report(f); }));
    return EngineOutput{std::move(png), "image/png"};
  }
};

class EditEngine final : public Engine {
 public:
  std::string_view name() const override { return "vips-edit"; }
  std::string_view model() const override { return "libvips"; }
  std::string_view version() const override { return VipsVersion(); }
  JobKind kind() const override { return JobKind::kEdit; }

  Status Validate(const json::object& p, const std::vector<std::string>& roles) const override {
    RETURN_IF_ERROR(OnlyKnownKeys(p, {"ops", "format"}));
    if (roles.size() != 1 || roles[0] != "source")
      return InvalidArgument("an edit takes exactly one input with role 'source'");
    auto ops = ParseOps(p);
    if (!ops.ok()) return ops.error();
    return OkStatus();
  }

  Result<EngineOutput> Run(const EngineRequest& req, ProgressSink& progress) override {
    ASSIGN_OR_RETURN(auto ops, ParseOps(req.parameters));
    ASSIGN_OR_RETURN(auto format, OptionalString(req.parameters, "format"));
    if (!progress.Report(0.1)) return Error(ErrorCode::kCancelled, "cancelled");
    const EngineInput* source = nullptr;
    for (const EngineInput& in : req.inputs)
      if (in.role == "source") source = &in;
    if (!source) return InvalidArgument("no source input");
    ASSIGN_OR_RETURN(Bytes out, ApplyEdits(source->content, ops, format.value_or("")));
    if (!progress.Report(1.0)) return Error(ErrorCode::kCancelled, "cancelled");
    std::string type = SniffMediaType(out);
    return EngineOutput{std::move(out), type};
  }

 private:
  static Result<std::vector<EditOp>> ParseOps(const json::object& p) {
    auto it = p.find("ops");
    if (it == p.end() || !it->value().is_array() || it->value().as_array().empty())
      return InvalidArgument("parameter 'ops' must be a non-empty array of edit operations");
    std::vector<EditOp> ops;
    for (const auto& v : it->value().as_array()) {
      if (!v.is_object()) return InvalidArgument("each edit operation must be an object");
      ASSIGN_OR_RETURN(EditOp op, ParseEditOp(v.as_object()));
      ops.push_back(std::move(op));
    }
    if (ops.size() > kMaxEditOps)
      return InvalidArgument("at most " + std::to_string(kMaxEditOps) + " edit operations");
    return ops;
  }
};

}  // namespace

std::unique_ptr<Engine> MakeProceduralEngine() { return std::make_unique<ProceduralEngine>(); }
std::unique_ptr<Engine> MakeEditEngine() { return std::make_unique<EditEngine>(); }

}  // namespace custody::jobs
