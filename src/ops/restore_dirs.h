// src/ops/restore_dirs.h — the directories a restore writes into, opened once as fds before any file
// is written: the trusted roots (data dirs, --target-dir), this run's staging areas, and every
// destination dir, made where missing. Nothing below a root follows a symlink (env/safe_dir.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "env/safe_dir.h"
#include "ops/restore_plan.h"
#include "ops/restore_staging.h"

namespace cv::ops {

struct RestoreDirs {
  std::map<std::string, std::unique_ptr<env::SafeDir>> roots;      // by root path
  std::map<std::string, std::unique_ptr<RestoreStaging>> staging;  // by staging root path
  std::map<std::string, std::unique_ptr<env::SafeDir>> dest;       // by FileJob::root + "/" + rel_dir
  const env::SafeDir& Dest(const FileJob& job) const { return *dest.at(job.root + "/" + job.rel_dir); }
};

// Modes of what a restore creates: table dirs in a data dir 0750 (owned by the data dir's owner
// when run as root), everything under --target-dir 0700 (plaintext SSTables are nobody else's).
inline constexpr mode_t kDataDirMode = 0750, kTargetDirMode = 0700;

// Opens the roots and staging areas of `plan` and makes its destination dirs. Live: sets each
// table's import_dir to the real path. Directories this run creates below a data dir are chowned
// to the data dir's owner (euid 0 only); existing ones keep their owner and mode.
Status OpenRestoreDirs(RestorePlan& plan, RestoreDirs* dirs);

// Removes this run's staging areas (also after a failure: a rerun stages afresh).
void RemoveStaging(RestoreDirs* dirs);

}  // namespace cv::ops
