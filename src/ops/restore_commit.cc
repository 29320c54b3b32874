#include "ops/restore_commit.h"

#include "cassandra/node_tool.h"

namespace cv::ops {

Status ImportLiveTables(const Config& config, const RestorePlan& plan) {
  cassandra::NodeTool nodetool(config.nodetool);
  for (const auto& p : plan.tables) CV_RETURN_IF_ERROR(nodetool.Import(p.ks, p.table, p.import_dir));
  return Status::OK();
}

void CleanupStaging(RestoreDirs& dirs) { RemoveStaging(&dirs); }

}  // namespace cv::ops
