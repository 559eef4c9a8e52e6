// BlobStore: encrypted storage of media bytes, addressed by BlobId.
//
// Every blob is encrypted under its own random data key (libsodium secretstream,
// XChaCha20-Poly1305). The data key leaves the store only wrapped by the master key, bound to the
// blob id (context "custody.blob:<id>"); the caller keeps it in the database next to the asset.
// Destroying the wrapped key makes the blob unreadable for good (crypto-shredding), including in
// backups and caches of the blob files; Remove deletes the file as well.
//
// Implementations: FsBlobStore (a local directory), MemBlobStore (the in-memory twin, same
// encryption), FaultyBlobStore (a fault-injecting wrapper for tests).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/ids.h"
#include "base/result.h"

namespace custody::blob {

// What a committed upload produced; the caller stores all of it.
struct BlobInfo {
  BlobId id;
  std::string sha256_hex;  // of the plaintext
  uint64_t size = 0;       // plaintext bytes
  Bytes wrapped_key;       // the data key, wrapped by the master key for this id
};

// One upload. Lifecycle: Write() any number of times, then Commit() or Abort(); destroying an
// uncommitted writer aborts it. After any error from Write or Commit the writer is failed: later
// Write/Commit calls return that error and only Abort (or destruction) is useful. Not thread-safe.
// REQUIRES: the writer does not outlive the store that created it.
class BlobWriter {
 public:
  virtual ~BlobWriter();

  // Appends plaintext. kPayloadTooLarge (and nothing written) if the upload would exceed the
  // max_size given to Create.
  virtual Status Write(std::span<const uint8_t> data) = 0;
  // Seals the blob and makes it durable (file and directory fsync()ed) before returning; only then
  // does it appear in List() and Open(). kConflict if already committed or aborted.
  virtual Result<BlobInfo> Commit() = 0;
  // Discards the upload and its partial data. Idempotent; a no-op after Commit.
  virtual void Abort() = 0;
  // Plaintext bytes accepted so far.
  virtual uint64_t bytes_written() const = 0;
};

// Sequential reading of one blob's plaintext. Every byte returned has been authenticated, but a
// blob is only known to be complete and unmodified when Read has returned 0: truncation or a
// modified tail shows up as kDataLoss at the end. A caller that must not act on a partial blob
// reads it to the end first. Not thread-safe.
class BlobReader {
 public:
  virtual ~BlobReader();

  // Fills up to out.size() bytes; returns 0 only at the (verified) end of the blob, or for an
  // empty `out`. kDataLoss if the stored bytes were modified, truncated, or extended; the reader
  // then stays failed.
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
  // Plaintext size, from the stored layout (confirmed by the authenticated trailer at the end).
  virtual uint64_t size() const = 0;
};

// Thread-safe: any number of uploads, reads and removals may run at once.
class BlobStore {
 public:
  virtual ~BlobStore();

  // Starts an upload of at most max_size plaintext bytes under a fresh random BlobId.
  virtual Result<std::unique_ptr<BlobWriter>> Create(uint64_t max_size) = 0;
  // Opens a committed blob. kInvalidArgument if `id` is not a blob id; kNotFound if there is no
  // such blob; kDataLoss if `wrapped_key` is not this blob's key (or is damaged) or the stored
  // header is damaged.
  virtual Result<std::unique_ptr<BlobReader>> Open(const BlobId& id,
                                                   std::span<const uint8_t> wrapped_key) = 0;
  // Deletes a committed blob. Idempotent: removing a missing blob succeeds. Readers already open
  // may finish reading.
  virtual Status Remove(const BlobId& id) = 0;
  // All committed blobs, sorted (for the orphan sweep: blobs no database row points to).
  virtual Result<std::vector<BlobId>> List() = 0;
  // Removes what partial uploads left behind (after a crash). Call at start-up, before any Create:
  // an upload in progress during the call fails at Commit.
  virtual Status CleanTemporary() = 0;
};

// The context under which a blob's data key is wrapped.
std::string BlobKeyContext(const BlobId& id);

}  // namespace custody::blob
