#include "blob/fs_blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>

#include "blob/blob_format.h"
#include "blob/posix_file.h"

namespace custody::blob {
namespace {

constexpr std::string_view kPartSuffix = ".part";

Status CheckId(const BlobId& id) {
  if (!LooksLike<BlobId>(id.str())) return InvalidArgument("not a blob id");
  return OkStatus();
}

std::string ShardOf(const BlobId& id) { return id.str().substr(BlobTag::kPrefix.size() + 1, 2); }

constexpr size_t kDirectAlignment = 4096;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

class FsBlobWriter final : public internal::SealingWriter {
 public:
  FsBlobWriter(BlobId id, uint64_t max_size, Bytes wrapped_key, internal::File part,
               std::filesystem::path final_path, const FsBlobStoreOptions& options)
      : SealingWriter(std::move(id), max_size, std::move(wrapped_key)),
        part_(std::move(part)),
        final_path_(std::move(final_path)),
        block_size_(options.write_block_size),
        bytes_per_sync_(options.bytes_per_sync),
        direct_(options.direct_io) {}
  ~FsBlobWriter() override { Abort(); }

 protected:
  Status Persist(std::span<const uint8_t> sealed) override {
    if (block_ == nullptr) {
      block_.reset(static_cast<uint8_t*>(std::aligned_alloc(kDirectAlignment, block_size_)));
      if (block_ == nullptr) throw std::bad_alloc();
    }
    while (!sealed.empty()) {
      const size_t n = std::min(sealed.size(), block_size_ - staged_);
      std::memcpy(block_.get() + staged_, sealed.data(), n);
      staged_ += n;
      sealed = sealed.subspan(n);
      if (staged_ == block_size_) RETURN_IF_ERROR(WriteStaged(/*may_use_direct=*/true));
    }
    return OkStatus();
  }

  Status Publish() override {
    // The tail is shorter than a block, so not aligned: it goes through the page cache.
    if (staged_ > 0) RETURN_IF_ERROR(WriteStaged(/*may_use_direct=*/false));
    RETURN_IF_ERROR(part_.Sync());
    RETURN_IF_ERROR(part_.Close());
    const std::filesystem::path shard = final_path_.parent_path();
    RETURN_IF_ERROR(internal::MakeDirs(shard));
    const std::filesystem::path& part_path = part_.path();
    if (::rename(part_path.c_str(), final_path_.c_str()) != 0) {
      if (errno == EXDEV) {
        return Internal("blob tmp directory and blob directory are on different filesystems");
      }
      return internal::ErrnoError("cannot rename upload to", final_path_, errno);
    }
    Status st = internal::SyncDir(shard);
    if (!st.ok()) {
      // Not known to be durable, so not committed: the caller will not keep the key, and a blob
      // nobody can read must not stay behind either.
      ::unlink(final_path_.c_str());
      return st;
    }
    return OkStatus();
  }

  void Discard() override {
    (void)part_.Close();
    ::unlink(part_.path().c_str());
  }

 private:
  // Writes block_[0, staged_) at the end of the file. Full blocks start at multiples of the block
  // size, so they meet O_DIRECT's alignment rules.
  Status WriteStaged(bool may_use_direct) {
    const bool want_direct = direct_ && may_use_direct;
    if (direct_on_ != want_direct && !SetDirect(want_direct) && !want_direct) {
      return internal::ErrnoError("cannot clear O_DIRECT", part_.path(), errno);
    }
    const uint8_t* p = block_.get();
    size_t left = staged_;
    while (left > 0) {
      ssize_t n = ::write(part_.fd(), p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && direct_on_) {
        // The filesystem accepted O_DIRECT at fcntl() but not for this write: go buffered.
        direct_ = false;
        if (!SetDirect(false)) {
          return internal::ErrnoError("cannot clear O_DIRECT", part_.path(), errno);
        }
        continue;
      }
      if (n < 0) return internal::ErrnoError("cannot write", part_.path(), errno);
      p += n;
      left -= static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    }
    staged_ = 0;
    if (!direct_on_ && bytes_per_sync_ > 0 && written_ - synced_ >= bytes_per_sync_) {
      part_.StartWriteback(synced_, written_ - synced_);
      synced_ = written_;
    }
    return OkStatus();
  }

  // Returns false (errno set) if fcntl failed; failing to turn O_DIRECT on just means buffered.
  bool SetDirect(bool on) {
    const int flags = ::fcntl(part_.fd(), F_GETFL);
    if (flags >= 0 &&
        ::fcntl(part_.fd(), F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0) {
      direct_on_ = on;
      return true;
    }
    if (on) direct_ = false;
    return false;
  }

  internal::File part_;
  const std::filesystem::path final_path_;
  const size_t block_size_;
  const uint64_t bytes_per_sync_;
  // The rest belongs to whichever thread persists (one at a time), then to Publish.
  bool direct_;             // O_DIRECT wanted and not yet refused
  bool direct_on_ = false;  // O_DIRECT currently set on part_
  std::unique_ptr<uint8_t, FreeDeleter> block_;
  size_t staged_ = 0;
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
};

class FileBytes final : public internal::StoredBytes {
 public:
  explicit FileBytes(internal::File file) : file_(std::move(file)) {}
  Status ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    return file_.PreadFull(out, offset);
  }

 private:
  internal::File file_;
};

}  // namespace

FsBlobStore::FsBlobStore(std::filesystem::path blobs_dir, std::filesystem::path tmp_dir,
                         const crypto::MasterKey& master, Random& random,
                         FsBlobStoreOptions options)
    : blobs_dir_(std::move(blobs_dir)),
      tmp_dir_(std::move(tmp_dir)),
      master_(master),
      random_(random),
      options_(options) {
  assert(options_.chunk_size >= internal::kMinChunkSize &&
         options_.chunk_size <= internal::kMaxChunkSize);
  assert(options_.pipeline_threads >= 0 && options_.pipeline_threads <= 2);
  assert(options_.write_block_size >= kDirectAlignment &&
         options_.write_block_size % kDirectAlignment == 0);
}

std::filesystem::path FsBlobStore::BlobPath(const BlobId& id) const {
  assert(LooksLike<BlobId>(id.str()));
  return blobs_dir_ / ShardOf(id) / id.str();
}

std::filesystem::path FsBlobStore::TemporaryPath(const BlobId& id) const {
  assert(LooksLike<BlobId>(id.str()));
  return tmp_dir_ / (id.str() + std::string(kPartSuffix));
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::Create(uint64_t max_size) {
  RETURN_IF_ERROR(internal::MakeDirs(tmp_dir_));
  BlobId id = NewId<BlobId>(random_);
  ASSIGN_OR_RETURN(internal::NewDataKey key, internal::MakeDataKey(id, master_, random_));
  ASSIGN_OR_RETURN(internal::File part,
                   internal::File::Open(TemporaryPath(id), O_WRONLY | O_CREAT | O_EXCL, 0600));
  auto writer = std::make_unique<FsBlobWriter>(id, max_size, std::move(key.wrapped),
                                               std::move(part), BlobPath(id), options_);
  RETURN_IF_ERROR(writer->StartSealing(key.key.span(), options_.chunk_size,
                                       options_.pipeline_threads, options_.pipeline_buffers));
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::Open(const BlobId& id,
                                                      std::span<const uint8_t> wrapped_key) {
  RETURN_IF_ERROR(CheckId(id));
  Result<internal::File> file = internal::File::Open(BlobPath(id), O_RDONLY);
  if (!file.ok()) {
    if (file.error().code() == ErrorCode::kNotFound) return NotFound("blob " + id.str());
    return std::move(file).error();
  }
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  return internal::OpenSealedBlob(id, wrapped_key, master_,
                                  std::make_unique<FileBytes>(std::move(file).value()), size);
}

Status FsBlobStore::Remove(const BlobId& id) {
  RETURN_IF_ERROR(CheckId(id));
  const std::filesystem::path path = BlobPath(id);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return OkStatus();
    return internal::ErrnoError("cannot remove blob", path, errno);
  }
  return internal::SyncDir(path.parent_path());
}

Result<std::vector<BlobId>> FsBlobStore::List() {
  std::vector<BlobId> ids;
  std::error_code ec;
  std::filesystem::directory_iterator shards(blobs_dir_, ec);
  if (ec == std::errc::no_such_file_or_directory) return ids;
  if (ec) return Internal("cannot list '" + blobs_dir_.string() + "': " + ec.message());
  for (const auto& shard : shards) {
    const std::string shard_name = shard.path().filename().string();
    if (shard_name.size() != 2 || !shard.is_directory(ec)) continue;
    std::filesystem::directory_iterator files(shard.path(), ec);
    if (ec) return Internal("cannot list '" + shard.path().string() + "': " + ec.message());
    for (const auto& f : files) {
      std::string name = f.path().filename().string();
      if (!LooksLike<BlobId>(name)) continue;
      BlobId id(std::move(name));
      if (ShardOf(id) == shard_name) ids.push_back(std::move(id));
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status FsBlobStore::CleanTemporary() {
  std::error_code ec;
  std::filesystem::directory_iterator it(tmp_dir_, ec);
  if (ec == std::errc::no_such_file_or_directory) return OkStatus();
  if (ec) return Internal("cannot list '" + tmp_dir_.string() + "': " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= kPartSuffix.size() || !name.ends_with(kPartSuffix)) continue;
    if (!LooksLike<BlobId>(std::string_view(name).substr(0, name.size() - kPartSuffix.size()))) {
      continue;
    }
    if (::unlink(entry.path().c_str()) != 0 && errno != ENOENT) {
      return internal::ErrnoError("cannot remove partial upload", entry.path(), errno);
    }
  }
  return OkStatus();
}

}  // namespace custody::blob
