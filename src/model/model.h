// The domain model: Custody's nouns as plain records and enums, with their names on the wire.
//
// No I/O here. The store persists these records, the policy engine reasons about them, workflow
// changes them; all three share this one vocabulary (see docs/architecture.md, "Domain model").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/result.h"

namespace custody {

// ---- Enumerations with stable wire names --------------------------------------------------

enum class PrincipalKind { kHuman, kService, kWorker, kAgent };
enum class Role { kCreator, kReviewer, kPublisher, kAuditor, kAdmin };
enum class Classification { kPublic = 0, kInternal = 1, kConfidential = 2, kRestricted = 3 };
enum class AssetKind { kPrompt, kReference, kUpload, kGeneration, kEdit, kExport };
enum class Stage { kDraft, kInReview, kApproved, kPublished, kRejected, kRecalled };
enum class AssetStatus { kActive, kRecalled, kDisposed };
enum class TokenKind { kAccess, kRefresh, kApiKey };
enum class JobKind { kGenerate, kEdit };
enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
enum class ReviewVerdict { kApprove, kReject };
enum class PublicationStatus { kActive, kRolledBack };
// What verifying a file's C2PA Content Credentials found (C2PA 2.2 §14.3 validation states, plus
// "none" for a file without a manifest store).
enum class CredentialsState { kNone, kInvalid, kValid, kTrusted };

std::string_view Name(PrincipalKind v);
std::string_view Name(Role v);
std::string_view Name(Classification v);
std::string_view Name(AssetKind v);
std::string_view Name(Stage v);
std::string_view Name(AssetStatus v);
std::string_view Name(TokenKind v);
std::string_view Name(JobKind v);
std::string_view Name(JobStatus v);
std::string_view Name(ReviewVerdict v);
std::string_view Name(PublicationStatus v);
std::string_view Name(CredentialsState v);

// Parse a wire name; kInvalidArgument lists the accepted names.
template <typename E>
Result<E> Parse(std::string_view name);
template <>
Result<PrincipalKind> Parse<PrincipalKind>(std::string_view name);
template <>
Result<Role> Parse<Role>(std::string_view name);
template <>
Result<Classification> Parse<Classification>(std::string_view name);
template <>
Result<AssetKind> Parse<AssetKind>(std::string_view name);
template <>
Result<Stage> Parse<Stage>(std::string_view name);
template <>
Result<AssetStatus> Parse<AssetStatus>(std::string_view name);
template <>
Result<TokenKind> Parse<TokenKind>(std::string_view name);
template <>
Result<JobKind> Parse<JobKind>(std::string_view name);
template <>
Result<JobStatus> Parse<JobStatus>(std::string_view name);
template <>
Result<ReviewVerdict> Parse<ReviewVerdict>(std::string_view name);
template <>
Result<PublicationStatus> Parse<PublicationStatus>(std::string_view name);
template <>
Result<CredentialsState> Parse<CredentialsState>(std::string_view name);

// ---- Records ---------------------------------------------------------------------------------

struct PrincipalRecord {
  PrincipalId id;
  std::string name;  // unique login name: [a-z0-9][a-z0-9._-]{0,62}
  PrincipalKind kind = PrincipalKind::kHuman;
  std::optional<PrincipalId> owner;  // set for every non-human principal: a human
  std::string display_name;
  std::string password_hash;  // Argon2id string; empty when password login is not allowed
  bool disabled = false;
  TimePoint created_at;
  std::optional<PrincipalId> created_by;
};

// A role held in one project, or globally when `project` is empty (only kAdmin and kAuditor).
struct RoleBinding {
  PrincipalId principal;
  std::optional<ProjectId> project;
  Role role = Role::kCreator;
};

struct ProjectRecord {
  ProjectId id;
  std::string name;  // unique slug
  std::string description;
  TimePoint created_at;
  PrincipalId created_by;
};

struct TokenRecord {
  TokenId id;
  std::string hash;  // hex SHA-256 of the secret; the secret itself is never stored
  TokenKind kind = TokenKind::kAccess;
  PrincipalId principal;
  TimePoint issued_at;
  TimePoint expires_at;
  std::optional<TokenId> parent;  // the refresh token an access token was issued from
  bool revoked = false;
  std::string label;  // for API keys: what the key is for
};

struct BlobRecord {
  BlobId id;
  std::string sha256;
  uint64_t size = 0;
  Bytes wrapped_key;  // empty once disposed (crypto-shredded)
  TimePoint created_at;
  std::optional<TimePoint> disposed_at;
};

// The result of verifying an asset's bytes for C2PA Content Credentials when they entered the
// studio (upload, engine output) or were signed (export).
struct ContentCredentials {
  CredentialsState state = CredentialsState::kNone;
  std::string active_manifest;        // the active manifest's label; "" without a manifest
  std::vector<std::string> failures;  // the active manifest's failure status codes, in order
  TimePoint verified_at;
  // The verifier's whole report (JSON). Written with the asset; asset reads leave it empty, only
  // ReadTx::GetAssetCredentials returns it.
  std::string report_json;
};

// A DLP finding recorded on an asset (never the secret itself: a redacted excerpt and a keyed
// fingerprint). docs/dlp.md.
struct DlpFindingRecord {
  std::string stage;     // "prompt" | "upload" | "output" | "export"
  std::string location;  // "content" | "name" | "metadata:<carrier>:<key>"
  std::string rule_id;
  std::string kind;     // "secret" | "pii" | "dictionary"
  uint64_t offset = 0;  // within the location
  uint64_t length = 0;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string redacted;
  std::string fingerprint;
  std::string action;  // "redacted" | "flagged" | "blocked"
};

// The outcome of scanning an asset when it entered the studio (or was exported).
struct DlpSummary {
  int64_t findings = 0;  // all findings, redacted ones included
  int64_t secrets = 0;
  int64_t pii = 0;
  int64_t dictionary = 0;
  int64_t redacted = 0;
  std::vector<std::string> rules;  // distinct rule ids, sorted
  TimePoint scanned_at;
};

// Where an imported asset came from (custody inventory --import).
struct AssetOrigin {
  std::string path;    // the absolute path on the importing machine
  std::string sha256;  // the file's hash there (equal to the asset's)
  std::string host;    // the importing machine's name, if given
};

struct AssetRecord {
  AssetId id;
  AssetKind kind = AssetKind::kUpload;
  ProjectId project;
  PrincipalId owner;                        // the principal that created this version
  std::optional<PrincipalId> on_behalf_of;  // the human an agent or service acted for
  std::string title;
  std::string media_type;
  uint64_t size = 0;
  std::string sha256;
  BlobId blob;
  Classification classification = Classification::kInternal;
  std::vector<std::string> labels;  // sorted, unique
  std::string licence;              // for references
  Stage stage = Stage::kDraft;
  AssetStatus status = AssetStatus::kActive;
  std::optional<AssetId> previous_version;
  int version = 1;
  std::optional<JobId> generated_by;
  TimePoint created_at;
  TimePoint stage_changed_at;
  // nullopt: never verified (assets recorded before Content Credentials existed).
  std::optional<ContentCredentials> credentials;
  // nullopt: never scanned (assets recorded before DLP existed). The findings themselves are
  // stored with the asset (WriteTx::InsertAsset writes `findings`) and read by ReadTx::FindingsOf;
  // asset reads leave `findings` empty.
  std::optional<DlpSummary> dlp;
  std::vector<DlpFindingRecord> findings;
  std::optional<AssetOrigin> origin;
};

struct JobInput {
  AssetId asset;
  std::string role;  // "prompt", "reference:character", "source", …
};

struct JobRecord {
  JobId id;
  JobKind kind = JobKind::kGenerate;
  ProjectId project;
  PrincipalId actor;
  std::optional<PrincipalId> on_behalf_of;
  std::string engine;
  std::string model;
  std::string model_version;
  std::string parameters_json;  // canonical JSON
  uint64_t seed = 0;
  std::vector<JobInput> inputs;
  std::string output_title;
  Classification output_classification = Classification::kInternal;
  std::vector<std::string> output_labels;
  JobStatus status = JobStatus::kQueued;
  int attempts = 0;
  int max_attempts = 3;
  std::optional<TimePoint> lease_until;
  double progress = 0;
  std::optional<AssetId> output;
  std::string error;
  bool cancel_requested = false;
  TimePoint created_at;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
};

struct ReviewRecord {
  ReviewId id;
  AssetId asset;
  std::string sha256;  // the exact content the verdict is about
  PrincipalId reviewer;
  ReviewVerdict verdict = ReviewVerdict::kApprove;
  std::string comment;
  TimePoint at;
  std::optional<TimePoint> expires_at;  // approvals lapse unless exported before this
  bool lapsed = false;
};

struct GrantRecord {
  GrantId id;
  AssetId asset;
  std::string sha256;
  std::string destination;  // a configured destination name
  std::string file_name;    // validated file name inside the destination
  PrincipalId requester;
  TimePoint issued_at;
  TimePoint expires_at;
  std::optional<TimePoint> used_at;
};

struct PublicationRecord {
  PublicationId id;
  AssetId source_asset;
  AssetId export_asset;
  GrantId grant;
  std::string destination;
  std::string path;  // relative to the destination root
  std::string sha256;
  PrincipalId published_by;
  TimePoint published_at;
  PublicationStatus status = PublicationStatus::kActive;
  std::string rollback_method;  // how to undo it, e.g. "delete-file"
  std::optional<TimePoint> rolled_back_at;
  std::optional<PrincipalId> rolled_back_by;
};

struct AuditRow {
  uint64_t seq = 0;        // 0-based leaf index
  std::string entry_json;  // canonical JSON, the exact bytes hashed into the leaf
  Bytes leaf_hash;         // SHA-256(0x00 || entry_json)
  TimePoint at;
};

struct CheckpointRow {
  uint64_t size = 0;
  std::string note;  // C2SP signed note of the checkpoint
  TimePoint at;
};

// One version of the Cedar policy set. Versions are consecutive from 1 and never change once
// stored; a rollback is a new version with the files of an earlier one.
struct PolicySetRecord {
  int64_t version = 0;
  std::string files_json;  // canonical JSON object: file name -> Cedar text
  std::string sha256;      // hex SHA-256 of files_json
  TimePoint created_at;
  std::optional<PrincipalId> created_by;  // none for the built-in default
  std::string comment;
  std::optional<int64_t> rolled_back_from;  // set when this version restores an earlier one
};

// ---- Helpers ------------------------------------------------------------------------------

// Sorted, de-duplicated union of label sets.
std::vector<std::string> UnionLabels(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b);
// Labels are lowercase [a-z0-9:_-], 1..64 chars.
Status ValidateLabel(std::string_view label);
// Principal and project names: [a-z0-9][a-z0-9._-]{0,62}.
Status ValidateName(std::string_view name, std::string_view what);

}  // namespace custody
