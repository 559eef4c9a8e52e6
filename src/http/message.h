// HTTP message vocabulary shared by the server and the client: header lists, the buffered
// Response, RFC 9457 problem bodies and status reason phrases.
//
// Nothing here touches a socket or Boost.Beast; everything is a plain value.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace custody::http {

// Header fields in wire order. Names compare case-insensitively; duplicates are allowed.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (case-insensitive). Repeated fields are joined with ", " as RFC 9110
// §5.3 allows. nullopt if absent.
std::optional<std::string> FindHeader(const Headers& headers, std::string_view name);

// ASCII case-insensitive equality, for header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// True if `name` is an RFC 9110 token (the only legal header names).
bool IsValidHeaderName(std::string_view name);
// True if `value` has no CR, LF or NUL (the characters that would split or end a header line).
bool IsValidHeaderValue(std::string_view value);

// "OK", "Not Found", ...; "Unknown" for codes without a registered phrase.
std::string_view ReasonPhrase(int status);

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// A complete, buffered response. The server adds Content-Length, Date, Server and Connection.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // `value` serialised as application/json.
  static Response Json(int status, const boost::json::value& value);
  // text/plain; charset=utf-8.
  static Response Text(int status, std::string text);
  // RFC 9457 application/problem+json: {"type","title","status","detail", ...extra}. `type`
  // defaults to "about:blank" and `title` to the status's reason phrase.
  static Response Problem(int status, std::string detail, std::string type = "about:blank",
                          std::string title = "", boost::json::object extra = {});
};

}  // namespace custody::http
