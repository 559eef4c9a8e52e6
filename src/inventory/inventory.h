// `custody inventory DIR`: walks a folder (a local asset library, a Downloads folder, a synced
// drive), analyses every regular file (analysis.h) and summarises what it found.
//
// The walk never follows symbolic links out of DIR unless asked, never reads special files,
// reads each file at most max_file_bytes (larger files are listed as skipped), and reports
// unreadable files as errors without stopping. Files are analysed on `threads` threads; the
// callback sees them in a deterministic order (sorted by relative path).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "inventory/analysis.h"

namespace custody::inventory {

struct InventoryOptions {
  AnalyzerOptions analyzer;
  bool follow_symlinks = false;
  bool hidden = true;  // include dot files and dot folders
  uint64_t max_file_bytes = uint64_t(1) << 30;
  int threads = 0;  // 0: the hardware's
};

struct InventoryEntry {
  std::filesystem::path path;            // relative to DIR
  std::filesystem::path absolute;        // canonical
  std::optional<FileAnalysis> analysis;  // unset when skipped or unreadable
  std::string skipped;  // why it was not analysed ("larger than …", "symlink", …)
  std::string error;    // a read error (or, for a folder, a listing error)
};

struct InventorySummary {
  // Entries delivered: files = analysed + skipped + errors. Skipped are files over the size
  // limit, symbolic links not followed and special files; errors are files that could not be
  // read and folders that could not be listed.
  uint64_t files = 0;
  uint64_t bytes = 0;  // of the files analysed
  uint64_t analysed = 0, skipped = 0, errors = 0;
  uint64_t ai_generated = 0;
  std::map<std::string, uint64_t> by_tool;  // files per AI tool
  uint64_t with_prompts = 0, with_workflows = 0;
  // Files with at least one finding of that kind (anywhere in the file); names_matching: files
  // whose name holds a dictionary term.
  uint64_t with_secrets = 0, with_pii = 0, with_dictionary = 0, names_matching = 0;
  std::map<std::string, uint64_t> by_rule;      // findings per rule id
  std::map<std::string, uint64_t> c2pa;         // files per C2PA state
  std::map<std::string, uint64_t> media_types;  // files per media type
  double seconds = 0;
  json::object ToJson() const;
};

// Walks `dir` and calls `on_entry` for every file, in path order, then returns the summary.
// `on_progress(done, total)` is called as files complete (total is known after the listing).
// kInvalidArgument if `dir` is not a readable directory; a callback's error stops the walk.
Result<InventorySummary> RunInventory(
    const std::filesystem::path& dir, const InventoryOptions& options,
    const std::function<Status(const InventoryEntry&)>& on_entry,
    const std::function<void(uint64_t done, uint64_t total)>& on_progress = {});

}  // namespace custody::inventory
