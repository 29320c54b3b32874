// fuzz/index.cc — an index object's decrypted, unframed body: entries grouped by pack (core/pack_format).
#include "core/pack_format.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto entries = cv::DecodeIndex(cv::fuzz::Bytes(data, size), "index/fuzz");
  if (entries.ok()) {
    auto again = cv::DecodeIndex(cv::EncodeIndex(*entries), "index/fuzz");
    if (!again.ok() || again->size() != entries->size()) __builtin_trap();
  }
  return 0;
}
