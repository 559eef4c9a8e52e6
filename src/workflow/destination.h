// Local-folder destinations: deliver a file into an allow-listed directory and take it back.
//
// A delivery never leaves its root: the file name is validated (no separators, no "..", no
// leading dot), the final path's parent must be the canonical root, the bytes go to a hidden
// temporary file in the root that is fsynced and then renamed into place without replacing an
// existing file (renameat2 RENAME_NOREPLACE), and the directory is fsynced.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "base/result.h"

namespace custody::workflow {

// Writes `data` as root/file_name. kAlreadyExists if a file of that name exists.
Result<std::filesystem::path> DeliverToFolder(const std::filesystem::path& root,
                                              const std::string& file_name,
                                              std::span<const uint8_t> data);

enum class RemoveOutcome { kRemoved, kAlreadyAbsent };

// Removes root/file_name if its content still has `sha256`; kConflict if the file there now has
// other content (someone replaced it: we do not delete what we did not deliver).
Result<RemoveOutcome> RemoveDelivered(const std::filesystem::path& root,
                                      const std::string& file_name, const std::string& sha256);

}  // namespace custody::workflow
