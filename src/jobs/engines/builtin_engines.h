// The built-in engines that need no model weights:
//   "procedural" — prompt + seed + references → a deterministic PNG (media/procedural.h);
//   "vips-edit"  — a source image + a list of edit operations → PNG or JPEG (media/edit.h).
#pragma once

#include <memory>

#include "jobs/engine.h"

namespace custody::jobs {

std::unique_ptr<Engine> MakeProceduralEngine();
std::unique_ptr<Engine> MakeEditEngine();

}  // namespace custody::jobs
