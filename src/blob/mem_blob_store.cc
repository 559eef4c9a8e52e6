#include "blob/mem_blob_store.h"

#include <cassert>

#include "blob/blob_format.h"

namespace custody::blob {

class MemBlobStore::Writer final : public internal::SealingWriter {
 public:
  Writer(MemBlobStore& store, BlobId id, uint64_t max_size, Bytes wrapped_key)
      : SealingWriter(std::move(id), max_size, std::move(wrapped_key)), store_(store) {}
  ~Writer() override { Abort(); }

 protected:
  Status Persist(std::span<const uint8_t> sealed) override {
    sealed_.insert(sealed_.end(), sealed.begin(), sealed.end());
    return OkStatus();
  }
  Status Publish() override { return store_.Publish(id(), std::move(sealed_)); }
  void Discard() override {
    sealed_.clear();
    store_.Drop(id());
  }

 private:
  MemBlobStore& store_;
  Bytes sealed_;
};

namespace {

class MemBytes final : public internal::StoredBytes {
 public:
  explicit MemBytes(std::shared_ptr<const Bytes> bytes) : bytes_(std::move(bytes)) {}
  Status ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    if (offset > bytes_->size() || out.size() > bytes_->size() - offset) {
      return Error(ErrorCode::kDataLoss, "unexpected end of stored blob");
    }
    std::copy_n(bytes_->begin() + static_cast<ptrdiff_t>(offset), out.size(), out.begin());
    return OkStatus();
  }

 private:
  std::shared_ptr<const Bytes> bytes_;
};

Status CheckId(const BlobId& id) {
  if (!LooksLike<BlobId>(id.str())) return InvalidArgument("not a blob id");
  return OkStatus();
}

}  // namespace

MemBlobStore::MemBlobStore(const crypto::MasterKey& master, Random& random, uint32_t chunk_size)
    : master_(master), random_(random), chunk_size_(chunk_size) {
  assert(chunk_size >= internal::kMinChunkSize && chunk_size <= internal::kMaxChunkSize);
}

MemBlobStore::~MemBlobStore() = default;

Result<std::unique_ptr<BlobWriter>> MemBlobStore::Create(uint64_t max_size) {
  BlobId id = NewId<BlobId>(random_);
  ASSIGN_OR_RETURN(internal::NewDataKey key, internal::MakeDataKey(id, master_, random_));
  {
    std::lock_guard lock(mu_);
    temporary_.insert(id);
  }
  auto writer = std::make_unique<Writer>(*this, id, max_size, std::move(key.wrapped));
  RETURN_IF_ERROR(writer->StartSealing(key.key.span(), chunk_size_, /*threads=*/0, /*buffers=*/1));
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

Status MemBlobStore::Publish(const BlobId& id, Bytes sealed) {
  std::lock_guard lock(mu_);
  if (temporary_.erase(id) == 0) {
    return Error(ErrorCode::kUnavailable, "upload " + id.str() + " was cleaned up before commit");
  }
  blobs_[id] = std::make_shared<const Bytes>(std::move(sealed));
  return OkStatus();
}

void MemBlobStore::Drop(const BlobId& id) {
  std::lock_guard lock(mu_);
  temporary_.erase(id);
}

Result<std::unique_ptr<BlobReader>> MemBlobStore::Open(const BlobId& id,
                                                       std::span<const uint8_t> wrapped_key) {
  RETURN_IF_ERROR(CheckId(id));
  Stored bytes;
  {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(id);
    if (it == blobs_.end()) return NotFound("blob " + id.str());
    bytes = it->second;
  }
  const uint64_t size = bytes->size();
  return internal::OpenSealedBlob(id, wrapped_key, master_,
                                  std::make_unique<MemBytes>(std::move(bytes)), size);
}

Status MemBlobStore::Remove(const BlobId& id) {
  RETURN_IF_ERROR(CheckId(id));
  std::lock_guard lock(mu_);
  blobs_.erase(id);
  return OkStatus();
}

Result<std::vector<BlobId>> MemBlobStore::List() {
  std::lock_guard lock(mu_);
  std::vector<BlobId> ids;
  ids.reserve(blobs_.size());
  for (const auto& [id, bytes] : blobs_) ids.push_back(id);
  return ids;
}

Status MemBlobStore::CleanTemporary() {
  std::lock_guard lock(mu_);
  temporary_.clear();
  return OkStatus();
}

size_t MemBlobStore::temporary_count() const {
  std::lock_guard lock(mu_);
  return temporary_.size();
}

Result<uint64_t> MemBlobStore::StoredSize(const BlobId& id) const {
  std::lock_guard lock(mu_);
  auto it = blobs_.find(id);
  if (it == blobs_.end()) return NotFound("blob " + id.str());
  return uint64_t{it->second->size()};
}

Status MemBlobStore::Mutate(const BlobId& id, const std::function<void(Bytes&)>& change) {
  std::lock_guard lock(mu_);
  auto it = blobs_.find(id);
  if (it == blobs_.end()) return NotFound("blob " + id.str());
  // Copy on write: open readers keep the bytes they started with, as with a replaced file.
  Bytes copy = *it->second;
  change(copy);
  it->second = std::make_shared<const Bytes>(std::move(copy));
  return OkStatus();
}

Status MemBlobStore::FlipBit(const BlobId& id, uint64_t offset) {
  ASSIGN_OR_RETURN(uint64_t size, StoredSize(id));
  if (offset >= size) return InvalidArgument("offset past the end");
  return Mutate(id, [&](Bytes& b) { b[offset] ^= 0x01; });
}

Status MemBlobStore::Truncate(const BlobId& id, uint64_t size) {
  return Mutate(id, [&](Bytes& b) {
    if (size < b.size()) b.resize(size);
  });
}

Status MemBlobStore::Append(const BlobId& id, std::span<const uint8_t> data) {
  return Mutate(id, [&](Bytes& b) { b.insert(b.end(), data.begin(), data.end()); });
}

}  // namespace custody::blob
