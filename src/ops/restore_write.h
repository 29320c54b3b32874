// src/ops/restore_write.h — step 3 of a restore: make the destination directories and write every
// planned file (small components first, then Data.db checked against them), then sync.
#pragma once

#include "ops/config.h"
#include "ops/restore_dirs.h"
#include "ops/restore_plan.h"
#include "vault/vault.h"

namespace cv::ops {

// Opens and makes the directories into `dirs` (see restore_dirs.h), then writes. Fills
// files_written / files_already_present / bytes_written of `report`.
Status WriteRestoreFiles(const Config& config, vault::Vault& vault, RestorePlan& plan, RestoreDirs& dirs,
                         bool show_progress, RestoreReport* report);

}  // namespace cv::ops
