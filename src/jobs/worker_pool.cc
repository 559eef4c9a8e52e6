#include "jobs/worker_pool.h"

namespace custody::jobs {

WorkerPool::WorkerPool(Store& store, EngineRegistry& engines, JobRunner& runner, const Clock& clock,
                       WorkerPoolOptions options)
    : store_(store), engines_(engines), runner_(runner), clock_(clock), options_(options) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkerPool::Notify() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void WorkerPool::Loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    auto claimed = store_.Write([&](WriteTx& tx) {
      TimePoint now = clock_.Now();
      return tx.ClaimJob(now, now + options_.lease);
    });
    if (claimed.ok() && claimed->has_value()) {
      ++busy_;
      RunOne(std::move(**claimed));
      --busy_;
      continue;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || wakeups_ != seen; });
  }
}

namespace {
class Sink final : public ProgressSink {
 public:
  Sink(JobRunner& runner, const JobRecord& job) : runner_(runner), job_(job) {}
  bool Report(double fraction) override {
    if (runner_.CancelRequested(job_.id)) return false;
    runner_.Progress(job_, fraction);
    return true;
  }

 private:
  JobRunner& runner_;
  const JobRecord& job_;
};
}  // namespace

void WorkerPool::RunOne(JobRecord job) {
  Engine* engine = engines_.Find(job.engine);
  if (!engine) {
    (void)runner_.Fail(job, InvalidArgument("unknown engine '" + job.engine + "'"), false);
    return;
  }
  if (job.cancel_requested || runner_.CancelRequested(job.id)) {
    (void)runner_.Cancelled(job);
    return;
  }
  auto request = runner_.Prepare(job);
  if (!request.ok()) {
    (void)runner_.Fail(job, request.error(), false);
    return;
  }
  Sink sink(runner_, job);
  auto output = engine->Run(*request, sink);
  if (!output.ok()) {
    const Error& e = output.error();
    if (e.code() == ErrorCode::kCancelled) {
      (void)runner_.Cancelled(job);
      return;
    }
    // Bad input will fail again; anything else (I/O, a crashed model server) is worth a retry.
    bool retry = e.code() != ErrorCode::kInvalidArgument && job.attempts < job.max_attempts;
    (void)runner_.Fail(job, e, retry);
    return;
  }
  Status s = runner_.Complete(job, *engine, std::move(*output));
  if (!s.ok()) (void)runner_.Fail(job, s.error(), job.attempts < job.max_attempts);
}

}  // namespace custody::jobs
