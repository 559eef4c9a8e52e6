// Internal to blob/: the POSIX file calls behind FsBlobStore, returning Results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "base/result.h"

namespace custody::blob::internal {

// "<what> '<path>': <strerror>", with a code from errno: ENOENT → kNotFound, EEXIST →
// kAlreadyExists, ENOSPC/EDQUOT → kResourceExhausted, anything else kInternal.
Error ErrnoError(std::string_view what, const std::filesystem::path& path, int err);

// An owned file descriptor. Not thread-safe, except that PreadFull may run concurrently.
class File {
 public:
  File() = default;
  File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // open(2) with O_CLOEXEC added.
  static Result<File> Open(const std::filesystem::path& path, int flags, int mode = 0);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  Status WriteAll(std::span<const uint8_t> data);
  // Reads exactly out.size() bytes at `offset`; kDataLoss if the file ends first.
  Status PreadFull(std::span<uint8_t> out, uint64_t offset) const;
  Result<uint64_t> Size() const;
  Status Sync();
  // Asks the kernel to start writing back [offset, offset+len) without waiting (best effort).
  void StartWriteback(uint64_t offset, uint64_t len);
  Status Close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// fsync(2) on a directory, making entries created, renamed or removed in it durable.
Status SyncDir(const std::filesystem::path& dir);

// mkdir -p with mode 0700; each directory it creates is made durable in its parent.
Status MakeDirs(const std::filesystem::path& dir);

}  // namespace custody::blob::internal
