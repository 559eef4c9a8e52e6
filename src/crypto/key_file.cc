#include "crypto/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "base/fd.h"

namespace custody::crypto::internal {
namespace {

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status FsyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync directory", dir, errno);
  return OkStatus();
}

}  // namespace

void EnsureSodium() {
  static const bool ok = [] {
    // Without libsodium no key can be used safely; this is not a recoverable condition.
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    return true;
  }();
  (void)ok;
}

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

Result<Bytes> ReadPrivateFile(const std::filesystem::path& path, size_t size,
                              std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot open " + std::string(what), path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    return ErrnoError("cannot stat " + std::string(what), path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kPermissionDenied,
                 std::string(what) + " '" + path.string() + "' is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Error(ErrorCode::kPermissionDenied, std::string(what) + " '" + path.string() +
                                                   "' is accessible by group or others (mode " +
                                                   ModeString(st.st_mode) +
                                                   "); refusing to use it: run chmod 600 on it");
  }
  if (static_cast<uint64_t>(st.st_size) != size) {
    return Error(ErrorCode::kDataLoss, std::string(what) + " '" + path.string() + "' has " +
                                           std::to_string(st.st_size) + " bytes, expected " +
                                           std::to_string(size));
  }
  Bytes out(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd.get(), out.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sodium_memzero(out.data(), out.size());
      return ErrnoError("cannot read " + std::string(what), path, errno);
    }
    if (n == 0) {
      sodium_memzero(out.data(), out.size());
      return Error(ErrorCode::kDataLoss,
                   std::string(what) + " '" + path.string() + "' shrank while being read");
    }
    done += static_cast<size_t>(n);
  }
  return out;
}

Status CreatePrivateFile(const std::filesystem::path& path, std::span<const uint8_t> data,
                         Random& random) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  uint8_t salt[8];
  random.Fill(salt);
  // Built with append(): GCC 12 at -O3 reports a false -Wrestrict for "." + std::string.
  std::string tmp_name(".");
  tmp_name.append(path.filename().string()).append(".").append(HexEncode(salt)).append(".tmp");
  const std::filesystem::path tmp = dir / tmp_name;

  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoError("cannot create key file", tmp, errno);
  auto fail = [&](Error e) -> Status {
    ::close(fd.release());
    ::unlink(tmp.c_str());
    return e;
  };
  // The umask can only clear bits of 0600; fchmod makes the mode exact whatever the umask.
  if (::fchmod(fd.get(), 0600) != 0) return fail(ErrnoError("cannot chmod key file", tmp, errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrnoError("cannot write key file", tmp, errno));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail(ErrnoError("cannot fsync key file", tmp, errno));
  if (::close(fd.release()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("cannot close key file", tmp, err);
  }
  int link_rc = ::link(tmp.c_str(), path.c_str());
  int link_err = errno;
  ::unlink(tmp.c_str());
  if (link_rc != 0) return ErrnoError("cannot create key file", path, link_err);
  return FsyncDirectory(dir);
}

}  // namespace custody::crypto::internal
