// Offline verification of the audit log: recompute the Merkle tree from the stored entries and
// check it against every signed checkpoint, naming the first entry that was altered, inserted or
// deleted. Used by `custody audit verify --data DIR` and by the server's verify endpoint.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/note.h"
#include "base/json.h"
#include "store/store.h"

namespace custody::audit {

struct VerifyReport {
  bool ok = false;
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  uint64_t checkpoints_verified = 0;
  std::optional<uint64_t> first_bad_entry;  // seq of the first entry found altered/missing
  std::vector<std::string> problems;        // human-readable, first problem first
  std::string root_hex;                     // root over all entries

  json::object ToJson() const;
};

// `checkpoint_file_note`: the latest signed checkpoint kept outside the database (may be empty).
Result<VerifyReport> VerifyAuditLog(Store& store, std::string_view origin,
                                    std::span<const NoteVerifier> verifiers,
                                    std::string_view checkpoint_file_note);

}  // namespace custody::audit
