// AuditLog: the tamper-evident record of every action and decision.
//
// Each entry is canonical JSON, hashed into an RFC 9162 Merkle tree leaf and stored with its
// sequence number in the same transaction as the change it describes (Append takes the use
// case's WriteTx). The log observes the store's group commits: before each commit that added
// entries it extends the tree and stores an Ed25519-signed C2SP checkpoint of the new size, so
// every durable entry is covered by a signed checkpoint from the moment it is durable. The latest
// checkpoint is also written to a file outside the database, so truncating the table (with its
// checkpoints) is detected too.
//
// Entries carry hashes of prompts and content, never prompt text, passwords or tokens: callers
// put only ids and hashes in `details`.
//
// Read decisions are appended with AppendAsync: batched off the request path by a background
// thread (a crash can lose the last fraction of a second of read entries, never an entry of a
// change, which is always written in the change's own transaction).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "audit/note.h"
#include "audit/verifier.h"
#include "base/clock.h"
#include "base/json.h"
#include "store/store.h"

namespace custody::audit {

struct AuditEvent {
  std::string principal;                 // principal id, or "anonymous" / "system"
  std::string on_behalf_of;              // the human a non-human principal acted for, if any
  std::string action;                    // e.g. "asset.upload", "auth.login", "asset.approve"
  std::string resource;                  // the object's id (or a name for logins)
  std::string outcome;                   // "allowed", "denied", "succeeded", "failed"
  std::optional<json::object> decision;  // policy::Decision::ToJson(), when one was made
  json::object details;                  // ids and hashes only
};

// An entry for something the system did on its own (recovery, lapsing, retries).
inline AuditEvent SystemEvent(std::string action, std::string resource, std::string outcome) {
  AuditEvent e;
  e.principal = "system";
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.outcome = std::move(outcome);
  return e;
}

class AuditLog final : public CommitObserver {
 public:
  struct Options {
    std::string origin = "custody.local/audit";  // checkpoint origin line and key name
    std::filesystem::path checkpoint_file;       // latest signed checkpoint, outside the DB
  };

  // Loads the existing tree from the store and registers itself as the store's commit observer.
  static Result<std::unique_ptr<AuditLog>> Open(Store& store, NoteSigner signer, Options options,
                                                const Clock& clock);
  ~AuditLog() override;

  // Appends an entry inside the caller's transaction; returns its sequence number.
  Result<uint64_t> Append(WriteTx& tx, const AuditEvent& event);
  // Queues an entry to be written by the background writer (read decisions).
  void AppendAsync(AuditEvent event);
  // Blocks until every AppendAsync entry queued so far is durable.
  Status Flush();

  // CommitObserver.
  Status BeforeCommit(WriteTx& tx) override;
  void AfterCommit(bool committed) override;

  // Committed state.
  uint64_t size() const;
  Result<Hash> Root(uint64_t size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n) const;
  // The latest signed checkpoint (signs one over the current size if none exists yet).
  Result<std::string> SignedCheckpoint();
  std::string VerifierKey() const { return signer_.VerifierKey(); }
  const std::string& origin() const { return options_.origin; }

  // Stored entries (the caller has authorized the read).
  Result<std::vector<AuditRow>> List(const AuditQuery& q) const;
  // Recomputes the whole tree from the store and checks every signed checkpoint and the
  // checkpoint file (see verifier.h).
  Result<VerifyReport> Verify() const;
  // Reads the checkpoint file kept outside the database ("" if there is none).
  static std::string ReadCheckpointFile(const std::filesystem::path& file);

  // The exact bytes of an entry, as hashed into its leaf.
  static std::string EntryJson(uint64_t seq, TimePoint at, const AuditEvent& event);

 private:
  AuditLog(Store& store, NoteSigner signer, Options options, const Clock& clock);
  Result<std::string> SignCheckpointLocked(uint64_t size) const;
  void WriteCheckpointFile(const std::string& note) const;
  void AsyncLoop();

  Store& store_;
  NoteSigner signer_;
  Options options_;
  const Clock& clock_;

  mutable std::mutex mu_;
  MerkleTree tree_;              // GUARDED_BY(mu_); may hold uncommitted leaves during a commit
  uint64_t committed_size_ = 0;  // GUARDED_BY(mu_)
  std::string pending_note_;     // GUARDED_BY(mu_): checkpoint signed in BeforeCommit
  std::string latest_note_;      // GUARDED_BY(mu_)

  std::mutex async_mu_;
  std::condition_variable async_cv_;
  std::condition_variable flushed_cv_;
  std::deque<AuditEvent> async_queue_;  // GUARDED_BY(async_mu_)
  uint64_t async_enqueued_ = 0;         // GUARDED_BY(async_mu_)
  uint64_t async_written_ = 0;          // GUARDED_BY(async_mu_)
  Status async_status_;                 // GUARDED_BY(async_mu_)
  bool stopping_ = false;               // GUARDED_BY(async_mu_)
  std::thread async_thread_;
};

}  // namespace custody::audit
