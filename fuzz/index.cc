// fuzz/index.cc — an index object's decrypted, unframed body, read both as v1 (entries grouped by pack,
// core/pack_format.h) and as v2 (each pack also names the content key sealing its blobs,
// core/pack_format_v2.h).
#include "core/pack_format.h"
#include "core/pack_format_v2.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  auto entries = cv::DecodeIndex(in, "index/fuzz");
  if (entries.ok()) {
    auto again = cv::DecodeIndex(cv::EncodeIndex(*entries), "index/fuzz");
    if (!again.ok() || again->size() != entries->size()) __builtin_trap();
  }
  auto v2 = cv::DecodeIndexV2(in, "index/fuzz");
  if (v2.ok()) {
    // Every entry survives a round trip (each group has a key), and the encoding is then stable.
    auto encoded = cv::EncodeIndexV2(*v2);
    auto again = cv::DecodeIndexV2(encoded, "index/fuzz");
    if (!again.ok() || again->entries.size() != v2->entries.size()) __builtin_trap();
    if (cv::EncodeIndexV2(*again) != encoded) __builtin_trap();
  }
  return 0;
}
