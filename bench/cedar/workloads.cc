// Benchmark workloads: Custody's governance pack and the OOPSLA 2024 GDrive app.
#include "bench/cedar/workloads.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/cedar/parser.h"

namespace custody::cedar::bench {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

Result<std::string> Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

json::object Uid(std::string_view type, std::string_view id) {
  return json::object{{"type", type}, {"id", id}};
}

json::object Ref(std::string_view type, std::string_view id) {
  return json::object{{"__entity", Uid(type, id)}};
}

// A uid written as Cedar text (policies/examples/requests.json) or as {type, id}.
Result<json::value> UidJson(const json::value& v) {
  if (!v.is_string()) return v;
  Result<EntityUid> uid = ParseEntityUid(v.as_string());
  if (!uid.ok()) return std::move(uid).error();
  return json::value(Uid(uid->type, uid->id));
}

// splitmix64: a deterministic generator whose output is the same on every platform (the standard
// library's distributions are not), so a seed names one workload everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

// The five policies of the GDrive app (oopsla2024-benchmarks, gdrive policies.cedar).
constexpr char kGDrivePolicies[] =
    R"(// Anyone with view access (directly, or through a group) reads a document or folder.
permit (principal, action == Action::"read", resource)
when { resource in principal.documentsAndFoldersWithViewAccess };

// Public documents are readable by anyone.
permit (principal, action == Action::"read", resource)
when { resource.isPublic };

// Owners of a document, or of a folder holding it, read, write and share it.
permit (
  principal,
  action in [Action::"read", Action::"write", Action::"share"],
  resource
)
when { resource in principal.ownedDocuments || resource in principal.ownedFolders };

// Only the owner of a document changes its owner.
permit (principal, action == Action::"changeOwner", resource)
when { principal.ownedDocuments.contains(resource) };

// Owners of a folder create documents in it.
permit (principal, action == Action::"createDocument", resource)
when { principal.ownedFolders.contains(resource) };
)";

constexpr const char* kGDriveActions[] = {"createDocument", "changeOwner", "share", "write",
                                          "read"};

// One entity graph, following gdrive_entity_generator.py step by step. One correction: the
// generator names the view entities of users and groups "User user_i" / "Group group_j" but links
// documents and folders to "User i" / "Group j", which do not exist, so view access could never be
// granted; here documents and folders link to the view entities that exist (as SAPL's port does).
Hierarchy GDriveHierarchy(int n, int requests, Rng& rng) {
  constexpr double p = 0.05;  // connection_probability in the paper's runs
  json::array entities;
  auto entity = [&](json::object uid, json::object attrs, json::array parents) {
    entities.push_back(json::object{
        {"uid", std::move(uid)}, {"attrs", std::move(attrs)}, {"parents", std::move(parents)}});
  };
  auto user = [](int i) { return "user_" + std::to_string(i); };
  auto group = [](int i) { return "group_" + std::to_string(i); };
  auto doc = [](int i) { return "doc_" + std::to_string(i); };
  auto folder = [](int i) { return "folder_" + std::to_string(i); };
  auto user_view = [&](int i) { return "User " + user(i); };
  auto group_view = [&](int i) { return "Group " + group(i); };

  for (const char* action : kGDriveActions) entity(Uid("Action", action), {}, {});
  std::vector<std::vector<int>> members(n);
  for (int i = 0; i < n; ++i) {
    json::array parents, owned_docs, owned_folders;
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) {
        parents.push_back(Uid("Group", group(j)));
        members[j].push_back(i);
      }
    }
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) owned_docs.push_back(Ref("Document", doc(j)));
    }
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) owned_folders.push_back(Ref("Folder", folder(j)));
    }
    entity(Uid("User", user(i)),
           json::object{{"documentsAndFoldersWithViewAccess", Ref("View", user_view(i))},
                        {"ownedDocuments", std::move(owned_docs)},
                        {"ownedFolders", std::move(owned_folders)}},
           std::move(parents));
    entity(Uid("View", user_view(i)), {}, {});
  }
  for (int j = 0; j < n; ++j) {
    entity(Uid("Group", group(j)), {}, {});
    json::array parents;
    for (int i : members[j]) parents.push_back(Uid("View", user_view(i)));
    entity(Uid("View", group_view(j)), {}, std::move(parents));
  }
  auto view_parents = [&](json::array& parents) {
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) parents.push_back(Uid("View", user_view(j)));
    }
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) parents.push_back(Uid("View", group_view(j)));
    }
  };
  for (int i = 0; i < n; ++i) {
    const bool is_public = rng.Below(2) == 0;
    json::array parents;
    for (int j = 0; j < n; ++j) {
      if (rng.Uniform() < p) parents.push_back(Uid("Folder", folder(j)));
    }
    view_parents(parents);
    entity(Uid("Document", doc(i)), json::object{{"isPublic", is_public}}, std::move(parents));
  }
  for (int i = 0; i < n; ++i) {
    json::array parents;
    for (int j = 0; j < i; ++j) {  // only into earlier folders: a DAG
      if (rng.Uniform() < p) parents.push_back(Uid("Folder", folder(j)));
    }
    view_parents(parents);
    entity(Uid("Folder", folder(i)), {}, std::move(parents));
  }

  Hierarchy h;
  h.entities_json = json::serialize(entities);
  for (int r = 0; r < requests; ++r) {
    const int u = rng.Below(n);
    const char* action = kGDriveActions[rng.Below(5)];
    const bool is_doc = rng.Below(2) == 0;
    const int idx = rng.Below(n);
    h.requests.push_back(
        json::object{{"principal", Uid("User", user(u))},
                     {"action", Uid("Action", action)},
                     {"resource", is_doc ? Uid("Document", doc(idx)) : Uid("Folder", folder(idx))},
                     {"context", json::object{}}});
  }
  return h;
}

}  // namespace

Result<Workload> CustodyDefault(const std::string& source_dir) {
  const fs::path root = fs::path(source_dir) / "policies";
  Workload w;
  w.name = "custody-default";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(root / "default", ec)) {
    if (e.path().extension() == ".cedar") files.push_back(e.path());
  }
  if (ec || files.empty()) return NotFound("no policies in " + (root / "default").string());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    Result<std::string> text = Read(f);
    if (!text.ok()) return std::move(text).error();
    w.policies += *text + "\n";
  }
  Hierarchy h;
  Result<std::string> entities = Read(root / "examples" / "entities.json");
  if (!entities.ok()) return std::move(entities).error();
  h.entities_json = std::move(*entities);
  Result<std::string> requests_text = Read(root / "examples" / "requests.json");
  if (!requests_text.ok()) return std::move(requests_text).error();
  boost::system::error_code jec;
  json::value requests = json::parse(*requests_text, jec);
  if (jec || !requests.is_array()) return InvalidArgument("requests.json is not a JSON array");
  for (const json::value& r : requests.as_array()) {
    if (!r.is_object()) return InvalidArgument("requests.json: a request is not an object");
    const json::object& o = r.as_object();
    json::object out;
    for (const char* key : {"principal", "action", "resource"}) {
      if (!o.contains(key)) return InvalidArgument(std::string("requests.json: no ") + key);
      Result<json::value> uid = UidJson(o.at(key));
      if (!uid.ok()) return std::move(uid).error();
      out[key] = std::move(*uid);
    }
    out["context"] = o.contains("context") ? o.at("context") : json::object{};
    h.requests.push_back(std::move(out));
    const json::value* expect = o.if_contains("expect");
    h.expected.push_back(expect != nullptr && expect->is_string() ? std::string(expect->as_string())
                                                                  : std::string());
  }
  w.hierarchies.push_back(std::move(h));
  return w;
}

Workload GDrive(int n, int hierarchies, int requests_per_hierarchy, uint64_t seed) {
  Workload w;
  w.name = "gdrive-" + std::to_string(n);
  w.policies = kGDrivePolicies;
  Rng rng(seed * 1000003 + static_cast<uint64_t>(n));
  for (int i = 0; i < hierarchies; ++i) {
    w.hierarchies.push_back(GDriveHierarchy(n, requests_per_hierarchy, rng));
  }
  return w;
}

json::object ToJson(const Workload& w) {
  json::array hierarchies;
  for (const Hierarchy& h : w.hierarchies) {
    json::array expected;
    for (const std::string& e : h.expected) expected.emplace_back(e);
    hierarchies.push_back(json::object{{"entities", json::parse(h.entities_json)},
                                       {"requests", h.requests},
                                       {"expected", std::move(expected)}});
  }
  return json::object{
      {"name", w.name}, {"policies", w.policies}, {"hierarchies", std::move(hierarchies)}};
}

}  // namespace custody::cedar::bench
