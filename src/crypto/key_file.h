// Internal to crypto/: libsodium start-up and the private-file I/O behind the key files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"

namespace custody::crypto::internal {

// Calls sodium_init() once per process. Thread-safe.
void EnsureSodium();

// An Error for a failed system call: "<what> '<path>': <strerror>", with a code chosen from errno
// (ENOENT → kNotFound, EEXIST → kAlreadyExists, ENOSPC/EDQUOT → kResourceExhausted, else
// kInternal).
Error ErrnoError(std::string_view what, const std::filesystem::path& path, int err);

// Reads a key file of exactly `size` bytes. Refuses (kPermissionDenied) a file that is not a
// regular file or that group or others may access, and (kDataLoss) one of the wrong size. `what`
// names the file in messages ("master key file").
Result<Bytes> ReadPrivateFile(const std::filesystem::path& path, size_t size,
                              std::string_view what);

// Creates `path` with mode 0600 holding `data`, atomically: the bytes are written and fsync()ed
// under a temporary name in the same directory (O_CREAT|O_EXCL), then link()ed to `path` — which
// fails rather than replace an existing file (kAlreadyExists) — and the directory is fsync()ed.
// The file therefore never exists under its final name incomplete.
Status CreatePrivateFile(const std::filesystem::path& path, std::span<const uint8_t> data,
                         Random& random);

}  // namespace custody::crypto::internal
