#include "model/model.h"

#include <algorithm>
#include <array>
#include <utility>

namespace custody {
namespace {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<PrincipalKind, 4> kPrincipalKinds{{{PrincipalKind::kHuman, "human"},
                                                       {PrincipalKind::kService, "service"},
                                                       {PrincipalKind::kWorker, "worker"},
                                                       {PrincipalKind::kAgent, "agent"}}};
constexpr NameTable<Role, 5> kRoles{{{Role::kCreator, "creator"},
                                     {Role::kReviewer, "reviewer"},
                                     {Role::kPublisher, "publisher"},
                                     {Role::kAuditor, "auditor"},
                                     {Role::kAdmin, "admin"}}};
constexpr NameTable<Classification, 4> kClassifications{
    {{Classification::kPublic, "public"},
     {Classification::kInternal, "internal"},
     {Classification::kConfidential, "confidential"},
     {Classification::kRestricted, "restricted"}}};
constexpr NameTable<AssetKind, 6> kAssetKinds{{{AssetKind::kPrompt, "prompt"},
                                               {AssetKind::kReference, "reference"},
                                               {AssetKind::kUpload, "upload"},
                                               {AssetKind::kGeneration, "generation"},
                                               {AssetKind::kEdit, "edit"},
                                               {AssetKind::kExport, "export"}}};
constexpr NameTable<Stage, 6> kStages{{{Stage::kDraft, "draft"},
                                       {Stage::kInReview, "in_review"},
                                       {Stage::kApproved, "approved"},
                                       {Stage::kPublished, "published"},
                                       {Stage::kRejected, "rejected"},
                                       {Stage::kRecalled, "recalled"}}};
constexpr NameTable<AssetStatus, 3> kAssetStatuses{{{AssetStatus::kActive, "active"},
                                                    {AssetStatus::kRecalled, "recalled"},
                                                    {AssetStatus::kDisposed, "disposed"}}};
constexpr NameTable<TokenKind, 3> kTokenKinds{{{TokenKind::kAccess, "access"},
                                               {TokenKind::kRefresh, "refresh"},
                                               {TokenKind::kApiKey, "api_key"}}};
constexpr NameTable<JobKind, 2> kJobKinds{
    {{JobKind::kGenerate, "generate"}, {JobKind::kEdit, "edit"}}};
constexpr NameTable<JobStatus, 5> kJobStatuses{{{JobStatus::kQueued, "queued"},
                                                {JobStatus::kRunning, "running"},
                                                {JobStatus::kSucceeded, "succeeded"},
                                                {JobStatus::kFailed, "failed"},
                                                {JobStatus::kCancelled, "cancelled"}}};
constexpr NameTable<ReviewVerdict, 2> kVerdicts{
    {{ReviewVerdict::kApprove, "approve"}, {ReviewVerdict::kReject, "reject"}}};
constexpr NameTable<PublicationStatus, 2> kPublicationStatuses{
    {{PublicationStatus::kActive, "active"}, {PublicationStatus::kRolledBack, "rolled_back"}}};
constexpr NameTable<CredentialsState, 4> kCredentialsStates{
    {{CredentialsState::kNone, "none"},
     {CredentialsState::kInvalid, "invalid"},
     {CredentialsState::kValid, "valid"},
     {CredentialsState::kTrusted, "trusted"}}};

template <typename E, size_t N>
std::string_view Lookup(const NameTable<E, N>& t, E v) {
  for (const auto& [e, n] : t)
    if (e == v) return n;
  return "unknown";
}

template <typename E, size_t N>
Result<E> ParseIn(const NameTable<E, N>& t, std::string_view name, std::string_view what) {
  for (const auto& [e, n] : t)
    if (n == name) return e;
  std::string msg = "unknown " + std::string(what) + " '" + std::string(name.substr(0, 64)) +
                    "'; expected one of:";
  for (const auto& [e, n] : t) msg += " " + std::string(n);
  return InvalidArgument(std::move(msg));
}

}  // namespace

std::string_view Name(PrincipalKind v) { return Lookup(kPrincipalKinds, v); }
std::string_view Name(Role v) { return Lookup(kRoles, v); }
std::string_view Name(Classification v) { return Lookup(kClassifications, v); }
std::string_view Name(AssetKind v) { return Lookup(kAssetKinds, v); }
std::string_view Name(Stage v) { return Lookup(kStages, v); }
std::string_view Name(AssetStatus v) { return Lookup(kAssetStatuses, v); }
std::string_view Name(TokenKind v) { return Lookup(kTokenKinds, v); }
std::string_view Name(JobKind v) { return Lookup(kJobKinds, v); }
std::string_view Name(JobStatus v) { return Lookup(kJobStatuses, v); }
std::string_view Name(ReviewVerdict v) { return Lookup(kVerdicts, v); }
std::string_view Name(PublicationStatus v) { return Lookup(kPublicationStatuses, v); }
std::string_view Name(CredentialsState v) { return Lookup(kCredentialsStates, v); }

template <>
Result<PrincipalKind> Parse(std::string_view n) {
  return ParseIn(kPrincipalKinds, n, "principal kind");
}
template <>
Result<Role> Parse(std::string_view n) {
  return ParseIn(kRoles, n, "role");
}
template <>
Result<Classification> Parse(std::string_view n) {
  return ParseIn(kClassifications, n, "classification");
}
template <>
Result<AssetKind> Parse(std::string_view n) {
  return ParseIn(kAssetKinds, n, "asset kind");
}
template <>
Result<Stage> Parse(std::string_view n) {
  return ParseIn(kStages, n, "stage");
}
template <>
Result<AssetStatus> Parse(std::string_view n) {
  return ParseIn(kAssetStatuses, n, "asset status");
}
template <>
Result<TokenKind> Parse(std::string_view n) {
  return ParseIn(kTokenKinds, n, "token kind");
}
template <>
Result<JobKind> Parse(std::string_view n) {
  return ParseIn(kJobKinds, n, "job kind");
}
template <>
Result<JobStatus> Parse(std::string_view n) {
  return ParseIn(kJobStatuses, n, "job status");
}
template <>
Result<ReviewVerdict> Parse(std::string_view n) {
  return ParseIn(kVerdicts, n, "verdict");
}
template <>
Result<PublicationStatus> Parse(std::string_view n) {
  return ParseIn(kPublicationStatuses, n, "publication status");
}
template <>
Result<CredentialsState> Parse(std::string_view n) {
  return ParseIn(kCredentialsStates, n, "credentials state");
}

std::vector<std::string> UnionLabels(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  out.insert(out.end(), b.begin(), b.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status ValidateLabel(std::string_view label) {
  if (label.empty() || label.size() > 64)
    return InvalidArgument("a label must have 1 to 64 characters");
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-';
    if (!ok)
      return InvalidArgument("label '" + std::string(label) +
                             "' may contain only a-z, 0-9, ':', '_' and '-'");
  }
  return OkStatus();
}

Status ValidateName(std::string_view name, std::string_view what) {
  auto bad = [&] {
    return InvalidArgument(std::string(what) + " must match [a-z0-9][a-z0-9._-]{0,62} (got '" +
                           std::string(name.substr(0, 64)) + "')");
  };
  if (name.empty() || name.size() > 63) return bad();
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (i == 0 ? !alnum : !(alnum || c == '.' || c == '_' || c == '-')) return bad();
  }
  return OkStatus();
}

}  // namespace custody
