// A Cedar schema in the human-readable format (docs.cedarpolicy.com/schema/human-readable-schema-
// grammar.html), parsed far enough for schema-based parsing of entities and context:
// namespaces, common types (`type T = ...`), entity types (with `in` parents, attributes, tags,
// `enum` entity types), actions (with `in` groups, appliesTo principal/resource/context).
//
// With a schema, entity JSON may use the implicit forms: `{"type": .., "id": ..}` where the schema
// says an entity type, and a plain string (or `{"fn": .., "arg": ..}`) where it says an extension
// type. The schema also supplies the action entities (with their groups as parents).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/cedar/value.h"

namespace custody::cedar {

struct Entity;

// A schema type, fully resolved (common types expanded, names qualified).
struct SchemaType {
  enum class Kind : uint8_t { kBool, kLong, kString, kEntity, kSet, kRecord, kExtension, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string
      name;  // kEntity: the entity type; kExtension: "ipaddr", "decimal", "datetime", "duration"
  std::shared_ptr<const SchemaType> element;  // kSet
  struct Attr {
    std::string name;
    std::shared_ptr<const SchemaType> type;
    bool required = true;
  };
  std::vector<Attr> attrs;  // kRecord
  const Attr* FindAttr(std::string_view n) const;
  // How the type is named in error messages: "long", "set of string", "(entity of type `T`)".
  std::string ToString() const;
};

class Schema {
 public:
  static Result<Schema> Parse(std::string_view text, std::string_view name = "schema");

  // The attribute record type of an entity type, or nullptr when the type is not declared.
  const SchemaType* EntityAttrs(std::string_view entity_type) const;
  // The tag type of an entity type, or nullptr when it has no tags (or is not declared).
  const SchemaType* EntityTags(std::string_view entity_type) const;
  // The context record type of an action, or nullptr when the action is not declared.
  const SchemaType* ActionContext(const EntityUid& action) const;
  // Whether `entity_type` is declared (entity types and the action entity types).
  bool HasEntityType(std::string_view entity_type) const;
  // The action entities the schema declares, each with its action groups as parents.
  std::vector<Entity> ActionEntities() const;
  // Whether `entity` conforms to the schema, as the Rust implementation checks entities it loads:
  // its type is declared (an action must be declared as one), an enum type's id is one of the
  // declared ids, required attributes are present, no undeclared attributes or tags, attribute
  // and tag values have the declared types, and parents have allowed types.
  Status CheckEntity(const Entity& entity) const;

  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ~Schema();

 private:
  struct Impl;
  Schema();
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::cedar
