// src/vault/gc_scan.h — what prune reads before it decides anything (docs/vault-format.md, "Prune"): every
// object of the kinds it may collect, the live set (the reference sets of every backup whose record is
// listed), each partition's index view and the gc marks. Everything is recomputed from the vault on each run,
// so a run killed at any point leaves nothing a later run must know.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "storage/object_store.h"
#include "vault/gc_mark_set.h"
#include "vault/gc_marks.h"
#include "vault/vault.h"

namespace cv::vault {

// When the store last wrote an object (unix s); 0: not known. Unknown counts as old enough only because the
// two-phase rule alone guarantees a candidate stayed unreferenced for the grace (a gc mark is due grace after
// it was written, and phase 2 recomputes that the object is still garbage).
int64_t ModifiedOf(const storage::ObjectInfo& info);

struct GcPartition {
  std::string node;
  std::vector<storage::ObjectInfo> raw;             // index/<node>/, sorted
  std::vector<storage::ObjectInfo> consolidations;  // index-full/<node>/, sorted (newest last)
  std::string newest;                               // the newest consolidation that opens ("" none)
  std::set<std::string> covered;                    // the raw names `newest` covers
  std::set<std::string> readable;                   // raw names covered, or read and opened
};

struct GcScan {
  std::unique_ptr<GcMarkSet> set;
  std::set<std::string> live_ids;  // backups kept: every record listed (opening or not), minus excluded
  bool records_complete = true;    // every live record opened: manifests and content keys may be judged
  bool refs_complete = true;       // every live backup's reference set was read: packs may be judged
  bool keys_judgeable = true;      // every pack's content key is known (no unpartitioned packs): keys may go
  std::map<std::string, GcPartition> partitions;  // partitioned (node id) only
  // Objects of the kinds prune may delete besides packs and index objects, by name.
  std::map<std::string, storage::ObjectInfo> others;  // manifests/, refs/, content-keys/, catalog-full/
  std::map<std::string, storage::ObjectInfo> index_objects;  // index/<node>/..., index-full/<node>/...
  std::string newest_catalog;                                // the newest catalog-full/ that opens
  std::vector<GcMark> marks;                                 // oldest first
  size_t packs = 0, unpartitioned_packs = 0;
  std::vector<std::string> notes;
};

// `exclude_ids`: backups to count as gone though still listed (a dry run's purge set).
Result<GcScan> ScanVault(Vault& vault, const std::set<std::string>& exclude_ids, const std::string& work_dir);

}  // namespace cv::vault
