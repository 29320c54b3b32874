#include "ops/restore_staging.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <vector>

#include "ops/restore_plan.h"

namespace cv::ops {
namespace {

// A run killed before its cleanup (SIGKILL, power loss) leaves its run dir behind. The staging root
// is ours alone (checked), so run dirs not touched for a day are removed by the next restore; a
// restore running at the same time keeps its own.
void RemoveStaleRuns(const env::SafeDir& staging) {
  int fd = ::openat(staging.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return;
  }
  std::vector<std::string> stale;
  const time_t cutoff = ::time(nullptr) - 24 * 3600;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    struct stat st {};
    if (n == "." || n == ".." || ::fstatat(staging.fd(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode) && st.st_mtime < cutoff) stale.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : stale) (void)staging.RemoveTree(n);
}

}  // namespace

RestoreStaging::RestoreStaging(const env::SafeDir& root, env::SafeDir staging, env::SafeDir run)
    : root_(root), staging_(std::move(staging)), run_(std::move(run)) {}

Result<std::unique_ptr<RestoreStaging>> RestoreStaging::Open(const env::SafeDir& root,
                                                             const std::string& backup_id, mode_t run_mode) {
  CV_ASSIGN_OR_RETURN(env::SafeDir staging, root.OpenPrivateSub(kStagingDirName, 0711));
  RemoveStaleRuns(staging);
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
