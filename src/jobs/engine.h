// Engine: the interface every generator and editor implements (built-in procedural images and
// libvips edits today; ComfyUI, OpenAI-compatible and Venice connectors later).
//
// An engine gets fully prepared inputs (decrypted bytes with their roles) and returns the output
// bytes; it never touches the store, blobs or policy. It must be deterministic when the model
// is (same request → same bytes), report progress, and stop promptly when progress reporting
// says the job was cancelled.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "model/model.h"

namespace custody::jobs {

struct EngineInput {
  AssetId asset;
  std::string role;  // "prompt", "reference:character", "source", …
  std::string media_type;
  Bytes content;
};

struct EngineRequest {
  JobId job;
  JobKind kind = JobKind::kGenerate;
  std::string model;
  uint64_t seed = 0;
  json::object parameters;
  std::vector<EngineInput> inputs;
};

struct EngineOutput {
  Bytes content;
  std::string media_type;
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Reports progress in [0, 1]; returns false when the job was cancelled and the engine should
  // stop (returning kCancelled).
  virtual bool Report(double fraction) = 0;
};

// Thread-safe: Run may be called concurrently for different jobs.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view model() const = 0;
  virtual std::string_view version() const = 0;
  virtual JobKind kind() const = 0;
  // Checks parameters and input roles before a job is queued; kInvalidArgument says what is wrong.
  virtual Status Validate(const json::object& parameters,
                          const std::vector<std::string>& input_roles) const = 0;
  virtual Result<EngineOutput> Run(const EngineRequest& request, ProgressSink& progress) = 0;
};

// Engines by name. Filled at start-up, read-only afterwards (so thread-safe to read).
class EngineRegistry {
 public:
  void Register(std::unique_ptr<Engine> engine);
  Engine* Find(std::string_view name) const;
  std::vector<const Engine*> List() const;

 private:
  std::map<std::string, std::unique_ptr<Engine>, std::less<>> engines_;
};

}  // namespace custody::jobs
