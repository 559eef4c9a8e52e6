// Small helpers over Boost.JSON for reading request bodies and records with clear errors.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace custody {

namespace json = boost::json;

// Parses text that must be a JSON object (request bodies). Errors name the position.
Result<json::object> ParseJsonObject(std::string_view text);

// Field accessors: a missing optional field gives nullopt; a present field of the wrong type is an
// error naming the field.
Result<std::string> RequiredString(const json::object& o, std::string_view key);
Result<std::optional<std::string>> OptionalString(const json::object& o, std::string_view key);
Result<std::optional<int64_t>> OptionalInt(const json::object& o, std::string_view key);
Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view key);
Result<std::vector<std::string>> OptionalStringArray(const json::object& o, std::string_view key);

// Deterministic serialisation: object keys sorted, no whitespace. Used where bytes are hashed.
std::string CanonicalJson(const json::value& v);

}  // namespace custody
