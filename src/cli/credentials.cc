#include "cli/credentials.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/json.h"

namespace custody::cli {
namespace fs = std::filesystem;

namespace {

std::string ErrnoText() { return std::strerror(errno); }

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Creates `dir` and any missing parents. Directories we create get 0700 (the last one matters:
// it holds the secrets); existing directories are left as they are.
Status MakeDirectories(const fs::path& dir) {
  if (dir.empty()) return OkStatus();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return OkStatus();
  RETURN_IF_ERROR(MakeDirectories(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error(ErrorCode::kInternal, "cannot create " + dir.string() + ": " + ErrnoText());
  return OkStatus();
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorCode::kInternal, "write failed: " + ErrnoText());
    data.remove_prefix(size_t(n));
  }
  return OkStatus();
}

}  // namespace

std::string NormalizeServerUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Result<fs::path> CredentialsPath() {
  if (auto p = Env("CUSTODY_CREDENTIALS")) return fs::path(*p);
  if (auto x = Env("XDG_CONFIG_HOME")) return fs::path(*x) / "custody" / "credentials.json";
  if (auto h = Env("HOME")) return fs::path(*h) / ".config" / "custody" / "credentials.json";
  return InvalidArgument(
      "cannot locate the credentials file: set CUSTODY_CREDENTIALS, XDG_CONFIG_HOME or HOME");
}

Result<Credentials> LoadCredentials(const fs::path& path) {
  Credentials c;
  std::error_code ec;
  if (!fs::exists(path, ec)) return c;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kInternal, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = ParseJsonObject(text.str());
  if (!parsed.ok())
    return InvalidArgument("credentials file " + path.string() +
                           " is malformed (log in again): " + parsed.error().message());
  const json::object& o = *parsed;
  auto get = [&](std::string_view key, std::string* out) -> Status {
    ASSIGN_OR_RETURN(auto v, OptionalString(o, key));
    *out = v.value_or("");
    return OkStatus();
  };
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"server", &c.server},
                            {"access_token", &c.access_token},
                            {"refresh_token", &c.refresh_token},
                            {"expires_at", &c.expires_at},
                            {"refresh_expires_at", &c.refresh_expires_at}}) {
    Status s = get(key, field);
    if (!s.ok())
      return InvalidArgument("credentials file " + path.string() +
                             " is malformed (log in again): " + s.error().message());
  }
  c.server = NormalizeServerUrl(c.server);
  return c;
}

std::string CredentialsJson(const Credentials& c) {
  json::object o;
  o["server"] = c.server;
  o["access_token"] = c.access_token;
  o["refresh_token"] = c.refresh_token;
  o["expires_at"] = c.expires_at;
  o["refresh_expires_at"] = c.refresh_expires_at;
  return json::serialize(o) + "\n";
}

Status SaveCredentials(const fs::path& path, const Credentials& c) {
  fs::path dir = path.parent_path();
  RETURN_IF_ERROR(MakeDirectories(dir));
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  // mkstemp creates the file 0600 with O_EXCL: nobody else can have it open.
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    return Error(ErrorCode::kInternal, "cannot create a file in " +
                                           (dir.empty() ? "." : dir.string()) + ": " + ErrnoText());
  Status s = WriteAll(fd, CredentialsJson(c));
  if (s.ok() && ::fchmod(fd, 0600) != 0)
    s = Error(ErrorCode::kInternal, "chmod failed: " + ErrnoText());
  if (s.ok() && ::fsync(fd) != 0) s = Error(ErrorCode::kInternal, "fsync failed: " + ErrnoText());
  ::close(fd);
  if (s.ok() && ::rename(tmpl.c_str(), path.c_str()) != 0)
    s = Error(ErrorCode::kInternal, "cannot replace " + path.string() + ": " + ErrnoText());
  if (!s.ok()) {
    ::unlink(tmpl.c_str());
    return Error(s.error().code(), "saving credentials: " + s.error().message());
  }
  // Make the rename itself durable.
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

CredentialsLock::CredentialsLock(const fs::path& path) {
  if (!MakeDirectories(path.parent_path()).ok()) return;
  std::string lock = path.string() + ".lock";
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  // Without a lock file (read-only directory, say) we proceed unlocked: the lock only narrows a
  // race between our own processes.
  if (fd_ < 0) return;
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

CredentialsLock::~CredentialsLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace custody::cli
