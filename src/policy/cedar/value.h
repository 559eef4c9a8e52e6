// cedar::Value: the runtime values of the Cedar language (cedar-lean/Cedar/Spec/Value.lean).
//
// A Value is one of Bool, Long (i64), String, Entity (an EntityUid), Set, Record, or an extension
// value (decimal, ipaddr, datetime, duration). Strings, entity uids, sets and records are held by
// shared, immutable pointers, so copying a Value is cheap and a Value is safe to share between
// threads once built.
//
// Equality is Cedar's `==`: structural, never an error, and values of different types are unequal.
// Compare() is a total order over all values (type first, then content); sets are kept sorted and
// de-duplicated by it, so set equality is element-wise equality of the sorted vectors.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace custody::cedar {

// A fully qualified entity type ("Namespace::Type") and an entity id (any string, "" included).
struct EntityUid {
  std::string type;
  std::string id;

  friend bool operator==(const EntityUid&, const EntityUid&) = default;
  friend auto operator<=>(const EntityUid&, const EntityUid&) = default;

  // Cedar syntax: Type::"id", with the id escaped as a Cedar string literal.
  std::string ToString() const;
};

struct EntityUidHash {
  size_t operator()(const EntityUid& u) const noexcept;
};

// decimal: a fixed-point number with four fractional digits, stored as value × 10^4.
struct Decimal {
  int64_t scaled = 0;
  friend bool operator==(const Decimal&, const Decimal&) = default;
  friend auto operator<=>(const Decimal&, const Decimal&) = default;
};

// ipaddr: an IPv4 or IPv6 address with a CIDR prefix length (32 / 128 when none was written).
// IPv4 addresses use bytes[0..3]; the remaining bytes are zero. Two ipaddr values are equal when
// family, bytes and prefix are equal (as in the Lean model: "10.0.0.1" == "10.0.0.1/32").
struct IpAddr {
  bool v6 = false;
  uint8_t prefix = 32;
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

// datetime: milliseconds since the Unix epoch (UTC), signed.
struct Datetime {
  int64_t ms = 0;
  friend bool operator==(const Datetime&, const Datetime&) = default;
  friend auto operator<=>(const Datetime&, const Datetime&) = default;
};

// duration: signed milliseconds.
struct Duration {
  int64_t ms = 0;
  friend bool operator==(const Duration&, const Duration&) = default;
  friend auto operator<=>(const Duration&, const Duration&) = default;
};

// The order of the enumerators is the order of Compare() across types.
enum class Type : uint8_t {
  kBool,
  kLong,
  kString,
  kEntity,
  kSet,
  kRecord,
  kDecimal,
  kIpAddr,
  kDatetime,
  kDuration,
};

// "bool", "long", "string", "entity", "set", "record", "decimal", "ipaddr", "datetime", "duration".
std::string_view TypeName(Type t);

class Value;
using Set = std::vector<Value>;                            // sorted by Compare, no duplicates
using Record = std::map<std::string, Value, std::less<>>;  // attribute name → value

class Value {
 public:
  Value() : v_(false) {}
  explicit Value(bool b) : v_(b) {}
  explicit Value(int64_t i) : v_(i) {}
  explicit Value(std::string s) : v_(std::make_shared<const std::string>(std::move(s))) {}
  explicit Value(EntityUid e) : v_(std::make_shared<const EntityUid>(std::move(e))) {}
  explicit Value(Record r) : v_(std::make_shared<const Record>(std::move(r))) {}
  explicit Value(Decimal d) : v_(d) {}
  explicit Value(IpAddr ip) : v_(ip) {}
  explicit Value(Datetime d) : v_(d) {}
  explicit Value(Duration d) : v_(d) {}
  // Sorts and de-duplicates `elements`.
  static Value MakeSet(std::vector<Value> elements);
  // For callers that already hold a shared entity uid (the evaluator's variables).
  explicit Value(std::shared_ptr<const EntityUid> e) : v_(std::move(e)) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is(Type t) const { return type() == t; }

  // REQUIRES: the value has the named type.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_long() const { return std::get<int64_t>(v_); }
  const std::string& as_string() const { return *std::get<StringPtr>(v_); }
  const EntityUid& as_entity() const { return *std::get<EntityPtr>(v_); }
  const std::shared_ptr<const EntityUid>& entity_ptr() const { return std::get<EntityPtr>(v_); }
  const Set& as_set() const { return *std::get<SetPtr>(v_); }
  const Record& as_record() const { return *std::get<RecordPtr>(v_); }
  Decimal as_decimal() const { return std::get<Decimal>(v_); }
  const IpAddr& as_ip() const { return std::get<IpAddr>(v_); }
  Datetime as_datetime() const { return std::get<Datetime>(v_); }
  Duration as_duration() const { return std::get<Duration>(v_); }

  // Cedar `==`.
  friend bool operator==(const Value& a, const Value& b);

  // Cedar literal syntax, e.g. `{"a": [1, User::"x"], "b": ip("10.0.0.1")}` (records by key).
  std::string ToCedar() const;

 private:
  using StringPtr = std::shared_ptr<const std::string>;
  using EntityPtr = std::shared_ptr<const EntityUid>;
  using SetPtr = std::shared_ptr<const Set>;
  using RecordPtr = std::shared_ptr<const Record>;
  struct SetTag {};
  Value(SetTag, SetPtr s) : v_(std::move(s)) {}

  // The alternatives are in the order of Type.
  std::variant<bool, int64_t, StringPtr, EntityPtr, SetPtr, RecordPtr, Decimal, IpAddr, Datetime,
               Duration>
      v_;
};

// A total order over values: by Type, then by content (sets and records lexicographically).
// Returns <0, 0 or >0. Compare(a, b) == 0 exactly when a == b.
int Compare(const Value& a, const Value& b);

// Escapes `s` as the body of a Cedar string literal (\" \\ \n \r \t \0 and \u{..} for other
// control characters), without the surrounding quotes.
std::string EscapeString(std::string_view s);

}  // namespace custody::cedar
