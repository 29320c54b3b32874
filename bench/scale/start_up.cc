#include "bench/scale/start_up.h"

#include <vector>

#include "crypto/crypto.h"

#if __has_include("ops/node_partition.h")
#include "ops/node_partition.h"
#define CV_SCALE_HAS_NODE_PARTITION 1
#endif

namespace cv::scale {

Result<StartedNode> StartNode(vault::Vault& vault, const NodeFacts& node, const std::string& cache_dir) {
  StartedNode out;
#ifdef CV_SCALE_HAS_NODE_PARTITION
  CV_ASSIGN_OR_RETURN(ops::NodePartition p, ops::StartNodePartition(vault, NodeInfoOf(node), cache_dir));
  out.node_id = p.node_id;
  out.minted = p.minted;
#else
  out.node_id = node.node_id;
  if (out.node_id.empty()) {
    std::vector<uint8_t> b(8);
    CV_RETURN_IF_ERROR(crypto::RandomBytes(b));
    out.node_id = crypto::ToHex(b);
    out.minted = true;
  }
  CV_RETURN_IF_ERROR(vault.UsePartition(out.node_id));
  vault.SetIndexCacheDir(cache_dir);
  CV_RETURN_IF_ERROR(vault.LoadIndex());
#endif
  return out;
}

}  // namespace cv::scale
