// bench/scale/start_up.h — a node's backup start-up as the harness runs it: ops::StartNodePartition (the
// function `cassvault backup` calls: the node's alias, minted at its first backup, its partition, its index
// with the local index cache) when the tree has it; before it, the engine's seam by hand (UsePartition with
// a node id minted here, then LoadIndex), so the harness measured the layout before and after issue 11.
#pragma once

#include <string>

#include "bench/scale/synthetic_vault.h"
#include "core/result.h"
#include "vault/vault.h"

namespace cv::scale {

struct StartedNode {
  std::string node_id;
  bool minted = false;  // this start-up made the node's partition (only a node's first backup may)
};

// `node.node_id` empty: the node's first backup. `cache_dir` empty: no local index cache.
Result<StartedNode> StartNode(vault::Vault& vault, const NodeFacts& node, const std::string& cache_dir);

}  // namespace cv::scale
