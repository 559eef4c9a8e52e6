#include "jobs/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "jobs/engines/builtin_engines.h"
#include "media/media.h"

namespace custody::jobs {
namespace {

// A test engine whose behaviour each test scripts.
class ScriptedEngine final : public Engine {
 public:
  std::string_view name() const override { return "scripted"; }
  std::string_view model() const override { return "script"; }
  std::string_view version() const override { return "1"; }
  JobKind kind() const override { return JobKind::kGenerate; }
  Status Validate(const json::object&, const std::vector<std::string>&) const override {
    return OkStatus();
  }
  Result<EngineOutput> Run(const EngineRequest& req, ProgressSink& progress) override {
    ++runs;
    for (int i = 1; i <= steps; ++i) {
      if (!progress.Report(double(i) / steps)) return Error(ErrorCode::kCancelled, "cancelled");
      if (step_delay.count()) std::this_thread::sleep_for(step_delay);
    }
    if (fail_times > 0) {
      --fail_times;
      return Error(ErrorCode::kUnavailable, "model server unavailable");
    }
    return EngineOutput{Bytes{1, 2, 3, uint8_t(req.seed)}, "application/octet-stream"};
  }
  std::atomic<int> runs{0};
  std::atomic<int> fail_times{0};
  int steps = 3;
  std::chrono::milliseconds step_delay{0};
};

// Records what the pool reports, and writes job state like workflow does.
class RecordingRunner final : public JobRunner {
 public:
  explicit RecordingRunner(Store& store) : store_(store) {}
  Result<EngineRequest> Prepare(const JobRecord& job) override {
    EngineRequest r;
    r.job = job.id;
    r.seed = job.seed;
    return r;
  }
  Status Complete(const JobRecord& job, const Engine&, EngineOutput) override {
    ++completed;
    return SetStatus(job, JobStatus::kSucceeded);
  }
  Status Fail(const JobRecord& job, const Error&, bool retry) override {
    ++(retry ? retried : failed);
    return SetStatus(job, retry ? JobStatus::kQueued : JobStatus::kFailed);
  }
  Status Cancelled(const JobRecord& job) override {
    ++cancelled;
    return SetStatus(job, JobStatus::kCancelled);
  }
  void Progress(const JobRecord&, double) override { ++progress_reports; }
  bool CancelRequested(const JobId&) override { return cancel; }

  Status SetStatus(const JobRecord& job, JobStatus s) {
    return store_.Write([&](WriteTx& tx) -> Status {
      ASSIGN_OR_RETURN(JobRecord j, tx.GetJob(job.id));
      j.status = s;
      j.lease_until.reset();
      return tx.UpdateJob(j);
    });
  }

  Store& store_;
  std::atomic<int> completed{0}, failed{0}, retried{0}, cancelled{0}, progress_reports{0};
  std::atomic<bool> cancel{false};
};

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custody-jobs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    SqliteOptions o;
    o.path = (dir_ / "db").string();
    o.synchronous_full = false;
    store_ = std::move(*OpenSqliteStore(o));
    auto e = std::make_unique<ScriptedEngine>();
    engine_ = e.get();
    engines_.Register(std::move(e));
    runner_ = std::make_unique<RecordingRunner>(*store_);
    // Fixture rows the jobs table refers to.
    ASSERT_TRUE(store_
                    ->Write([&](WriteTx& tx) -> Status {
                      PrincipalRecord p;
                      p.id = PrincipalId("prn_aaaaaaaaaaaaaaaaaaaaaaaaaa");
                      p.name = "alice";
                      p.created_at = clock_.Now();
                      RETURN_IF_ERROR(tx.InsertPrincipal(p));
                      ProjectRecord pr;
                      pr.id = ProjectId("prj_aaaaaaaaaaaaaaaaaaaaaaaaaa");
                      pr.name = "p";
                      pr.created_at = clock_.Now();
                      pr.created_by = p.id;
                      return tx.InsertProject(pr);
                    })
                    .ok());
  }
  void TearDown() override {
    pool_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  JobId Queue(int max_attempts = 3) {
    JobRecord j;
    j.id = NewId<JobId>(random_);
    j.project = ProjectId("prj_aaaaaaaaaaaaaaaaaaaaaaaaaa");
    j.actor = PrincipalId("prn_aaaaaaaaaaaaaaaaaaaaaaaaaa");
    j.engine = "scripted";
    j.parameters_json = "{}";
    j.max_attempts = max_attempts;
    j.created_at = clock_.Now();
    EXPECT_TRUE(store_->Write([&](WriteTx& tx) { return tx.InsertJob(j); }).ok());
    return j.id;
  }

  void StartPool(int threads = 1) {
    WorkerPoolOptions o;
    o.threads = threads;
    o.poll_interval = std::chrono::milliseconds(20);
    pool_ = std::make_unique<WorkerPool>(*store_, engines_, *runner_, clock_, o);
    pool_->Start();
  }

  JobStatus StatusOf(const JobId& id) {
    return store_->Read([&](ReadTx& tx) { return tx.GetJob(id); })->status;
  }

  bool WaitFor(const std::function<bool()>& cond) {
    for (int i = 0; i < 500; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::filesystem::path dir_;
  SystemClock clock_;
  SeededRandom random_{3};
  std::unique_ptr<Store> store_;
  EngineRegistry engines_;
  ScriptedEngine* engine_ = nullptr;
  std::unique_ptr<RecordingRunner> runner_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(WorkerPoolTest, RunsQueuedJobsToCompletion) {
  JobId a = Queue(), b = Queue();
  StartPool(2);
  pool_->Notify();
  ASSERT_TRUE(WaitFor([&] { return runner_->completed == 2; }));
  EXPECT_EQ(StatusOf(a), JobStatus::kSucceeded);
  EXPECT_EQ(StatusOf(b), JobStatus::kSucceeded);
  EXPECT_GE(runner_->progress_reports, 6);
}

TEST_F(WorkerPoolTest, TransientFailureIsRetriedUpToMaxAttempts) {
  engine_->fail_times = 10;
  JobId id = Queue(/*max_attempts=*/3);
  StartPool();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(id) == JobStatus::kFailed; }));
  EXPECT_EQ(engine_->runs, 3);
  EXPECT_EQ(runner_->retried, 2);
  EXPECT_EQ(runner_->failed, 1);
}

TEST_F(WorkerPoolTest, CancellationStopsARunningJob) {
  engine_->steps = 100;
  engine_->step_delay = std::chrono::milliseconds(5);
  JobId id = Queue();
  StartPool();
  ASSERT_TRUE(WaitFor([&] { return runner_->progress_reports > 2; }));
  runner_->cancel = true;
  ASSERT_TRUE(WaitFor([&] { return StatusOf(id) == JobStatus::kCancelled; }));
  EXPECT_EQ(runner_->completed, 0);
}

TEST_F(WorkerPoolTest, JobOfADeadWorkerIsReclaimedAfterItsLease) {
  JobId id = Queue();
  // A worker claims the job and dies: the job stays "running" with a lease in the past.
  ASSERT_TRUE(store_
                  ->Write([&](WriteTx& tx) -> Status {
                    auto claimed =
                        tx.ClaimJob(clock_.Now(), clock_.Now() - std::chrono::seconds(1));
                    if (!claimed.ok()) return claimed.error();
                    EXPECT_TRUE(claimed->has_value());
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(StatusOf(id), JobStatus::kRunning);
  StartPool();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(id) == JobStatus::kSucceeded; }));
  auto job = *store_->Read([&](ReadTx& tx) { return tx.GetJob(id); });
  EXPECT_EQ(job.attempts, 2);
}

TEST(BuiltinEnginesTest, ProceduralEngineValidatesRolesAndParameters) {
  ASSERT_TRUE(InitMedia().ok());
  auto e = MakeProceduralEngine();
  EXPECT_TRUE(e->Validate({}, {"prompt"}).ok());
  EXPECT_TRUE(e->Validate({{"width", 64}}, {"prompt", "reference:character"}).ok());
  EXPECT_FALSE(e->Validate({}, {}).ok());
  EXPECT_FALSE(e->Validate({}, {"prompt", "prompt"}).ok());
  EXPECT_FALSE(e->Validate({}, {"prompt", "mask"}).ok());
  EXPECT_FALSE(e->Validate({{"width", 100000}}, {"prompt"}).ok());
  EXPECT_FALSE(e->Validate({{"steps", 1}}, {"prompt"}).ok());
}

class NullSink final : public ProgressSink {
 public:
  bool Report(double) override { return true; }
};

TEST(BuiltinEnginesTest, ProceduralEngineIsDeterministic) {
  ASSERT_TRUE(InitMedia().ok());
  auto e = MakeProceduralEngine();
  EngineRequest r;
  r.seed = 42;
  r.parameters = {{"width", 64}, {"height", 48}};
  std::string prompt = "a lighthouse at dusk";
  r.inputs.push_back(
      {AssetId("ast_x"), "prompt", "text/plain", Bytes(prompt.begin(), prompt.end())});
  NullSink sink;
  auto a = e->Run(r, sink);
  auto b = e->Run(r, sink);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->media_type, "image/png");
  EXPECT_EQ(a->content, b->content);
  r.seed = 43;
  EXPECT_NE(e->Run(r, sink)->content, a->content);
}

TEST(BuiltinEnginesTest, EditEngineResizes) {
  ASSERT_TRUE(InitMedia().ok());
  auto gen = MakeProceduralEngine();
  EngineRequest r;
  r.parameters = {{"width", 64}, {"height", 64}};
  r.inputs.push_back({AssetId("ast_x"), "prompt", "text/plain", Bytes{'x'}});
  NullSink sink;
  Bytes png = gen->Run(r, sink)->content;
  auto edit = MakeEditEngine();
  json::object params = {{"ops", json::array{json::object{{"op", "resize"}, {"width", 32}}}}};
  ASSERT_TRUE(edit->Validate(params, {"source"}).ok());
  EXPECT_FALSE(edit->Validate(params, {"prompt"}).ok());
  EngineRequest er;
  er.parameters = params;
  er.inputs.push_back({AssetId("ast_y"), "source", "image/png", png});
  auto out = edit->Run(er, sink);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(ProbeImage(out->content)->width, 32);
}

}  // namespace
}  // namespace custody::jobs
