// fuzz/fuzz_input.h — small helpers every target uses to read libFuzzer's input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cv::fuzz {

inline std::span<const uint8_t> Bytes(const uint8_t* data, size_t size) { return {data, size}; }
inline std::string_view Text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Takes the first byte as a selector (0 when the input is empty) and leaves the rest: one target can
// then feed several closely related decoders, and the corpus files say which by their first byte.
inline uint8_t TakeSelector(std::span<const uint8_t>* in) {
  if (in->empty()) return 0;
  uint8_t s = in->front();
  *in = in->subspan(1);
  return s;
}

// Splits at the first "\n--\n" (seed files keep two documents apart with it); no separator: all in `a`.
inline void SplitTwo(std::span<const uint8_t> in, std::span<const uint8_t>* a, std::span<const uint8_t>* b) {
  std::string_view t = Text(in);
  size_t at = t.find("\n--\n");
  if (at == std::string_view::npos) {
    *a = in;
    *b = {};
    return;
  }
  *a = in.subspan(0, at);
  *b = in.subspan(at + 4);
}

// Splits at every "\n--\n" into at most `n` parts (the last part keeps any further separators).
inline std::vector<std::span<const uint8_t>> SplitParts(std::span<const uint8_t> in, size_t n) {
  std::vector<std::span<const uint8_t>> parts;
  while (parts.size() + 1 < n) {
    std::span<const uint8_t> a, b;
    size_t before = in.size();
    SplitTwo(in, &a, &b);
    parts.push_back(a);
    if (a.size() == before) {
      in = {};
      break;
    }
    in = b;
  }
  parts.push_back(in);
  while (parts.size() < n) parts.push_back({});
  return parts;
}

}  // namespace cv::fuzz
