// MemBlobStore: the in-memory twin of FsBlobStore, for tests of the modules above blob/.
//
// Blobs are kept in the same encrypted form as on disk (same format, same keys, same errors), so
// a test that passes here exercises the real crypto. Also offers hooks to damage stored bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "crypto/master_key.h"

namespace custody::blob {

// Thread-safe. Readers may outlive the store (they hold the bytes they read); writers may not.
class MemBlobStore final : public BlobStore {
 public:
  static constexpr uint32_t kDefaultChunkSize = 1u << 20;

  // REQUIRES: `master` and `random` outlive the store.
  MemBlobStore(const crypto::MasterKey& master, Random& random,
               uint32_t chunk_size = kDefaultChunkSize);
  ~MemBlobStore() override;

  Result<std::unique_ptr<BlobWriter>> Create(uint64_t max_size) override;
  Result<std::unique_ptr<BlobReader>> Open(const BlobId& id,
                                           std::span<const uint8_t> wrapped_key) override;
  Status Remove(const BlobId& id) override;
  Result<std::vector<BlobId>> List() override;
  Status CleanTemporary() override;

  // Test hooks.
  size_t temporary_count() const;                       // uploads neither committed nor aborted
  Result<uint64_t> StoredSize(const BlobId& id) const;  // encrypted size
  Status FlipBit(const BlobId& id, uint64_t offset);    // in the encrypted bytes
  Status Truncate(const BlobId& id, uint64_t size);     // the encrypted bytes
  Status Append(const BlobId& id, std::span<const uint8_t> data);

 private:
  class Writer;
  using Stored = std::shared_ptr<const Bytes>;

  Status Publish(const BlobId& id, Bytes sealed);
  void Drop(const BlobId& id);
  Status Mutate(const BlobId& id, const std::function<void(Bytes&)>& change);

  const crypto::MasterKey& master_;
  Random& random_;
  const uint32_t chunk_size_;

  mutable std::mutex mu_;
  std::map<BlobId, Stored> blobs_;  // GUARDED_BY(mu_)
  std::set<BlobId> temporary_;      // GUARDED_BY(mu_)
};

}  // namespace custody::blob
