// The entity store: entities from Cedar's JSON format
// (docs.cedarpolicy.com/auth/entities-syntax.html), and JSON ↔ Value conversion for attributes,
// context and requests.
//
// Entities::Build computes the transitive closure of `parents` once, so `A in B` is one hash
// lookup at evaluation time. Parents may name entities that are absent from the store.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "policy/cedar/schema.h"
#include "policy/cedar/value.h"

namespace custody::cedar {

struct Entity {
  EntityUid uid;
  Record attrs;
  Record tags;
  std::vector<EntityUid> parents;
};

class Entities {
 public:
  Entities() = default;

  // Parses a JSON array of entities. With a schema, implicit entity and extension forms are
  // accepted where the schema's attribute types call for them, and the schema's action entities
  // are added (unless the JSON already defines them). A uid listed twice is accepted when both
  // entries are identical (as in Rust) and an error otherwise.
  static Result<Entities> FromJson(std::string_view json, const Schema* schema = nullptr);
  static Result<Entities> FromJsonValue(const boost::json::value& json,
                                        const Schema* schema = nullptr);

  // Building by hand (the server builds entities from its store): Add each, then Build once.
  Status Add(Entity entity);  // a differing duplicate uid → error; an identical one is ignored
  void Build();               // computes ancestors; REQUIRES: called before evaluation

  const Entity* Find(const EntityUid& uid) const;
  // True when `ancestor` is a strict, transitive ancestor of `uid` (false if `uid` is absent).
  bool IsAncestor(const EntityUid& uid, const EntityUid& ancestor) const;
  // All strict, transitive ancestors of `uid`, or nullptr if `uid` is absent. For callers that
  // test one entity against many candidates (the evaluator, once per request variable), so that
  // `uid` is hashed and looked up once.
  const std::unordered_set<EntityUid, EntityUidHash>* Ancestors(const EntityUid& uid) const {
    auto it = nodes_.find(uid);
    return it == nodes_.end() ? nullptr : &it->second.ancestors;
  }
  size_t size() const { return nodes_.size(); }

  // The store back in Cedar's JSON format (explicit __entity / __extn forms).
  boost::json::array ToJson() const;

 private:
  struct Node {
    Entity entity;
    std::unordered_set<EntityUid, EntityUidHash> ancestors;
  };
  std::unordered_map<EntityUid, Node, EntityUidHash> nodes_;
};

// A JSON value in entity-attribute syntax → Value. `expected` (from a schema) enables the implicit
// forms; without it only explicit `__entity` / `__extn` are recognised. `__expr` is an error.
Result<Value> ValueFromJson(const boost::json::value& json, const SchemaType* expected = nullptr);
// Value → JSON in explicit form.
boost::json::value ValueToJson(const Value& v);

// `{"type": "User", "id": "alice"}` or `{"__entity": {...}}` → EntityUid.
Result<EntityUid> EntityUidFromJson(const boost::json::value& json);

// Parses JSON text as strictly as the Rust implementation (serde_json) does: a key repeated in
// one object is an error, and nesting is limited to 128 levels. Errors read
// "<name>:<line>:<column>: <what>".
Result<boost::json::value> ParseJson(std::string_view text, std::string_view name = "json");

}  // namespace custody::cedar
