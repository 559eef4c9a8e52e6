// Strong identifier types: an AssetId cannot be passed where a PrincipalId is expected (style §9).
//
// Ids are opaque strings "<prefix>_<26 base32 chars>" (130 random bits), so they are safe to show,
// sort nowhere in particular, and work unchanged in SQLite and PostgreSQL.
#pragma once

#include <compare>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace custody {

class Random;

template <typename TagT>
class StrongId {
 public:
  using Tag = TagT;
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend auto operator<=>(const StrongId&, const StrongId&) = default;
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) { return os << id.value_; }

 private:
  std::string value_;
};

struct PrincipalTag {
  static constexpr std::string_view kPrefix = "prn";
};
struct ProjectTag {
  static constexpr std::string_view kPrefix = "prj";
};
struct AssetTag {
  static constexpr std::string_view kPrefix = "ast";
};
struct JobTag {
  static constexpr std::string_view kPrefix = "job";
};
struct GrantTag {
  static constexpr std::string_view kPrefix = "grt";
};
struct PublicationTag {
  static constexpr std::string_view kPrefix = "pub";
};
struct BlobTag {
  static constexpr std::string_view kPrefix = "blb";
};
struct TokenTag {
  static constexpr std::string_view kPrefix = "tok";
};
struct ReviewTag {
  static constexpr std::string_view kPrefix = "rev";
};

using PrincipalId = StrongId<PrincipalTag>;
using ProjectId = StrongId<ProjectTag>;
using AssetId = StrongId<AssetTag>;
using JobId = StrongId<JobTag>;
using GrantId = StrongId<GrantTag>;
using PublicationId = StrongId<PublicationTag>;
using BlobId = StrongId<BlobTag>;
using TokenId = StrongId<TokenTag>;
using ReviewId = StrongId<ReviewTag>;

// A fresh random id "<prefix>_<26 lowercase base32 chars>".
std::string NewIdString(std::string_view prefix, Random& random);

template <typename Id>
Id NewId(Random& random) {
  return Id(NewIdString(Id::Tag::kPrefix, random));
}

// True if `s` has the shape of an id with this prefix (used to reject junk before a lookup).
bool LooksLikeId(std::string_view s, std::string_view prefix);

template <typename Id>
bool LooksLike(std::string_view s) {
  return LooksLikeId(s, Id::Tag::kPrefix);
}

}  // namespace custody

template <typename Tag>
struct std::hash<custody::StrongId<Tag>> {
  size_t operator()(const custody::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};
