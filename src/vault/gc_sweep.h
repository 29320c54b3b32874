// src/vault/gc_sweep.h — prune's phase 2 and its deletions (collect_garbage.h): for each gc mark that is due,
// delete every candidate that is still garbage, keep (and put back into an index view) what is live again,
// then delete the mark.
#pragma once

#include <set>
#include <string>

#include "vault/collect_garbage.h"
#include "vault/gc_scan.h"

namespace cv::vault {

// Deletes `key` (a dry run only counts it). NotFound: already gone, fine. FailedPrecondition (locked by the
// store): counted in skipped_locked and noted, not an error. Anything else stops prune.
Status GcDelete(storage::ObjectStore& store, const std::string& key, uint64_t size, const GcOptions& o,
                GcReport* report);

// Phase 2 for every mark in scan->marks written at least o.grace_seconds before o.now. Marks that are not due
// yet have their pack candidates flagged kPending in the mark set. `deleted` receives every name deleted.
Status SweepDueMarks(Vault& vault, GcScan* scan, const GcOptions& o, GcReport* report,
                     std::set<std::string>* deleted);

}  // namespace cv::vault
