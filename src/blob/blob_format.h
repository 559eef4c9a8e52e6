// Internal to blob/: the stored form of a blob, shared by FsBlobStore and MemBlobStore.
//
// Layout (all integers little-endian):
//
//   header  "CSTB" | version (1) | 3 zero bytes | chunk_size (u32) | 4 zero bytes  (16 bytes)
//           secretstream header                                                  (24 bytes)
//   chunks  full_chunks × (chunk_size plaintext bytes + 17), tagged MESSAGE
//           final chunk: final_data (< chunk_size) plaintext bytes, then the total plaintext
//           size (u64) as an 8-byte trailer, + 17; tagged FINAL
//
// The first chunk authenticates the 16-byte header prefix as associated data, and the
// secretstream header enters the key, so every stored byte is authenticated. The writer emits a
// chunk as soon as it holds chunk_size bytes, so final_data < chunk_size and the layout follows
// from the stored size alone; a reader checks the FINAL tag and the trailer at the end, which
// catches truncation and extension.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "base/encoding.h"
#include "base/ids.h"
#include "base/result.h"
#include "blob/blob_store.h"
#include "crypto/master_key.h"
#include "crypto/secret_bytes.h"
#include "crypto/secretstream.h"
#include "crypto/sha256.h"

namespace custody::blob::internal {

inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kPrefixSize = 16;
inline constexpr size_t kHeaderSize = kPrefixSize + crypto::kStreamHeaderSize;  // 40
inline constexpr size_t kTrailerSize = 8;
inline constexpr uint32_t kMinChunkSize = 16;
inline constexpr uint32_t kMaxChunkSize = 16u << 20;
inline constexpr size_t kFinalOverhead = kTrailerSize + crypto::kStreamChunkOverhead;  // 25

std::array<uint8_t, kHeaderSize> EncodeHeader(
    uint32_t chunk_size, const std::array<uint8_t, crypto::kStreamHeaderSize>& stream_header);

struct Layout {
  uint32_t chunk_size = 0;
  uint64_t full_chunks = 0;  // MESSAGE chunks before the final one
  uint32_t final_data = 0;   // plaintext bytes in the final chunk, before the trailer

  uint64_t plaintext_size() const { return full_chunks * chunk_size + final_data; }
};

// The stored size of a blob of `plaintext_size` bytes.
uint64_t StoredSize(uint32_t chunk_size, uint64_t plaintext_size);

// Checks a stored header and derives the layout from the stored size. kDataLoss if the header is
// not ours or the size cannot be a blob with this chunk size.
Result<Layout> ParseHeader(std::span<const uint8_t> header, uint64_t stored_size);

// Random access to a stored blob's bytes.
class StoredBytes {
 public:
  virtual ~StoredBytes() = default;
  // Reads exactly out.size() bytes at `offset`; kDataLoss if the data ends first.
  virtual Status ReadAt(uint64_t offset, std::span<uint8_t> out) = 0;
};

// Unwraps the data key for `id`, checks the header and returns a reader of the plaintext.
Result<std::unique_ptr<BlobReader>> OpenSealedBlob(const BlobId& id,
                                                   std::span<const uint8_t> wrapped_key,
                                                   const crypto::MasterKey& master,
                                                   std::unique_ptr<StoredBytes> source,
                                                   uint64_t stored_size);

// Receives sealed bytes in order (header first), from one thread at a time.
using PersistFn = std::function<Status(std::span<const uint8_t> sealed)>;

// Turns a stream of plaintext into the stored form: hashes the plaintext (on the caller's
// thread), splits it into chunks, encrypts them and hands the result to `persist`.
//
// With threads = 0 all of it runs on the caller's thread. With threads = 1 a background thread
// encrypts and persists; with threads = 2 one thread encrypts and another persists. Chunks move
// through a bounded pool of `buffers` chunk buffers (at least threads + 2), so memory stays at a
// few chunks whatever the blob size, and the caller blocks when the pool is used up; a deeper
// pool lets the stages absorb each other's stalls (a blocking disk write, a descheduled thread).
// Threads start with the first full chunk, so small blobs never start one. Not thread-safe (one
// caller).
class SealingPipeline {
 public:
  // REQUIRES: data_key.size() == crypto::kStreamKeySize, chunk_size in [kMinChunkSize,
  // kMaxChunkSize], threads in [0, 2].
  SealingPipeline(std::span<const uint8_t> data_key, uint32_t chunk_size, int threads,
                  size_t buffers, PersistFn persist);
  ~SealingPipeline();  // cancels
  SealingPipeline(const SealingPipeline&) = delete;
  SealingPipeline& operator=(const SealingPipeline&) = delete;

  // Persists the header. REQUIRES: called once, first.
  Status Start();
  // Takes plaintext. Returns the first persist error, if any has happened.
  Status Write(std::span<const uint8_t> data);
  // Seals the final chunk and waits until everything is persisted; returns the plaintext's
  // SHA-256 in hex. REQUIRES: called at most once, and no Write after it.
  Result<std::string> Finish();
  // Stops the threads; nothing more is persisted. Idempotent.
  void Cancel();

  uint64_t plaintext_bytes() const { return plaintext_bytes_; }

 private:
  struct Chunk {
    std::unique_ptr<uint8_t[]> buf;  // plaintext at buf+1 (room for the tag byte), sealed at buf
    size_t plain = 0;
    size_t sealed = 0;
    bool final = false;
  };

  Result<std::unique_ptr<Chunk>> TakeFree();
  Status Submit(std::unique_ptr<Chunk> chunk);
  void Seal(Chunk& chunk);
  void Recycle(std::unique_ptr<Chunk> chunk);  // REQUIRES: mu_ held
  void SealLoop();
  void PersistLoop();

  const uint32_t chunk_size_;
  const int threads_;
  const size_t pool_size_;
  PersistFn persist_;
  crypto::StreamEncryptor encryptor_;  // used by one thread at a time: the sealing stage
  std::array<uint8_t, kHeaderSize> header_;
  bool first_chunk_ = true;
  crypto::Sha256 sha_;              // caller's thread only
  uint64_t plaintext_bytes_ = 0;    // caller's thread only
  std::unique_ptr<Chunk> current_;  // caller's thread only
  bool finished_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> free_;        // GUARDED_BY(mu_)
  std::deque<std::unique_ptr<Chunk>> to_seal_;     // GUARDED_BY(mu_)
  std::deque<std::unique_ptr<Chunk>> to_persist_;  // GUARDED_BY(mu_)
  size_t allocated_ = 0;                           // GUARDED_BY(mu_)
  size_t in_flight_ = 0;                           // GUARDED_BY(mu_): submitted, not recycled
  std::optional<Error> error_;                     // GUARDED_BY(mu_): first persist error
  bool cancel_ = false;                            // GUARDED_BY(mu_)
  std::thread sealer_;
  std::thread persister_;
};

// The BlobWriter state machine (limits, failure, commit/abort) over a SealingPipeline; the store
// supplies where the bytes go. Derived classes must call Abort() in their destructor, while their
// members (used by Persist) still exist.
class SealingWriter : public BlobWriter {
 public:
  Status Write(std::span<const uint8_t> data) final;
  Result<BlobInfo> Commit() final;
  void Abort() final;
  uint64_t bytes_written() const final { return bytes_written_; }

  const BlobId& id() const { return id_; }

  // Creates the pipeline and persists the header. REQUIRES: called once, by the factory, before
  // the writer is handed out.
  Status StartSealing(std::span<const uint8_t> data_key, uint32_t chunk_size, int threads,
                      size_t buffers);

 protected:
  SealingWriter(BlobId id, uint64_t max_size, Bytes wrapped_key);

  // Stores the next sealed bytes. Called in order, from one thread at a time (maybe not the
  // caller's).
  virtual Status Persist(std::span<const uint8_t> sealed) = 0;
  // After the last Persist: make the blob durable and visible under id().
  virtual Status Publish() = 0;
  // Drops whatever was persisted. Must tolerate partial or no data.
  virtual void Discard() = 0;

 private:
  enum class State { kOpen, kFailed, kCommitted, kAborted };
  Error Fail(Error e);

  const BlobId id_;
  const uint64_t max_size_;
  const Bytes wrapped_key_;
  std::unique_ptr<SealingPipeline> pipeline_;
  State state_ = State::kOpen;
  std::optional<Error> error_;
  uint64_t bytes_written_ = 0;
};

// A fresh data key and its wrapped form for `id`.
struct NewDataKey {
  crypto::SecretBytes key;
  Bytes wrapped;
};
Result<NewDataKey> MakeDataKey(const BlobId& id, const crypto::MasterKey& master, Random& random);

}  // namespace custody::blob::internal
