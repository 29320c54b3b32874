// fuzz/pack_header.cc — the tail of a pack object as a key-less writer can shape it: the trailer (sealed
// header length + magic, either format's) and the decrypted header's entry list, read both as a v1
// header (core/pack_format.h) and as a v2 one (core/pack_format_v2.h: pack id, content key, blob region
// commitment, entries that must tile the region).
#include "core/pack_format.h"
#include "core/pack_format_v2.h"
#include "fuzz/fuzz_input.h"

namespace {

bool SameEntry(const cv::PackEntry& a, const cv::PackEntry& b) {
  return a.blob_id == b.blob_id && a.offset == b.offset && a.stored_len == b.stored_len &&
         a.raw_len == b.raw_len && a.compression == b.compression;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  if (in.size() >= cv::kPackTrailerSize) {
    auto trailer = in.subspan(in.size() - cv::kPackTrailerSize);
    auto v1 = cv::ParsePackTrailer(trailer, "packs/fuzz");
    auto any = cv::ParseAnyPackTrailer(trailer, "packs/fuzz");
    // Every v1 trailer is also read by the reader of either version, as the same length.
    if (v1.ok() && (!any.ok() || any->version != 1 || any->sealed_header_len != *v1)) __builtin_trap();
    if (any.ok()) {
      // What parses must append back to the same trailer.
      std::vector<uint8_t> again;
      if (any->version == 1) {
        cv::AppendPackTrailer(any->sealed_header_len, &again);
      } else {
        cv::AppendPackTrailerV2(any->sealed_header_len, &again);
      }
      if (!std::equal(again.begin(), again.end(), trailer.begin(), trailer.end())) __builtin_trap();
    }
  }
  auto header = cv::DecodePackHeader(in, "packs/fuzz");
  if (header.ok()) {
    // What decodes must encode back to a header that decodes to the same entries.
    auto again = cv::DecodePackHeader(cv::EncodePackHeader(*header), "packs/fuzz");
    if (!again.ok() || again->size() != header->size()) __builtin_trap();
  }
  auto v2 = cv::DecodePackHeaderV2(in, "packs/fuzz");
  if (v2.ok()) {
    // v2 headers have one encoding: decode then encode gives the input back, byte for byte.
    auto encoded = cv::EncodePackHeaderV2(*v2);
    if (!std::equal(encoded.begin(), encoded.end(), in.begin(), in.end())) __builtin_trap();
    auto again = cv::DecodePackHeaderV2(encoded, "packs/fuzz");
    if (!again.ok() || again->pack_id != v2->pack_id || again->content_key != v2->content_key ||
        again->region_len != v2->region_len || again->region_hash != v2->region_hash ||
        !std::equal(again->entries.begin(), again->entries.end(), v2->entries.begin(), v2->entries.end(),
                    SameEntry)) {
      __builtin_trap();
    }
  }
  return 0;
}
