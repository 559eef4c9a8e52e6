// Request-target parsing and percent-encoding (RFC 3986), shared by the server and the client.
//
// The server runs every request target through ParseTarget before a handler sees it, so handlers
// and the router only ever see a decoded path that cannot climb out of its prefix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace custody::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes. With `plus_as_space` (query strings, forms) '+' becomes ' '. nullopt if a
// '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

// Escapes every byte outside the RFC 3986 unreserved set (ALPHA DIGIT - . _ ~), so the result is
// safe as one path segment or one query name or value.
std::string PercentEncode(std::string_view text);

// Builds "?a=1&b=x%20y" (empty string for no params), encoding names and values.
std::string BuildQuery(const QueryParams& params);

struct ParsedTarget {
  std::string path;   // decoded, starts with '/'
  QueryParams query;  // decoded names and values, in order; "a" alone gives {"a", ""}
};

// Splits and decodes an origin-form request target ("/path?query"). InvalidArgument (the server
// answers 400) for: a target that does not start with '/'; a fragment; malformed %-escapes; a
// backslash, NUL or other control character in the path (raw or decoded); an encoded '/' inside a
// segment (%2F); a "." or ".." segment (raw or encoded); a NUL in the query.
Result<ParsedTarget> ParseTarget(std::string_view target);

// Parsed "http://host:port" base URL for the client.
struct BaseUrl {
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 80;
  std::string host_header;  // "host:port" as sent in Host
};

// Accepts "http://host", "http://host:port", "http://[::1]:port", with an optional trailing '/'.
// InvalidArgument names what is wrong (https and other schemes, paths, userinfo, bad ports).
Result<BaseUrl> ParseBaseUrl(std::string_view url);

}  // namespace custody::http
