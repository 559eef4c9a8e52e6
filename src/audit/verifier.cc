#include "audit/verifier.h"

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "base/encoding.h"
#include "base/json.h"

namespace custody::audit {

json::object VerifyReport::ToJson() const {
  json::object o;
  o["ok"] = ok;
  o["entries"] = entries;
  o["checkpoints"] = checkpoints;
  o["checkpoints_verified"] = checkpoints_verified;
  if (first_bad_entry) o["first_bad_entry"] = *first_bad_entry;
  json::array p;
  for (const auto& s : problems) p.emplace_back(s);
  o["problems"] = std::move(p);
  o["root"] = root_hex;
  return o;
}

namespace {

void Note(VerifyReport& r, std::optional<uint64_t> entry, std::string problem) {
  if (entry && (!r.first_bad_entry || *entry < *r.first_bad_entry)) r.first_bad_entry = entry;
  if (r.problems.size() < 100) r.problems.push_back(std::move(problem));
}

// Checks one signed checkpoint against the recomputed tree.
void CheckCheckpoint(VerifyReport& r, const MerkleTree& tree, std::string_view note,
                     std::string_view origin, std::span<const NoteVerifier> verifiers,
                     const std::string& where, uint64_t* last_good_size) {
  auto cp = OpenCheckpoint(note, origin, verifiers);
  if (!cp.ok()) {
    Note(r, std::nullopt, where + ": signature or format invalid: " + cp.error().message());
    return;
  }
  if (cp->size > tree.size()) {
    Note(r, tree.size(),
         where + " covers " + std::to_string(cp->size) + " entries but only " +
             std::to_string(tree.size()) + " are stored: entries from " +
             std::to_string(tree.size()) + " on were deleted");
    return;
  }
  auto root = tree.Root(cp->size);
  if (!root.ok() || *root != cp->root) {
    // The stored leaf hashes were rewritten consistently with altered entries; the signed root
    // tells us the damage lies after the last checkpoint that still matches.
    Note(r, *last_good_size,
         where + " (size " + std::to_string(cp->size) +
             ") does not match the recomputed tree: an entry in [" +
             std::to_string(*last_good_size) + ", " + std::to_string(cp->size) +
             ") was altered, inserted or deleted");
    return;
  }
  ++r.checkpoints_verified;
  *last_good_size = std::max(*last_good_size, cp->size);
}

}  // namespace

Result<VerifyReport> VerifyAuditLog(Store& store, std::string_view origin,
                                    std::span<const NoteVerifier> verifiers,
                                    std::string_view checkpoint_file_note) {
  VerifyReport r;
  MerkleTree tree;
  std::vector<CheckpointRow> checkpoints;
  Status s = store.ReadTransaction([&](ReadTx& tx) -> Status {
    uint64_t expected = 0;
    RETURN_IF_ERROR(tx.ScanAudit(0, [&](const AuditRow& row) -> Status {
      if (row.seq != expected) {
        Note(r, expected,
             "entry " + std::to_string(expected) + " is missing (deleted); next stored is " +
                 std::to_string(row.seq));
        expected = row.seq;
      }
      // The entry's own seq field must agree with its position (detects moved/inserted rows).
      auto parsed = ParseJsonObject(row.entry_json);
      if (!parsed.ok() || !parsed->contains("seq") || !(*parsed)["seq"].is_number() ||
          (*parsed)["seq"].to_number<uint64_t>() != row.seq) {
        Note(r, row.seq,
             "entry " + std::to_string(row.seq) +
                 " is malformed or claims another position (inserted or moved)");
      }
      Hash leaf = LeafHash(AsBytes(row.entry_json));
      if (row.leaf_hash.size() != 32 ||
          !std::equal(leaf.begin(), leaf.end(), row.leaf_hash.begin())) {
        Note(r, row.seq,
             "entry " + std::to_string(row.seq) +
                 " was altered: its content no longer matches its leaf hash");
      }
      tree.Append(leaf);
      ++expected;
      return OkStatus();
    }));
    ASSIGN_OR_RETURN(checkpoints, tx.ListCheckpoints());
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  r.entries = tree.size();
  r.checkpoints = checkpoints.size();
  uint64_t last_good = 0;
  for (const CheckpointRow& c : checkpoints) {
    CheckCheckpoint(r, tree, c.note, origin, verifiers, "checkpoint " + std::to_string(c.size),
                    &last_good);
  }
  if (!checkpoint_file_note.empty()) {
    CheckCheckpoint(r, tree, checkpoint_file_note, origin, verifiers,
                    "the checkpoint file outside the database", &last_good);
  } else if (r.entries > 0) {
    Note(r, std::nullopt, "no checkpoint file found outside the database");
  }
  if (r.entries > 0 && r.checkpoints_verified == 0)
    Note(r, std::nullopt, "no signed checkpoint verifies");
  Hash root = tree.Root();
  r.root_hex = HexEncode(root);
  r.ok = r.problems.empty();
  return r;
}

}  // namespace custody::audit
