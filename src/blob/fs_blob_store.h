// FsBlobStore: blobs as encrypted files in a local directory (the default BlobStore).
//
// Files:
//   <blobs_dir>/<2 chars>/<blob id>   committed blobs; the shard is the two characters after "blb_"
//   <tmp_dir>/<blob id>.part          an upload in progress, or left by a crash
// Both directories must be on the same filesystem (Commit renames from one to the other); they are
// created (0700) when first needed. Files are 0600. Every path is built from a BlobId that passed
// LooksLike<BlobId>, never from other text.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "crypto/master_key.h"

namespace custody::blob {

// Memory per upload in progress is about pipeline_buffers × chunk_size + write_block_size
// (5 MiB by default); per open reader, one chunk.
struct FsBlobStoreOptions {
  // Plaintext bytes per encrypted chunk (the unit of encryption and of the pipeline).
  uint32_t chunk_size = 1u << 20;
  // Background threads per upload (0..2): 0 does everything on the caller's thread; 1 encrypts
  // and writes in the background while the caller hashes; 2 also separates encrypting from
  // writing. Threads start only for blobs larger than one chunk.
  int pipeline_threads = 2;
  // Chunk buffers per upload (at least pipeline_threads + 2). Depth lets hashing and encryption
  // run on while a write blocks on the disk; 8 measured no better than 4 here.
  size_t pipeline_buffers = 4;
  // Sealed bytes are collected into blocks of this size (a multiple of 4096) for each write().
  uint32_t write_block_size = 1u << 20;
  // Write full blocks with O_DIRECT, bypassing the page cache: a buffered write costs the CPU a
  // copy and page-cache management that, on two cores, competes with hashing and encryption;
  // with O_DIRECT the device DMAs from our buffer and Commit's fsync has almost nothing left.
  // Falls back to buffered writes where the filesystem refuses O_DIRECT (tmpfs, some FUSE). The
  // tail (less than a block) is always written buffered. Blobs smaller than a block never use it.
  bool direct_io = true;
  // Buffered writes only: every this many bytes, ask the kernel to start writing them back
  // (sync_file_range), so the fsync at Commit has less left to wait for. 0 turns it off.
  uint64_t bytes_per_sync = 8u << 20;
};

// Thread-safe (see BlobStore); holds no lock, the filesystem arbitrates. Writers and readers may
// outlive the store, but not `master` or `random`.
class FsBlobStore final : public BlobStore {
 public:
  // Does no I/O. REQUIRES: `master` and `random` outlive the store and everything it creates.
  FsBlobStore(std::filesystem::path blobs_dir, std::filesystem::path tmp_dir,
              const crypto::MasterKey& master, Random& random, FsBlobStoreOptions options = {});

  Result<std::unique_ptr<BlobWriter>> Create(uint64_t max_size) override;
  Result<std::unique_ptr<BlobReader>> Open(const BlobId& id,
                                           std::span<const uint8_t> wrapped_key) override;
  Status Remove(const BlobId& id) override;
  Result<std::vector<BlobId>> List() override;
  // Removes "<blob id>.part" files from tmp_dir (and nothing else: the directory may be shared).
  Status CleanTemporary() override;

  // Where a blob's file lives. REQUIRES: LooksLike<BlobId>(id.str())
  std::filesystem::path BlobPath(const BlobId& id) const;
  std::filesystem::path TemporaryPath(const BlobId& id) const;

 private:
  const std::filesystem::path blobs_dir_;
  const std::filesystem::path tmp_dir_;
  const crypto::MasterKey& master_;
  Random& random_;
  const FsBlobStoreOptions options_;
};

}  // namespace custody::blob
