// src/core/stable_name.h — a short name derived from a longer text, the same in every build and run.
#pragma once

#include <string>
#include <string_view>

namespace cv {

// A 64-bit hash of `text` as 16 lowercase hex digits: names a local file after what it belongs to (a
// load's identity, a nodetool command). FNV-1a's steps and prime, but an offset basis a digit short of
// FNV's (1469598103934665603): load journals already on disk are named with it, so it stays. Not a
// security boundary: whoever reads the file checks what it holds.
std::string StableName(std::string_view text);

}  // namespace cv
