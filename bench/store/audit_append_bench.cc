// Durable audit-log appends through the SQLite store's group commit.
//
// N producer threads each call Store::WriteTransaction with one closure doing what the audit log
// does per entry: NextAuditSeq + InsertAuditRow (a ~300-byte canonical JSON entry naming two
// object ids, a 32-byte leaf hash). synchronous=FULL: every acknowledged entry has been fsynced.
// The database is a real file under the build directory.
//
// Counters: entries/s (wall clock over the timed loop, all producers together), p50/p99/max
// commit latency in ms (per WriteTransaction call, as the caller sees it), and entries/commit
// (the mean group-commit batch size).
//
//   build/h-store-rel/bench/store/store_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/store.h"

namespace custody {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Counts group commits (one BeforeCommit per batch).
class CommitCounter final : public CommitObserver {
 public:
  Status BeforeCommit(WriteTx&) override {
    commits.fetch_add(1, std::memory_order_relaxed);
    return OkStatus();
  }
  void AfterCommit(bool) override {}
  std::atomic<int64_t> commits{0};
};

// State shared by the producer threads of one run; created and destroyed by thread 0.
struct Run {
  std::unique_ptr<Store> store;
  CommitCounter counter;
  std::vector<int64_t> latency_ns;  // one slot per iteration of every thread
  std::atomic<size_t> recorded{0};
  std::atomic<bool> failed{false};
  SteadyClock::time_point start;
};
Run* g_run = nullptr;

std::string DbPath() { return std::string(CUSTODY_BENCH_DIR) + "/audit_append_bench.db"; }

void RemoveDb() {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(DbPath() + suffix, ec);
  }
}

// A canonical audit entry of about 300 bytes, shaped like the audit log's.
std::string EntryJson(int thread) {
  std::string e =
      R"({"action":"asset.export","at":"2026-11-22T10:00:00.250Z","decision":{"allowed":true,)"
      R"("policies":["export-requires-approval","no-restricted-egress"]},"details":{"destination":)"
      R"("web","file_name":"hero-final.png","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b)"
      R"(822cd15d6c15b0f00a08"},"principal":"prn_abcdefghijklmnopqrstuvwxyz","resource":)"
      R"("ast_234567abcdefghijklmnopqrst","thread":)";
  e += std::to_string(thread);
  e += "}";
  return e;
}

void BM_AuditAppend(benchmark::State& state) {
  const int max_batch = static_cast<int>(state.range(0));
  if (state.thread_index() == 0) {
    RemoveDb();
    g_run = new Run;
    SqliteOptions options;
    options.path = DbPath();
    options.synchronous_full = true;
    options.max_batch = max_batch;
    auto opened = OpenSqliteStore(options);
    if (!opened.ok()) {
      state.SkipWithError(opened.error().ToString().c_str());
      g_run->failed = true;
    } else {
      g_run->store = std::move(opened).value();
      g_run->store->SetCommitObserver(&g_run->counter);
      g_run->latency_ns.resize(static_cast<size_t>(state.max_iterations) * state.threads());
    }
  }
  const std::string entry = EntryJson(state.thread_index());
  const Bytes leaf(32, 0xab);
  const TimePoint at = FromUnixMicros(1'795'000'000'000'000);
  bool first = true;

  for (auto _ : state) {
    // The loop's first step is a barrier across threads, so thread 0's setup is complete here.
    if (g_run->failed) {
      state.SkipWithError("store did not open");
      break;
    }
    if (first && state.thread_index() == 0) g_run->start = SteadyClock::now();
    first = false;
    auto t0 = SteadyClock::now();
    Status s = g_run->store->WriteTransaction([&](WriteTx& tx) -> Status {
      ASSIGN_OR_RETURN(uint64_t seq, tx.NextAuditSeq());
      return tx.InsertAuditRow(AuditRow{seq, entry, leaf, at});
    });
    auto t1 = SteadyClock::now();
    if (!s.ok()) {
      state.SkipWithError(s.error().ToString().c_str());
      break;
    }
    size_t slot = g_run->recorded.fetch_add(1, std::memory_order_relaxed);
    if (slot < g_run->latency_ns.size())
      g_run->latency_ns[slot] =
          std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  state.SetItemsProcessed(state.iterations());

  // Leaving the loop is a barrier too: every thread has recorded its last latency.
  if (state.thread_index() == 0) {
    if (!g_run->failed) {
      double seconds = std::chrono::duration<double>(SteadyClock::now() - g_run->start).count();
      size_t n = std::min(g_run->recorded.load(), g_run->latency_ns.size());
      std::vector<int64_t> lat(g_run->latency_ns.begin(), g_run->latency_ns.begin() + n);
      std::sort(lat.begin(), lat.end());
      auto pct = [&](double p) {
        if (lat.empty()) return 0.0;
        size_t i =
            std::min(lat.size() - 1, static_cast<size_t>(p * static_cast<double>(lat.size())));
        return static_cast<double>(lat[i]) / 1e6;
      };
      int64_t commits = g_run->counter.commits.load();
      state.counters["entries/s"] = static_cast<double>(n) / seconds;
      state.counters["p50_ms"] = pct(0.50);
      state.counters["p99_ms"] = pct(0.99);
      state.counters["max_ms"] = lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e6;
      state.counters["entries/commit"] =
          commits > 0 ? static_cast<double>(n) / static_cast<double>(commits) : 0.0;
      // Sanity: the log holds exactly the acknowledged entries, consecutively numbered.
      auto size = g_run->store->Read([](ReadTx& tx) { return tx.AuditSize(); });
      if (!size.ok() || *size != g_run->recorded.load())
        state.SkipWithError("audit size does not match the acknowledged appends");
      g_run->store->SetCommitObserver(nullptr);
    }
    delete g_run;
    g_run = nullptr;
    RemoveDb();
  }
}

// Arg: max_batch. Fixed iteration counts (per thread) keep the work comparable between runs.
BENCHMARK(BM_AuditAppend)->Arg(512)->Threads(1)->Iterations(2000)->UseRealTime();
BENCHMARK(BM_AuditAppend)->Arg(512)->Threads(8)->Iterations(2000)->UseRealTime();
BENCHMARK(BM_AuditAppend)->Arg(512)->Threads(64)->Iterations(1000)->UseRealTime();
BENCHMARK(BM_AuditAppend)->Arg(512)->Threads(256)->Iterations(250)->UseRealTime();
BENCHMARK(BM_AuditAppend)->Arg(64)->Threads(64)->Iterations(1000)->UseRealTime();
BENCHMARK(BM_AuditAppend)->Arg(16)->Threads(64)->Iterations(1000)->UseRealTime();

}  // namespace
}  // namespace custody

BENCHMARK_MAIN();
