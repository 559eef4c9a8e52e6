// The entity store and Cedar's JSON value syntax (docs.cedarpolicy.com/auth/entities-syntax.html;
// the Rust code is cedar-policy-core/src/entities/json/{entities,value}.rs).
//
// Values: JSON bool/int/string map to Bool/Long/String, arrays to sets, objects to records;
// `{"__entity": {"type", "id"}}` is an entity reference and `{"__extn": {"fn", "arg"}}` (or
// `"args": [...]` for multi-argument functions such as `offset`) calls an extension function.
// With a schema type to go by, the escapes may be left out where the type calls for an entity
// (`{"type", "id"}`) or an extension value (`{"fn", "arg"}`, or just the constructor's argument),
// and records are checked against the declared attributes.
//
// Loading a whole store with a schema also checks that the entities conform to it and adds the
// schema's action entities, as the Rust `Entities::from_json_*` does. Entities::Build computes
// each entity's ancestors once (Tarjan's strongly connected components, so a cyclic hierarchy
// built by hand cannot hang it), making `in` one hash lookup during evaluation.
#include "policy/cedar/entities.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "policy/cedar/functions.h"

namespace custody::cedar {

namespace json = boost::json;

namespace {

// Rust's serde_json stops at this depth; so do we.
constexpr size_t kMaxJsonDepth = 128;

bool IsActionType(std::string_view type) {
  return type == "Action" || (type.size() > 8 && type.ends_with("::Action"));
}

// A short rendering of a JSON value for error messages.
std::string JsonText(const json::value& v) {
  std::string s = json::serialize(v);
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

std::string_view KindText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a floating-point number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto start = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!start(s[0])) return false;
  for (char c : s.substr(1))
    if (!start(c) && !(c >= '0' && c <= '9')) return false;
  static const std::set<std::string_view> kReserved = {"true", "false", "if",   "then", "else",
                                                       "in",   "is",    "like", "has",  "__cedar"};
  return !kReserved.contains(s);
}

// An entity type in normalized form: identifiers joined by `::`, no whitespace.
bool IsEntityTypeName(std::string_view s) {
  while (true) {
    size_t sep = s.find("::");
    if (!IsIdentifier(s.substr(0, sep))) return false;
    if (sep == std::string_view::npos) return true;
    s.remove_prefix(sep + 2);
  }
}

const json::value* Field(const json::object& o, std::string_view key) { return o.if_contains(key); }

Result<EntityUid> TypeAndId(const json::value& v) {
  const json::object* o = v.if_object();
  const json::value* type = o ? Field(*o, "type") : nullptr;
  const json::value* id = o ? Field(*o, "id") : nullptr;
  if (!type || !id || !type->is_string() || !id->is_string())
    return InvalidArgument(
        "expected an entity uid of the form {\"type\": \"..\", \"id\": \"..\"}, got " +
        JsonText(v));
  EntityUid uid{std::string(type->get_string()), std::string(id->get_string())};
  if (!IsEntityTypeName(uid.type))
    return InvalidArgument("invalid entity type `" + uid.type + "` in " + JsonText(v));
  return uid;
}

// ---- schema types the JSON syntax needs on its own ----------------------------------------------

std::shared_ptr<const SchemaType> Primitive(SchemaType::Kind kind, std::string name = "") {
  auto t = std::make_shared<SchemaType>();
  t->kind = kind;
  t->name = std::move(name);
  return t;
}

// The argument types of an extension function, for schema-based parsing of `__extn` arguments
// (so that, with a schema, `"args": ["2024-01-01", "1h"]` works for `offset`).
std::vector<const SchemaType*> ExtensionArgTypes(Fn fn) {
  static const auto kString = Primitive(SchemaType::Kind::kString);
  static const auto kIp = Primitive(SchemaType::Kind::kExtension, "ipaddr");
  static const auto kDecimal = Primitive(SchemaType::Kind::kExtension, "decimal");
  static const auto kDatetime = Primitive(SchemaType::Kind::kExtension, "datetime");
  static const auto kDuration = Primitive(SchemaType::Kind::kExtension, "duration");
  switch (fn) {
    case Fn::kIp:
    case Fn::kDecimal:
    case Fn::kDatetime:
    case Fn::kDuration:
      return {kString.get()};
    case Fn::kIsIpv4:
    case Fn::kIsIpv6:
    case Fn::kIsLoopback:
    case Fn::kIsMulticast:
      return {kIp.get()};
    case Fn::kIsInRange:
      return {kIp.get(), kIp.get()};
    case Fn::kLessThan:
    case Fn::kLessThanOrEqual:
    case Fn::kGreaterThan:
    case Fn::kGreaterThanOrEqual:
      return {kDecimal.get(), kDecimal.get()};
    case Fn::kOffset:
      return {kDatetime.get(), kDuration.get()};
    case Fn::kDurationSince:
      return {kDatetime.get(), kDatetime.get()};
    case Fn::kToDate:
    case Fn::kToTime:
      return {kDatetime.get()};
    case Fn::kToMilliseconds:
    case Fn::kToSeconds:
    case Fn::kToMinutes:
    case Fn::kToHours:
    case Fn::kToDays:
      return {kDuration.get()};
    default:
      return {};
  }
}

// The single-argument constructor of an extension type, for the implicit form.
std::optional<Fn> ConstructorOf(std::string_view type) {
  if (type == "ipaddr") return Fn::kIp;
  if (type == "decimal") return Fn::kDecimal;
  if (type == "datetime") return Fn::kDatetime;
  if (type == "duration") return Fn::kDuration;
  return std::nullopt;
}

// ---- JSON → Value -------------------------------------------------------------------------------

Result<Value> ParseValue(const json::value& j, const SchemaType* expected);

Result<Value> CallFunction(Fn fn, std::string_view name, std::vector<Value> args) {
  Result<Value> v = CallExtension(fn, args);
  if (!v.ok())
    return InvalidArgument("error while evaluating `" + std::string(name) +
                           "`: " + v.error().message());
  return v;
}

// `{"fn": .., "arg": ..}` or `{"fn": .., "args": [..]}`: calls the extension function. With
// `schema_based`, the arguments are parsed by the function's argument types.
Result<Value> ParseFnAndArgs(const json::value& j, bool schema_based) {
  const json::object* o = j.if_object();
  const json::value* fn_name = o ? Field(*o, "fn") : nullptr;
  if (!fn_name || !fn_name->is_string())
    return InvalidArgument("expected an extension call {\"fn\": \"..\", \"arg\": ..}, got " +
                           JsonText(j));
  std::string_view name = fn_name->get_string();
  std::vector<const json::value*> args;
  if (const json::value* arg = Field(*o, "arg")) {
    args.push_back(arg);
  } else if (const json::value* list = Field(*o, "args"); list && list->is_array()) {
    for (const json::value& a : list->get_array()) args.push_back(&a);
  } else {
    return InvalidArgument("expected an extension call {\"fn\": \"..\", \"arg\": ..}, got " +
                           JsonText(j));
  }
  std::optional<FnInfo> info = LookupFunction(name, false);
  if (!info) info = LookupFunction(name, true);
  if (!info || !info->extension)
    return InvalidArgument("extension function `" + std::string(name) + "` does not exist");
  if (static_cast<size_t>(info->arity) != args.size())
    return InvalidArgument("wrong number of arguments to `" + std::string(name) + "`: expected " +
                           std::to_string(info->arity) + ", got " + std::to_string(args.size()));
  std::vector<const SchemaType*> types =
      schema_based ? ExtensionArgTypes(info->fn) : std::vector<const SchemaType*>{};
  std::vector<Value> values;
  values.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    ASSIGN_OR_RETURN(Value v, ParseValue(*args[i], i < types.size() ? types[i] : nullptr));
    values.push_back(std::move(v));
  }
  return CallFunction(info->fn, name, std::move(values));
}

Error ExprEscapeError() { return InvalidArgument("the `__expr` escape is no longer supported"); }

// JSON in the schema-free syntax (CedarValueJson in the Rust code).
Result<Value> ParsePlain(const json::value& j) {
  switch (j.kind()) {
    case json::kind::bool_:
      return Value(j.get_bool());
    case json::kind::int64:
      return Value(static_cast<int64_t>(j.get_int64()));
    case json::kind::uint64:
      return InvalidArgument("integer " + JsonText(j) + " is out of range for a Long");
    case json::kind::double_:
      return InvalidArgument("floating-point number " + JsonText(j) +
                             " is not a Cedar value (Long is a 64-bit integer)");
    case json::kind::string:
      return Value(std::string(j.get_string()));
    case json::kind::null:
      return InvalidArgument("null is not a Cedar value");
    case json::kind::array: {
      std::vector<Value> elements;
      elements.reserve(j.get_array().size());
      for (const json::value& e : j.get_array()) {
        ASSIGN_OR_RETURN(Value v, ParsePlain(e));
        elements.push_back(std::move(v));
      }
      return Value::MakeSet(std::move(elements));
    }
    case json::kind::object: {
      const json::object& o = j.get_object();
      if (o.contains("__expr")) return ExprEscapeError();
      if (const json::value* e = Field(o, "__entity")) {
        ASSIGN_OR_RETURN(EntityUid uid, TypeAndId(*e));
        return Value(std::move(uid));
      }
      if (const json::value* e = Field(o, "__extn")) return ParseFnAndArgs(*e, false);
      Record r;
      for (const auto& kv : o) {
        ASSIGN_OR_RETURN(Value v, ParsePlain(kv.value()));
        r.emplace(std::string(kv.key()), std::move(v));
      }
      return Value(std::move(r));
    }
  }
  return Internal("unknown JSON kind");
}

Error Mismatch(const SchemaType& expected, const json::value& j) {
  return InvalidArgument("type mismatch: value was expected to have type " + expected.ToString() +
                         ", but it is " + std::string(KindText(j)) + ": " + JsonText(j));
}

Result<Value> ParseValue(const json::value& j, const SchemaType* expected) {
  if (!expected) return ParsePlain(j);
  switch (expected->kind) {
    case SchemaType::Kind::kEntity: {
      ASSIGN_OR_RETURN(EntityUid uid, EntityUidFromJson(j));
      return Value(std::move(uid));
    }
    case SchemaType::Kind::kExtension: {
      if (const json::object* o = j.if_object()) {
        if (o->contains("__expr")) return ExprEscapeError();
        if (const json::value* e = Field(*o, "__extn")) return ParseFnAndArgs(*e, true);
        if (o->contains("fn") && (o->contains("arg") || o->contains("args")))
          return ParseFnAndArgs(j, true);
      }
      std::optional<Fn> ctor = ConstructorOf(expected->name);
      if (!ctor)
        return InvalidArgument("no constructor for extension type `" + expected->name + "`");
      ASSIGN_OR_RETURN(Value arg, ParsePlain(j));
      return CallFunction(*ctor, InfoOf(*ctor).name, {std::move(arg)});
    }
    case SchemaType::Kind::kSet: {
      if (!j.is_array()) return Mismatch(*expected, j);
      std::vector<Value> elements;
      elements.reserve(j.get_array().size());
      for (const json::value& e : j.get_array()) {
        ASSIGN_OR_RETURN(Value v, ParseValue(e, expected->element.get()));
        elements.push_back(std::move(v));
      }
      return Value::MakeSet(std::move(elements));
    }
    case SchemaType::Kind::kRecord: {
      if (!j.is_object()) return Mismatch(*expected, j);
      const json::object& o = j.get_object();
      Record r;
      for (const SchemaType::Attr& a : expected->attrs) {
        const json::value* v = Field(o, a.name);
        if (!v) {
          if (a.required)
            return InvalidArgument("expected the record to have an attribute `" + a.name +
                                   "`, but it does not");
          continue;
        }
        Result<Value> parsed = ParseValue(*v, a.type.get());
        if (!parsed.ok())
          return InvalidArgument("in record attribute `" + a.name +
                                 "`: " + parsed.error().message());
        r.emplace(a.name, std::move(parsed).value());
      }
      if (r.size() != o.size()) {
        for (const auto& kv : o)
          if (!expected->FindAttr(kv.key()))
            return InvalidArgument("record attribute `" + std::string(kv.key()) +
                                   "` should not exist according to the schema");
      }
      return Value(std::move(r));
    }
    default:
      return ParsePlain(j);
  }
}

// ---- strict JSON text parsing -------------------------------------------------------------------

// Builds a json::value like boost's own parser, but also remembers the keys of each open object
// so that a repeated key is an error (boost would silently keep the last one).
class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::string duplicate;  // the repeated key, when parsing stopped on one

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    frames_.push_back(keys_.size());
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys_.resize(frames_.back());
    frames_.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    st.push_key(s);
    key_.append(s.data(), s.size());
    auto first = keys_.begin() + static_cast<std::ptrdiff_t>(frames_.back());
    if (std::find(first, keys_.end(), key_) != keys_.end()) {
      duplicate = std::move(key_);
      key_.clear();
      ec = json::error::syntax;
      return false;
    }
    keys_.push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  // The keys of all open objects, innermost last; frames_ holds where each object's keys start.
  std::vector<std::string> keys_;
  std::vector<size_t> frames_;
  std::string key_;
};

Error JsonErrorAt(std::string_view text, size_t offset, std::string_view name,
                  std::string_view what) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  Error e = InvalidArgument(std::string(name) + ":" + std::to_string(line) + ":" +
                            std::to_string(column) + ": " + std::string(what));
  e.mutable_details()["line"] = line;
  e.mutable_details()["column"] = column;
  return e;
}

// Tarjan's algorithm over child → parent edges: strongly connected components come out in reverse
// topological order, so every component's ancestors are known when it is finished.
template <typename Node>
void ComputeAncestors(std::vector<Node*>& nodes,
                      const std::function<Node*(const EntityUid&)>& find) {
  const int n = static_cast<int>(nodes.size());
  std::unordered_map<const Node*, int> index_of;
  index_of.reserve(nodes.size());
  for (int i = 0; i < n; ++i) index_of.emplace(nodes[i], i);
  // Resolved parent indices (-1 for absent parents) once, rather than on every visit.
  std::vector<std::vector<int>> edges(n);
  for (int i = 0; i < n; ++i) {
    for (const EntityUid& p : nodes[i]->entity.parents) {
      Node* pn = find(p);
      edges[i].push_back(pn ? index_of.at(pn) : -1);
    }
  }
  std::vector<int> index(n, -1), low(n, 0), component(n, -1);
  std::vector<bool> on_stack(n, false);
  std::vector<int> stack;
  std::vector<std::pair<int, size_t>> calls;  // (node, next edge) of the explicit DFS
  int counter = 0;
  int components = 0;
  for (int root = 0; root < n; ++root) {
    if (index[root] >= 0) continue;
    calls.emplace_back(root, 0);
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!calls.empty()) {
      auto& [v, next] = calls.back();
      if (next < edges[v].size()) {
        int w = edges[v][next++];
        if (w < 0) continue;
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          calls.emplace_back(w, 0);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      int done = v;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
      if (low[done] != index[done]) continue;
      // `done` roots a component: pop it, then give all its members the same ancestors.
      std::vector<int> members;
      int w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        component[w] = components;
        members.push_back(w);
      } while (w != done);
      std::unordered_set<EntityUid, EntityUidHash> ancestors;
      for (int m : members) {
        const std::vector<EntityUid>& parents = nodes[m]->entity.parents;
        for (size_t k = 0; k < parents.size(); ++k) {
          ancestors.insert(parents[k]);
          int p = edges[m][k];
          if (p >= 0 && component[p] != components)
            ancestors.insert(nodes[p]->ancestors.begin(), nodes[p]->ancestors.end());
        }
      }
      for (size_t k = 1; k < members.size(); ++k) nodes[members[k]]->ancestors = ancestors;
      nodes[members[0]]->ancestors = std::move(ancestors);
      ++components;
    }
  }
}

}  // namespace

namespace {

// ParseJson, building the value in `storage`.
Result<json::value> ParseJsonInto(std::string_view text, std::string_view name,
                                  json::storage_ptr storage) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::basic_parser<StrictHandler> parser(options);
  parser.handler().st.reset(std::move(storage));
  json::error_code ec;
  size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    const std::string& dup = parser.handler().duplicate;
    if (!dup.empty()) return JsonErrorAt(text, n, name, "duplicate key `" + dup + "` in an object");
    return JsonErrorAt(text, n, name, "invalid JSON: " + ec.message());
  }
  if (n != text.size())
    return JsonErrorAt(text, n, name, "invalid JSON: unexpected text after the value");
  return parser.handler().st.release();
}

}  // namespace

Result<json::value> ParseJson(std::string_view text, std::string_view name) {
  return ParseJsonInto(text, name, {});
}

Result<EntityUid> EntityUidFromJson(const json::value& j) {
  if (const json::object* o = j.if_object()) {
    if (o->contains("__expr")) return ExprEscapeError();
    if (const json::value* e = Field(*o, "__entity")) return TypeAndId(*e);
  }
  return TypeAndId(j);
}

Result<Value> ValueFromJson(const json::value& j, const SchemaType* expected) {
  return ParseValue(j, expected);
}

json::value ValueToJson(const Value& v) {
  auto extn = [](std::string_view fn, std::string arg) {
    return json::value{{"__extn", {{"fn", fn}, {"arg", std::move(arg)}}}};
  };
  switch (v.type()) {
    case Type::kBool:
      return v.as_bool();
    case Type::kLong:
      return v.as_long();
    case Type::kString:
      return json::string(v.as_string());
    case Type::kEntity:
      return {{"__entity", {{"type", v.as_entity().type}, {"id", v.as_entity().id}}}};
    case Type::kSet: {
      json::array a;
      a.reserve(v.as_set().size());
      for (const Value& e : v.as_set()) a.push_back(ValueToJson(e));
      return a;
    }
    case Type::kRecord: {
      json::object o;
      for (const auto& [k, e] : v.as_record()) o[k] = ValueToJson(e);
      return o;
    }
    case Type::kDecimal:
      return extn("decimal", ToString(v.as_decimal()));
    case Type::kIpAddr:
      return extn("ip", ToString(v.as_ip()));
    case Type::kDatetime: {
      // A datetime outside years 0000-9999 has no literal form; write it as an offset from the
      // epoch, which reads back to the same value.
      std::string text = ToString(v.as_datetime());
      if (ParseDatetime(text) == std::optional<Datetime>(v.as_datetime()))
        return extn("datetime", text);
      json::object o{
          {"fn", "offset"},
          {"args", json::array{extn("datetime", "1970-01-01"),
                               extn("duration", ToString(Duration{v.as_datetime().ms}))}}};
      return json::value(json::object{{"__extn", std::move(o)}});
    }
    case Type::kDuration:
      return extn("duration", ToString(v.as_duration()));
  }
  return nullptr;
}

namespace {

// Rust's Entities accept a uid listed twice when both entries are deep-equal (update_entity_map
// compares with deep_eq); only differing duplicates are an error.
bool SameEntity(const Entity& a, const Entity& b) {
  if (!(a.attrs == b.attrs) || !(a.tags == b.tags)) return false;
  std::vector<EntityUid> pa = a.parents, pb = b.parents;
  std::sort(pa.begin(), pa.end());
  pa.erase(std::unique(pa.begin(), pa.end()), pa.end());
  std::sort(pb.begin(), pb.end());
  pb.erase(std::unique(pb.begin(), pb.end()), pb.end());
  return pa == pb;
}

}  // namespace

Status Entities::Add(Entity entity) {
  EntityUid uid = entity.uid;
  auto [it, inserted] = nodes_.try_emplace(std::move(uid));
  if (!inserted) {
    if (SameEntity(it->second.entity, entity)) return OkStatus();
    return InvalidArgument("duplicate entity entry `" + it->first.ToString() + "`");
  }
  it->second.entity = std::move(entity);
  return OkStatus();
}

void Entities::Build() {
  std::vector<Node*> nodes;
  nodes.reserve(nodes_.size());
  for (auto& [uid, node] : nodes_) {
    node.ancestors.clear();
    nodes.push_back(&node);
  }
  ComputeAncestors<Node>(nodes, [this](const EntityUid& uid) -> Node* {
    auto it = nodes_.find(uid);
    return it == nodes_.end() ? nullptr : &it->second;
  });
}

const Entity* Entities::Find(const EntityUid& uid) const {
  auto it = nodes_.find(uid);
  return it == nodes_.end() ? nullptr : &it->second.entity;
}

bool Entities::IsAncestor(const EntityUid& uid, const EntityUid& ancestor) const {
  auto it = nodes_.find(uid);
  return it != nodes_.end() && it->second.ancestors.contains(ancestor);
}

json::array Entities::ToJson() const {
  std::vector<const Entity*> sorted;
  sorted.reserve(nodes_.size());
  for (const auto& [uid, node] : nodes_) sorted.push_back(&node.entity);
  std::sort(sorted.begin(), sorted.end(),
            [](const Entity* a, const Entity* b) { return a->uid < b->uid; });
  json::array out;
  out.reserve(sorted.size());
  for (const Entity* e : sorted) {
    json::object o;
    o["uid"] = ValueToJson(Value(e->uid));
    json::object attrs;
    for (const auto& [k, v] : e->attrs) attrs[k] = ValueToJson(v);
    o["attrs"] = std::move(attrs);
    json::array parents;
    for (const EntityUid& p : e->parents) parents.push_back(ValueToJson(Value(p)));
    o["parents"] = std::move(parents);
    if (!e->tags.empty()) {
      json::object tags;
      for (const auto& [k, v] : e->tags) tags[k] = ValueToJson(v);
      o["tags"] = std::move(tags);
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<Entities> Entities::FromJson(std::string_view text, const Schema* schema) {
  // The JSON is only read, then dropped: an arena makes building and freeing it cheap.
  json::monotonic_resource arena;
  ASSIGN_OR_RETURN(json::value j, ParseJsonInto(text, "entities", &arena));
  return FromJsonValue(j, schema);
}

namespace {

// One element of the entities array → Entity, with schema-based parsing when `schema` is set.
Result<Entity> ParseEntity(const json::value& j, const Schema* schema) {
  const json::object* o = j.if_object();
  if (!o) return InvalidArgument("expected an entity object, got " + JsonText(j));
  const json::value* uid_json = Field(*o, "uid");
  if (!uid_json) return InvalidArgument("entity without a `uid`: " + JsonText(j));
  Entity e;
  {
    Result<EntityUid> uid = EntityUidFromJson(*uid_json);
    if (!uid.ok()) return InvalidArgument("in uid field of entity: " + uid.error().message());
    e.uid = std::move(uid).value();
  }
  // Only error messages need the uid as text.
  auto uid_text = [&e] { return e.uid.ToString(); };
  const bool is_action = IsActionType(e.uid.type);
  const SchemaType* attr_types = nullptr;
  const SchemaType* tag_type = nullptr;
  if (schema) {
    if (is_action) {
      if (!schema->ActionContext(e.uid))
        return InvalidArgument("found action entity `" + uid_text() +
                               "`, but it was not declared as an action in the schema");
    } else {
      attr_types = schema->EntityAttrs(e.uid.type);
      if (!attr_types)
        return InvalidArgument("entity `" + uid_text() + "` has type `" + e.uid.type +
                               "` which is not declared in the schema");
      tag_type = schema->EntityTags(e.uid.type);
    }
  }
  if (const json::value* attrs = Field(*o, "attrs"); attrs && !attrs->is_null()) {
    if (!attrs->is_object())
      return InvalidArgument("the attrs of `" + uid_text() + "` must be an object, got " +
                             JsonText(*attrs));
    for (const auto& kv : attrs->get_object()) {
      std::string name(kv.key());
      const SchemaType* type = nullptr;
      if (schema) {
        if (is_action)
          return InvalidArgument("definition of action `" + uid_text() +
                                 "` does not match its schema declaration");
        const SchemaType::Attr* a = attr_types->FindAttr(name);
        if (!a)
          return InvalidArgument("attribute `" + name + "` on `" + uid_text() +
                                 "` should not exist according to the schema");
        type = a->type.get();
      }
      Result<Value> v = ParseValue(kv.value(), type);
      if (!v.ok())
        return InvalidArgument("in attribute `" + name + "` on `" + uid_text() +
                               "`: " + v.error().message());
      e.attrs.emplace(std::move(name), std::move(v).value());
    }
  }
  if (const json::value* parents = Field(*o, "parents"); parents && !parents->is_null()) {
    if (!parents->is_array())
      return InvalidArgument("the parents of `" + uid_text() + "` must be an array, got " +
                             JsonText(*parents));
    for (const json::value& p : parents->get_array()) {
      Result<EntityUid> parent = EntityUidFromJson(p);
      if (!parent.ok())
        return InvalidArgument("in parents of `" + uid_text() + "`: " + parent.error().message());
      if (!schema && is_action && !IsActionType(parent->type))
        return InvalidArgument("action `" + uid_text() + "` has a non-action parent `" +
                               parent->ToString() + "`");
      e.parents.push_back(std::move(parent).value());
    }
  }
  if (const json::value* tags = Field(*o, "tags"); tags && !tags->is_null()) {
    if (!tags->is_object())
      return InvalidArgument("the tags of `" + uid_text() + "` must be an object, got " +
                             JsonText(*tags));
    for (const auto& kv : tags->get_object()) {
      std::string name(kv.key());
      if (schema && !tag_type) {
        if (is_action)
          return InvalidArgument("definition of action `" + uid_text() +
                                 "` does not match its schema declaration");
        return InvalidArgument("found a tag `" + name + "` on `" + uid_text() +
                               "`, but no tags should exist on `" + uid_text() +
                               "` according to the schema");
      }
      Result<Value> v = ParseValue(kv.value(), tag_type);
      if (!v.ok())
        return InvalidArgument("in tag `" + name + "` on `" + uid_text() +
                               "`: " + v.error().message());
      e.tags.emplace(std::move(name), std::move(v).value());
    }
  }
  if (schema && !is_action) RETURN_IF_ERROR(schema->CheckEntity(e));
  return e;
}

}  // namespace

Result<Entities> Entities::FromJsonValue(const json::value& j, const Schema* schema) {
  const json::array* list = j.if_array();
  if (!list) return InvalidArgument("entities must be a JSON array, got " + JsonText(j));
  Entities out;
  out.nodes_.reserve(list->size() + 8);
  std::vector<EntityUid> json_actions;
  std::vector<EntityUid> order;  // for a deterministic choice of vertex in the cycle error
  order.reserve(list->size());
  for (const json::value& item : *list) {
    ASSIGN_OR_RETURN(Entity e, ParseEntity(item, schema));
    if (schema && IsActionType(e.uid.type)) json_actions.push_back(e.uid);
    order.push_back(e.uid);
    RETURN_IF_ERROR(out.Add(std::move(e)));
  }
  std::vector<Entity> schema_actions;
  if (schema) {
    schema_actions = schema->ActionEntities();
    for (Entity& a : schema_actions)
      if (!out.Find(a.uid)) RETURN_IF_ERROR(out.Add(a));
  }
  out.Build();
  for (const EntityUid& uid : order)
    if (out.IsAncestor(uid, uid))
      return InvalidArgument("input graph has a cycle containing vertex `" + uid.ToString() + "`");
  if (!json_actions.empty()) {
    // An action the JSON defines must be the schema's action: same ancestors, no attributes or
    // tags (ParseEntity already rejected those).
    Entities declared;
    for (Entity& a : schema_actions) RETURN_IF_ERROR(declared.Add(std::move(a)));
    declared.Build();
    for (const EntityUid& uid : json_actions) {
      if (out.nodes_.at(uid).ancestors != declared.nodes_.at(uid).ancestors)
        return InvalidArgument("definition of action `" + uid.ToString() +
                               "` does not match its schema declaration");
    }
  }
  return out;
}

}  // namespace custody::cedar
