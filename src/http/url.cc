#include "http/url.h"

#include <cctype>
#include <charconv>

namespace custody::http {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

Status CheckPathSegment(std::string_view raw) {
  if (raw.find('\\') != std::string_view::npos) {
    return InvalidArgument("request path contains a backslash");
  }
  std::optional<std::string> seg = PercentDecode(raw);
  if (!seg) return InvalidArgument("request path has a malformed %-escape");
  for (unsigned char c : *seg) {
    if (c == '\0') return InvalidArgument("request path contains NUL");
    if (IsControl(c)) return InvalidArgument("request path contains a control character");
    if (c == '\\') return InvalidArgument("request path contains a backslash");
    if (c == '/') return InvalidArgument("request path contains an encoded '/'");
  }
  if (*seg == "." || *seg == "..") {
    return InvalidArgument("request path contains a '.' or '..' segment");
  }
  return OkStatus();
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string BuildQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    out += out.empty() ? '?' : '&';
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
  }
  return out;
}

Result<ParsedTarget> ParseTarget(std::string_view target) {
  if (target.empty() || target[0] != '/') {
    return InvalidArgument("request target must be an absolute path");
  }
  for (unsigned char c : target) {
    if (IsControl(c) || c == ' ') {
      return InvalidArgument("request target contains a space or control character");
    }
  }
  if (target.find('#') != std::string_view::npos) {
    return InvalidArgument("request target contains a fragment");
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  ParsedTarget out;
  // Check each raw segment on its own so an encoded '/' can never create a new segment.
  size_t start = 1;
  while (true) {
    size_t end = raw_path.find('/', start);
    std::string_view seg =
        raw_path.substr(start, end == std::string_view::npos ? end : end - start);
    RETURN_IF_ERROR(CheckPathSegment(seg));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.path = *PercentDecode(raw_path);

  size_t pos = 0;
  while (pos <= raw_query.size() && !raw_query.empty()) {
    size_t amp = raw_query.find('&', pos);
    std::string_view part =
        raw_query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string_view raw_name = part.substr(0, eq);
      std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
      std::optional<std::string> name = PercentDecode(raw_name, true);
      std::optional<std::string> value = PercentDecode(raw_value, true);
      if (!name || !value) return InvalidArgument("query string has a malformed %-escape");
      if (name->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
        return InvalidArgument("query string contains NUL");
      }
      out.query.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  size_t colon_slash = url.find("://");
  if (colon_slash == std::string_view::npos) {
    return InvalidArgument("base URL '" + std::string(url) + "' must start with http://");
  }
  std::string scheme(url.substr(0, colon_slash));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http") {
    return InvalidArgument("base URL scheme '" + scheme +
                           "' is not supported; only http:// (put TLS in a reverse proxy)");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return InvalidArgument("base URL must not have a path, query or fragment");
  }
  if (rest.find('@') != std::string_view::npos) {
    return InvalidArgument("base URL must not contain user information");
  }
  BaseUrl out;
  std::string_view port_text;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgument("base URL has an unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgument("base URL has junk after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (out.host.empty()) return InvalidArgument("base URL has no host");
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return InvalidArgument("base URL has an invalid port '" + std::string(port_text) + "'");
    }
    out.port = static_cast<uint16_t>(value);
  } else if (rest.find(':') != std::string_view::npos && rest[0] != '[') {
    return InvalidArgument("base URL has an empty port");
  }
  bool ipv6 = out.host.find(':') != std::string::npos;
  out.host_header = (ipv6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return out;
}

}  // namespace custody::http
