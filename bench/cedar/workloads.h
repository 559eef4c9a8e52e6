// The inputs of the Cedar benchmark (cedar_bench.cc), kept as text so that ours and cedar-wasm
// (bench/cedar/wasm_bench.js, fed the same files through --export_workloads) parse and evaluate
// exactly the same policies, entities and requests.
//
// - custody-default: Custody's governance pack (policies/default/*.cedar in name order) with the
//   example entity store and requests in policies/examples/.
// - gdrive-N: the Google-Drive-like app of the OOPSLA 2024 Cedar paper (cedar-examples,
//   oopsla2024-benchmarks): N users, N groups, N documents and N folders, each edge present with
//   probability 0.05, and the app's five policies; random requests (a user, one of the five
//   actions, a document or a folder) as in the paper's harness.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace custody::cedar::bench {

struct Hierarchy {
  std::string entities_json;    // a JSON array of entities (explicit __entity / __extn forms)
  boost::json::array requests;  // {principal, action, resource, context} with {type, id} uids
  // Expected decisions ("allow" / "deny") when the workload states them (custody-default).
  std::vector<std::string> expected;
};

struct Workload {
  std::string name;
  std::string policies;  // Cedar text
  std::vector<Hierarchy> hierarchies;
};

// Reads the governance pack from `source_dir` (the repository root).
Result<Workload> CustodyDefault(const std::string& source_dir);

// `hierarchies` random entity graphs with `requests_per_hierarchy` requests each, from `seed`.
Workload GDrive(int n, int hierarchies, int requests_per_hierarchy, uint64_t seed);

// {"name", "policies", "hierarchies": [{"entities": [...], "requests": [...], "expected": [...]}]}
boost::json::object ToJson(const Workload& w);

}  // namespace custody::cedar::bench
