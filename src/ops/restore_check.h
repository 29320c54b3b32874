// src/ops/restore_check.h — step 2 of a restore: will it fit? Checked before anything is written.
#pragma once

#include "ops/restore_plan.h"

namespace cv::ops {

// ResourceExhausted (naming the filesystem and both byte counts) when a destination filesystem has
// less free space than the restore still has to write there.
Status CheckRestoreSpace(const RestorePlan& plan);

}  // namespace cv::ops
