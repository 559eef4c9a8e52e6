// FaultyBlobStore: a BlobStore wrapper that fails chosen operations, for testing how callers cope
// with I/O errors (in the manner of LevelDB's ErrorEnv).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "blob/blob_store.h"

namespace custody::blob {

// Passes everything to `target` except the operations it was told to fail. Counts are over all
// writers and readers made through this wrapper, 1-based, and each armed fault fires once.
// Thread-safe.
class FaultyBlobStore final : public BlobStore {
 public:
  // REQUIRES: `target` outlives this wrapper and everything made through it.
  explicit FaultyBlobStore(BlobStore& target) : target_(target) {}

  // The n-th BlobWriter::Write from now on fails with `code` without reaching the target; the
  // writer is then failed, as a real one would be after an I/O error.
  void FailNthWrite(int n, ErrorCode code = ErrorCode::kInternal);
  // The n-th BlobWriter::Commit from now on fails with `code`; the target's upload is aborted, so
  // nothing is stored (as if the process died before the rename).
  void FailNthCommit(int n, ErrorCode code = ErrorCode::kInternal);
  // The n-th BlobReader::Read from now on fails with `code`.
  void FailNthRead(int n, ErrorCode code = ErrorCode::kInternal);
  // The next Create fails with `code`.
  void FailNextCreate(ErrorCode code = ErrorCode::kResourceExhausted);

  int writes() const { return writes_.load(); }
  int commits() const { return commits_.load(); }
  int faults_injected() const { return injected_.load(); }

  Result<std::unique_ptr<BlobWriter>> Create(uint64_t max_size) override;
  Result<std::unique_ptr<BlobReader>> Open(const BlobId& id,
                                           std::span<const uint8_t> wrapped_key) override;
  Status Remove(const BlobId& id) override { return target_.Remove(id); }
  Result<std::vector<BlobId>> List() override { return target_.List(); }
  Status CleanTemporary() override { return target_.CleanTemporary(); }

 private:
  class Writer;
  class Reader;

  // An armed fault: fires when the counter reaches `at`.
  struct Fault {
    std::atomic<int> at{0};  // 0: disarmed
    std::atomic<ErrorCode> code{ErrorCode::kInternal};
  };
  // Counts one call; returns the injected error if this call is the armed one.
  std::optional<Error> Count(std::atomic<int>& counter, Fault& fault, const char* what);

  BlobStore& target_;
  std::atomic<int> writes_{0};
  std::atomic<int> commits_{0};
  std::atomic<int> reads_{0};
  std::atomic<int> injected_{0};
  Fault write_fault_;
  Fault commit_fault_;
  Fault read_fault_;
  std::atomic<bool> fail_create_{false};
  std::atomic<ErrorCode> create_code_{ErrorCode::kResourceExhausted};
};

}  // namespace custody::blob
