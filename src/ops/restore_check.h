// src/ops/restore_check.h — step 2 of a restore: may the node take these tables, and will they fit?
// Checked before anything is written.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ops/restore_plan.h"
#include "vault/vault.h"

namespace cv::ops {

// The source keyspaces of the planned tables.
std::set<std::string> RestoredKeyspaces(const RestorePlan& plan);

// Into a node (not --target-dir): a backup older than gc_grace_seconds of a replicated table can resurrect
// deleted rows (refused unless `ignore_gc_grace`; then a warning goes into *plan_lines), and SSTable versions
// the node's storage_compatibility_mode cannot read are refused.
Status CheckNodeCanTake(const Manifest& manifest, const RestorePlan& plan,
                        const std::set<std::string>& keyspaces, bool ignore_gc_grace,
                        std::vector<std::string>* plan_lines);

// ResourceExhausted (naming the filesystem and both byte counts) when a destination filesystem has
// less free space than the restore still has to write there, in whole blocks, plus a little
// headroom. Files already holding the backed-up content (a resumed restore; checked against the
// blob hashes) are not counted and are put in plan.in_place, which the write step skips. A file
// is staged on its destination's filesystem and renamed over the old one, so it needs its size once.
Status CheckRestoreSpace(vault::Vault& vault, RestorePlan& plan);

}  // namespace cv::ops
