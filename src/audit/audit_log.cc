#include "audit/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace custody::audit {

AuditLog::AuditLog(Store& store, NoteSigner signer, Options options, const Clock& clock)
    : store_(store), signer_(std::move(signer)), options_(std::move(options)), clock_(clock) {}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Store& store, NoteSigner signer, Options options,
                                                 const Clock& clock) {
  RETURN_IF_ERROR(ValidateOrigin(options.origin));
  std::unique_ptr<AuditLog> log(new AuditLog(store, std::move(signer), std::move(options), clock));
  Status s = store.ReadTransaction([&](ReadTx& tx) -> Status {
    RETURN_IF_ERROR(tx.ScanAudit(0, [&](const AuditRow& row) -> Status {
      if (row.seq != log->tree_.size() || row.leaf_hash.size() != 32)
        return Error(ErrorCode::kDataLoss, "audit log row " + std::to_string(row.seq) +
                                               " is out of sequence or malformed; run "
                                               "`custody audit verify`");
      Hash h;
      std::copy(row.leaf_hash.begin(), row.leaf_hash.end(), h.begin());
      log->tree_.Append(h);
      return OkStatus();
    }));
    ASSIGN_OR_RETURN(auto latest, tx.LatestCheckpoint());
    if (latest) log->latest_note_ = latest->note;
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  log->committed_size_ = log->tree_.size();
  store.SetCommitObserver(log.get());
  log->async_thread_ = std::thread([l = log.get()] { l->AsyncLoop(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(async_mu_);
    stopping_ = true;
  }
  async_cv_.notify_all();
  if (async_thread_.joinable()) async_thread_.join();
  store_.SetCommitObserver(nullptr);
}

std::string AuditLog::EntryJson(uint64_t seq, TimePoint at, const AuditEvent& e) {
  json::object o;
  o["seq"] = seq;
  o["time"] = FormatTime(at);
  o["principal"] = e.principal;
  if (!e.on_behalf_of.empty()) o["on_behalf_of"] = e.on_behalf_of;
  o["action"] = e.action;
  o["resource"] = e.resource;
  o["outcome"] = e.outcome;
  if (e.decision) o["decision"] = *e.decision;
  if (!e.details.empty()) o["details"] = e.details;
  return CanonicalJson(o);
}

Result<uint64_t> AuditLog::Append(WriteTx& tx, const AuditEvent& event) {
  ASSIGN_OR_RETURN(uint64_t seq, tx.NextAuditSeq());
  AuditRow row;
  row.seq = seq;
  row.at = clock_.Now();
  row.entry_json = EntryJson(seq, row.at, event);
  Hash leaf = LeafHash(AsBytes(row.entry_json));
  row.leaf_hash.assign(leaf.begin(), leaf.end());
  RETURN_IF_ERROR(tx.InsertAuditRow(row));
  return seq;
}

Status AuditLog::BeforeCommit(WriteTx& tx) {
  std::lock_guard lock(mu_);
  pending_note_.clear();
  uint64_t from = committed_size_;
  RETURN_IF_ERROR(tx.ScanAudit(from, [&](const AuditRow& row) -> Status {
    if (row.seq != tree_.size() || row.leaf_hash.size() != 32)
      return Internal("audit rows out of sequence at " + std::to_string(row.seq));
    Hash h;
    std::copy(row.leaf_hash.begin(), row.leaf_hash.end(), h.begin());
    tree_.Append(h);
    return OkStatus();
  }));
  if (tree_.size() == from) return OkStatus();
  ASSIGN_OR_RETURN(std::string note, SignCheckpointLocked(tree_.size()));
  RETURN_IF_ERROR(tx.InsertCheckpoint(CheckpointRow{tree_.size(), note, clock_.Now()}));
  pending_note_ = std::move(note);
  return OkStatus();
}

void AuditLog::AfterCommit(bool committed) {
  std::string note;
  {
    std::lock_guard lock(mu_);
    if (!committed) {
      tree_.TruncateTo(committed_size_);
      pending_note_.clear();
      return;
    }
    committed_size_ = tree_.size();
    if (pending_note_.empty()) return;
    latest_note_ = std::move(pending_note_);
    pending_note_.clear();
    note = latest_note_;
  }
  WriteCheckpointFile(note);
}

Result<std::string> AuditLog::SignCheckpointLocked(uint64_t size) const {
  ASSIGN_OR_RETURN(Hash root, tree_.Root(size));
  return signer_.Sign(FormatCheckpointBody(Checkpoint{options_.origin, size, root}));
}

void AuditLog::WriteCheckpointFile(const std::string& note) const {
  if (options_.checkpoint_file.empty()) return;
  // Write-then-rename so a reader never sees half a checkpoint. Not fsynced: the database holds
  // the durable copy; this file exists to detect truncation of the table, and an older file is
  // still a valid (smaller) checkpoint.
  std::filesystem::path tmp = options_.checkpoint_file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << note;
    if (!out) return;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, options_.checkpoint_file, ec);
}

uint64_t AuditLog::size() const {
  std::lock_guard lock(mu_);
  return committed_size_;
}

Result<Hash> AuditLog::Root(uint64_t size) const {
  std::lock_guard lock(mu_);
  if (size > committed_size_) return InvalidArgument("tree size beyond the log's size");
  return tree_.Root(size);
}

Result<std::vector<Hash>> AuditLog::InclusionProof(uint64_t index, uint64_t size) const {
  std::lock_guard lock(mu_);
  if (size > committed_size_) return InvalidArgument("tree size beyond the log's size");
  return tree_.InclusionProof(index, size);
}

Result<std::vector<Hash>> AuditLog::ConsistencyProof(uint64_t m, uint64_t n) const {
  std::lock_guard lock(mu_);
  if (n > committed_size_) return InvalidArgument("tree size beyond the log's size");
  return tree_.ConsistencyProof(m, n);
}

Result<std::string> AuditLog::SignedCheckpoint() {
  std::lock_guard lock(mu_);
  if (!latest_note_.empty()) return latest_note_;
  // An empty log has no stored checkpoint yet: sign the empty tree.
  return SignCheckpointLocked(committed_size_);
}

Result<std::vector<AuditRow>> AuditLog::List(const AuditQuery& q) const {
  return store_.Read([&](ReadTx& tx) { return tx.ListAudit(q); });
}

std::string AuditLog::ReadCheckpointFile(const std::filesystem::path& file) {
  if (file.empty()) return "";
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.size() > 64 * 1024 ? "" : s;
}

Result<VerifyReport> AuditLog::Verify() const {
  ASSIGN_OR_RETURN(NoteVerifier v, NoteVerifier::Parse(signer_.VerifierKey()));
  std::vector<NoteVerifier> verifiers{v};
  return VerifyAuditLog(store_, options_.origin, verifiers,
                        ReadCheckpointFile(options_.checkpoint_file));
}

void AuditLog::AppendAsync(AuditEvent event) {
  {
    std::lock_guard lock(async_mu_);
    async_queue_.push_back(std::move(event));
    ++async_enqueued_;
  }
  async_cv_.notify_one();
}

Status AuditLog::Flush() {
  std::unique_lock lock(async_mu_);
  uint64_t target = async_enqueued_;
  flushed_cv_.wait(lock, [&] { return async_written_ >= target || stopping_; });
  return async_status_;
}

void AuditLog::AsyncLoop() {
  std::unique_lock lock(async_mu_);
  for (;;) {
    async_cv_.wait(lock, [&] { return stopping_ || !async_queue_.empty(); });
    if (async_queue_.empty() && stopping_) break;
    std::vector<AuditEvent> batch;
    while (!async_queue_.empty() && batch.size() < 1000) {
      batch.push_back(std::move(async_queue_.front()));
      async_queue_.pop_front();
    }
    lock.unlock();
    Status s = store_.Write([&](WriteTx& tx) -> Status {
      for (const AuditEvent& e : batch) RETURN_IF_ERROR(Append(tx, e));
      return OkStatus();
    });
    lock.lock();
    async_written_ += batch.size();
    if (!s.ok()) async_status_ = s;
    flushed_cv_.notify_all();
  }
  flushed_cv_.notify_all();
}

}  // namespace custody::audit
