// Loading gitleaks TOML configurations (gitleaks config/config.go, config/rule.go,
// config/allowlist.go): the same fields, the same defaults, the same [extend] resolution and the
// same refusals, with gitleaks' error texts so messages can be compared with its documentation.
#include "dlp/rules.h"

#include <re2/re2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace custody::dlp {

namespace fs = std::filesystem;

namespace {

// gitleaks follows [extend] at most this many levels below the file it was given.
constexpr int kMaxExtendDepth = 2;
// A configuration is text; anything larger is not one (the default set is ~100 KB).
constexpr uintmax_t kMaxConfigBytes = 16u << 20;
// A relative [extend] path that is not next to the file is looked up from this many parent
// directories (gitleaks resolves it against its working directory; its own test configurations
// name "../testdata/config/…" relative to its config/ folder).
constexpr int kMaxParentLookup = 3;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// Viper matches keys case-insensitively ("secretGroup", "secretgroup" and "SecretGroup" are one).
const toml::node* Find(const toml::table& table, std::string_view key) {
  for (const auto& [k, v] : table) {
    if (Lower(k.str()) == key) return &v;
  }
  return nullptr;
}

// Reads typed fields of one TOML table, naming the field in errors ("rules[3].regex").
class Fields {
 public:
  Fields(const toml::table& table, std::string where, const std::string& source)
      : table_(table), where_(std::move(where)), source_(source) {}

  const toml::node* Get(std::string_view key) const { return Find(table_, key); }

  Status String(std::string_view key, std::string* out) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return OkStatus();
    if (!n->is_string()) return TypeError(key, "a string");
    *out = n->as_string()->get();
    return OkStatus();
  }

  Status Strings(std::string_view key, std::vector<std::string>* out) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return OkStatus();
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return TypeError(key, "an array of strings");
    for (const toml::node& e : *arr) {
      if (!e.is_string()) return TypeError(key, "an array of strings");
      out->push_back(e.as_string()->get());
    }
    return OkStatus();
  }

  Status Int(std::string_view key, std::optional<int64_t>* out) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return OkStatus();
    if (!n->is_integer()) return TypeError(key, "an integer");
    *out = n->as_integer()->get();
    return OkStatus();
  }

  Status Float(std::string_view key, std::optional<double>* out) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return OkStatus();
    if (n->is_floating_point()) {
      *out = n->as_floating_point()->get();
    } else if (n->is_integer()) {
      *out = static_cast<double>(n->as_integer()->get());
    } else {
      return TypeError(key, "a number");
    }
    return OkStatus();
  }

  Status Bool(std::string_view key, bool* out) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return OkStatus();
    if (!n->is_boolean()) return TypeError(key, "a boolean");
    *out = n->as_boolean()->get();
    return OkStatus();
  }

  // A sub-table (`[extend]`, the old `[allowlist]`); null if absent.
  Result<const toml::table*> Table(std::string_view key) const {
    const toml::node* n = Get(key);
    if (n == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!n->is_table()) return TypeError(key, "a table");
    return n->as_table();
  }

  // An array of tables (`[[rules]]`, `[[allowlists]]`); empty if absent.
  Result<std::vector<const toml::table*>> Tables(std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* n = Get(key);
    if (n == nullptr) return out;
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return TypeError(key, "an array of tables");
    for (const toml::node& e : *arr) {
      if (!e.is_table()) return TypeError(key, "an array of tables");
      out.push_back(e.as_table());
    }
    return out;
  }

  Error Fail(const std::string& message) const { return InvalidArgument(source_ + ": " + message); }

 private:
  Error TypeError(std::string_view key, std::string_view expected) const {
    std::string field = where_.empty() ? std::string(key) : where_ + "." + std::string(key);
    return Fail(field + ": expected " + std::string(expected));
  }

  const toml::table& table_;
  std::string where_;
  const std::string& source_;
};

// Go's regexp and RE2 accept the same syntax; RE2 refusing a pattern means gitleaks would too.
Status CheckRegex(const std::string& pattern, const std::string& what, const std::string& source,
                  int* groups = nullptr) {
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(pattern, opts);
  if (!re.ok()) return InvalidArgument(source + ": " + what + ": invalid regex: " + re.error());
  if (groups != nullptr) *groups = re.NumberOfCapturingGroups();
  return OkStatus();
}

// gitleaks parseAllowlist + Allowlist.Validate. `prefix` is "<id>: [[rules.allowlists]]" or
// "[[allowlists]]", as in gitleaks' messages.
Result<Allowlist> ParseAllowlist(const toml::table& table, const std::string& where,
                                 const std::string& prefix, bool global,
                                 const std::string& source) {
  Fields f(table, where, source);
  Allowlist a;
  std::string condition, target;
  RETURN_IF_ERROR(f.String("description", &a.description));
  RETURN_IF_ERROR(f.String("condition", &condition));
  RETURN_IF_ERROR(f.Strings("commits", &a.commits));
  RETURN_IF_ERROR(f.Strings("paths", &a.paths));
  RETURN_IF_ERROR(f.String("regextarget", &target));
  RETURN_IF_ERROR(f.Strings("regexes", &a.regexes));
  RETURN_IF_ERROR(f.Strings("stopwords", &a.stopwords));
  if (global) RETURN_IF_ERROR(f.Strings("targetrules", &a.target_rules));

  const std::string cond = Upper(condition);
  if (cond == "AND" || cond == "&&") {
    a.condition = Condition::kAnd;
  } else if (cond.empty() || cond == "OR" || cond == "||") {
    a.condition = Condition::kOr;
  } else {
    return f.Fail(prefix + " unknown allowlist |condition| '" + condition +
                  "' (expected 'and', 'or')");
  }
  if (target.empty() || target == "secret") {
    a.regex_target = RegexTarget::kSecret;
  } else if (target == "match") {
    a.regex_target = RegexTarget::kMatch;
  } else if (target == "line") {
    a.regex_target = RegexTarget::kLine;
  } else {
    return f.Fail(prefix + " unknown allowlist |regexTarget| '" + target +
                  "' (expected 'match', 'line')");
  }
  for (const std::string& r : a.regexes)
    RETURN_IF_ERROR(CheckRegex(r, prefix + " regexes", source));
  for (const std::string& p : a.paths) RETURN_IF_ERROR(CheckRegex(p, prefix + " paths", source));

  if (a.commits.empty() && a.paths.empty() && a.regexes.empty() && a.stopwords.empty()) {
    return f.Fail(prefix + " must contain at least one check for: commits, paths, regexes, or " +
                  "stopwords");
  }
  // Stopwords compare case-insensitively; gitleaks lower-cases and deduplicates them.
  std::vector<std::string> stopwords;
  std::unordered_set<std::string> seen;
  for (const std::string& w : a.stopwords) {
    std::string lw = Lower(w);
    if (seen.insert(lw).second) stopwords.push_back(std::move(lw));
  }
  a.stopwords = std::move(stopwords);
  std::vector<std::string> commits;
  std::unordered_set<std::string> seen_commits;
  for (const std::string& c : a.commits) {
    std::string lc = Lower(c);
    lc.erase(0, lc.find_first_not_of(" \t\r\n"));
    lc.erase(lc.find_last_not_of(" \t\r\n") + 1);
    if (seen_commits.insert(lc).second) commits.push_back(std::move(lc));
  }
  a.commits = std::move(commits);
  return a;
}

struct ExtendSpec {
  std::string path;
  std::string url;
  bool use_default = false;
  std::vector<std::string> disabled_rules;
};

// One file's content before validation: rules whose fields may still be empty (they may only
// override a base rule), and global allowlists aimed at rules with `targetRules`.
struct Translated {
  RuleSet set;
  std::vector<Allowlist> targeted;  // allowlists with target_rules
};

Result<Translated> Translate(std::string_view text, const std::string& source,
                             const fs::path& base_dir, const RuleSet* default_rules, int depth);

Result<std::string> ReadConfigFile(const fs::path& file, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return InvalidArgument(what + ": " + file.string() + " does not exist or is not a file");
  }
  const uintmax_t size = fs::file_size(file, ec);
  if (ec) return InvalidArgument(what + ": cannot read " + file.string() + ": " + ec.message());
  if (size > kMaxConfigBytes) {
    return InvalidArgument(what + ": " + file.string() + " is larger than 16 MiB");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return InvalidArgument(what + ": cannot open " + file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return InvalidArgument(what + ": cannot read " + file.string());
  return text;
}

Result<fs::path> ResolveExtendPath(const std::string& path, const fs::path& base_dir,
                                   const std::string& source) {
  const fs::path p(path);
  std::error_code ec;
  if (p.is_absolute()) return p;
  fs::path dir = fs::absolute(base_dir.empty() ? fs::path(".") : base_dir, ec).lexically_normal();
  if (ec) return InvalidArgument(source + ": cannot resolve " + base_dir.string());
  if (!dir.has_filename()) dir = dir.parent_path();
  for (int up = 0; up <= kMaxParentLookup; ++up) {
    const fs::path candidate = (dir / p).lexically_normal();
    if (fs::exists(candidate, ec)) return candidate;
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return InvalidArgument(source + ": failed to load extended config, err: " + path +
                         " not found (looked next to the file and in its parent directories)");
}

// gitleaks Config.extend: `base` is the extended configuration, `cur` the extending one.
void Extend(RuleSet& cur, RuleSet base, const std::vector<std::string>& disabled) {
  const std::unordered_set<std::string> off(disabled.begin(), disabled.end());
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < cur.rules.size(); ++i) index.emplace(cur.rules[i].id, i);
  std::vector<Rule> appended;
  for (Rule& b : base.rules) {
    if (off.count(b.id) != 0) continue;
    auto it = index.find(b.id);
    if (it == index.end()) {
      appended.push_back(std::move(b));
      continue;
    }
    // Non-empty fields of the extending rule win; lists are the base's followed by ours.
    Rule& c = cur.rules[it->second];
    Rule merged = std::move(b);
    if (!c.description.empty()) merged.description = c.description;
    if (c.entropy.has_value()) merged.entropy = c.entropy;
    if (c.secret_group != 0) merged.secret_group = c.secret_group;
    if (!c.regex.empty()) merged.regex = c.regex;
    if (!c.path.empty()) merged.path = c.path;
    merged.tags.insert(merged.tags.end(), c.tags.begin(), c.tags.end());
    merged.keywords.insert(merged.keywords.end(), c.keywords.begin(), c.keywords.end());
    merged.allowlists.insert(merged.allowlists.end(), c.allowlists.begin(), c.allowlists.end());
    // gitleaks keeps only the base's `required` and `skipReport` here (an oversight: the
    // extending file's composite settings vanish); Custody keeps both.
    merged.required.insert(merged.required.end(), c.required.begin(), c.required.end());
    merged.skip_report = merged.skip_report || c.skip_report;
    c = std::move(merged);
  }
  for (Rule& r : appended) cur.rules.push_back(std::move(r));
  for (Allowlist& a : base.allowlists) cur.allowlists.push_back(std::move(a));
}

Result<Rule> ParseRule(const toml::table& table, size_t i, const std::string& source) {
  const std::string where = "rules[" + std::to_string(i) + "]";
  Fields f(table, where, source);
  Rule r;
  std::optional<int64_t> secret_group;
  std::optional<double> entropy;
  RETURN_IF_ERROR(f.String("id", &r.id));
  RETURN_IF_ERROR(f.String("description", &r.description));
  RETURN_IF_ERROR(f.String("regex", &r.regex));
  RETURN_IF_ERROR(f.String("path", &r.path));
  RETURN_IF_ERROR(f.Int("secretgroup", &secret_group));
  RETURN_IF_ERROR(f.Float("entropy", &entropy));
  RETURN_IF_ERROR(f.Strings("keywords", &r.keywords));
  RETURN_IF_ERROR(f.Strings("tags", &r.tags));
  RETURN_IF_ERROR(f.Bool("skipreport", &r.skip_report));

  if (IsBlank(r.id)) {
    // gitleaks Rule.Validate: name what the rule looks like, since it has no id.
    std::string context;
    if (!r.regex.empty()) {
      context = ", regex: " + r.regex;
    } else if (!r.path.empty()) {
      context = ", path: " + r.path;
    } else if (!r.description.empty()) {
      context = ", description: " + r.description;
    }
    return f.Fail("rule |id| is missing or empty" + context);
  }
  if (secret_group.has_value()) {
    if (*secret_group < 0 || *secret_group > 1000) {
      return f.Fail(r.id + ": invalid regex secret group " + std::to_string(*secret_group));
    }
    r.secret_group = static_cast<int>(*secret_group);
  }
  // gitleaks treats 0 as "no threshold".
  if (entropy.has_value() && *entropy != 0) r.entropy = entropy;
  for (std::string& k : r.keywords) k = Lower(k);
  if (!r.regex.empty()) RETURN_IF_ERROR(CheckRegex(r.regex, r.id + ": regex", source));
  if (!r.path.empty()) RETURN_IF_ERROR(CheckRegex(r.path, r.id + ": path", source));

  // Rule allowlists: the pre-8.21 single [rules.allowlist] or the [[rules.allowlists]] array.
  const std::string prefix = r.id + ": [[rules.allowlists]]";
  ASSIGN_OR_RETURN(const toml::table* old_allowlist, f.Table("allowlist"));
  ASSIGN_OR_RETURN(std::vector<const toml::table*> allowlists, f.Tables("allowlists"));
  if (old_allowlist != nullptr && !allowlists.empty()) {
    return f.Fail(r.id +
                  ": [rules.allowlist] is deprecated, it cannot be used alongside "
                  "[[rules.allowlist]]");
  }
  if (old_allowlist != nullptr) allowlists.push_back(old_allowlist);
  for (size_t j = 0; j < allowlists.size(); ++j) {
    ASSIGN_OR_RETURN(Allowlist a, ParseAllowlist(*allowlists[j],
                                                 where + ".allowlists[" + std::to_string(j) + "]",
                                                 prefix, /*global=*/false, source));
    r.allowlists.push_back(std::move(a));
  }

  ASSIGN_OR_RETURN(std::vector<const toml::table*> required, f.Tables("required"));
  for (size_t j = 0; j < required.size(); ++j) {
    Fields rf(*required[j], where + ".required[" + std::to_string(j) + "]", source);
    RequiredRule rr;
    std::optional<int64_t> lines, columns;
    RETURN_IF_ERROR(rf.String("id", &rr.id));
    RETURN_IF_ERROR(rf.Int("withinlines", &lines));
    RETURN_IF_ERROR(rf.Int("withincolumns", &columns));
    if (rr.id.empty()) return f.Fail(r.id + ": [[rules.required]] rule ID is empty");
    const auto in_range = [](const std::optional<int64_t>& v) {
      return !v.has_value() || (*v >= 0 && *v <= (1 << 30));
    };
    if (!in_range(lines) || !in_range(columns)) {
      return f.Fail(r.id + ": [[rules.required]] withinLines/withinColumns out of range");
    }
    if (lines.has_value()) rr.within_lines = static_cast<int>(*lines);
    if (columns.has_value()) rr.within_columns = static_cast<int>(*columns);
    r.required.push_back(std::move(rr));
  }
  return r;
}

Result<Translated> Translate(std::string_view text, const std::string& source,
                             const fs::path& base_dir, const RuleSet* default_rules, int depth) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ": TOML error at line " << e.source().begin.line << ", column "
        << e.source().begin.column << ": " << e.description();
    return InvalidArgument(msg.str());
  } catch (const std::exception& e) {
    return InvalidArgument(source + ": TOML error: " + e.what());
  }

  Fields top(root, "", source);
  Translated out;
  RETURN_IF_ERROR(top.String("title", &out.set.title));
  RETURN_IF_ERROR(top.String("description", &out.set.description));
  RETURN_IF_ERROR(top.String("minversion", &out.set.min_version));

  ASSIGN_OR_RETURN(std::vector<const toml::table*> rules, top.Tables("rules"));
  std::unordered_map<std::string, size_t> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    ASSIGN_OR_RETURN(Rule r, ParseRule(*rules[i], i, source));
    // gitleaks keeps the last of two rules with one id (its own testdata/config/simple.toml
    // defines "google" twice); the later definition takes the earlier one's place.
    auto [it, inserted] = ids.emplace(r.id, out.set.rules.size());
    if (inserted) {
      out.set.rules.push_back(std::move(r));
    } else {
      out.set.rules[it->second] = std::move(r);
    }
  }

  ASSIGN_OR_RETURN(const toml::table* old_allowlist, top.Table("allowlist"));
  ASSIGN_OR_RETURN(std::vector<const toml::table*> allowlists, top.Tables("allowlists"));
  if (old_allowlist != nullptr && !allowlists.empty()) {
    return top.Fail("[allowlist] is deprecated, it cannot be used alongside [[allowlists]]");
  }
  if (old_allowlist != nullptr) allowlists.push_back(old_allowlist);
  for (size_t j = 0; j < allowlists.size(); ++j) {
    ASSIGN_OR_RETURN(Allowlist a,
                     ParseAllowlist(*allowlists[j], "allowlists[" + std::to_string(j) + "]",
                                    "[[allowlists]]", /*global=*/true, source));
    if (a.target_rules.empty()) {
      out.set.allowlists.push_back(std::move(a));
    } else {
      out.targeted.push_back(std::move(a));
    }
  }

  ExtendSpec ext;
  ASSIGN_OR_RETURN(const toml::table* extend, top.Table("extend"));
  if (extend != nullptr) {
    Fields ef(*extend, "extend", source);
    RETURN_IF_ERROR(ef.String("path", &ext.path));
    RETURN_IF_ERROR(ef.String("url", &ext.url));
    RETURN_IF_ERROR(ef.Bool("usedefault", &ext.use_default));
    RETURN_IF_ERROR(ef.Strings("disabledrules", &ext.disabled_rules));
  }
  if (depth < kMaxExtendDepth) {
    if (!ext.path.empty() && ext.use_default) {
      return top.Fail("unable to load config due to extend.path and extend.useDefault being set");
    }
    if (ext.use_default) {
      if (default_rules == nullptr) {
        return top.Fail(
            "extend.useDefault needs the default rule set (load gitleaks' config/gitleaks.toml "
            "and pass it as default_rules)");
      }
      Extend(out.set, *default_rules, ext.disabled_rules);
    } else if (!ext.path.empty()) {
      ASSIGN_OR_RETURN(fs::path file, ResolveExtendPath(ext.path, base_dir, source));
      ASSIGN_OR_RETURN(std::string base_text, ReadConfigFile(file, source + ": extend.path"));
      ASSIGN_OR_RETURN(Translated base, Translate(base_text, file.string(), file.parent_path(),
                                                  default_rules, depth + 1));
      // A base file's targeted allowlists apply within the base (gitleaks drops them there).
      for (Allowlist& a : base.targeted) out.targeted.push_back(std::move(a));
      Extend(out.set, std::move(base.set), ext.disabled_rules);
    } else if (!ext.url.empty()) {
      return top.Fail("extend.url is not supported (gitleaks does not implement it either)");
    }
  }
  return out;
}

// gitleaks Rule.Validate and the checks Translate makes once everything is assembled.
Status Finish(Translated& t, const std::string& source) {
  RuleSet& set = t.set;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < set.rules.size(); ++i) {
    Rule& r = set.rules[i];
    index.emplace(r.id, i);
    if (r.regex.empty() && r.path.empty()) {
      return InvalidArgument(source + ": " + r.id +
                             ": both |regex| and |path| are empty, this rule will have no effect");
    }
    if (!r.regex.empty()) {
      int groups = 0;
      RETURN_IF_ERROR(CheckRegex(r.regex, r.id + ": regex", source, &groups));
      if (r.secret_group > groups) {
        return InvalidArgument(source + ": " + r.id + ": invalid regex secret group " +
                               std::to_string(r.secret_group) + ", max regex secret group " +
                               std::to_string(groups));
      }
    }
  }
  for (Allowlist& a : t.targeted) {
    for (const std::string& id : a.target_rules) {
      if (index.count(id) == 0) {
        return InvalidArgument(source + ": [[allowlists]] target rule ID '" + id +
                               "' does not exist");
      }
    }
  }
  for (Allowlist& a : t.targeted) {
    std::set<std::string> once(a.target_rules.begin(), a.target_rules.end());
    for (const std::string& id : once) set.rules[index[id]].allowlists.push_back(a);
  }
  t.targeted.clear();
  for (const Rule& r : set.rules) {
    for (const RequiredRule& rr : r.required) {
      if (index.count(rr.id) == 0) {
        return InvalidArgument(source + ": " + r.id + ": [[rules.required]] rule ID '" + rr.id +
                               "' does not exist");
      }
    }
  }
  return OkStatus();
}

Result<RuleSet> Load(std::string_view text, const std::string& source, const fs::path& base_dir,
                     const RuleSet* default_rules) {
  if (text.size() > kMaxConfigBytes) return InvalidArgument(source + ": larger than 16 MiB");
  ASSIGN_OR_RETURN(Translated t, Translate(text, source, base_dir, default_rules, 0));
  RETURN_IF_ERROR(Finish(t, source));
  return std::move(t.set);
}

}  // namespace

Result<RuleSet> ParseRules(std::string_view toml_text, const fs::path& base_dir,
                           const RuleSet* default_rules) {
  return Load(toml_text, "gitleaks config", base_dir, default_rules);
}

Result<RuleSet> LoadRules(const fs::path& file, const RuleSet* default_rules) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return NotFound("rules file " + file.string() + " does not exist");
  ASSIGN_OR_RETURN(std::string text, ReadConfigFile(file, "rules file"));
  return Load(text, file.string(), file.parent_path(), default_rules);
}

}  // namespace custody::dlp
