// Recognition of the AI tools that wrote a file's metadata (see
// ../shared/design/notes/ai-metadata.md for what each writes where), by key and by content:
// ComfyUI API graphs ("class_type") and UI workflows ("last_node_id"), A1111/Forge infotext
// ("\nSteps: "), InvokeAI, NovelAI, Fooocus, SwarmUI, Draw Things, Easy Diffusion, and an IPTC
// digital source type that says "trained algorithmic media" (XMP or C2PA) with no tool keys.
#include <boost/json.hpp>
#include <optional>
#include <set>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

namespace json = boost::json;

constexpr size_t kMaxPrompt = 64 * 1024;

std::string Cap(std::string s) {
  if (s.size() > kMaxPrompt) {
    size_t cut = kMaxPrompt;
    while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

// Parses a JSON object (nullopt for anything else, or on any failure: bad syntax, too deep,
// out of memory).
std::optional<json::object> ParseObject(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.front() != '{') return std::nullopt;
  try {
    json::parse_options opts;
    opts.max_depth = 64;
    opts.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, {}, opts);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Str(const json::value* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_double()) {
    double d = v->as_double();
    if (d == double(int64_t(d)) && d > -9e18 && d < 9e18) return std::to_string(int64_t(d));
    return json::serialize(*v);
  }
  return "";
}
std::string Str(const json::object& o, std::string_view key) { return Str(o.if_contains(key)); }

// A1111 infotext: "<prompt>\nNegative prompt: <neg>\nSteps: 20, Sampler: ..., Seed: 1, ...".
bool IsInfotext(std::string_view v) {
  size_t at = v.rfind("Steps: ");
  while (at != std::string_view::npos) {
    bool line_start = at == 0 || v[at - 1] == '\n';
    if (line_start && at + 7 < v.size() && v[at + 7] >= '0' && v[at + 7] <= '9') return true;
    if (at == 0) break;
    at = v.rfind("Steps: ", at - 1);
  }
  return false;
}

// The value of "<name>: value," in an infotext parameter line.
std::string InfotextParam(std::string_view line, std::string_view name) {
  size_t at = 0;
  while ((at = line.find(name, at)) != std::string_view::npos) {
    bool start = at == 0 || line[at - 1] == ' ' || line[at - 1] == ',';
    size_t v = at + name.size();
    if (start && line.substr(v, 2) == ": ") {
      v += 2;
      if (v < line.size() && line[v] == '"') {  // quoted values may contain commas
        size_t end = line.find('"', v + 1);
        return std::string(
            line.substr(v + 1, (end == std::string_view::npos ? line.size() : end) - v - 1));
      }
      size_t end = line.find(',', v);
      return std::string(
          Trim(line.substr(v, (end == std::string_view::npos ? line.size() : end) - v)));
    }
    at = v;
  }
  return "";
}

void ParseInfotext(std::string_view v, Generation& g) {
  // The parameter line is the last line starting with "Steps: ".
  size_t steps = std::string_view::npos;
  for (size_t at = v.find("Steps: "); at != std::string_view::npos;
       at = v.find("Steps: ", at + 1)) {
    if (at == 0 || v[at - 1] == '\n') steps = at;
  }
  if (steps == std::string_view::npos) return;
  std::string_view head = v.substr(0, steps);
  std::string_view params = v.substr(steps);
  size_t neg = std::string_view::npos;
  for (size_t at = head.find("Negative prompt: "); at != std::string_view::npos;
       at = head.find("Negative prompt: ", at + 1)) {
    if (at == 0 || head[at - 1] == '\n') {
      neg = at;
      break;
    }
  }
  if (neg != std::string_view::npos) {
    if (g.prompt.empty()) g.prompt = Cap(std::string(Trim(head.substr(0, neg))));
    if (g.negative_prompt.empty()) {
      g.negative_prompt = Cap(std::string(Trim(head.substr(neg + 17))));
    }
  } else if (g.prompt.empty()) {
    g.prompt = Cap(std::string(Trim(head)));
  }
  if (g.seed.empty()) g.seed = InfotextParam(params, "Seed");
  if (g.model.empty()) g.model = InfotextParam(params, "Model");
}

// ---------------------------------------------------------------- ComfyUI

// True for a ComfyUI API graph: {"<id>": {"inputs": {...}, "class_type": "..."}, ...}.
bool IsApiGraph(const json::object& o) {
  for (const auto& kv : o) {
    if (kv.value().is_object() && kv.value().as_object().contains("class_type")) return true;
  }
  return false;
}

bool IsUiWorkflow(const json::object& o) {
  return o.contains("last_node_id") ||
         (o.contains("nodes") && o.at("nodes").is_array() && o.contains("links"));
}

const json::object* Inputs(const json::object& graph, std::string_view id) {
  const json::value* node = graph.if_contains(id);
  if (node == nullptr || !node->is_object()) return nullptr;
  const json::value* in = node->as_object().if_contains("inputs");
  return in != nullptr && in->is_object() ? &in->as_object() : nullptr;
}

// A link input: ["<node id>", <output index>].
std::optional<std::string> LinkTarget(const json::value& v) {
  if (!v.is_array() || v.as_array().size() != 2) return std::nullopt;
  const json::value& id = v.as_array()[0];
  if (id.is_string()) return std::string(id.as_string());
  if (id.is_int64()) return std::to_string(id.as_int64());
  return std::nullopt;
}

// The prompt text that reaches a conditioning input: the node's own text input, or the text of
// the nodes its conditioning comes from (ConditioningCombine, ControlNetApply, ...).
std::string FollowText(const json::object& graph, const std::string& id, int depth,
                       std::set<std::string>& seen) {
  if (depth > 16 || !seen.insert(id).second) return "";
  const json::object* in = Inputs(graph, id);
  if (in == nullptr) return "";
  for (std::string_view key : {"text", "text_g", "prompt", "positive", "text_l", "string", "value",
                               "populated_text", "wildcard_text"}) {
    const json::value* v = in->if_contains(key);
    if (v == nullptr) continue;
    if (v->is_string() && !v->as_string().empty()) return std::string(v->as_string());
    if (auto target = LinkTarget(*v)) {
      std::string t = FollowText(graph, *target, depth + 1, seen);
      if (!t.empty()) return t;
    }
  }
  for (const auto& kv : *in) {
    std::string_view k = kv.key();
    if (k.find("conditioning") == std::string_view::npos && k.find("cond") != 0 &&
        k.find("text") == std::string_view::npos) {
      continue;
    }
    if (auto target = LinkTarget(kv.value())) {
      std::string t = FollowText(graph, *target, depth + 1, seen);
      if (!t.empty()) return t;
    }
  }
  return "";
}

void AppendDistinct(std::string& out, const std::string& add) {
  if (add.empty()) return;
  std::string_view a = Trim(add);
  if (a.empty() || out.find(a) != std::string::npos) return;
  if (!out.empty()) out += "\n";
  out += a;
}

void ReadApiGraph(const json::object& graph, Generation& g) {
  std::string positive, negative, seed, model;
  for (const auto& kv : graph) {
    const json::object* in = Inputs(graph, kv.key());
    if (in == nullptr) continue;
    const json::value* pos = in->if_contains("positive");
    const json::value* neg = in->if_contains("negative");
    if (pos != nullptr) {
      if (auto t = LinkTarget(*pos)) {
        std::set<std::string> seen;
        AppendDistinct(positive, FollowText(graph, *t, 0, seen));
      }
    }
    if (neg != nullptr) {
      if (auto t = LinkTarget(*neg)) {
        std::set<std::string> seen;
        AppendDistinct(negative, FollowText(graph, *t, 0, seen));
      }
    }
    if (pos != nullptr && seed.empty()) {
      seed = Str(in->if_contains("seed"));
      if (seed.empty()) seed = Str(in->if_contains("noise_seed"));
    }
    if (model.empty()) {
      for (std::string_view key : {"ckpt_name", "unet_name", "model_name"}) {
        model = Str(in->if_contains(key));
        if (!model.empty()) break;
      }
    }
  }
  if (seed.empty()) {  // samplers with a separate noise node (SamplerCustomAdvanced)
    for (const auto& kv : graph) {
      const json::object* in = Inputs(graph, kv.key());
      if (in == nullptr) continue;
      seed = Str(in->if_contains("noise_seed"));
      if (seed.empty()) seed = Str(in->if_contains("seed"));
      if (!seed.empty()) break;
    }
  }
  if (positive.empty()) {
    // No sampler found: any text-encoding node's text.
    for (const auto& kv : graph) {
      if (!kv.value().is_object()) continue;
      std::string type = Str(kv.value().as_object(), "class_type");
      if (type.find("TextEncode") == std::string::npos &&
          type.find("Prompt") == std::string::npos) {
        continue;
      }
      std::set<std::string> seen;
      AppendDistinct(positive, FollowText(graph, std::string(kv.key()), 0, seen));
      if (!positive.empty()) break;
    }
  }
  // The API graph is exact (links followed from the sampler); it overrides what a UI workflow
  // read earlier guessed.
  if (!positive.empty()) g.prompt = Cap(positive);
  if (!negative.empty()) g.negative_prompt = Cap(negative);
  if (!seed.empty()) g.seed = seed;
  if (!model.empty()) g.model = model;
}

// A UI workflow without an API graph: the first text-encoding node's widget text.
void ReadUiWorkflow(const json::object& wf, Generation& g) {
  const json::value* nodes = wf.if_contains("nodes");
  if (nodes == nullptr || !nodes->is_array()) return;
  for (const json::value& n : nodes->as_array()) {
    if (!n.is_object()) continue;
    std::string type = Str(n.as_object(), "type");
    const json::value* widgets = n.as_object().if_contains("widgets_values");
    if (widgets == nullptr || !widgets->is_array() || widgets->as_array().empty()) continue;
    if (g.prompt.empty() && type.find("TextEncode") != std::string::npos) {
      g.prompt = Cap(Str(&widgets->as_array()[0]));
    }
    if (g.model.empty() && (type.find("CheckpointLoader") != std::string::npos ||
                            type.find("UNETLoader") != std::string::npos)) {
      for (const json::value& w : widgets->as_array()) {
        std::string s = Str(&w);
        if (s.find(".safetensors") != std::string::npos || s.find(".ckpt") != std::string::npos ||
            s.find(".gguf") != std::string::npos) {
          g.model = s;
          break;
        }
      }
    }
  }
}

// ---------------------------------------------------------------- the recogniser

class Recognizer {
 public:
  explicit Recognizer(Report& r) : r_(r) {}

  void Run() {
    // Keys compared case-insensitively, lower-cased once; long keys cannot be a tool's.
    lower_.reserve(r_.entries.size());
    for (const Entry& e : r_.entries) lower_.push_back(e.key.size() <= 64 ? Lower(e.key) : "");
    for (size_t i = 0; i < r_.entries.size(); ++i) {
      const Entry& e = r_.entries[i];
      if (e.binary) continue;
      Examine(i);
    }
    NovelAi();
    EasyDiffusion();
    if (r_.generations.empty() && IsAiDigitalSource(r_.digital_source_type)) {
      for (size_t i = 0; i < r_.entries.size(); ++i) {
        const Entry& e = r_.entries[i];
        if (e.key.ends_with("DigitalSourceType") || e.key == "C2PA.digitalSourceType") {
          Gen("unknown", i, /*mark=*/false);  // the entry stays kProvenance
          break;
        }
      }
      if (r_.generations.empty()) {
        Generation g;
        g.tool = "unknown";
        g.evidence = "digital-source-type";
        r_.generations.push_back(std::move(g));
      }
    }
  }

 private:
  static bool IsAiDigitalSource(std::string_view uri) {
    std::string l = Lower(uri);
    return l.ends_with("trainedalgorithmicmedia");
  }

  Generation& Gen(const std::string& tool, size_t evidence_entry, bool mark = true) {
    if (mark) Mark(evidence_entry);
    for (Generation& g : r_.generations) {
      if (g.tool == tool) return g;
    }
    Generation g;
    g.tool = tool;
    const Entry& e = r_.entries[evidence_entry];
    g.evidence = e.carrier + ":" + e.key;
    r_.generations.push_back(std::move(g));
    return r_.generations.back();
  }

  void Mark(size_t i) { r_.entries[i].category = Category::kGeneration; }

  void Examine(size_t i) {
    const Entry& e = r_.entries[i];
    const std::string& lk = lower_[i];
    std::string_view v = e.value;
    // ComfyUI's animated WebP (and SwarmUI's legacy EXIF): "<key>:<json>" in ASCII IFD0 tags;
    // the JSON content says what it is.
    std::string_view trimmed = Trim(v);
    if (e.key.starts_with("Exif.")) {
      for (std::string_view prefix : {"prompt:", "workflow:"}) {
        if (trimmed.starts_with(prefix) && trimmed.size() > prefix.size() &&
            trimmed[prefix.size()] == '{') {
          v = trimmed.substr(prefix.size());
        }
      }
    }
    std::string_view tv = Trim(v);
    // Cheap content tests first; JSON is parsed only for candidate values.
    const bool json_like = !tv.empty() && tv.front() == '{';

    if (IsInfotext(tv)) {
      std::string tool = "AUTOMATIC1111";
      if (tv.find("Version: Fooocus") != std::string_view::npos) tool = "Fooocus";
      Generation& g = Gen(tool, i);
      ParseInfotext(tv, g);
      return;
    }
    if (!json_like) {
      if (lk == "dream" && !tv.empty()) {
        Generation& g = Gen("InvokeAI", i);
        // "\"<prompt>\" -s 50 -S <seed> ..."
        if (g.prompt.empty() && tv.front() == '"') {
          size_t end = tv.find('"', 1);
          if (end != std::string_view::npos) g.prompt = Cap(std::string(tv.substr(1, end - 1)));
        }
        size_t s = tv.find(" -S ");
        if (g.seed.empty() && s != std::string_view::npos) {
          size_t end = tv.find(' ', s + 4);
          g.seed = std::string(tv.substr(s + 4, end == std::string_view::npos ? end : end - s - 4));
        }
      } else if (lk == "fooocus_scheme") {
        Gen("Fooocus", i);
      }
      return;
    }
    // Only JSON from here on. Values that cannot be any tool's are not parsed.
    const bool comfy_hint = tv.find("\"class_type\"") != std::string_view::npos ||
                            tv.find("\"last_node_id\"") != std::string_view::npos ||
                            tv.find("\"nodes\"") != std::string_view::npos;
    const bool candidate = comfy_hint || lk == "parameters" || lk.starts_with("invokeai") ||
                           lk == "sd-metadata" || lk.starts_with("stealth_") || lk == "comment" ||
                           lk.ends_with("usercomment") || lk == "prompt" || lk == "workflow" ||
                           tv.find("sui_image_params") != std::string_view::npos ||
                           tv.find("use_stable_diffusion_model") != std::string_view::npos ||
                           tv.find("\"uc\"") != std::string_view::npos;
    if (!candidate) return;
    std::optional<json::object> o = ParseObject(tv);
    if (!o) return;

    if (IsApiGraph(*o)) {
      Generation& g = Gen(lk.starts_with("invokeai") ? "InvokeAI" : "ComfyUI", i);
      if (g.tool == "ComfyUI") ReadApiGraph(*o, g);
      return;
    }
    if (IsUiWorkflow(*o)) {
      Generation& g = Gen(lk.starts_with("invokeai") ? "InvokeAI" : "ComfyUI", i);
      g.workflow = true;
      if (g.tool == "ComfyUI") ReadUiWorkflow(*o, g);
      return;
    }
    if (lk.starts_with("invokeai")) {
      Generation& g = Gen("InvokeAI", i);
      if (lk == "invokeai_graph" || lk == "invokeai_workflow") g.workflow = true;
      if (g.prompt.empty()) g.prompt = Cap(Str(*o, "positive_prompt"));
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(*o, "negative_prompt"));
      if (g.seed.empty()) g.seed = Str(*o, "seed");
      if (g.model.empty()) {
        const json::value* m = o->if_contains("model");
        if (m != nullptr && m->is_object()) {
          for (std::string_view k : {"model_name", "name", "key"}) {
            g.model = Str(m->as_object(), k);
            if (!g.model.empty()) break;
          }
        } else {
          g.model = Str(m);
        }
      }
      return;
    }
    if (lk == "sd-metadata" || Str(*o, "app_id").find("InvokeAI") != std::string::npos) {
      Generation& g = Gen("InvokeAI", i);
      const json::value* image = o->if_contains("image");
      if (image != nullptr && image->is_object()) {
        const json::object& im = image->as_object();
        const json::value* p = im.if_contains("prompt");
        if (g.prompt.empty() && p != nullptr) {
          if (p->is_array()) {
            for (const json::value& part : p->as_array()) {
              if (part.is_object()) AppendDistinct(g.prompt, Str(part.as_object(), "prompt"));
            }
            g.prompt = Cap(g.prompt);
          } else {
            g.prompt = Cap(Str(p));
          }
        }
        if (g.seed.empty()) g.seed = Str(im, "seed");
      }
      if (g.model.empty()) g.model = Str(*o, "model_weights");
      return;
    }
    if (const json::value* sui = o->if_contains("sui_image_params");
        sui != nullptr && sui->is_object()) {
      Generation& g = Gen("SwarmUI", i);
      const json::object& p = sui->as_object();
      if (g.prompt.empty()) g.prompt = Cap(Str(p, "prompt"));
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(p, "negativeprompt"));
      if (g.seed.empty()) g.seed = Str(p, "seed");
      if (g.model.empty()) g.model = Str(p, "model");
      return;
    }
    if (o->contains("fooocus_scheme") || Str(*o, "metadata_scheme") == "fooocus" ||
        Str(*o, "version").starts_with("Fooocus") ||
        (lk == "parameters" && o->contains("full_prompt"))) {
      Generation& g = Gen("Fooocus", i);
      if (g.prompt.empty()) g.prompt = Cap(Str(*o, "prompt"));
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(*o, "negative_prompt"));
      if (g.seed.empty()) g.seed = Str(*o, "seed");
      if (g.model.empty()) g.model = Str(*o, "base_model");
      return;
    }
    if (o->contains("use_stable_diffusion_model")) {
      Generation& g = Gen("Easy Diffusion", i);
      if (g.prompt.empty()) g.prompt = Cap(Str(*o, "prompt"));
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(*o, "negative_prompt"));
      if (g.seed.empty()) g.seed = Str(*o, "seed");
      if (g.model.empty()) g.model = Str(*o, "use_stable_diffusion_model");
      return;
    }
    // Draw Things: XMP exif:UserComment JSON {"c": prompt, "uc": negative, "seed", "model"}.
    if (o->contains("c") && (o->contains("uc") || o->contains("seed")) &&
        (lk.ends_with("usercomment") || lk.find("xmp.") == 0)) {
      Generation& g = Gen("Draw Things", i);
      if (g.prompt.empty()) g.prompt = Cap(Str(*o, "c"));
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(*o, "uc"));
      if (g.seed.empty()) g.seed = Str(*o, "seed");
      if (g.model.empty()) g.model = Str(*o, "model");
      return;
    }
    // NovelAI's Comment (also inside a stealth payload): {"uc": ..., "sampler": ..., "seed": ...}
    if (o->contains("uc") && (o->contains("sampler") || o->contains("steps"))) {
      novelai_comment_ = i;
      novelai_params_ = std::move(*o);
      return;
    }
    // NovelAI stealth payload: the PNG text chunks as one JSON object.
    if (Str(*o, "Software").find("NovelAI") != std::string::npos) {
      Generation& g = Gen("NovelAI", i);
      if (g.prompt.empty()) g.prompt = Cap(Str(*o, "Description"));
      if (auto c = ParseObject(Str(*o, "Comment"))) {
        if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(*c, "uc"));
        if (g.seed.empty()) g.seed = Str(*c, "seed");
      }
      if (g.model.empty()) g.model = Str(*o, "Source");
    }
  }

  // NovelAI PNG: Software "NovelAI", Description (prompt), Comment (parameters), Source (model).
  void NovelAi() {
    std::optional<size_t> software;
    for (size_t i = 0; i < r_.entries.size(); ++i) {
      const Entry& e = r_.entries[i];
      if (!e.binary && lower_[i] == "software" && Trim(e.value).starts_with("NovelAI")) {
        software = i;
      }
    }
    if (!software && !novelai_comment_) return;
    const size_t anchor = software ? *software : *novelai_comment_;
    const std::string format =
        r_.entries[anchor].carrier.substr(0, r_.entries[anchor].carrier.find(':'));
    Generation& g = Gen("NovelAI", anchor);
    if (novelai_comment_) {
      Mark(*novelai_comment_);
      if (g.negative_prompt.empty()) g.negative_prompt = Cap(Str(novelai_params_, "uc"));
      if (g.seed.empty()) g.seed = Str(novelai_params_, "seed");
      if (g.prompt.empty()) g.prompt = Cap(Str(novelai_params_, "prompt"));
    }
    for (size_t i = 0; i < r_.entries.size(); ++i) {
      const Entry& e = r_.entries[i];
      if (e.binary || e.carrier.substr(0, e.carrier.find(':')) != format) continue;
      const std::string& k = lower_[i];
      if (k == "description" && g.prompt.empty()) {
        g.prompt = Cap(e.value);
        Mark(i);
      } else if (k == "source" && g.model.empty()) {
        g.model = e.value;
        Mark(i);
      } else if (k == "title" || k == "description" || k == "source" || k == "comment") {
        Mark(i);
      }
    }
  }

  // Easy Diffusion PNG: one text chunk per parameter ("prompt" is plain text there).
  void EasyDiffusion() {
    std::optional<size_t> marker;
    for (size_t i = 0; i < r_.entries.size(); ++i) {
      if (lower_[i] == "use_stable_diffusion_model") marker = i;
    }
    if (!marker) return;
    Generation& g = Gen("Easy Diffusion", *marker);
    const std::string carrier = r_.entries[*marker].carrier;
    for (size_t i = 0; i < r_.entries.size(); ++i) {
      const Entry& e = r_.entries[i];
      if (e.binary || e.carrier != carrier) continue;
      const std::string& k = lower_[i];
      if (k == "prompt" && g.prompt.empty()) g.prompt = Cap(e.value);
      if ((k == "negative_prompt" || k == "negative prompt") && g.negative_prompt.empty()) {
        g.negative_prompt = Cap(e.value);
      }
      if (k == "seed" && g.seed.empty()) g.seed = e.value;
      if (k == "use_stable_diffusion_model" && g.model.empty()) g.model = e.value;
      if (k == "prompt" || k == "negative_prompt" || k == "negative prompt" || k == "seed" ||
          k == "use_stable_diffusion_model" || k == "sampler_name" || k == "num_inference_steps" ||
          k == "guidance_scale") {
        Mark(i);
      }
    }
  }

  Report& r_;
  std::vector<std::string> lower_;  // lower-case keys, by entry index
  std::optional<size_t> novelai_comment_;
  json::object novelai_params_;
};

}  // namespace

void RecognizeTools(Report& report) { Recognizer(report).Run(); }

}  // namespace custody::metadata::internal
