#include "ops/restore_check.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <map>

namespace cv::ops {

namespace fs = std::filesystem;

Status CheckRestoreSpace(const RestorePlan& plan) {
  std::map<std::string, uint64_t> bytes_per_dir;
  for (const auto& p : plan.tables) {
    for (const auto& f : p.source->files) bytes_per_dir[DestDirOf(p, f)] += f.size;
  }
  std::map<unsigned long, std::pair<std::string, uint64_t>> per_fs;  // by filesystem id
  for (const auto& [dir, bytes] : bytes_per_dir) {
    fs::path probe = dir;
    std::error_code ec;
    while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
    struct statvfs sv {};
    if (::statvfs(probe.c_str(), &sv) != 0) continue;
    auto& e = per_fs[sv.f_fsid];
    e.first = probe.string();
    e.second += bytes;
    uint64_t avail = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
    if (e.second > avail) {
      return Status::ResourceExhausted(
          "restore into " + e.first,
          "needs " + std::to_string(e.second) + " bytes but " + std::to_string(avail) +
              " are free; free space or restore fewer tables. Nothing was changed");
    }
  }
  return Status::OK();
}

}  // namespace cv::ops
