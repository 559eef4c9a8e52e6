// SqliteStore: the embedded Store over one SQLite database file in WAL mode.
//
// Connections: one writer connection, owned by a dedicated writer thread, and a pool of
// `reader_connections` read-only connections. A ReadTransaction borrows a reader (waiting if all
// are busy) and runs the closure inside BEGIN…COMMIT, so every read in it sees one committed
// snapshot; readers never wait for the writer (WAL) and never see uncommitted data.
//
// Group commit: WriteTransaction enqueues the closure and blocks. The writer thread takes up to
// `max_batch` queued closures and runs
//
//   BEGIN IMMEDIATE
//     for each closure: SAVEPOINT c; fn(tx); RELEASE c      (ROLLBACK TO c; RELEASE c on error)
//     observer->BeforeCommit(tx)                              (error: ROLLBACK, the batch fails)
//   COMMIT                                                    (error: the batch fails)
//   observer->AfterCommit(committed)
//
// and only then wakes each caller with its own Status. A closure that fails or throws affects only
// its own caller (an exception becomes kInternal). If BeforeCommit or COMMIT fails, or SQLite
// abandons the transaction on its own (I/O error, disk full), every caller whose closure had
// succeeded gets that error: nobody observes success for work that was rolled back. With
// synchronous=FULL the WAL is fsynced by COMMIT, so success means durable against power loss.
//
// Lifecycle: Open → concurrent use → destruction. The destructor drains the queue (every
// enqueued closure still runs and its caller is answered), joins the writer thread and closes the
// connections; no Read/Write may start once destruction has begun.
//
// Thread-safety: thread-safe. Closures must not call Read/Write on the same store (detected on the
// calling thread and refused with kInternal rather than deadlocking).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/statement.h"
#include "store/sqlite/thread_annotations.h"
#include "store/store.h"

namespace custody::sqlite {

// Fault injection for tests (LevelDB's ErrorEnv idea): hooks the writer consults around a batch.
struct SqliteTestHooks {
  // Called just before COMMIT; returning true turns the COMMIT into a rollback (through SQLite's
  // commit hook, so the failure takes SQLite's real error path).
  std::function<bool()> fail_commit;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the database, then starts the writer thread.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options,
                                                   SqliteTestHooks hooks = {});
  ~SqliteStore() override;

  Status ReadTransaction(const std::function<Status(ReadTx&)>& fn) override;
  Status WriteTransaction(const std::function<Status(WriteTx&)>& fn) override;
  void SetCommitObserver(CommitObserver* observer) override;

  // Busy timeout for every connection: how long a connection waits for a lock held by another
  // process (another Custody process on the same file, or a backup) before failing kUnavailable.
  static constexpr int kBusyTimeoutMs = 5000;
  // WAL sizes (pages) that trigger a background and an inline checkpoint; see WalHook.
  static constexpr int kBackgroundCheckpointPages = 1000;
  static constexpr int kInlineCheckpointPages = 4000;

 private:
  struct Request;  // one WriteTransaction call, on the caller's stack
  struct Batch;    // up to max_batch requests committed together; shared with their callers

  SqliteStore(SqliteOptions options, SqliteTestHooks hooks, std::unique_ptr<Connection> writer,
              std::unique_ptr<Connection> checkpointer,
              std::vector<std::unique_ptr<Connection>> readers);

  void WriterLoop();
  // Runs one group commit and fills in every request's status. Writer thread only.
  void RunBatch(const std::vector<Request*>& batch);
  // Ends an aborted transaction (if SQLite did not already) so the next batch starts clean.
  void RollbackQuietly();

  Connection* AcquireReader();
  void ReleaseReader(Connection* conn);

  // WAL checkpoints. SQLite's default copies the WAL into the database inside the COMMIT that
  // crosses wal_autocheckpoint, stalling that batch (and everyone queued behind it) for the copy
  // and an fsync of the database file. Instead, the writer's WAL hook asks a background thread,
  // on its own connection, to run PASSIVE checkpoints once the WAL passes
  // kBackgroundCheckpointPages; PASSIVE never blocks the writer. A background checkpoint alone
  // can never let the WAL restart while commits keep arriving (new frames always trail it), so at
  // kInlineCheckpointPages the writer runs one PASSIVE checkpoint itself, as SQLite would, but
  // after answering the batch that crossed the mark; by then only the frames since the last
  // background pass are left to copy.
  static int WalHook(void* store, sqlite3* db, const char* db_name, int pages);
  void CheckpointerLoop();

  const SqliteOptions options_;
  const SqliteTestHooks hooks_;
  // Used only by the writer thread (and by Open/the destructor while that thread is not running).
  const std::unique_ptr<Connection> writer_;
  const std::unique_ptr<Connection> checkpointer_;  // used only by checkpointer_thread_
  const std::vector<std::unique_ptr<Connection>> readers_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // signalled when queue_ gains work or stopping_ is set
  // Batches waiting for the writer, oldest first. Callers join the newest batch while it has room;
  // the writer takes the oldest whole. Each caller waits on its batch object, which it co-owns,
  // so after being answered it touches nothing of the store (safe against destruction).
  std::deque<std::shared_ptr<Batch>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  CommitObserver* observer_ GUARDED_BY(mu_) = nullptr;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<Connection*> idle_readers_ GUARDED_BY(pool_mu_);

  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_requested_ GUARDED_BY(checkpoint_mu_) = false;
  bool checkpoint_stopping_ GUARDED_BY(checkpoint_mu_) = false;
  std::atomic<bool> checkpoint_pending_{false};  // lets the WAL hook skip the lock when requested
  bool inline_checkpoint_due_ = false;           // writer thread only (set by its WAL hook)

  // Started last in the constructor; the writer is joined first in the destructor (its WAL hook
  // signals the checkpointer), then the checkpointer.
  std::thread checkpointer_thread_;
  std::thread writer_thread_;
};

}  // namespace custody::sqlite
