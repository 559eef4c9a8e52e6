#include "blob/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace custody::blob::internal {

Error ErrnoError(std::string_view what, const std::filesystem::path& path, int err) {
  std::string msg = std::string(what) + " '" + path.string() + "': " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return Error(ErrorCode::kNotFound, std::move(msg));
    case EEXIST:
      return Error(ErrorCode::kAlreadyExists, std::move(msg));
    case ENOSPC:
    case EDQUOT:
      return Error(ErrorCode::kResourceExhausted, std::move(msg));
    default:
      return Error(ErrorCode::kInternal, std::move(msg));
  }
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

Result<File> File::Open(const std::filesystem::path& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  return File(fd, path);
}

Status File::WriteAll(std::span<const uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path_, errno);
    data = data.subspan(static_cast<size_t>(n));
  }
  return OkStatus();
}

Status File::PreadFull(std::span<uint8_t> out, uint64_t offset) const {
  while (!out.empty()) {
    ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path_, errno);
    if (n == 0) return Error(ErrorCode::kDataLoss, "unexpected end of '" + path_.string() + "'");
    out = out.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return OkStatus();
}

Result<uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoError("cannot stat", path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status File::Sync() {
  if (::fsync(fd_) != 0) return ErrnoError("cannot fsync", path_, errno);
  return OkStatus();
}

void File::StartWriteback(uint64_t offset, uint64_t len) {
  // Only a hint: the fsync at Commit is what makes the data durable.
  (void)::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(len),
                          SYNC_FILE_RANGE_WRITE);
}

Status File::Close() {
  int fd = std::exchange(fd_, -1);
  if (fd >= 0 && ::close(fd) != 0) return ErrnoError("cannot close", path_, errno);
  return OkStatus();
}

Status SyncDir(const std::filesystem::path& dir) {
  ASSIGN_OR_RETURN(File f, File::Open(dir, O_RDONLY | O_DIRECTORY));
  return f.Sync();
}

Status MakeDirs(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) {
    std::filesystem::path parent = dir.parent_path();
    return SyncDir(parent.empty() ? "." : parent);
  }
  if (errno == EEXIST) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return OkStatus();
    return Error(ErrorCode::kInternal, dir.string() + " exists and is not a directory");
  }
  if (errno != ENOENT || dir.parent_path().empty() || dir.parent_path() == dir) {
    return ErrnoError("cannot create directory", dir, errno);
  }
  RETURN_IF_ERROR(MakeDirs(dir.parent_path()));
  return MakeDirs(dir);
}

}  // namespace custody::blob::internal
