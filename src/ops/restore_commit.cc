#include "ops/restore_commit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "cassandra/node_tool.h"

namespace cv::ops {
namespace {

// Does the path nodetool is given still lead, without a symlink, to the directory this run wrote?
Status CheckImportDirIsOurs(const RestoreDirs& dirs, const std::string& staging_root, const TablePlan& p,
                            const env::SafeDir& ours, const char* when) {
  const env::SafeDir& root = *dirs.roots.at(staging_root);
  const std::string rel = p.import_dir.substr(root.path().size() + 1);
  auto now = root.OpenSub(rel);
  CV_ASSIGN_OR_RETURN(struct stat want, ours.Stat());
  struct stat got {};
  if (!now.ok() || ::fstat(now->fd(), &got) != 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
    return Status::PermissionDenied(
        p.import_dir, std::string("is no longer the directory this restore wrote (replaced ") + when +
                          "; whoever can write " + root.path() +
                          " can rename entries there). Check who did it and what the node imported (its "
                          "log), then run the restore again");
  }
  return Status::OK();
}

// `nodetool import` moves every SSTable it takes out of the import dir: a Data.db of ours still there
// was not imported (nodetool said it was).
Status CheckImported(const RestorePlan& plan, const TablePlan& p, const env::SafeDir& ours) {
  int left = 0;
  std::string first;
  for (const auto& j : plan.data_jobs) {
    if (!j.root.empty() || j.rel_dir != p.rel_dir) continue;
    struct stat st {};
    if (::fstatat(ours.fd(), j.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (left++ == 0) first = j.name;
    } else if (errno != ENOENT) {
      return Status::FromErrno(errno, ours.Join(j.name), "stat");
    }
  }
  if (left == 0) return Status::OK();
  return Status::FailedPrecondition(
      "nodetool import " + p.ks + " " + p.table,
      "left " + std::to_string(left) + " restored Data.db file(s) in " + p.import_dir + " (" + first +
          "): the node did not import them. See the node's log, then run the restore again");
}

}  // namespace

Status ImportLiveTables(const Config& config, const RestorePlan& plan, const RestoreDirs& dirs) {
  cassandra::NodeTool nodetool(config.nodetool);
  const std::string& staging_root = plan.node.data_file_directories.at(0);
  for (const auto& p : plan.tables) {
    // A live job's root is "" (restore_plan.h); a table backed up without files has no import dir.
    auto it = dirs.dest.find("/" + p.rel_dir);
    if (it == dirs.dest.end()) continue;
    CV_RETURN_IF_ERROR(
        CheckImportDirIsOurs(dirs, staging_root, p, *it->second, "before nodetool import ran"));
    CV_RETURN_IF_ERROR(nodetool.Import(p.ks, p.table, p.import_dir));
    CV_RETURN_IF_ERROR(CheckImportDirIsOurs(dirs, staging_root, p, *it->second, "while nodetool import ran"));
    CV_RETURN_IF_ERROR(CheckImported(plan, p, *it->second));
  }
  return Status::OK();
}

void CleanupStaging(RestoreDirs& dirs) { RemoveStaging(&dirs); }

}  // namespace cv::ops
