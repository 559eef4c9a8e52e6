// dlp_scan_file: the DLP scanner on one file, single-threaded, for comparisons with other tools
// (scripts/bench-dlp runs it next to ripgrep on the same corpus).
//
//   dlp_scan_file --rules gitleaks.toml [--pii] [--runs N] [--by-rule] FILE
//       Scans FILE (read into memory first) N times (default 3) with one Scanner on one thread
//       and prints the best run:
//         bytes=<n> seconds=<best> mb_per_s=<10^6 bytes/s> findings=<n> dropped=<n>
//         compile_seconds=<s> rules=<n> patterns=<n>
//       --by-rule also prints the number of findings of each rule, one "rule count" per line.
//   dlp_scan_file --generate N_MB OUT [--rules gitleaks.toml] [--seed S]
//       Writes the deterministic mixed-text corpus (bench/dlp/mixed_text.h) of at least N_MB
//       10^6-byte megabytes to OUT; with --rules, true positives of those rules are planted.
//   dlp_scan_file --rules gitleaks.toml --patterns OUT
//       Writes the rules' regexes to OUT, one per line (for `rg -f`).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "mixed_text.h"

namespace custody::dlp::bench {
namespace {

int Usage() {
  std::cerr << "usage: dlp_scan_file --rules RULES.toml [--pii] [--runs N] [--by-rule] FILE\n"
               "       dlp_scan_file --generate N_MB OUT [--rules RULES.toml] [--seed S]\n"
               "       dlp_scan_file --rules RULES.toml --patterns OUT\n";
  return 2;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<long> ParseNumber(const std::string& s) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0) return std::nullopt;
  return v;
}

int Run(int argc, char** argv) {
  std::string rules_path;
  std::string generate_out;
  std::string patterns_out;
  std::string file;
  long generate_mb = -1;
  long runs = 3;
  uint64_t seed = 1;
  bool pii = false;
  bool by_rule = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--rules") {
      auto v = next();
      if (!v) return Usage();
      rules_path = *v;
    } else if (a == "--pii") {
      pii = true;
    } else if (a == "--by-rule") {
      by_rule = true;
    } else if (a == "--runs") {
      auto v = next();
      auto n = v ? ParseNumber(*v) : std::nullopt;
      if (!n || *n < 1) return Usage();
      runs = *n;
    } else if (a == "--seed") {
      auto v = next();
      auto n = v ? ParseNumber(*v) : std::nullopt;
      if (!n) return Usage();
      seed = static_cast<uint64_t>(*n);
    } else if (a == "--generate") {
      auto mb = next();
      auto out = next();
      auto n = mb ? ParseNumber(*mb) : std::nullopt;
      if (!n || !out || *n < 1) return Usage();
      generate_mb = *n;
      generate_out = *out;
    } else if (a == "--patterns") {
      auto v = next();
      if (!v) return Usage();
      patterns_out = *v;
    } else if (!a.empty() && a[0] == '-') {
      return Usage();
    } else if (file.empty()) {
      file = a;
    } else {
      return Usage();
    }
  }

  std::optional<RuleSet> rules;
  if (!rules_path.empty()) {
    auto loaded = LoadRules(rules_path);
    if (!loaded.ok()) {
      std::cerr << "dlp_scan_file: " << loaded.error().ToString() << "\n";
      return 1;
    }
    rules = std::move(*loaded);
  }

  if (generate_mb > 0) {
    MixedTextOptions options;
    options.seed = seed;
    auto gen = MixedTextGenerator::Create(rules ? &*rules : nullptr, options);
    if (!gen.ok()) {
      std::cerr << "dlp_scan_file: " << gen.error().ToString() << "\n";
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    Status st = (*gen)->WriteFile(generate_out, static_cast<size_t>(generate_mb) * 1000000);
    if (!st.ok()) {
      std::cerr << "dlp_scan_file: " << st.error().ToString() << "\n";
      return 1;
    }
    std::cout << "generated=" << generate_out << " mb=" << generate_mb
              << " planted_secrets=" << (*gen)->planted_secrets()
              << " planted_pii=" << (*gen)->planted_pii()
              << " secret_rules=" << (*gen)->secret_pool_size() << " seconds=" << Since(start)
              << "\n";
    return 0;
  }

  if (!patterns_out.empty()) {
    if (!rules) return Usage();
    std::ofstream out(patterns_out, std::ios::binary | std::ios::trunc);
    size_t n = 0;
    for (const Rule& r : rules->rules) {
      if (r.regex.empty()) continue;
      out << r.regex << "\n";
      ++n;
    }
    out.close();
    if (!out) {
      std::cerr << "dlp_scan_file: cannot write " << patterns_out << "\n";
      return 1;
    }
    std::cout << "patterns=" << n << " file=" << patterns_out << "\n";
    return 0;
  }

  if (!rules || file.empty()) return Usage();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "dlp_scan_file: cannot read " << file << "\n";
    return 1;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  ScannerOptions options;
  options.secrets = true;
  options.pii = pii;
  options.max_findings = std::numeric_limits<size_t>::max();
  auto compile_start = std::chrono::steady_clock::now();
  auto scanner = Scanner::Create(*rules, options);
  if (!scanner.ok()) {
    std::cerr << "dlp_scan_file: " << scanner.error().ToString() << "\n";
    return 1;
  }
  const double compile_seconds = Since(compile_start);

  double best = std::numeric_limits<double>::infinity();
  size_t findings = 0;
  uint64_t dropped = 0;
  std::map<std::string, size_t> per_rule;
  for (long run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    auto result = (*scanner)->Scan(text);
    const double seconds = Since(start);
    if (!result.ok()) {
      std::cerr << "dlp_scan_file: " << result.error().ToString() << "\n";
      return 1;
    }
    best = std::min(best, seconds);
    findings = result->findings.size();
    dropped = result->dropped;
    per_rule.clear();
    for (const Finding& f : result->findings) ++per_rule[f.rule_id];
  }
  std::printf(
      "bytes=%zu seconds=%.6f mb_per_s=%.1f findings=%zu dropped=%llu compile_seconds=%.3f "
      "rules=%zu patterns=%zu pii=%d\n",
      text.size(), best, static_cast<double>(text.size()) / 1e6 / best, findings,
      static_cast<unsigned long long>(dropped), compile_seconds, (*scanner)->rule_count(),
      (*scanner)->pattern_count(), pii ? 1 : 0);
  if (by_rule) {
    for (const auto& [id, n] : per_rule) std::printf("%s %zu\n", id.c_str(), n);
  }
  return 0;
}

}  // namespace
}  // namespace custody::dlp::bench

int main(int argc, char** argv) { return custody::dlp::bench::Run(argc, argv); }
