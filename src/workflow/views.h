// JSON views of the records, as the API returns them. Secrets never appear here: principals have
// no password hash, tokens no hash, blobs no key.
#pragma once

#include "base/json.h"
#include "model/model.h"

namespace custody::workflow {

json::object PrincipalJson(const PrincipalRecord& p);
json::object RoleJson(const RoleBinding& b);
json::object ProjectJson(const ProjectRecord& p);
json::object AssetJson(const AssetRecord& a);
// A recorded DLP finding: {stage, where, rule, kind, offset, length, line, column, excerpt
// (redacted), fingerprint, action}.
json::object FindingJson(const DlpFindingRecord& f);
json::object AssetSummaryJson(const AssetRecord& a);
json::object JobJson(const JobRecord& j);
json::object ReviewJson(const ReviewRecord& r);
json::object GrantJson(const GrantRecord& g);
json::object PublicationJson(const PublicationRecord& p);
json::object TokenJson(const TokenRecord& t);
// A stored policy set version; with `with_files`, the Cedar files and the list of policies
// ({id, effect, reason, file}) are included.
json::object PolicySetJson(const PolicySetRecord& p, int64_t active_version, bool with_files);

}  // namespace custody::workflow
