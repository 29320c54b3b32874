// src/ops/node_partition.h — a backup's start-up, up to "ready to deduplicate": which partition this node
// backs up into (its alias in the vault, vault/node_identity.h, minted at its first backup or taken over
// from the node it replaced through the takeover hint, ops/takeover_hint.h), then the vault set to that
// partition and its index loaded (with the local index cache next to the file cache).
//
// `cassvault backup` and bench/scale call it, so the start-up measured is the start-up run.
// A format v1 vault, or a node whose host id is unknown (an offline backup reads no host id), has no
// partition: the unpartitioned layout, as before.
#pragma once

#include <string>

#include "core/manifest.h"
#include "core/result.h"
#include "vault/vault.h"

namespace cv::ops {

struct NodePartition {
  std::string node_id;     // "" = unpartitioned
  bool minted = false;     // this start-up wrote the node's alias
  std::string takes_over;  // the node id taken over through the hint (minted only)
};

// `cache_dir`: the file cache's directory (config.cache_dir): the index cache and the takeover hint live
// there. The hint is removed once the alias naming its partition is written, or found moot (the node
// already has an alias: a host id keeps its partition).
Result<NodePartition> StartNodePartition(vault::Vault& vault, const NodeInfo& node,
                                         const std::string& cache_dir);

}  // namespace cv::ops
