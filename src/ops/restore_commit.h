// src/ops/restore_commit.h — the last steps of a restore: hand live tables to `nodetool import`, and
// remove the staging area.
#pragma once

#include "ops/config.h"
#include "ops/restore_dirs.h"
#include "ops/restore_plan.h"

namespace cv::ops {

// Live mode: `nodetool import` of every planned table from its import dir, each checked before and
// after against the directory this run wrote (held open in `dirs`). The node resolves the import dir
// by path, and the data dir's owner can rename `.cassvault-restore` away and put a tree of its own at
// the same path once nodetool's argv names it: a path that no longer leads to our directory, or a
// Data.db of ours the node did not move out, fails the restore instead of reporting an import that
// did not happen.
Status ImportLiveTables(const Config& config, const RestorePlan& plan, const RestoreDirs& dirs);

// Removes what this restore staged, through directory fds (never following a link the data dir's
// owner may have put there). Best effort.
void CleanupStaging(RestoreDirs& dirs);

}  // namespace cv::ops
