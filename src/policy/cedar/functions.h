// The functions and methods Cedar can call, resolved to an enum at parse time so evaluation never
// looks a name up. Extension functions (ip, decimal, datetime, duration and their methods) are
// pure and live in ext.cc; the set and tag methods need the entity store and are evaluated in
// evaluator.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "policy/cedar/value.h"

namespace custody::cedar {

enum class Fn : uint8_t {
  // Constructors, called as functions: ip("10.0.0.1"), decimal("1.5"), datetime(".."),
  // duration("..").
  kIp,
  kDecimal,
  kDatetime,
  kDuration,
  // ipaddr methods
  kIsIpv4,
  kIsIpv6,
  kIsLoopback,
  kIsMulticast,
  kIsInRange,
  // decimal methods
  kLessThan,
  kLessThanOrEqual,
  kGreaterThan,
  kGreaterThanOrEqual,
  // datetime methods
  kOffset,
  kDurationSince,
  kToDate,
  kToTime,
  // duration methods
  kToMilliseconds,
  kToSeconds,
  kToMinutes,
  kToHours,
  kToDays,
  // set methods (evaluator)
  kContains,
  kContainsAll,
  kContainsAny,
  kIsEmpty,
  // entity tag methods (evaluator)
  kHasTag,
  kGetTag,
};

struct FnInfo {
  Fn fn;
  std::string_view name;
  bool method;     // called as receiver.name(args) — the receiver is argument 0
  int arity;       // number of arguments including the receiver
  bool extension;  // true for the pure extension functions handled by CallExtension
};

// Looks a function up by name and calling style. `method` says whether it was written as
// `x.name(...)`; a function written the wrong way (e.g. `"1.2".decimal()`) is not found.
std::optional<FnInfo> LookupFunction(std::string_view name, bool method);
const FnInfo& InfoOf(Fn fn);

// Calls a pure extension function (InfoOf(fn).extension is true) on already evaluated arguments
// (receiver first). Errors, as in the Lean model: wrong argument types (type error), malformed
// constructor strings, overflow in datetime/duration arithmetic.
Result<Value> CallExtension(Fn fn, std::span<const Value> args);

// Parsers for extension literals; nullopt when the text is malformed (grammar in ext.cc).
std::optional<Decimal> ParseDecimal(std::string_view s);
std::optional<IpAddr> ParseIp(std::string_view s);
std::optional<Datetime> ParseDatetime(std::string_view s);
std::optional<Duration> ParseDuration(std::string_view s);

// Canonical text of extension values (used by Value::ToCedar and entity JSON output).
std::string ToString(Decimal d);
std::string ToString(const IpAddr& ip);
std::string ToString(Datetime d);
std::string ToString(Duration d);

}  // namespace custody::cedar
