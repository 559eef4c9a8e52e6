#include "blob/blob_format.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace custody::blob::internal {
namespace {

constexpr uint8_t kMagic[4] = {'C', 'S', 'T', 'B'};

void Store32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t Load32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void Store64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Error DataLoss(const BlobId& id, std::string what) {
  return Error(ErrorCode::kDataLoss, "blob " + id.str() + ": " + what);
}

// Reads a blob chunk by chunk, decrypting in place in one buffer of the largest chunk.
class SealedBlobReader final : public BlobReader {
 public:
  SealedBlobReader(BlobId id, Layout layout, std::span<const uint8_t> header,
                   std::span<const uint8_t> data_key, std::unique_ptr<StoredBytes> source)
      : id_(std::move(id)),
        layout_(layout),
        source_(std::move(source)),
        decryptor_(data_key, header.subspan(kPrefixSize)),
        buf_(new uint8_t[size_t{layout.chunk_size} + kFinalOverhead]) {
    std::copy_n(header.begin(), kPrefixSize, prefix_.begin());
  }

  Result<size_t> Read(std::span<uint8_t> out) override {
    if (error_.has_value()) return *error_;
    size_t total = 0;
    while (total < out.size()) {
      if (pos_ == avail_) {
        if (done_) break;
        Status st = LoadNextChunk();
        if (!st.ok()) {
          error_ = st.error();
          return std::move(st).error();
        }
        continue;
      }
      size_t n = std::min(out.size() - total, avail_ - pos_);
      std::memcpy(out.data() + total, buf_.get() + 1 + pos_, n);
      pos_ += n;
      total += n;
    }
    return total;
  }

  uint64_t size() const override { return layout_.plaintext_size(); }

 private:
  Status LoadNextChunk() {
    const bool final = next_chunk_ == layout_.full_chunks;
    const size_t plain = final ? layout_.final_data + kTrailerSize : layout_.chunk_size;
    const size_t sealed = plain + crypto::kStreamChunkOverhead;
    const uint64_t offset =
        kHeaderSize + next_chunk_ * (uint64_t{layout_.chunk_size} + crypto::kStreamChunkOverhead);
    std::span<uint8_t> buf(buf_.get(), sealed);
    RETURN_IF_ERROR(source_->ReadAt(offset, buf));
    std::span<const uint8_t> ad;
    if (next_chunk_ == 0) ad = prefix_;
    Result<size_t> n = decryptor_.PullTo(buf, buf.subspan(1), ad);
    if (!n.ok()) return DataLoss(id_, "stored data was modified or belongs to another key");
    if (final) {
      if (!decryptor_.final_seen()) return DataLoss(id_, "stored data is truncated");
      if (Load64(buf_.get() + 1 + layout_.final_data) != layout_.plaintext_size()) {
        return DataLoss(id_, "stored size does not match the sealed size");
      }
      avail_ = layout_.final_data;
      done_ = true;
    } else {
      if (decryptor_.final_seen()) return DataLoss(id_, "stored data has chunks after its end");
      avail_ = plain;
    }
    pos_ = 0;
    ++next_chunk_;
    return OkStatus();
  }

  const BlobId id_;
  const Layout layout_;
  std::unique_ptr<StoredBytes> source_;
  crypto::StreamDecryptor decryptor_;
  std::array<uint8_t, kPrefixSize> prefix_;
  std::unique_ptr<uint8_t[]> buf_;  // sealed chunk at buf_, its plaintext at buf_+1
  uint64_t next_chunk_ = 0;
  size_t pos_ = 0;
  size_t avail_ = 0;
  bool done_ = false;
  std::optional<Error> error_;
};

}  // namespace

std::array<uint8_t, kHeaderSize> EncodeHeader(
    uint32_t chunk_size, const std::array<uint8_t, crypto::kStreamHeaderSize>& stream_header) {
  std::array<uint8_t, kHeaderSize> h{};
  std::memcpy(h.data(), kMagic, sizeof kMagic);
  h[4] = kFormatVersion;
  Store32(h.data() + 8, chunk_size);
  std::copy(stream_header.begin(), stream_header.end(), h.begin() + kPrefixSize);
  return h;
}

uint64_t StoredSize(uint32_t chunk_size, uint64_t plaintext_size) {
  const uint64_t full = plaintext_size / chunk_size;
  const uint64_t final_data = plaintext_size % chunk_size;
  return kHeaderSize + full * (uint64_t{chunk_size} + crypto::kStreamChunkOverhead) + final_data +
         kFinalOverhead;
}

Result<Layout> ParseHeader(std::span<const uint8_t> h, uint64_t stored_size) {
  auto bad = [](std::string what) { return Error(ErrorCode::kDataLoss, std::move(what)); };
  if (h.size() < kHeaderSize || stored_size < kHeaderSize + kFinalOverhead) {
    return bad("stored blob is truncated");
  }
  if (std::memcmp(h.data(), kMagic, sizeof kMagic) != 0) return bad("not a Custody blob");
  if (h[4] != kFormatVersion) return bad("unknown blob format version " + std::to_string(h[4]));
  if (h[5] != 0 || h[6] != 0 || h[7] != 0 || Load32(h.data() + 12) != 0) {
    return bad("blob header has non-zero reserved bytes");
  }
  Layout layout;
  layout.chunk_size = Load32(h.data() + 8);
  if (layout.chunk_size < kMinChunkSize || layout.chunk_size > kMaxChunkSize) {
    return bad("blob header has an impossible chunk size");
  }
  const uint64_t body = stored_size - kHeaderSize - kFinalOverhead;
  const uint64_t stride = uint64_t{layout.chunk_size} + crypto::kStreamChunkOverhead;
  layout.full_chunks = body / stride;
  const uint64_t final_data = body % stride;
  if (final_data >= layout.chunk_size) return bad("stored blob has an impossible size");
  layout.final_data = static_cast<uint32_t>(final_data);
  return layout;
}

Result<std::unique_ptr<BlobReader>> OpenSealedBlob(const BlobId& id,
                                                   std::span<const uint8_t> wrapped_key,
                                                   const crypto::MasterKey& master,
                                                   std::unique_ptr<StoredBytes> source,
                                                   uint64_t stored_size) {
  Result<Bytes> key = master.Unwrap(wrapped_key, BlobKeyContext(id));
  if (!key.ok()) return DataLoss(id, "wrapped key does not open it: " + key.error().message());
  crypto::SecretBytes data_key = crypto::SecretBytes::TakeFrom(*key);
  if (data_key.size() != crypto::kStreamKeySize) return DataLoss(id, "wrapped key has wrong size");
  std::array<uint8_t, kHeaderSize> header;
  if (stored_size < kHeaderSize) return DataLoss(id, "stored data is truncated");
  RETURN_IF_ERROR(source->ReadAt(0, header));
  Result<Layout> layout = ParseHeader(header, stored_size);
  if (!layout.ok()) return DataLoss(id, layout.error().message());
  return std::unique_ptr<BlobReader>(
      std::make_unique<SealedBlobReader>(id, *layout, header, data_key.span(), std::move(source)));
}

Result<NewDataKey> MakeDataKey(const BlobId& id, const crypto::MasterKey& master, Random& random) {
  NewDataKey k{crypto::SecretBytes(crypto::kStreamKeySize), {}};
  random.Fill(k.key.span());
  ASSIGN_OR_RETURN(k.wrapped, master.Wrap(k.key.span(), BlobKeyContext(id), random));
  return k;
}

// ---------------------------------------------------------------------------------------------
// SealingPipeline

SealingPipeline::SealingPipeline(std::span<const uint8_t> data_key, uint32_t chunk_size,
                                 int threads, size_t buffers, PersistFn persist)
    : chunk_size_(chunk_size),
      threads_(threads),
      pool_size_(std::max(buffers, static_cast<size_t>(threads) + 2)),
      persist_(std::move(persist)),
      encryptor_(data_key) {
  assert(chunk_size >= kMinChunkSize && chunk_size <= kMaxChunkSize);
  assert(threads >= 0 && threads <= 2);
  header_ = EncodeHeader(chunk_size, encryptor_.header());
}

SealingPipeline::~SealingPipeline() { Cancel(); }

Status SealingPipeline::Start() { return persist_(header_); }

Result<std::unique_ptr<SealingPipeline::Chunk>> SealingPipeline::TakeFree() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return error_.has_value() || !free_.empty() || allocated_ < pool_size_; });
  if (error_.has_value()) return *error_;
  if (!free_.empty()) {
    std::unique_ptr<Chunk> c = std::move(free_.front());
    free_.pop_front();
    return c;
  }
  ++allocated_;
  auto c = std::make_unique<Chunk>();
  // Not value-initialised: a small blob touches only the pages it uses.
  c->buf.reset(new uint8_t[size_t{chunk_size_} + kFinalOverhead]);
  return c;
}

void SealingPipeline::Seal(Chunk& c) {
  std::span<const uint8_t> ad;
  if (first_chunk_) ad = std::span<const uint8_t>(header_).first(kPrefixSize);
  first_chunk_ = false;
  std::span<uint8_t> out(c.buf.get(), c.plain + crypto::kStreamChunkOverhead);
  c.sealed = encryptor_.PushTo(out.subspan(1, c.plain), c.final, out, ad);
}

void SealingPipeline::Recycle(std::unique_ptr<Chunk> c) {
  c->plain = 0;
  c->sealed = 0;
  c->final = false;
  free_.push_back(std::move(c));
  --in_flight_;
}

Status SealingPipeline::Submit(std::unique_ptr<Chunk> c) {
  // A final chunk before any thread started (a blob of at most one chunk) is sealed right here:
  // starting threads for it would cost more than it saves.
  if (threads_ == 0 || (c->final && !sealer_.joinable())) {
    Seal(*c);
    Status st = persist_(std::span<const uint8_t>(c->buf.get(), c->sealed));
    std::lock_guard lock(mu_);
    ++in_flight_;
    Recycle(std::move(c));
    if (!st.ok() && !error_.has_value()) error_ = st.error();
    return st;
  }
  {
    std::lock_guard lock(mu_);
    if (error_.has_value()) {
      ++in_flight_;
      Recycle(std::move(c));
      return *error_;
    }
    ++in_flight_;
    to_seal_.push_back(std::move(c));
  }
  cv_.notify_all();
  if (!sealer_.joinable()) {
    sealer_ = std::thread([this] { SealLoop(); });
    if (threads_ == 2) persister_ = std::thread([this] { PersistLoop(); });
  }
  return OkStatus();
}

void SealingPipeline::SealLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return cancel_ || !to_seal_.empty(); });
    if (cancel_) return;
    std::unique_ptr<Chunk> c = std::move(to_seal_.front());
    to_seal_.pop_front();
    const bool skip = error_.has_value();
    lock.unlock();
    if (!skip) Seal(*c);
    if (threads_ == 2) {
      lock.lock();
      to_persist_.push_back(std::move(c));
    } else {
      Status st = skip ? OkStatus() : persist_(std::span<const uint8_t>(c->buf.get(), c->sealed));
      lock.lock();
      if (!st.ok() && !error_.has_value()) error_ = st.error();
      Recycle(std::move(c));
    }
    cv_.notify_all();
  }
}

void SealingPipeline::PersistLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return cancel_ || !to_persist_.empty(); });
    if (cancel_) return;
    std::unique_ptr<Chunk> c = std::move(to_persist_.front());
    to_persist_.pop_front();
    const bool skip = error_.has_value();
    lock.unlock();
    Status st = skip ? OkStatus() : persist_(std::span<const uint8_t>(c->buf.get(), c->sealed));
    lock.lock();
    if (!st.ok() && !error_.has_value()) error_ = st.error();
    Recycle(std::move(c));
    cv_.notify_all();
  }
}

Status SealingPipeline::Write(std::span<const uint8_t> data) {
  assert(!finished_);
  sha_.Update(data);
  plaintext_bytes_ += data.size();
  while (!data.empty()) {
    if (current_ == nullptr) {
      ASSIGN_OR_RETURN(current_, TakeFree());
    }
    const size_t n = std::min(data.size(), size_t{chunk_size_} - current_->plain);
    std::memcpy(current_->buf.get() + 1 + current_->plain, data.data(), n);
    current_->plain += n;
    data = data.subspan(n);
    if (current_->plain == chunk_size_) RETURN_IF_ERROR(Submit(std::move(current_)));
  }
  return OkStatus();
}

Result<std::string> SealingPipeline::Finish() {
  assert(!finished_);
  finished_ = true;
  if (current_ == nullptr) {
    ASSIGN_OR_RETURN(current_, TakeFree());
  }
  Store64(current_->buf.get() + 1 + current_->plain, plaintext_bytes_);
  current_->plain += kTrailerSize;
  current_->final = true;
  RETURN_IF_ERROR(Submit(std::move(current_)));
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    if (error_.has_value()) return *error_;
  }
  Cancel();
  return sha_.FinalHex();
}

void SealingPipeline::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancel_ = true;
  }
  cv_.notify_all();
  if (sealer_.joinable()) sealer_.join();
  if (persister_.joinable()) persister_.join();
}

// ---------------------------------------------------------------------------------------------
// SealingWriter

SealingWriter::SealingWriter(BlobId id, uint64_t max_size, Bytes wrapped_key)
    : id_(std::move(id)), max_size_(max_size), wrapped_key_(std::move(wrapped_key)) {}

Status SealingWriter::StartSealing(std::span<const uint8_t> data_key, uint32_t chunk_size,
                                   int threads, size_t buffers) {
  pipeline_ = std::make_unique<SealingPipeline>(
      data_key, chunk_size, threads, buffers,
      [this](std::span<const uint8_t> sealed) { return Persist(sealed); });
  Status st = pipeline_->Start();
  if (!st.ok()) return Fail(std::move(st).error());
  return OkStatus();
}

Error SealingWriter::Fail(Error e) {
  state_ = State::kFailed;
  error_ = e;
  return e;
}

Status SealingWriter::Write(std::span<const uint8_t> data) {
  switch (state_) {
    case State::kOpen:
      break;
    case State::kFailed:
      return *error_;
    case State::kCommitted:
    case State::kAborted:
      return Conflict("blob upload " + id_.str() + " is already finished");
  }
  if (data.size() > max_size_ - bytes_written_) {
    return Fail(Error(ErrorCode::kPayloadTooLarge,
                      "upload exceeds the limit of " + std::to_string(max_size_) + " bytes"));
  }
  Status st = pipeline_->Write(data);
  if (!st.ok()) return Fail(std::move(st).error());
  bytes_written_ += data.size();
  return OkStatus();
}

Result<BlobInfo> SealingWriter::Commit() {
  switch (state_) {
    case State::kOpen:
      break;
    case State::kFailed:
      return *error_;
    case State::kCommitted:
    case State::kAborted:
      return Conflict("blob upload " + id_.str() + " is already finished");
  }
  Result<std::string> sha = pipeline_->Finish();
  if (!sha.ok()) return Fail(std::move(sha).error());
  Status st = Publish();
  if (!st.ok()) return Fail(std::move(st).error());
  state_ = State::kCommitted;
  pipeline_.reset();
  return BlobInfo{id_, std::move(sha).value(), bytes_written_, wrapped_key_};
}

void SealingWriter::Abort() {
  if (state_ == State::kCommitted || state_ == State::kAborted) return;
  if (pipeline_ != nullptr) pipeline_->Cancel();
  Discard();
  pipeline_.reset();
  state_ = State::kAborted;
}

}  // namespace custody::blob::internal
