// libFuzzer target for the Cedar parser (src/policy/cedar/parser.h): policy sets, single
// expressions and entity uids from arbitrary bytes. Besides "no crash, no leak, no UB" it checks
// invariants the rest of the engine relies on:
// - errors carry a line and column inside the input and a "<name>:<line>:<column>: " prefix;
// - a parsed policy's `text` parses on its own to one policy of the same kind and shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/cedar/parser.h"

namespace {

using custody::Error;
using custody::cedar::Policy;
using custody::cedar::PolicySet;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckError(const Error& e, std::string_view name) {
  const auto& d = e.details();
  Check(d.contains("line") && d.contains("column"));
  const int64_t line = d.at("line").as_int64();
  const int64_t column = d.at("column").as_int64();
  Check(line >= 1 && column >= 1);
  const std::string prefix =
      std::string(name) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  Check(e.message().compare(0, prefix.size(), prefix) == 0);
}

void CheckReparses(const Policy& p, bool is_template) {
  auto again = PolicySet::Parse(p.text);
  Check(again.ok());
  const auto& list = is_template ? again->templates() : again->policies();
  Check(again->policies().size() + again->templates().size() == 1 && list.size() == 1);
  const Policy& q = list[0];
  Check(q.text == p.text && q.effect == p.effect && q.annotations == p.annotations &&
        q.conditions.size() == p.conditions.size() && q.principal.op == p.principal.op &&
        q.action.op == p.action.op && q.resource.op == p.resource.op);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto set = PolicySet::Parse(text);
  if (set.ok()) {
    for (const Policy& p : set->policies()) CheckReparses(p, /*is_template=*/false);
    for (const Policy& p : set->templates()) CheckReparses(p, /*is_template=*/true);
  } else {
    CheckError(set.error(), "policy");
  }

  auto expr = custody::cedar::ParseExpression(text);
  if (!expr.ok()) CheckError(expr.error(), "expression");

  auto uid = custody::cedar::ParseEntityUid(text);
  if (!uid.ok()) CheckError(uid.error(), "entity uid");
  return 0;
}
