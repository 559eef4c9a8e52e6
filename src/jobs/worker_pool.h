// WorkerPool: in-process workers that claim jobs from the persistent queue (the jobs table) and
// run them on their engines.
//
// The queue lives in the store, so it survives restarts: a job is claimed with a lease; a worker
// that dies leaves a job whose lease expires, and the job is claimed again (attempts are bounded
// by the job's max_attempts). What a job's inputs and outputs mean — decrypting inputs, creating
// the output asset with its lineage, auditing — belongs to workflow, behind JobRunner.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "jobs/engine.h"
#include "store/store.h"

namespace custody::jobs {

class JobRunner {
 public:
  virtual ~JobRunner() = default;
  // Loads the job's inputs; an error fails the job.
  virtual Result<EngineRequest> Prepare(const JobRecord& job) = 0;
  // Records the output (asset, lineage, audit) and marks the job succeeded.
  virtual Status Complete(const JobRecord& job, const Engine& engine, EngineOutput output) = 0;
  // Records a failure; `retry` when the job goes back to the queue.
  virtual Status Fail(const JobRecord& job, const Error& error, bool retry) = 0;
  // Records that a cancelled job stopped.
  virtual Status Cancelled(const JobRecord& job) = 0;
  // Progress for observers (SSE); also renews the lease.
  virtual void Progress(const JobRecord& job, double fraction) = 0;
  // True when the job was cancelled through the API (checked while it runs).
  virtual bool CancelRequested(const JobId& job) = 0;
};

struct WorkerPoolOptions {
  int threads = 2;
  Duration lease = std::chrono::seconds(120);
  std::chrono::milliseconds poll_interval{500};
};

class WorkerPool {
 public:
  WorkerPool(Store& store, EngineRegistry& engines, JobRunner& runner, const Clock& clock,
             WorkerPoolOptions options);
  ~WorkerPool();

  void Start();
  // Stops claiming new jobs and waits for running ones to finish.
  void Stop();
  // Wakes idle workers (a job was queued).
  void Notify();
  size_t busy() const { return busy_.load(); }

 private:
  void Loop();
  void RunOne(JobRecord job);

  Store& store_;
  EngineRegistry& engines_;
  JobRunner& runner_;
  const Clock& clock_;
  const WorkerPoolOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  uint64_t wakeups_ = 0;   // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
  std::atomic<size_t> busy_{0};
};

}  // namespace custody::jobs
