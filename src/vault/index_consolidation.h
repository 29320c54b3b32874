// src/vault/index_consolidation.h — a partition's consolidated index (kind 17, docs/vault-format.md
// "Consolidated index"): reading the newest one that opens, and writing a new one after a backup.
//
// A consolidation is create-only and complete or absent (a store's Put is atomic), so a backup killed while
// writing one leaves the vault as it was; superseded index objects stay until prune removes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/consolidated_index.h"
#include "core/result.h"
#include "storage/object_store.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

// A backup consolidates its partition after its commit once more than this many index objects are not
// covered by the newest consolidation: a no-change start-up then GETs at most this many small objects plus
// one consolidation.
inline constexpr size_t kConsolidateAfter = 32;

struct LoadedConsolidation {
  std::string name;
  ConsolidatedIndex body;
};

// `listed`: the partition's index-full/<node>/ listing, sorted by name (= by time). GETs the newest; one that
// does not open (damaged, not this vault's) is logged in `problems` and the one before it is tried. nullopt
// if none opens (or none exists). Store and network errors stop it.
Result<std::optional<LoadedConsolidation>> ReadNewestConsolidation(
    ObjectTable& table, const std::vector<storage::ObjectInfo>& listed, ProblemLog& problems);

// Writes `body` as a new consolidation of partition `node_id` (create-only, a random name the AAD binds).
// `after`: the newest consolidation known (or empty); within the same second the random part is drawn so the
// new name still sorts after it, since readers take the last name as the newest. Returns its name.
Result<std::string> WriteConsolidation(ObjectTable& table, std::string_view node_id, ConsolidatedIndex body,
                                       std::string_view after = {});

}  // namespace cv::vault
