// src/ops/restore_check.h — step 2 of a restore: will it fit? Checked before anything is written.
#pragma once

#include "ops/restore_plan.h"
#include "vault/vault.h"

namespace cv::ops {

// ResourceExhausted (naming the filesystem and both byte counts) when a destination filesystem has
// less free space than the restore still has to write there, in whole blocks, plus a little
// headroom. Files already holding the backed-up content (a resumed restore; checked against the
// blob hashes) are not counted and are put in plan.in_place, which the write step skips. A file
// is staged on its destination's filesystem and renamed over the old one, so it needs its size once.
Status CheckRestoreSpace(vault::Vault& vault, RestorePlan& plan);

}  // namespace cv::ops
