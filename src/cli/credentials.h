// The client's saved session: which server it talks to and the token pair from the last login.
//
// The file lives at $CUSTODY_CREDENTIALS, else $XDG_CONFIG_HOME/custody/credentials.json, else
// ~/.config/custody/credentials.json. It holds bearer secrets, so it is created 0600 (its
// directory 0700 when we create it) and replaced atomically (write a temporary file, fsync,
// rename), so a crash or a concurrent reader never sees half a file.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace custody::cli {

struct Credentials {
  std::string server;  // normalised base URL ("http://host:port", no trailing '/')
  std::string access_token;
  std::string refresh_token;
  std::string expires_at;          // RFC 3339, as the server sent it
  std::string refresh_expires_at;  // RFC 3339

  bool has_tokens() const { return !access_token.empty(); }
};

// Where the credentials file is, from the environment (see above). kInvalidArgument if neither
// CUSTODY_CREDENTIALS, XDG_CONFIG_HOME nor HOME is set.
Result<std::filesystem::path> CredentialsPath();

// Reads the file; a missing file gives empty Credentials. kInvalidArgument for a malformed file.
Result<Credentials> LoadCredentials(const std::filesystem::path& path);

// Atomically replaces the file with `c` (mode 0600), creating its directory (0700) if needed.
Status SaveCredentials(const std::filesystem::path& path, const Credentials& c);

// Serialises `c` as the file's JSON text.
std::string CredentialsJson(const Credentials& c);

// Holds an exclusive advisory lock (flock) on "<path>.lock" while alive, so that two client
// processes refreshing the same session do not both present the same refresh token (the server
// treats a reused refresh token as theft and revokes the whole session). Not thread-safe.
class CredentialsLock {
 public:
  explicit CredentialsLock(const std::filesystem::path& path);
  ~CredentialsLock();
  CredentialsLock(const CredentialsLock&) = delete;
  CredentialsLock& operator=(const CredentialsLock&) = delete;

 private:
  int fd_ = -1;
};

// "http://host:port" without a trailing '/', so saved and given URLs compare equal.
std::string NormalizeServerUrl(std::string url);

}  // namespace custody::cli
