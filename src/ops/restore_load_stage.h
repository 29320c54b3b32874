// src/ops/restore_load_stage.h — the staging side of `restore --mode load` (ops/restore_load.h): the disk
// budget a table must fit, the lock that keeps one load per staging dir, and writing one table's files from
// every node's backup under their renumbered names.
#pragma once

#include <string>

#include "env/safe_dir.h"
#include "env/unique_fd.h"
#include "ops/config.h"
#include "ops/restore.h"
#include "ops/restore_load_plan.h"
#include "ops/restore_staging.h"
#include "vault/vault.h"

namespace cv::ops {

// ResourceExhausted naming the table when its files (in whole blocks, plus headroom) exceed
// --staging-max or the free space of `dir`.
Status CheckLoadBudget(const LoadTable& t, const RestoreOptions& o, const std::string& dir);

// One load per staging dir at a time: the lock is held for the whole run (released by the kernel when the
// process dies, even by SIGKILL). Holding it, run dirs of earlier loads are leftovers of killed runs, and
// their staged copies are removed so that they do not eat the budget. FailedPrecondition when another
// load holds it.
Result<env::UniqueFd> LockLoadStaging(const env::SafeDir& dir);

// Every node's files of `t`, each checked (vault hashes; Data.db against the Digest.crc32 staged beside
// it), written into `dir` through `staging`. Adds to files_written / bytes_written of `report`.
Status StageLoadTable(const Config& config, vault::Vault& vault, RestoreStaging& staging,
                      const env::SafeDir& dir, const LoadTable& t, bool show_progress, RestoreReport* report);

}  // namespace cv::ops
