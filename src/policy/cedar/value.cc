// cedar::Value: equality, the total order over values, and Cedar literal printing.
//
// operator== is on the evaluator's hot path (scope constraints and `==` compare entity uids and
// strings), so it switches on the variant index and compares the common alternatives directly,
// short-circuiting on shared pointers that are the same object. Compare() is the total order used
// to keep sets sorted and de-duplicated; it agrees with == (Compare(a, b) == 0 iff a == b).
#include "policy/cedar/value.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "policy/cedar/functions.h"

namespace custody::cedar {

namespace {

template <typename T>
int Cmp3(const T& a, const T& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

int CompareStrings(const std::string& a, const std::string& b) {
  // std::string::compare orders bytes as unsigned char, which for UTF-8 is code point order (the
  // order of Rust's String, which the Lean model mirrors).
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void AppendHexEscape(std::string& out, uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u{%x}", cp);
  out += buf;
}

}  // namespace

std::string EntityUid::ToString() const {
  std::string out;
  out.reserve(type.size() + id.size() + 4);
  out += type;
  out += "::\"";
  out += EscapeString(id);
  out += '"';
  return out;
}

size_t EntityUidHash::operator()(const EntityUid& u) const noexcept {
  size_t h = std::hash<std::string>{}(u.type);
  size_t g = std::hash<std::string>{}(u.id);
  // boost::hash_combine's mixing step.
  return h ^ (g + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kBool:
      return "bool";
    case Type::kLong:
      return "long";
    case Type::kString:
      return "string";
    case Type::kEntity:
      return "entity";
    case Type::kSet:
      return "set";
    case Type::kRecord:
      return "record";
    case Type::kDecimal:
      return "decimal";
    case Type::kIpAddr:
      return "ipaddr";
    case Type::kDatetime:
      return "datetime";
    case Type::kDuration:
      return "duration";
  }
  return "unknown";
}

Value Value::MakeSet(std::vector<Value> elements) {
  std::sort(elements.begin(), elements.end(),
            [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  elements.erase(std::unique(elements.begin(), elements.end(),
                             [](const Value& a, const Value& b) { return a == b; }),
                 elements.end());
  return Value(SetTag{}, std::make_shared<const Set>(std::move(elements)));
}

bool operator==(const Value& a, const Value& b) {
  const size_t index = a.v_.index();
  if (index != b.v_.index()) return false;
  switch (static_cast<Type>(index)) {
    case Type::kBool:
      return *std::get_if<bool>(&a.v_) == *std::get_if<bool>(&b.v_);
    case Type::kLong:
      return *std::get_if<int64_t>(&a.v_) == *std::get_if<int64_t>(&b.v_);
    case Type::kString: {
      const auto& x = *std::get_if<Value::StringPtr>(&a.v_);
      const auto& y = *std::get_if<Value::StringPtr>(&b.v_);
      return x == y || *x == *y;
    }
    case Type::kEntity: {
      const auto& x = *std::get_if<Value::EntityPtr>(&a.v_);
      const auto& y = *std::get_if<Value::EntityPtr>(&b.v_);
      // The id differs more often than the type, so compare it first.
      return x == y || (x->id == y->id && x->type == y->type);
    }
    case Type::kSet: {
      const auto& x = *std::get_if<Value::SetPtr>(&a.v_);
      const auto& y = *std::get_if<Value::SetPtr>(&b.v_);
      // Both are sorted and de-duplicated, so set equality is element-wise equality.
      return x == y || *x == *y;
    }
    case Type::kRecord: {
      const auto& x = *std::get_if<Value::RecordPtr>(&a.v_);
      const auto& y = *std::get_if<Value::RecordPtr>(&b.v_);
      return x == y || *x == *y;
    }
    case Type::kDecimal:
      return *std::get_if<Decimal>(&a.v_) == *std::get_if<Decimal>(&b.v_);
    case Type::kIpAddr:
      return *std::get_if<IpAddr>(&a.v_) == *std::get_if<IpAddr>(&b.v_);
    case Type::kDatetime:
      return *std::get_if<Datetime>(&a.v_) == *std::get_if<Datetime>(&b.v_);
    case Type::kDuration:
      return *std::get_if<Duration>(&a.v_) == *std::get_if<Duration>(&b.v_);
  }
  return false;
}

int Compare(const Value& a, const Value& b) {
  if (a.type() != b.type()) return a.type() < b.type() ? -1 : 1;
  switch (a.type()) {
    case Type::kBool:
      return Cmp3(a.as_bool(), b.as_bool());
    case Type::kLong:
      return Cmp3(a.as_long(), b.as_long());
    case Type::kString:
      return CompareStrings(a.as_string(), b.as_string());
    case Type::kEntity: {
      const EntityUid& x = a.as_entity();
      const EntityUid& y = b.as_entity();
      if (int c = CompareStrings(x.type, y.type); c != 0) return c;
      return CompareStrings(x.id, y.id);
    }
    case Type::kSet: {
      const Set& x = a.as_set();
      const Set& y = b.as_set();
      const size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        if (int c = Compare(x[i], y[i]); c != 0) return c;
      }
      return Cmp3(x.size(), y.size());
    }
    case Type::kRecord: {
      const Record& x = a.as_record();
      const Record& y = b.as_record();
      auto i = x.begin();
      auto j = y.begin();
      for (; i != x.end() && j != y.end(); ++i, ++j) {
        if (int c = CompareStrings(i->first, j->first); c != 0) return c;
        if (int c = Compare(i->second, j->second); c != 0) return c;
      }
      if (i == x.end() && j == y.end()) return 0;
      return i == x.end() ? -1 : 1;
    }
    case Type::kDecimal:
      return Cmp3(a.as_decimal(), b.as_decimal());
    case Type::kIpAddr:
      return Cmp3(a.as_ip(), b.as_ip());
    case Type::kDatetime:
      return Cmp3(a.as_datetime(), b.as_datetime());
    case Type::kDuration:
      return Cmp3(a.as_duration(), b.as_duration());
  }
  return 0;
}

std::string EscapeString(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\0':
        out += "\\0";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      AppendHexEscape(out, c);
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      // C1 control characters (U+0080..U+009F, UTF-8 0xC2 0x80..0x9F) are escaped as Rust's
      // escape_debug does; all other non-ASCII text is copied as it is.
      AppendHexEscape(out, static_cast<unsigned char>(s[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Value::ToCedar() const {
  switch (type()) {
    case Type::kBool:
      return as_bool() ? "true" : "false";
    case Type::kLong:
      return std::to_string(as_long());
    case Type::kString:
      return "\"" + EscapeString(as_string()) + "\"";
    case Type::kEntity:
      return as_entity().ToString();
    case Type::kSet: {
      std::string out = "[";
      bool first = true;
      for (const Value& v : as_set()) {
        if (!first) out += ", ";
        first = false;
        out += v.ToCedar();
      }
      out += "]";
      return out;
    }
    case Type::kRecord: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, v] : as_record()) {
        if (!first) out += ", ";
        first = false;
        out += "\"";
        out += EscapeString(key);
        out += "\": ";
        out += v.ToCedar();
      }
      out += "}";
      return out;
    }
    case Type::kDecimal:
      return "decimal(\"" + ToString(as_decimal()) + "\")";
    case Type::kIpAddr:
      return "ip(\"" + ToString(as_ip()) + "\")";
    case Type::kDatetime: {
      // datetime() only reads years 0000..9999; a value that `offset` moved outside them is
      // written as the expression that produces it.
      constexpr int64_t kYear0 = -62167219200000;      // 0000-01-01T00:00:00Z
      constexpr int64_t kYear10000 = 253402300800000;  // 10000-01-01T00:00:00Z
      const Datetime d = as_datetime();
      if (d.ms >= kYear0 && d.ms < kYear10000) return "datetime(\"" + ToString(d) + "\")";
      return "datetime(\"1970-01-01\").offset(duration(\"" + ToString(Duration{d.ms}) + "\"))";
    }
    case Type::kDuration:
      return "duration(\"" + ToString(as_duration()) + "\")";
  }
  return "";
}

}  // namespace custody::cedar
