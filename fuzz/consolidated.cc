// fuzz/consolidated.cc — the bodies of the two consolidations a vault reads back whole: a consolidated
// catalog (core/consolidated_catalog.h; first byte even) and a consolidated index
// (core/consolidated_index.h; first byte odd). What parses must survive a rebuild unchanged.
#include "core/consolidated_catalog.h"
#include "core/consolidated_index.h"
#include "fuzz/fuzz_input.h"

namespace {

void Catalog(std::span<const uint8_t> in) {
  auto view = cv::ParseConsolidatedCatalog(in, "catalog-full/fuzz");
  if (!view.ok()) return;
  cv::ConsolidatedCatalogWriter w(view->listed_at);
  for (const auto& e : view->entries) {
    if (!w.Add(e.name, e.record_json).ok()) __builtin_trap();  // parsed names are strictly increasing
    if (view->Find(e.name) != &e) __builtin_trap();
  }
  std::vector<uint8_t> again = std::move(w).Finish();
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) __builtin_trap();
}

void Index(std::span<const uint8_t> in) {
  auto ci = cv::DecodeConsolidatedIndex(in, "index-full/fuzz");
  if (!ci.ok()) return;
  size_t covers = ci->covers.size(), entries = ci->index.entries.size();
  auto encoded = cv::EncodeConsolidatedIndex(*ci);
  auto again = cv::DecodeConsolidatedIndex(encoded, "index-full/fuzz");
  if (!again.ok() || again->covers.size() != covers || again->index.entries.size() != entries)
    __builtin_trap();
  if (cv::EncodeConsolidatedIndex(*again) != encoded) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  if (cv::fuzz::TakeSelector(&in) % 2 == 0) {
    Catalog(in);
  } else {
    Index(in);
  }
  return 0;
}
