// fuzz/pack_header.cc — the tail of a pack object as a key-less writer can shape it: the trailer
// (sealed header length + magic) and the decrypted header's entry list (core/pack_format).
#include "core/pack_format.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  if (in.size() >= cv::kPackTrailerSize) {
    (void)cv::ParsePackTrailer(in.subspan(in.size() - cv::kPackTrailerSize), "packs/fuzz");
  }
  auto header = cv::DecodePackHeader(in, "packs/fuzz");
  if (header.ok()) {
    // What decodes must encode back to a header that decodes to the same entries.
    auto again = cv::DecodePackHeader(cv::EncodePackHeader(*header), "packs/fuzz");
    if (!again.ok() || again->size() != header->size()) __builtin_trap();
  }
  return 0;
}
