#include "base/json.h"

#include <algorithm>

namespace custody {

Result<json::object> ParseJsonObject(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return InvalidArgument("malformed JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("expected a JSON object");
  return std::move(v.as_object());
}

Result<std::string> RequiredString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null())
    return InvalidArgument("missing field '" + std::string(key) + "'");
  if (!it->value().is_string())
    return InvalidArgument("field '" + std::string(key) + "' must be a string");
  return std::string(it->value().as_string());
}

Result<std::optional<std::string>> OptionalString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string())
    return InvalidArgument("field '" + std::string(key) + "' must be a string");
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<int64_t>> OptionalInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>();
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= uint64_t(INT64_MAX))
    return std::optional<int64_t>(int64_t(v.as_uint64()));
  return InvalidArgument("field '" + std::string(key) + "' must be an integer");
}

Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool())
    return InvalidArgument("field '" + std::string(key) + "' must be true or false");
  return std::optional<bool>(it->value().as_bool());
}

Result<std::vector<std::string>> OptionalStringArray(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array())
    return InvalidArgument("field '" + std::string(key) + "' must be an array of strings");
  for (const auto& e : it->value().as_array()) {
    if (!e.is_string())
      return InvalidArgument("field '" + std::string(key) + "' must be an array of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

namespace {
void WriteCanonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.as_object();
      std::vector<const json::key_value_pair*> items;
      for (const auto& kv : o) items.push_back(&kv);
      std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (auto* kv : items) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(kv->key()));
        out += ':';
        WriteCanonical(kv->value(), out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out += ',';
        first = false;
        WriteCanonical(e, out);
      }
      out += ']';
      break;
    }
    default:
      out += json::serialize(v);
  }
}
}  // namespace

std::string CanonicalJson(const json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

}  // namespace custody
