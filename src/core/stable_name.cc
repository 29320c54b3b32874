#include "core/stable_name.h"

#include <cstdint>
#include <cstdio>

namespace cv {

std::string StableName(std::string_view text) {
  uint64_t h = 1469598103934665603ull;  // sic: see the header
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace cv
