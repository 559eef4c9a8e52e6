// cedar_bench: our Cedar engine on Custody's governance pack and on the OOPSLA 2024 GDrive app
// (5, 10, 20 and 50 entities of each type), with the policy set parsed and the entities loaded
// beforehand, as the server holds them. scripts/bench-cedar runs it next to the official
// WebAssembly build on the same inputs (bench/cedar/wasm_bench.js) and prints the comparison.
//
// Benchmarks, per workload:
//   BM_Evaluate/<w>         one IsAuthorized call (cycling through the workload's requests), each
//                           timed on its own: counters p50_us / p90_us / p99_us / max_us.
//   BM_ParsePolicies/<w>    policy text → PolicySet.
//   BM_LoadEntities/<w>     entity JSON text → Entities (incl. the transitive closure).
//   BM_LoadAndEvaluate/<w>  both of the above per request, what a caller without a cache pays.
//   BM_ParseSchema/custody  policies/custody.cedarschema → Schema.
//
//   build/release/bench/cedar/cedar_bench --benchmark_counters_tabular=true
//   build/release/bench/cedar/cedar_bench --export_workloads=DIR   (the inputs, for wasm_bench.js)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench/cedar/workloads.h"
#include "policy/cedar/authorizer.h"
#include "policy/cedar/entities.h"
#include "policy/cedar/parser.h"
#include "policy/cedar/schema.h"

namespace custody::cedar::bench {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

// GDrive: hierarchies per size and requests per hierarchy (the paper used 200 × 500).
constexpr int kHierarchies = 4;
constexpr int kRequests = 500;
constexpr uint64_t kSeed = 2024;

struct Loaded {
  Workload w;
  PolicySet policies;
  std::vector<Entities> entities;                    // one store per hierarchy
  std::vector<std::pair<size_t, Request>> requests;  // (hierarchy, request), all hierarchies
  std::vector<std::vector<std::string>> decisions;   // ours, per hierarchy and request
  size_t entity_count = 0;                           // entities per hierarchy (mean)
};

Result<Request> RequestFrom(const json::object& o) {
  Request r;
  Result<EntityUid> p = EntityUidFromJson(o.at("principal"));
  if (!p.ok()) return std::move(p).error();
  Result<EntityUid> a = EntityUidFromJson(o.at("action"));
  if (!a.ok()) return std::move(a).error();
  Result<EntityUid> res = EntityUidFromJson(o.at("resource"));
  if (!res.ok()) return std::move(res).error();
  Result<Value> context = ValueFromJson(o.at("context"));
  if (!context.ok()) return std::move(context).error();
  r.principal = std::move(*p);
  r.action = std::move(*a);
  r.resource = std::move(*res);
  r.context = std::move(*context);
  return r;
}

// Parses and loads a workload and answers every request once (our decisions are exported for
// wasm_bench.js to compare against; stated expectations are checked here).
Result<std::unique_ptr<Loaded>> Load(Workload w) {
  auto l = std::make_unique<Loaded>();
  Result<PolicySet> policies = PolicySet::Parse(w.policies, w.name);
  if (!policies.ok()) return std::move(policies).error();
  l->policies = std::move(*policies);
  size_t total = 0;
  for (size_t h = 0; h < w.hierarchies.size(); ++h) {
    const Hierarchy& hier = w.hierarchies[h];
    Result<Entities> entities = Entities::FromJson(hier.entities_json);
    if (!entities.ok()) return std::move(entities).error();
    total += entities->size();
    l->entities.push_back(std::move(*entities));
    l->decisions.emplace_back();
    for (size_t i = 0; i < hier.requests.size(); ++i) {
      Result<Request> r = RequestFrom(hier.requests[i].as_object());
      if (!r.ok()) return std::move(r).error();
      const Response response = IsAuthorized(*r, l->policies, l->entities[h]);
      const std::string decision = response.allow ? "allow" : "deny";
      l->decisions.back().push_back(decision);
      if (i < hier.expected.size() && !hier.expected[i].empty() && hier.expected[i] != decision) {
        std::fprintf(stderr, "warning: %s request %zu: expected %s, ours says %s\n", w.name.c_str(),
                     i, hier.expected[i].c_str(), decision.c_str());
      }
      l->requests.emplace_back(h, std::move(*r));
    }
  }
  l->entity_count = w.hierarchies.empty() ? 0 : total / w.hierarchies.size();
  l->w = std::move(w);
  return l;
}

// Sets p50_us … max_us from per-iteration samples (nanoseconds).
void SetPercentiles(benchmark::State& state, std::vector<double>& ns) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return ns[std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()))];
  };
  state.counters["p50_us"] = at(0.50) / 1e3;
  state.counters["p90_us"] = at(0.90) / 1e3;
  state.counters["p99_us"] = at(0.99) / 1e3;
  state.counters["max_us"] = ns.back() / 1e3;
  state.counters["samples"] = static_cast<double>(ns.size());
}

void BM_Evaluate(benchmark::State& state, const Loaded* l) {
  std::vector<double> ns;
  ns.reserve(1 << 20);
  size_t i = 0, allow = 0;
  for (auto _ : state) {
    const auto& [h, request] = l->requests[i++ % l->requests.size()];
    const auto start = SteadyClock::now();
    {
      Response r = IsAuthorized(request, l->policies, l->entities[h]);
      allow += r.allow;
      benchmark::DoNotOptimize(r);
    }  // the response's destruction is part of the cost
    const auto elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    state.SetIterationTime(elapsed);
    ns.push_back(elapsed * 1e9);
  }
  SetPercentiles(state, ns);
  state.counters["allow_share"] = static_cast<double>(allow) / std::max<size_t>(1, i);
  state.counters["entities"] = static_cast<double>(l->entity_count);
}

void BM_LoadAndEvaluate(benchmark::State& state, const Loaded* l) {
  std::vector<double> ns;
  size_t i = 0;
  for (auto _ : state) {
    const auto& [h, request] = l->requests[i++ % l->requests.size()];
    const auto start = SteadyClock::now();
    {
      Result<Entities> entities = Entities::FromJson(l->w.hierarchies[h].entities_json);
      if (!entities.ok()) {
        state.SkipWithError(entities.error().message().c_str());
        break;
      }
      Response r = IsAuthorized(request, l->policies, *entities);
      benchmark::DoNotOptimize(r);
    }
    const auto elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    state.SetIterationTime(elapsed);
    ns.push_back(elapsed * 1e9);
  }
  SetPercentiles(state, ns);
}

void BM_ParsePolicies(benchmark::State& state, const Loaded* l) {
  for (auto _ : state) {
    Result<PolicySet> p = PolicySet::Parse(l->w.policies);
    benchmark::DoNotOptimize(p);
  }
  state.counters["policies"] = static_cast<double>(l->policies.policies().size());
  state.counters["bytes"] = static_cast<double>(l->w.policies.size());
}

void BM_LoadEntities(benchmark::State& state, const Loaded* l) {
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = l->w.hierarchies[i++ % l->w.hierarchies.size()].entities_json;
    bytes += text.size();
    Result<Entities> e = Entities::FromJson(text);
    benchmark::DoNotOptimize(e);
  }
  state.counters["entities"] = static_cast<double>(l->entity_count);
  state.counters["bytes"] = static_cast<double>(bytes) / std::max<size_t>(1, i);
}

void BM_ParseSchema(benchmark::State& state, const std::string* text) {
  for (auto _ : state) {
    Result<Schema> s = Schema::Parse(*text);
    benchmark::DoNotOptimize(s);
  }
}

// The steady_clock read pair that brackets every timed iteration, for reading small figures.
double ClockOverheadNs() {
  std::vector<double> ns(100000);
  for (double& d : ns) {
    const auto a = SteadyClock::now();
    const auto b = SteadyClock::now();
    d = std::chrono::duration<double, std::nano>(b - a).count();
  }
  std::nth_element(ns.begin(), ns.begin() + ns.size() / 2, ns.end());
  return ns[ns.size() / 2];
}

Status Export(const std::vector<std::unique_ptr<Loaded>>& loaded, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  json::array names;
  for (const auto& l : loaded) {
    json::object o = ToJson(l->w);
    json::array& hierarchies = o["hierarchies"].as_array();
    for (size_t h = 0; h < hierarchies.size(); ++h) {
      json::array ours;
      for (const std::string& d : l->decisions[h]) ours.emplace_back(d);
      hierarchies[h].as_object()["ours"] = std::move(ours);
    }
    const std::string path = dir + "/" + l->w.name + ".json";
    std::ofstream out(path, std::ios::binary);
    out << json::serialize(o);
    if (!out) return Internal("cannot write " + path);
    names.emplace_back(l->w.name);
  }
  std::ofstream index(dir + "/index.json", std::ios::binary);
  index << json::serialize(names);
  return index ? OkStatus() : Internal("cannot write " + dir + "/index.json");
}

}  // namespace
}  // namespace custody::cedar::bench

int main(int argc, char** argv) {
  using namespace custody::cedar::bench;
  benchmark::Initialize(&argc, argv);
  std::string export_dir;
  std::string source_dir = CUSTODY_SOURCE_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--export_workloads=")) {
      export_dir = a.substr(std::strlen("--export_workloads="));
    } else if (a.starts_with("--source_dir=")) {
      source_dir = a.substr(std::strlen("--source_dir="));
    } else {
      std::fprintf(stderr, "cedar_bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }

  std::vector<Workload> workloads;
  custody::Result<Workload> custody_pack = CustodyDefault(source_dir);
  if (!custody_pack.ok()) {
    std::fprintf(stderr, "cedar_bench: %s\n", custody_pack.error().message().c_str());
    return 1;
  }
  workloads.push_back(std::move(*custody_pack));
  for (int n : {5, 10, 20, 50}) workloads.push_back(GDrive(n, kHierarchies, kRequests, kSeed));

  static std::vector<std::unique_ptr<Loaded>> loaded;
  for (Workload& w : workloads) {
    const std::string name = w.name;
    custody::Result<std::unique_ptr<Loaded>> l = Load(std::move(w));
    if (!l.ok()) {
      std::fprintf(stderr, "cedar_bench: %s: %s\n", name.c_str(), l.error().message().c_str());
      return 1;
    }
    loaded.push_back(std::move(*l));
  }
  if (!export_dir.empty()) {
    custody::Status s = Export(loaded, export_dir);
    if (!s.ok()) {
      std::fprintf(stderr, "cedar_bench: %s\n", s.error().message().c_str());
      return 1;
    }
    return 0;
  }

  static std::string schema;
  {
    std::ifstream in(source_dir + "/policies/custody.cedarschema", std::ios::binary);
    schema.assign(std::istreambuf_iterator<char>(in), {});
  }
  benchmark::AddCustomContext("clock_overhead_ns", std::to_string(ClockOverheadNs()));
  for (const auto& l : loaded) {
    const std::string& n = l->w.name;
    benchmark::RegisterBenchmark(("BM_Evaluate/" + n).c_str(), BM_Evaluate, l.get())
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_ParsePolicies/" + n).c_str(), BM_ParsePolicies, l.get())
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_LoadEntities/" + n).c_str(), BM_LoadEntities, l.get())
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_LoadAndEvaluate/" + n).c_str(), BM_LoadAndEvaluate, l.get())
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }
  if (!schema.empty()) {
    benchmark::RegisterBenchmark("BM_ParseSchema/custody", BM_ParseSchema, &schema)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
