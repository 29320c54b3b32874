// src/ops/restore_commit.h — the last steps of a restore: hand live tables to `nodetool import`, and
// remove the staging area.
#pragma once

#include "ops/config.h"
#include "ops/restore_plan.h"

namespace cv::ops {

// Live mode: `nodetool import` of every planned table from its import dir.
Status ImportLiveTables(const Config& config, const RestorePlan& plan);

// Removes what this restore staged (best effort: a leftover is removed by the next run).
void CleanupStaging(const RestorePlan& plan);

}  // namespace cv::ops
