// src/core/consolidated_catalog.h — the body of a consolidated catalog (catalog-full/<stamp>-<16 hex>,
// docs/vault-format.md, "Catalog"): many backup records in one object, so that `list` reads a vault of
// 50,000 backups in a handful of requests instead of one per backup.
//
// Layout (before the frame and the seal the object table adds), little-endian:
//   "cvcatlg1" | i64 listed_at (unix s, when the consolidation's listing started) | u32 count |
//   count x ( u16 name length | name | u32 record length | record JSON )
// Names (catalog/<day>/<id>, backups/<id>) are strictly increasing. Records stay JSON text, length-prefixed,
// so a reader parses them one at a time over views of the body instead of building a document of 50,000
// records (memory: the body once, plus one record at a time).
//
// Pure: no I/O. Truncated or malformed input is Corruption naming the subject and what is wrong.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv {

inline constexpr std::string_view kConsolidatedCatalogMagic = "cvcatlg1";

// Builds a body entry by entry (names in increasing order), without holding the records twice.
class ConsolidatedCatalogWriter {
 public:
  explicit ConsolidatedCatalogWriter(int64_t listed_at);
  // InvalidArgument if `name` is empty, longer than 65535 bytes, or not after the previous name.
  Status Add(std::string_view name, std::string_view record_json);
  size_t count() const { return count_; }
  // The finished body; the writer is spent.
  std::vector<uint8_t> Finish() &&;

 private:
  std::vector<uint8_t> body_;
  std::string last_;
  uint32_t count_ = 0;
};

struct ConsolidatedCatalogEntry {
  std::string_view name;
  std::string_view record_json;
};

// Views into the body it was parsed from (which must outlive it).
struct ConsolidatedCatalogView {
  int64_t listed_at = 0;
  std::vector<ConsolidatedCatalogEntry> entries;  // sorted by name
  // The entry named `name`, or nullptr.
  const ConsolidatedCatalogEntry* Find(std::string_view name) const;
};

Result<ConsolidatedCatalogView> ParseConsolidatedCatalog(std::span<const uint8_t> body,
                                                         std::string_view subject);

}  // namespace cv
