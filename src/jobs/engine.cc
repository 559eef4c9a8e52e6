#include "jobs/engine.h"

namespace custody::jobs {

void EngineRegistry::Register(std::unique_ptr<Engine> engine) {
  std::string name(engine->name());
  engines_[name] = std::move(engine);
}

Engine* EngineRegistry::Find(std::string_view name) const {
  auto it = engines_.find(name);
  return it == engines_.end() ? nullptr : it->second.get();
}

std::vector<const Engine*> EngineRegistry::List() const {
  std::vector<const Engine*> out;
  for (const auto& [n, e] : engines_) out.push_back(e.get());
  return out;
}

}  // namespace custody::jobs
