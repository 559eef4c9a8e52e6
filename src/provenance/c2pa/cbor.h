// CBOR (RFC 8949) values as C2PA uses them: claims, assertions and COSE structures.
//
// Decoding uses libcbor's streaming decoder (cbor_stream_decode) to build our own Value tree under
// explicit limits, so hostile input (huge declared lengths, deep nesting, truncation) gives an
// Error and never a large allocation, a crash or an over-read. Encoding is our own: definite
// lengths and preferred (shortest) serialization, which is what C2PA writers produce and what lets
// callers predict sizes exactly (EncodedHeadSize). Hashes and signatures always cover the exact
// bytes that were read, never a re-encoding, so decoding does not need to be canonical: map key
// order is kept as read, duplicate keys are kept too (Find returns the first).
//
// Values are plain data: thread-compatible, copyable.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace custody::provenance::cbor {

enum class Type {
  kUnsigned,   // major type 0
  kNegative,   // major type 1: the value is -1 - magnitude
  kBytes,      // major type 2
  kText,       // major type 3 (UTF-8 is checked on decode)
  kArray,      // major type 4
  kMap,        // major type 5
  kTag,        // major type 6: a tag number and one item
  kBool,       // simple values 20, 21
  kNull,       // simple value 22
  kUndefined,  // simple value 23
  kFloat,      // half, single or double (decoded to double; encoded in the shortest of the three
               // that keeps the value exactly, NaN as f97e00: RFC 8949 preferred serialization)
};

class Value;
using Array = std::vector<Value>;
using MapEntry = std::pair<Value, Value>;
using Map = std::vector<MapEntry>;  // in the order read or inserted

class Value {
 public:
  Value() : type_(Type::kNull) {}  // null

  static Value Uint(uint64_t v);
  // Any int64: non-negative values are kUnsigned, negative ones kNegative.
  static Value Int(int64_t v);
  // The negative integer -1 - magnitude (covers the whole CBOR range down to -2^64).
  static Value NegativeFromMagnitude(uint64_t magnitude);
  static Value Bytes(custody::Bytes v);
  static Value Bytes(std::span<const uint8_t> v);
  static Value Text(std::string v);
  static Value MakeArray(Array items = {});
  static Value MakeMap(Map entries = {});
  static Value Tag(uint64_t tag, Value item);
  static Value Bool(bool v);
  static Value Null();
  static Value Undefined();
  static Value Float(double v);

  Type type() const { return type_; }
  bool is_uint() const { return type_ == Type::kUnsigned; }
  bool is_int() const { return type_ == Type::kUnsigned || type_ == Type::kNegative; }
  bool is_bytes() const { return type_ == Type::kBytes; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_tag() const { return type_ == Type::kTag; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_null() const { return type_ == Type::kNull; }

  // Accessors assert the type (check it first).
  uint64_t uint() const;                   // kUnsigned: the value; kNegative: the magnitude
  std::optional<int64_t> AsInt64() const;  // nullopt if not an integer or out of range
  const custody::Bytes& bytes() const;
  const std::string& text() const;
  const Array& array() const;
  Array& array();
  const Map& map() const;
  Map& map();
  uint64_t tag() const;
  const Value& tagged() const;  // the item under a tag
  bool boolean() const;
  double float_value() const;

  // Map lookup by text key or integer key (COSE labels); nullptr if absent or not a map.
  const Value* Find(std::string_view key) const;
  const Value* Find(int64_t key) const;
  // Map building: replaces the first entry with this key, or appends. Asserts is_map().
  Value& Set(std::string_view key, Value v);
  Value& Set(int64_t key, Value v);
  // Array building: asserts is_array().
  Value& Append(Value v);

  bool operator==(const Value& other) const;

 private:
  Type type_;
  uint64_t u_ = 0;  // unsigned value, negative magnitude, tag number, bool
  double f_ = 0;
  custody::Bytes bytes_;
  std::string text_;
  Array array_;  // also the single tagged item (array_[0])
  Map map_;
};

struct DecodeLimits {
  int max_depth = 64;           // nesting of arrays, maps and tags
  size_t max_items = 1u << 20;  // total data items in one document
};

// Decodes exactly one data item that fills all of `data` (trailing bytes are an error).
// Indefinite-length strings, arrays and maps are accepted (C2PA does not write them, others may).
// Simple values other than false, true, null and undefined (e.g. simple(16)) are rejected: Value
// cannot hold them and C2PA never uses them. Text must be valid UTF-8 (no overlongs, surrogates
// or code points above U+10FFFF; a chunk of an indefinite text string must be valid by itself).
// A declared array/map count larger than the remaining input could hold is rejected before any
// allocation, so memory stays proportional to the input (and to limits.max_items).
// Errors are kInvalidArgument with a message naming the byte offset where decoding failed.
Result<Value> Decode(std::span<const uint8_t> data, const DecodeLimits& limits = {});

// Encodes with definite lengths and the shortest argument encoding.
Bytes Encode(const Value& value);
void EncodeTo(const Value& value, Bytes& out);

// Size of an item head (major type + argument) for argument `n`: 1, 2, 3, 5 or 9 bytes.
size_t EncodedHeadSize(uint64_t n);
// Size of a byte string of `length` bytes, head included.
inline size_t EncodedBytesSize(size_t length) { return EncodedHeadSize(length) + length; }

// A JSON view for reports (`custody verify --json`, the API): integers as numbers (beyond the
// int64/uint64 range as strings), text as strings, byte strings as base64 strings, tag 0 / tag 1
// dates as their inner value, other tags as {"tag": n, "value": v}, maps with non-text keys get
// the key's diagnostic notation as the member name ("1", "-7", "[1, 2]"; duplicate names keep the
// first), floats as numbers (NaN/Inf as strings), undefined as null.
boost::json::value ToJson(const Value& value);

// A compact diagnostic notation (RFC 8949 §8) for test failures and debugging, e.g.
// {"alg": "sha256", "hash": h'0102'}.
std::string Diagnostic(const Value& value);

}  // namespace custody::provenance::cbor
