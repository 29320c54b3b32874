// src/ops/restore_commit.h — the last steps of a restore: hand live tables to `nodetool import`, and
// remove the staging area.
#pragma once

#include "ops/config.h"
#include "ops/restore_dirs.h"
#include "ops/restore_plan.h"

namespace cv::ops {

// Live mode: `nodetool import` of every planned table from its import dir.
Status ImportLiveTables(const Config& config, const RestorePlan& plan);

// Removes what this restore staged, through directory fds (never following a link the data dir's
// owner may have put there). Best effort.
void CleanupStaging(RestoreDirs& dirs);

}  // namespace cv::ops
