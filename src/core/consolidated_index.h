// src/core/consolidated_index.h — the body of a consolidated index (kind 17, index-full/<node>/<stamp>-<16
// hex>, docs/vault-format.md "Consolidated index"): many of a partition's index objects merged into one, so
// a node's backup reads its index in a few requests however many backups it made.
//
//   "CVCIDX01" | u32 LE n | n times (u32 LE length, name) | IndexV2 body (core/pack_format_v2.h)
//
// The names are the index objects it supersedes (index/<node>/<64 hex>), sorted and unique: a reader GETs
// only the listed index objects it does not name. The body holds every entry of those objects (each pack with
// its content key). Pure: no I/O; the vault seals and frames it (vault/index_consolidation.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/pack_format_v2.h"
#include "core/result.h"

namespace cv {

inline constexpr std::string_view kConsolidatedIndexMagic = "CVCIDX01";

struct ConsolidatedIndex {
  std::vector<std::string> covers;  // sorted, unique index object names
  IndexV2 index;
};

// `covers` is sorted and made unique here.
std::vector<uint8_t> EncodeConsolidatedIndex(ConsolidatedIndex ci);
// Corruption naming `subject` for anything malformed: bad magic, counts longer than the input, a name that
// is not an index object's, names out of order, a malformed body.
Result<ConsolidatedIndex> DecodeConsolidatedIndex(std::span<const uint8_t> bytes, std::string_view subject);

}  // namespace cv
