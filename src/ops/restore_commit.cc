#include "ops/restore_commit.h"

#include <filesystem>
#include <set>

#include "cassandra/node_tool.h"

namespace cv::ops {

namespace fs = std::filesystem;

Status ImportLiveTables(const Config& config, const RestorePlan& plan) {
  cassandra::NodeTool nodetool(config.nodetool);
  for (const auto& p : plan.tables) CV_RETURN_IF_ERROR(nodetool.Import(p.ks, p.table, p.import_dir));
  return Status::OK();
}

void CleanupStaging(const RestorePlan& plan) {
  // The staging area is ours alone; once everything is in place it goes.
  std::set<std::string> roots;
  if (plan.to_dir) roots.insert(plan.target_dir + "/" + plan.run_dir);
  for (const auto& d : plan.node.data_file_directories) roots.insert(d + "/" + plan.run_dir);
  for (const auto& r : roots) {
    std::error_code ec;
    fs::remove_all(r, ec);
    fs::path parent = fs::path(r).parent_path();
    fs::remove(parent, ec);  // only if empty
  }
}

}  // namespace cv::ops
