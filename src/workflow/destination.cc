#include "workflow/destination.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/clock.h"
#include "base/encoding.h"
#include "crypto/sha256.h"
#include "workflow/workflow.h"

namespace custody::workflow {
namespace {

Error IoError(const std::string& what) {
  return Error(ErrorCode::kUnavailable, what + ": " + std::strerror(errno));
}

Result<std::filesystem::path> SafePath(const std::filesystem::path& root,
                                       const std::string& file_name) {
  RETURN_IF_ERROR(ValidateFileName(file_name));
  std::error_code ec;
  std::filesystem::path canon = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_directory(canon))
    return Error(ErrorCode::kUnavailable, "destination directory is not available");
  std::filesystem::path p = canon / file_name;
  if (p.parent_path() != canon) return InvalidArgument("file name escapes the destination");
  return p;
}

}  // namespace

Result<std::filesystem::path> DeliverToFolder(const std::filesystem::path& root,
                                              const std::string& file_name,
                                              std::span<const uint8_t> data) {
  ASSIGN_OR_RETURN(std::filesystem::path final_path, SafePath(root, file_name));
  SystemRandom rnd;
  uint8_t r[8];
  rnd.Fill(r);
  std::filesystem::path tmp = final_path.parent_path() / (".custody-" + HexEncode(r) + ".part");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return IoError("cannot create a file in the destination");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = IoError("write to destination failed");
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    off += size_t(n);
  }
  if (::fsync(fd) != 0) {
    Error e = IoError("fsync in destination failed");
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, final_path.c_str(),
                RENAME_NOREPLACE) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST)
      return Error(ErrorCode::kAlreadyExists,
                   "a file named '" + file_name + "' already exists in the destination");
    errno = err;
    return IoError("cannot move the file into place");
  }
  int dfd = ::open(final_path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return final_path;
}

Result<RemoveOutcome> RemoveDelivered(const std::filesystem::path& root,
                                      const std::string& file_name, const std::string& sha256) {
  ASSIGN_OR_RETURN(std::filesystem::path p, SafePath(root, file_name));
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return RemoveOutcome::kAlreadyAbsent;
    return IoError("cannot open the delivered file");
  }
  crypto::Sha256 h;
  uint8_t buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = IoError("cannot read the delivered file");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    h.Update(std::span<const uint8_t>(buf, size_t(n)));
  }
  ::close(fd);
  if (h.FinalHex() != sha256)
    return Conflict("the file at the destination was changed after delivery; not removed");
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove the file");
  return RemoveOutcome::kRemoved;
}

}  // namespace custody::workflow
