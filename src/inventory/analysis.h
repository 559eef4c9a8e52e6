// What a file carries: one pass that reads its metadata (media/metadata), verifies its C2PA
// Content Credentials (provenance), and scans every text-bearing part with the DLP scanner —
// the content of text files, every metadata value, and the file's name against the dictionaries.
// The workflow runs it on every upload and engine output; `custody inventory` on every file of a
// folder.
//
// Thread-safe: AnalyzeFile is a pure function of its arguments (the Scanner is thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "dlp/scanner.h"
#include "media/metadata/metadata.h"
#include "provenance/c2pa/certificates.h"

namespace custody::inventory {

struct AnalyzerOptions {
  const dlp::Scanner* scanner = nullptr;             // nullptr: no DLP scan
  const provenance::TrustSettings* trust = nullptr;  // C2PA anchors; nullptr: none trusted
  bool verify_c2pa = true;
  TimePoint now;  // certificate validity without a timestamp
  metadata::ReadOptions read;
  uint64_t max_text_scan_bytes = uint64_t(256) << 20;  // text content scanned up to this size
};

// A DLP finding and the part of the file it was found in.
struct LocatedFinding {
  // "content" (a text file's bytes), "name" (the file name), or "metadata:<carrier>:<key>"
  // (e.g. "metadata:png:tEXt:workflow", "metadata:jpeg:APP1:Exif:Exif.Photo.UserComment").
  std::string where;
  dlp::Finding finding;  // offsets are within that part
};

struct FileAnalysis {
  std::string media_type;  // sniffed
  uint64_t size = 0;
  std::string sha256;  // hex
  // Metadata: unset when the format has no reader (the error explains) or the file is damaged.
  std::optional<metadata::Report> metadata;
  std::string metadata_error;
  // AI generation: true if a tool's keys, an IPTC DigitalSourceType or a C2PA action says so.
  bool ai_generated = false;
  std::vector<std::string> ai_tools;  // "ComfyUI", "AUTOMATIC1111", ..., or the C2PA generator
  // Embedded prompts found (each ≤ 64 KiB); with a scanner, secrets in them are masked
  // ("[REDACTED:<rule>]"), here and in metadata->generations.
  std::vector<std::string> prompts;
  bool workflow_embedded = false;  // a node graph / full workflow is embedded
  // C2PA: "none" | "invalid" | "valid" | "trusted", the active manifest and failure codes.
  std::string c2pa_state = "none";
  std::string c2pa_manifest;
  std::vector<std::string> c2pa_failures;
  std::vector<LocatedFinding> findings;  // in scan order: name, content, metadata entries
  uint64_t findings_dropped = 0;         // past the scanner's or the per-file limit
  std::string scan_error;                // the first DLP scan that failed; empty if none
};

// True for the IPTC digital source types that say generative AI made the content:
// trainedAlgorithmicMedia and compositeWithTrainedAlgorithmicMedia (full URI or the bare term).
bool IsAiDigitalSourceType(std::string_view uri);

// Analyses `data`, a file called `name` (a path or file name; only its last component is
// scanned as "name", while the whole of `name` is the `path` the DLP rules and allowlists see).
// Never fails on bad content: a damaged file gives metadata_error; a file that carries C2PA but
// whose container cannot be read gives c2pa_state "invalid" with "custody.unreadable".
FileAnalysis AnalyzeFile(std::span<const uint8_t> data, std::string_view name,
                         const AnalyzerOptions& options);

// JSON for APIs and `custody inventory --json` (never contains a secret in full: findings carry
// redacted excerpts only). `with_prompts`: include the embedded prompts' text.
json::object FindingJson(const LocatedFinding& f);
json::object AnalysisJson(const FileAnalysis& a, bool with_prompts);

}  // namespace custody::inventory
