#include "ops/restore_staging.h"

#include "ops/restore_plan.h"

namespace cv::ops {

RestoreStaging::RestoreStaging(const env::SafeDir& root, env::SafeDir staging, env::SafeDir run)
    : root_(root), staging_(std::move(staging)), run_(std::move(run)) {}

Result<std::unique_ptr<RestoreStaging>> RestoreStaging::Open(const env::SafeDir& root,
                                                             const std::string& backup_id, mode_t run_mode) {
  CV_ASSIGN_OR_RETURN(env::SafeDir staging, root.OpenPrivateSub(kStagingDirName, 0711));
  CV_ASSIGN_OR_RETURN(env::SafeDir run, staging.MakeFreshSub(backup_id, run_mode));
  return std::unique_ptr<RestoreStaging>(new RestoreStaging(root, std::move(staging), std::move(run)));
}

Status RestoreStaging::Remove() {
  std::string name = run_.path().substr(run_.path().rfind('/') + 1);
  run_ = env::SafeDir();
  CV_RETURN_IF_ERROR(staging_.RemoveTree(name));
  return root_.RemoveIfEmpty(kStagingDirName);
}

}  // namespace cv::ops
