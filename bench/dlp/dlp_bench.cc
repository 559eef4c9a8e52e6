// dlp_bench: DLP scanner throughput on generated mixed text (bench/dlp/mixed_text.h: prose,
// code, JSON, logs, CSV with planted secrets and personal data), with gitleaks' default rules
// from $CUSTODY_FIXTURES/dlp/config/gitleaks.toml (default <repo>/../shared/fixtures).
//
//   BM_Scan/pii+dict:0        Scan() of a 32 MB text with the 222 gitleaks rules
//   BM_Scan/pii+dict:1        the same plus the PII detectors and a 1,000-term dictionary
//   BM_ScanStream/write:N     OpenStream() + Write() in N-byte pieces + Finish(), secrets only
//   BM_ScanPrompt/pii+dict:*  Scan() of 4 KiB texts (a prompt): the per-call cost
//   BM_Compile                Scanner::Create for the default set
// Counters: MB_per_s (10^6 bytes per second, one thread) and findings per scan.
//
// Run in release (scripts/bench-dlp also compares with ripgrep):
//   dlp_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "mixed_text.h"

namespace custody::dlp::bench {
namespace {

constexpr size_t kCorpusBytes = 32 * 1000 * 1000;

std::filesystem::path RulesPath() {
  const char* fixtures = std::getenv("CUSTODY_FIXTURES");
  std::filesystem::path dir =
      fixtures != nullptr && *fixtures != '\0'
          ? std::filesystem::path(fixtures)
          : std::filesystem::path(CUSTODY_SOURCE_DIR) / ".." / "shared" / "fixtures";
  return dir / "dlp" / "config" / "gitleaks.toml";
}

// The rules, or nullopt (with the reason printed once) when the fixture is missing.
const std::optional<RuleSet>& Rules() {
  static const std::optional<RuleSet> rules = []() -> std::optional<RuleSet> {
    auto r = LoadRules(RulesPath());
    if (!r.ok()) {
      std::cerr << "dlp_bench: " << r.error().ToString() << "\n";
      return std::nullopt;
    }
    return std::move(*r);
  }();
  return rules;
}

const std::string& Corpus() {
  static const std::string text = [] {
    std::string t;
    if (!Rules()) return t;
    auto gen = MixedTextGenerator::Create(&*Rules(), MixedTextOptions{});
    if (!gen.ok()) {
      std::cerr << "dlp_bench: " << gen.error().ToString() << "\n";
      return t;
    }
    (*gen)->Append(kCorpusBytes, &t);
    return t;
  }();
  return text;
}

Dictionary CustomerDictionary() {
  Dictionary d;
  d.name = "customers";
  for (int i = 0; i < 1000; ++i) d.terms.push_back("Customer" + std::to_string(i * 7919) + "Corp");
  return d;
}

// One compiled scanner per configuration, built on first use.
const Scanner* GetScanner(bool pii) {
  static std::unique_ptr<Scanner> scanners[2];
  std::unique_ptr<Scanner>& s = scanners[pii ? 1 : 0];
  if (s == nullptr && Rules()) {
    ScannerOptions options;
    options.pii = pii;
    if (pii) options.dictionaries.push_back(CustomerDictionary());
    options.max_findings = 1 << 30;
    auto created = Scanner::Create(*Rules(), options);
    if (!created.ok()) {
      std::cerr << "dlp_bench: " << created.error().ToString() << "\n";
      return nullptr;
    }
    s = std::move(*created);
  }
  return s.get();
}

void SetThroughput(benchmark::State& state, size_t bytes_per_iteration, size_t findings) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_iteration));
  state.counters["MB_per_s"] = benchmark::Counter(static_cast<double>(bytes_per_iteration) / 1e6,
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["findings"] = static_cast<double>(findings);
}

void BM_Scan(benchmark::State& state) {
  const Scanner* scanner = GetScanner(state.range(0) != 0);
  const std::string& text = Corpus();
  if (scanner == nullptr || text.empty()) {
    state.SkipWithError("gitleaks.toml fixture missing (set CUSTODY_FIXTURES)");
    return;
  }
  size_t findings = 0;
  for (auto _ : state) {
    auto result = scanner->Scan(text);
    if (!result.ok()) {
      state.SkipWithError(result.error().ToString().c_str());
      return;
    }
    findings = result->findings.size();
    benchmark::DoNotOptimize(result);
  }
  SetThroughput(state, text.size(), findings);
}
BENCHMARK(BM_Scan)->ArgName("pii+dict")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ScanStream(benchmark::State& state) {
  const Scanner* scanner = GetScanner(false);
  const std::string& text = Corpus();
  if (scanner == nullptr || text.empty()) {
    state.SkipWithError("gitleaks.toml fixture missing (set CUSTODY_FIXTURES)");
    return;
  }
  const auto piece = static_cast<size_t>(state.range(0));
  const auto* data = reinterpret_cast<const uint8_t*>(text.data());
  size_t findings = 0;
  for (auto _ : state) {
    std::unique_ptr<ScanStream> stream = scanner->OpenStream();
    for (size_t pos = 0; pos < text.size(); pos += piece) {
      const size_t n = std::min(piece, text.size() - pos);
      if (!stream->Write(std::span<const uint8_t>(data + pos, n)).ok()) {
        state.SkipWithError("Write failed");
        return;
      }
    }
    auto result = stream->Finish();
    if (!result.ok()) {
      state.SkipWithError(result.error().ToString().c_str());
      return;
    }
    findings = result->findings.size();
  }
  SetThroughput(state, text.size(), findings);
}
BENCHMARK(BM_ScanStream)
    ->ArgName("write")
    ->Arg(4096)
    ->Arg(64 * 1024)
    ->Arg(1 << 20)
    ->Unit(benchmark::kMillisecond);

void BM_ScanPrompt(benchmark::State& state) {
  const Scanner* scanner = GetScanner(state.range(0) != 0);
  const std::string& text = Corpus();
  if (scanner == nullptr || text.empty()) {
    state.SkipWithError("gitleaks.toml fixture missing (set CUSTODY_FIXTURES)");
    return;
  }
  constexpr size_t kPrompt = 4096;
  size_t offset = 0;
  for (auto _ : state) {
    auto result = scanner->Scan(std::string_view(text).substr(offset, kPrompt), "prompt");
    benchmark::DoNotOptimize(result);
    offset = (offset + kPrompt * 37) % (text.size() - kPrompt);
  }
  SetThroughput(state, kPrompt, 0);
}
BENCHMARK(BM_ScanPrompt)->ArgName("pii+dict")->Arg(0)->Arg(1);

void BM_Compile(benchmark::State& state) {
  if (!Rules()) {
    state.SkipWithError("gitleaks.toml fixture missing (set CUSTODY_FIXTURES)");
    return;
  }
  for (auto _ : state) {
    auto scanner = Scanner::Create(*Rules(), ScannerOptions{});
    if (!scanner.ok()) {
      state.SkipWithError(scanner.error().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(scanner);
  }
}
BENCHMARK(BM_Compile)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace custody::dlp::bench

BENCHMARK_MAIN();
