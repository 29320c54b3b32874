// src/vault/gc_repack.h — prune's writes that are not deletions: a repacked pack (the live blobs of a pack
// that is mostly garbage, copied verbatim into a new pack) and the index objects that name it, or name a pack
// that must come back into its partition's index view (docs/vault-format.md, "Prune").
//
// A sealed blob's AAD names the blob, not its pack, so its bytes move unchanged: no content key is needed,
// and the new pack's header (sealed under the metadata root, naming the new pack) names the same content key.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/pack_format_v2.h"
#include "core/result.h"
#include "vault/object_table.h"

namespace cv::vault {

struct RepackResult {
  ObjectId pack_id{};
  std::string pack_key, index_key;
  ObjectId content_key{};
  std::vector<PackEntry> entries;  // as in the new pack
  uint64_t bytes = 0;              // the new pack's size
};

// Reads pack `old_id` of partition `node` whole (at most `max_size` bytes), checks it (header names it, the
// blob region hashes to its commitment), and writes a new pack with the entries whose blob is in `keep`, then
// an index object naming it. The old pack is left for the caller to mark. Corruption if the old pack does not
// check out (nothing written).
Result<RepackResult> RepackPack(ObjectTable& table, const std::string& node, const ObjectId& old_id,
                                uint64_t size, const std::set<ObjectId>& keep);

// Writes one index object in partition `node` naming `entries` of `pack_id`, sealed by `content_key`.
// Returns its name.
Result<std::string> WriteIndexObject(ObjectTable& table, const std::string& node, const ObjectId& pack_id,
                                     const ObjectId& content_key, const std::vector<PackEntry>& entries);

}  // namespace cv::vault
