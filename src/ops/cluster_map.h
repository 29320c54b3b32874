// src/ops/cluster_map.h — restoring cluster A's cluster backup onto a new cluster B of the same shape:
// `cassvault cluster-map` proposes which B node takes which A node's backup (core/node_map.h decides),
// and `restore --node-map FILE` on each B node finds, in that file, the backup this node takes.
// Docs: docs/restore.md ("Disaster 4: a new cluster of the same shape").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cassandra/node_config.h"
#include "core/node_map.h"
#include "ops/config.h"
#include "vault/vault.h"

namespace cv::ops {

// A cluster backup: the newest backup of each node with `tag`, with each node's tokens from its
// manifest. NotFound when no backup has the tag; InvalidArgument when the tag spans several clusters.
Result<std::vector<SourceNode>> LoadClusterBackup(vault::Vault& vault, const std::string& tag);

struct ClusterMapOptions {
  std::string backup;               // the tag of the cluster backup
  std::string target_nodes_file;    // `ADDRESS DC RACK` lines: the new cluster's nodes
  std::vector<std::string> dc_map;  // --dc-map SOURCE_DC=TARGET_DC
  std::string out;                  // write the node map here (create-only); "" = only return it
};

struct ClusterMapReport {
  std::string text;  // the node-map file
  NodeMap map;
  std::vector<SourceNode> sources;
};

Result<ClusterMapReport> RunClusterMap(vault::Vault& vault, const ClusterMapOptions& options);

// restore --node-map: the source node this node takes, by this node's address (broadcast_address,
// else listen_address), after checking the whole map against the cluster backup and this node's DC
// and rack (cassandra-rackdc.properties, where the snitch reads it).
struct NodeMapPick {
  std::string backup_id, source_host_id, source_address;
  std::map<std::string, std::string> dc_map;
  std::vector<std::string> lines;  // for the restore's plan
};
Result<NodeMapPick> PickFromNodeMap(vault::Vault& vault, const std::string& tag, const std::string& map_path,
                                    const cassandra::NodeConfig& node);

}  // namespace cv::ops
