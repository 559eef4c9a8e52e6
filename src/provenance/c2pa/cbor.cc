#include "provenance/c2pa/cbor.h"

#include <cbor.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace custody::provenance::cbor {

// ---------------------------------------------------------------------------------------------
// Value

Value Value::Uint(uint64_t v) {
  Value out;
  out.type_ = Type::kUnsigned;
  out.u_ = v;
  return out;
}

Value Value::Int(int64_t v) {
  if (v >= 0) return Uint(static_cast<uint64_t>(v));
  // -1 - magnitude == v  ⇒  magnitude == -(v + 1), which cannot overflow for any negative v.
  return NegativeFromMagnitude(static_cast<uint64_t>(-(v + 1)));
}

Value Value::NegativeFromMagnitude(uint64_t magnitude) {
  Value out;
  out.type_ = Type::kNegative;
  out.u_ = magnitude;
  return out;
}

Value Value::Bytes(custody::Bytes v) {
  Value out;
  out.type_ = Type::kBytes;
  out.bytes_ = std::move(v);
  return out;
}

Value Value::Bytes(std::span<const uint8_t> v) { return Bytes(custody::Bytes(v.begin(), v.end())); }

Value Value::Text(std::string v) {
  Value out;
  out.type_ = Type::kText;
  out.text_ = std::move(v);
  return out;
}

Value Value::MakeArray(Array items) {
  Value out;
  out.type_ = Type::kArray;
  out.array_ = std::move(items);
  return out;
}

Value Value::MakeMap(Map entries) {
  Value out;
  out.type_ = Type::kMap;
  out.map_ = std::move(entries);
  return out;
}

Value Value::Tag(uint64_t tag, Value item) {
  Value out;
  out.type_ = Type::kTag;
  out.u_ = tag;
  out.array_.push_back(std::move(item));
  return out;
}

Value Value::Bool(bool v) {
  Value out;
  out.type_ = Type::kBool;
  out.u_ = v ? 1 : 0;
  return out;
}

Value Value::Null() { return Value(); }

Value Value::Undefined() {
  Value out;
  out.type_ = Type::kUndefined;
  return out;
}

Value Value::Float(double v) {
  Value out;
  out.type_ = Type::kFloat;
  out.f_ = v;
  return out;
}

uint64_t Value::uint() const {
  assert(is_int());
  return u_;
}

std::optional<int64_t> Value::AsInt64() const {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type_ == Type::kUnsigned) {
    if (u_ > kMax) return std::nullopt;
    return static_cast<int64_t>(u_);
  }
  if (type_ == Type::kNegative) {
    if (u_ > kMax) return std::nullopt;
    return -1 - static_cast<int64_t>(u_);
  }
  return std::nullopt;
}

const custody::Bytes& Value::bytes() const {
  assert(is_bytes());
  return bytes_;
}

const std::string& Value::text() const {
  assert(is_text());
  return text_;
}

const Array& Value::array() const {
  assert(is_array());
  return array_;
}

Array& Value::array() {
  assert(is_array());
  return array_;
}

const Map& Value::map() const {
  assert(is_map());
  return map_;
}

Map& Value::map() {
  assert(is_map());
  return map_;
}

uint64_t Value::tag() const {
  assert(is_tag());
  return u_;
}

const Value& Value::tagged() const {
  assert(is_tag() && array_.size() == 1);
  return array_[0];
}

bool Value::boolean() const {
  assert(is_bool());
  return u_ != 0;
}

double Value::float_value() const {
  assert(type_ == Type::kFloat);
  return f_;
}

namespace {

bool KeyIs(const Value& key, std::string_view text) { return key.is_text() && key.text() == text; }

bool KeyIs(const Value& key, int64_t n) {
  auto v = key.AsInt64();
  return v && *v == n;
}

template <typename K>
const Value* FindIn(const Map& map, const K& key) {
  for (const auto& [k, v] : map) {
    if (KeyIs(k, key)) return &v;
  }
  return nullptr;
}

template <typename K>
Value& SetIn(Map& map, const K& key, Value key_value, Value v) {
  for (auto& [k, existing] : map) {
    if (KeyIs(k, key)) {
      existing = std::move(v);
      return existing;
    }
  }
  map.emplace_back(std::move(key_value), std::move(v));
  return map.back().second;
}

}  // namespace

const Value* Value::Find(std::string_view key) const {
  return is_map() ? FindIn(map_, key) : nullptr;
}

const Value* Value::Find(int64_t key) const { return is_map() ? FindIn(map_, key) : nullptr; }

Value& Value::Set(std::string_view key, Value v) {
  assert(is_map());
  return SetIn(map_, key, Text(std::string(key)), std::move(v));
}

Value& Value::Set(int64_t key, Value v) {
  assert(is_map());
  return SetIn(map_, key, Int(key), std::move(v));
}

Value& Value::Append(Value v) {
  assert(is_array());
  array_.push_back(std::move(v));
  return array_.back();
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kUnsigned:
    case Type::kNegative:
    case Type::kBool:
      return u_ == other.u_;
    case Type::kBytes:
      return bytes_ == other.bytes_;
    case Type::kText:
      return text_ == other.text_;
    case Type::kArray:
      return array_ == other.array_;
    case Type::kMap:
      return map_ == other.map_;
    case Type::kTag:
      return u_ == other.u_ && array_ == other.array_;
    case Type::kNull:
    case Type::kUndefined:
      return true;
    case Type::kFloat:
      // Structural equality: every NaN is the same value (CBOR encodes one NaN), and -0.0 differs
      // from 0.0 (they encode differently).
      if (std::isnan(f_) || std::isnan(other.f_)) return std::isnan(f_) && std::isnan(other.f_);
      return f_ == other.f_ && std::signbit(f_) == std::signbit(other.f_);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Decoding

namespace {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. Returns the
// index of the first invalid byte, or nullopt when `s` is valid.
std::optional<size_t> FindInvalidUtf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (s.size() - i < len) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::nullopt;
}

// The size of the head starting with initial byte `ib` (major type + argument), or 1 when the
// additional information is not an argument length.
size_t HeadSizeOf(uint8_t ib) {
  switch (ib & 0x1F) {
    case 24:
      return 2;
    case 25:
      return 3;
    case 26:
      return 5;
    case 27:
      return 9;
    default:
      return 1;
  }
}

// Builds a Value tree from libcbor's streaming callbacks. libcbor reports one data item head (or
// one whole definite-length string) per cbor_stream_decode call; the open containers live on an
// explicit stack, so nesting depth costs heap, not C stack, and is bounded by the limits.
class TreeBuilder {
 public:
  TreeBuilder(std::span<const uint8_t> data, const DecodeLimits& limits)
      : data_(data), limits_(limits) {}

  Result<Value> Run();

  // Callback entry points (the context pointer is the TreeBuilder).
  void OnUint(uint64_t v);
  void OnNegative(uint64_t magnitude);
  void OnBytes(const uint8_t* p, size_t n);
  void OnText(const uint8_t* p, size_t n);
  void OnIndefiniteString(bool text);
  void OnArray(std::optional<size_t> n);
  void OnMap(std::optional<size_t> n);
  void OnTag(uint64_t tag);
  void OnFloat(double v);
  void OnSimple(Value v);
  void OnBreak();

 private:
  enum class Kind { kArray, kMap, kTag, kIndefiniteBytes, kIndefiniteText };
  struct Frame {
    Kind kind;
    bool indefinite = false;
    uint64_t remaining = 0;  // data items still expected (a map counts keys and values)
    size_t offset = 0;       // where the container's head was
    Value value;
    std::optional<Value> key;  // a map's key waiting for its value
    std::string chunks;        // an indefinite-length string's chunks so far
  };

  // Counts a data item head; false (with the error set) when over the limit or when an
  // indefinite-length string is open and this is not one of its chunks.
  bool BeginItem(bool is_string_chunk);
  bool PushContainer(Frame frame);
  void Emit(Value v);
  void Fail(size_t offset, std::string what);
  // Bytes of input after the current head.
  size_t RemainingAfterHead() const {
    const size_t head = HeadSizeOf(data_[offset_]);
    return data_.size() - offset_ - std::min(head, data_.size() - offset_);
  }
  int ContainerDepth() const {
    int depth = 0;
    for (const Frame& f : stack_) {
      if (f.kind != Kind::kIndefiniteBytes && f.kind != Kind::kIndefiniteText) ++depth;
    }
    return depth;
  }

  std::span<const uint8_t> data_;
  DecodeLimits limits_;
  size_t offset_ = 0;  // the head being decoded
  size_t items_ = 0;
  std::vector<Frame> stack_;
  std::optional<Value> root_;
  std::optional<Error> error_;
};

void TreeBuilder::Fail(size_t offset, std::string what) {
  if (!error_) {
    error_ = InvalidArgument("CBOR: at offset " + std::to_string(offset) + ": " + std::move(what));
  }
}

bool TreeBuilder::BeginItem(bool is_string_chunk) {
  if (error_) return false;
  if (++items_ > limits_.max_items) {
    Fail(offset_, "more than " + std::to_string(limits_.max_items) + " data items");
    return false;
  }
  if (!stack_.empty() && !is_string_chunk &&
      (stack_.back().kind == Kind::kIndefiniteBytes ||
       stack_.back().kind == Kind::kIndefiniteText)) {
    Fail(offset_,
         "an indefinite-length string may only contain definite-length strings of its type");
    return false;
  }
  return true;
}

bool TreeBuilder::PushContainer(Frame frame) {
  if (ContainerDepth() >= limits_.max_depth) {
    Fail(offset_, "nesting deeper than " + std::to_string(limits_.max_depth));
    return false;
  }
  frame.offset = offset_;
  stack_.push_back(std::move(frame));
  return true;
}

void TreeBuilder::Emit(Value v) {
  while (!error_) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Kind::kArray:
        top.value.array().push_back(std::move(v));
        break;
      case Kind::kMap:
        if (!top.key) {
          top.key = std::move(v);
        } else {
          top.value.map().emplace_back(std::move(*top.key), std::move(v));
          top.key.reset();
        }
        break;
      case Kind::kTag: {
        Value tagged = Value::Tag(top.remaining, std::move(v));
        stack_.pop_back();
        v = std::move(tagged);
        continue;
      }
      case Kind::kIndefiniteBytes:
      case Kind::kIndefiniteText:
        // BeginItem rejects everything but chunks, which never reach Emit.
        Fail(offset_, "internal: item inside an indefinite-length string");
        return;
    }
    if (top.indefinite) return;
    if (--top.remaining > 0) return;
    v = std::move(top.value);
    stack_.pop_back();
  }
}

void TreeBuilder::OnUint(uint64_t v) {
  if (BeginItem(false)) Emit(Value::Uint(v));
}

void TreeBuilder::OnNegative(uint64_t magnitude) {
  if (BeginItem(false)) Emit(Value::NegativeFromMagnitude(magnitude));
}

void TreeBuilder::OnBytes(const uint8_t* p, size_t n) {
  if (!BeginItem(true)) return;
  if (!stack_.empty() && stack_.back().kind == Kind::kIndefiniteText) {
    Fail(offset_, "byte string chunk inside an indefinite-length text string");
    return;
  }
  if (!stack_.empty() && stack_.back().kind == Kind::kIndefiniteBytes) {
    // Appending in place keeps many small chunks linear; the total is bounded by the input.
    stack_.back().chunks.append(reinterpret_cast<const char*>(p), n);
    return;
  }
  Emit(Value::Bytes(std::span<const uint8_t>(p, n)));
}

void TreeBuilder::OnText(const uint8_t* p, size_t n) {
  if (!BeginItem(true)) return;
  if (!stack_.empty() && stack_.back().kind == Kind::kIndefiniteBytes) {
    Fail(offset_, "text string chunk inside an indefinite-length byte string");
    return;
  }
  if (auto bad = FindInvalidUtf8({p, n})) {
    Fail(offset_ + HeadSizeOf(data_[offset_]) + *bad, "invalid UTF-8 in text string");
    return;
  }
  if (!stack_.empty() && stack_.back().kind == Kind::kIndefiniteText) {
    stack_.back().chunks.append(reinterpret_cast<const char*>(p), n);
    return;
  }
  Emit(Value::Text(std::string(reinterpret_cast<const char*>(p), n)));
}

void TreeBuilder::OnIndefiniteString(bool text) {
  if (!BeginItem(false)) return;
  Frame f{.kind = text ? Kind::kIndefiniteText : Kind::kIndefiniteBytes, .indefinite = true};
  f.offset = offset_;
  stack_.push_back(std::move(f));
}

void TreeBuilder::OnArray(std::optional<size_t> n) {
  if (!BeginItem(false)) return;
  const size_t left = RemainingAfterHead();
  if (n && *n > left) {
    // Every item takes at least one byte: reject before allocating anything for it.
    Fail(offset_, "array declares " + std::to_string(*n) + " items but only " +
                      std::to_string(left) + " bytes follow");
    return;
  }
  if (n && *n == 0) {
    Emit(Value::MakeArray());
    return;
  }
  Frame f{.kind = Kind::kArray, .indefinite = !n, .remaining = n.value_or(0)};
  f.value = Value::MakeArray();
  if (n)
    f.value.array().reserve(std::min(*n, limits_.max_items - std::min(items_, limits_.max_items)));
  PushContainer(std::move(f));
}

void TreeBuilder::OnMap(std::optional<size_t> n) {
  if (!BeginItem(false)) return;
  const size_t left = RemainingAfterHead();
  if (n && *n > left / 2) {
    Fail(offset_, "map declares " + std::to_string(*n) + " entries but only " +
                      std::to_string(left) + " bytes follow");
    return;
  }
  if (n && *n == 0) {
    Emit(Value::MakeMap());
    return;
  }
  Frame f{.kind = Kind::kMap, .indefinite = !n, .remaining = n ? 2 * uint64_t{*n} : 0};
  f.value = Value::MakeMap();
  if (n)
    f.value.map().reserve(
        std::min(*n, (limits_.max_items - std::min(items_, limits_.max_items)) / 2));
  PushContainer(std::move(f));
}

void TreeBuilder::OnTag(uint64_t tag) {
  if (!BeginItem(false)) return;
  // A tag frame holds its number in `remaining`; it closes after exactly one item.
  PushContainer(Frame{.kind = Kind::kTag, .remaining = tag});
}

void TreeBuilder::OnFloat(double v) {
  if (BeginItem(false)) Emit(Value::Float(v));
}

void TreeBuilder::OnSimple(Value v) {
  if (BeginItem(false)) Emit(std::move(v));
}

void TreeBuilder::OnBreak() {
  if (error_) return;
  if (stack_.empty() || !stack_.back().indefinite) {
    Fail(offset_, "unexpected break (0xFF) outside an indefinite-length item");
    return;
  }
  Frame& top = stack_.back();
  if (top.kind == Kind::kMap && top.key) {
    Fail(offset_, "indefinite-length map ends after a key without its value");
    return;
  }
  Value v;
  if (top.kind == Kind::kIndefiniteBytes) {
    v = Value::Bytes(AsBytes(top.chunks));
  } else if (top.kind == Kind::kIndefiniteText) {
    v = Value::Text(std::move(top.chunks));
  } else {
    v = std::move(top.value);
  }
  stack_.pop_back();
  Emit(std::move(v));
}

// Why libcbor refused the head starting with `ib`.
std::string DescribeInvalidHead(uint8_t ib) {
  const int major = ib >> 5;
  const int info = ib & 0x1F;
  if (info >= 28 && info <= 30) {
    return "reserved additional information " + std::to_string(info) + " in initial byte 0x" +
           HexEncode(std::span<const uint8_t>(&ib, 1));
  }
  if (info == 31) {
    if (major == 0 || major == 1) return "integers cannot have indefinite length";
    if (major == 6) return "tags cannot have indefinite length";
  }
  if (major == 7) {
    return "unsupported simple value (initial byte 0x" +
           HexEncode(std::span<const uint8_t>(&ib, 1)) +
           "); only false, true, null and undefined are accepted";
  }
  return "invalid initial byte 0x" + HexEncode(std::span<const uint8_t>(&ib, 1));
}

// libcbor's C callbacks, forwarding to the TreeBuilder passed as the context.
TreeBuilder& B(void* ctx) { return *static_cast<TreeBuilder*>(ctx); }

cbor_callbacks MakeCallbacks() {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = [](void* c, uint8_t v) { B(c).OnUint(v); };
  cb.uint16 = [](void* c, uint16_t v) { B(c).OnUint(v); };
  cb.uint32 = [](void* c, uint32_t v) { B(c).OnUint(v); };
  cb.uint64 = [](void* c, uint64_t v) { B(c).OnUint(v); };
  cb.negint8 = [](void* c, uint8_t v) { B(c).OnNegative(v); };
  cb.negint16 = [](void* c, uint16_t v) { B(c).OnNegative(v); };
  cb.negint32 = [](void* c, uint32_t v) { B(c).OnNegative(v); };
  cb.negint64 = [](void* c, uint64_t v) { B(c).OnNegative(v); };
  cb.byte_string_start = [](void* c) { B(c).OnIndefiniteString(false); };
  cb.byte_string = [](void* c, cbor_data p, size_t n) { B(c).OnBytes(p, n); };
  cb.string_start = [](void* c) { B(c).OnIndefiniteString(true); };
  cb.string = [](void* c, cbor_data p, size_t n) { B(c).OnText(p, n); };
  cb.indef_array_start = [](void* c) { B(c).OnArray(std::nullopt); };
  cb.array_start = [](void* c, size_t n) { B(c).OnArray(n); };
  cb.indef_map_start = [](void* c) { B(c).OnMap(std::nullopt); };
  cb.map_start = [](void* c, size_t n) { B(c).OnMap(n); };
  cb.tag = [](void* c, uint64_t t) { B(c).OnTag(t); };
  cb.float2 = [](void* c, float v) { B(c).OnFloat(v); };
  cb.float4 = [](void* c, float v) { B(c).OnFloat(v); };
  cb.float8 = [](void* c, double v) { B(c).OnFloat(v); };
  cb.undefined = [](void* c) { B(c).OnSimple(Value::Undefined()); };
  cb.null = [](void* c) { B(c).OnSimple(Value::Null()); };
  cb.boolean = [](void* c, bool v) { B(c).OnSimple(Value::Bool(v)); };
  cb.indef_break = [](void* c) { B(c).OnBreak(); };
  return cb;
}

Result<Value> TreeBuilder::Run() {
  while (!root_) {
    if (offset_ >= data_.size()) {
      return InvalidArgument(
          "CBOR: at offset " + std::to_string(offset_) + ": input ends inside an unfinished " +
          (stack_.empty()                       ? std::string("item")
           : stack_.back().kind == Kind::kMap   ? std::string("map")
           : stack_.back().kind == Kind::kTag   ? std::string("tag")
           : stack_.back().kind == Kind::kArray ? std::string("array")
                                                : std::string("indefinite-length string")) +
          (stack_.empty() ? "" : " opened at offset " + std::to_string(stack_.back().offset)));
    }
    const uint8_t ib = data_[offset_];
    size_t read = 0;
    if (ib >= 0xC6 && ib <= 0xD4) {
      // Tags 6..20 in the one-byte form are well-formed CBOR (COSE_Sign1 is tag 18, 0xD2), but
      // libcbor 0.8's streaming decoder rejects them as "unassigned", so decode them here.
      OnTag(ib - 0xC0);
      read = 1;
    } else {
      static const cbor_callbacks callbacks = MakeCallbacks();
      const cbor_decoder_result r =
          cbor_stream_decode(data_.data() + offset_, data_.size() - offset_, &callbacks, this);
      if (r.status == CBOR_DECODER_NEDATA) {
        // (r.required is not reported: libcbor computes it with a wrapping addition.)
        return InvalidArgument("CBOR: at offset " + std::to_string(offset_) +
                               ": truncated item (the input ends " +
                               std::to_string(data_.size() - offset_) +
                               " bytes after its start, before the item does)");
      }
      if (r.status == CBOR_DECODER_ERROR) {
        return InvalidArgument("CBOR: at offset " + std::to_string(offset_) + ": " +
                               DescribeInvalidHead(ib));
      }
      read = r.read;
    }
    if (error_) return *error_;
    if (read == 0 || read > data_.size() - offset_) {
      return Internal("CBOR: decoder made no progress at offset " + std::to_string(offset_));
    }
    offset_ += read;
  }
  if (offset_ != data_.size()) {
    return InvalidArgument("CBOR: at offset " + std::to_string(offset_) + ": " +
                           std::to_string(data_.size() - offset_) +
                           " trailing bytes after the data item");
  }
  return std::move(*root_);
}

}  // namespace

Result<Value> Decode(std::span<const uint8_t> data, const DecodeLimits& limits) {
  if (data.empty()) return InvalidArgument("CBOR: at offset 0: empty input");
  TreeBuilder builder(data, limits);
  return builder.Run();
}

// ---------------------------------------------------------------------------------------------
// Encoding

namespace {

void AppendHead(Bytes& out, uint8_t major, uint64_t n) {
  const uint8_t mt = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<uint8_t>(mt | n));
    return;
  }
  int bytes;
  if (n <= 0xFF) {
    out.push_back(mt | 24);
    bytes = 1;
  } else if (n <= 0xFFFF) {
    out.push_back(mt | 25);
    bytes = 2;
  } else if (n <= 0xFFFFFFFF) {
    out.push_back(mt | 26);
    bytes = 4;
  } else {
    out.push_back(mt | 27);
    bytes = 8;
  }
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
}

// The half-precision encoding of `d` when it is exactly representable (RFC 8949 §4.2.2 preferred
// serialization of floats).
std::optional<uint16_t> ExactHalf(double d) {
  const uint16_t sign = std::signbit(d) ? 0x8000 : 0;
  if (std::isinf(d)) return static_cast<uint16_t>(sign | 0x7C00);
  const double a = std::fabs(d);
  if (a == 0) return sign;
  int exp;
  std::frexp(a, &exp);    // a = f * 2^exp with f in [0.5, 1)
  const int e = exp - 1;  // a = (1.m) * 2^e
  if (e > 15) return std::nullopt;
  if (e >= -14) {
    const double m = (std::ldexp(a, -e) - 1.0) * 1024;  // exact: scaling by powers of two
    if (m != std::floor(m)) return std::nullopt;
    return static_cast<uint16_t>(sign | ((e + 15) << 10) | static_cast<uint16_t>(m));
  }
  const double m = std::ldexp(a, 24);  // subnormal: a = m * 2^-24
  if (m != std::floor(m) || m >= 1024) return std::nullopt;
  return static_cast<uint16_t>(sign | static_cast<uint16_t>(m));
}

void AppendFloat(Bytes& out, double d) {
  if (std::isnan(d)) {
    out.insert(out.end(), {0xF9, 0x7E, 0x00});
    return;
  }
  if (auto h = ExactHalf(d)) {
    out.insert(out.end(), {0xF9, static_cast<uint8_t>(*h >> 8), static_cast<uint8_t>(*h)});
    return;
  }
  if (std::fabs(d) <= std::numeric_limits<float>::max()) {
    const float f = static_cast<float>(d);
    if (static_cast<double>(f) == d) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      out.push_back(0xFA);
      for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
      return;
    }
  }
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  out.push_back(0xFB);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

}  // namespace

size_t EncodedHeadSize(uint64_t n) {
  if (n < 24) return 1;
  if (n <= 0xFF) return 2;
  if (n <= 0xFFFF) return 3;
  if (n <= 0xFFFFFFFF) return 5;
  return 9;
}

void EncodeTo(const Value& value, Bytes& out) {
  // Iterative over an explicit stack, like the decoder, so a deep tree built in code cannot
  // exhaust the C stack.
  std::vector<const Value*> todo{&value};
  while (!todo.empty()) {
    const Value* v = todo.back();
    todo.pop_back();
    switch (v->type()) {
      case Type::kUnsigned:
        AppendHead(out, 0, v->uint());
        break;
      case Type::kNegative:
        AppendHead(out, 1, v->uint());
        break;
      case Type::kBytes:
        AppendHead(out, 2, v->bytes().size());
        out.insert(out.end(), v->bytes().begin(), v->bytes().end());
        break;
      case Type::kText:
        AppendHead(out, 3, v->text().size());
        out.insert(out.end(), v->text().begin(), v->text().end());
        break;
      case Type::kArray:
        AppendHead(out, 4, v->array().size());
        for (auto it = v->array().rbegin(); it != v->array().rend(); ++it) todo.push_back(&*it);
        break;
      case Type::kMap:
        AppendHead(out, 5, v->map().size());
        for (auto it = v->map().rbegin(); it != v->map().rend(); ++it) {
          todo.push_back(&it->second);
          todo.push_back(&it->first);
        }
        break;
      case Type::kTag:
        AppendHead(out, 6, v->tag());
        todo.push_back(&v->tagged());
        break;
      case Type::kBool:
        out.push_back(v->boolean() ? 0xF5 : 0xF4);
        break;
      case Type::kNull:
        out.push_back(0xF6);
        break;
      case Type::kUndefined:
        out.push_back(0xF7);
        break;
      case Type::kFloat:
        AppendFloat(out, v->float_value());
        break;
    }
  }
}

Bytes Encode(const Value& value) {
  Bytes out;
  EncodeTo(value, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON and diagnostic notation

namespace {

std::string NegativeToString(uint64_t magnitude) {
  // -1 - magnitude, printed without overflow: magnitude + 1 may be 2^64.
  if (magnitude == std::numeric_limits<uint64_t>::max()) return "-18446744073709551616";
  return "-" + std::to_string(magnitude + 1);
}

std::string FloatToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // Shortest round-trip digits, positional within [1e-6, 1e21) as JavaScript prints numbers,
  // scientific outside (so 100000.0 does not come out as "1e+05").
  const double a = std::fabs(d);
  const auto format =
      a == 0 || (a >= 1e-6 && a < 1e21) ? std::chars_format::fixed : std::chars_format::scientific;
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d, format);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

boost::json::value ToJson(const Value& value) {
  switch (value.type()) {
    case Type::kUnsigned:
      // int64 when it fits, which is also what boost::json::parse gives back for the number.
      if (auto v = value.AsInt64()) return boost::json::value(*v);
      return boost::json::value(value.uint());
    case Type::kNegative: {
      if (auto v = value.AsInt64()) return boost::json::value(*v);
      return boost::json::value(NegativeToString(value.uint()));
    }
    case Type::kBytes:
      return boost::json::value(Base64Encode(value.bytes()));
    case Type::kText:
      return boost::json::value(value.text());
    case Type::kArray: {
      boost::json::array a;
      a.reserve(value.array().size());
      for (const Value& item : value.array()) a.push_back(ToJson(item));
      return a;
    }
    case Type::kMap: {
      boost::json::object o;
      for (const auto& [k, v] : value.map()) {
        // Not the key's JSON serialization: nesting structured keys would escape the quotes of
        // the inner ones again at every level, an output exponential in the depth.
        std::string name = k.is_text() ? k.text() : Diagnostic(k);
        // Duplicate keys: the first wins, as in Value::Find.
        if (!o.contains(name)) o.emplace(name, ToJson(v));
      }
      return o;
    }
    case Type::kTag:
      if (value.tag() == 0 || value.tag() == 1) return ToJson(value.tagged());
      return boost::json::object{{"tag", value.tag()}, {"value", ToJson(value.tagged())}};
    case Type::kBool:
      return boost::json::value(value.boolean());
    case Type::kNull:
    case Type::kUndefined:
      return nullptr;
    case Type::kFloat: {
      const double d = value.float_value();
      if (std::isnan(d) || std::isinf(d)) return boost::json::value(FloatToString(d));
      return boost::json::value(d);
    }
  }
  return nullptr;
}

namespace {

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendDiagnostic(const Value& value, std::string& out) {
  switch (value.type()) {
    case Type::kUnsigned:
      out += std::to_string(value.uint());
      break;
    case Type::kNegative:
      out += NegativeToString(value.uint());
      break;
    case Type::kBytes:
      out += "h'" + HexEncode(value.bytes()) + "'";
      break;
    case Type::kText:
      AppendQuoted(out, value.text());
      break;
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const Value& item : value.array()) {
        if (!first) out += ", ";
        first = false;
        AppendDiagnostic(item, out);
      }
      out += ']';
      break;
    }
    case Type::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : value.map()) {
        if (!first) out += ", ";
        first = false;
        AppendDiagnostic(k, out);
        out += ": ";
        AppendDiagnostic(v, out);
      }
      out += '}';
      break;
    }
    case Type::kTag:
      out += std::to_string(value.tag()) + "(";
      AppendDiagnostic(value.tagged(), out);
      out += ')';
      break;
    case Type::kBool:
      out += value.boolean() ? "true" : "false";
      break;
    case Type::kNull:
      out += "null";
      break;
    case Type::kUndefined:
      out += "undefined";
      break;
    case Type::kFloat:
      out += FloatToString(value.float_value());
      break;
  }
}

}  // namespace

std::string Diagnostic(const Value& value) {
  std::string out;
  AppendDiagnostic(value, out);
  return out;
}

}  // namespace custody::provenance::cbor
