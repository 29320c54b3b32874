// src/ops/restore_source.h — step 0 of a restore: the node restored into and whose backup it takes.
// This node's own backup by default; --from-node names the node it replaces; --node-map (a new cluster)
// names, in a file made by `cassvault cluster-map`, the source node this one takes (ops/cluster_map.h).
// Nothing is written: the node's config and, live, its identity over CQL are read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cassandra/cql_session.h"
#include "cassandra/node_config.h"
#include "core/manifest.h"
#include "ops/cluster_map.h"
#include "ops/config.h"
#include "ops/restore.h"
#include "vault/vault.h"

namespace cv::ops {

struct RestoreSource {
  // The node restored into; empty with --target-dir.
  cassandra::NodeConfig node;
  std::unique_ptr<cassandra::CqlSession> cql;  // live: the running node
  std::string host_id;                         // live: what the node says over CQL
  std::vector<std::string> live_tokens;        // live
  // Whose backup: from_node is the source named by --from-node or the node map ("" = this node).
  std::string from_node;
  NodeMapPick pick;  // --node-map: its plan lines and DC map
  BackupRecord record;
  Manifest manifest;
};

// InvalidArgument for a --mode other than offline or live, and for --node-map with --target-dir,
// --mode live, --from-node or --topology-change; NotFound when no such backup exists.
Result<RestoreSource> SelectRestoreSource(const Config& config, vault::Vault& vault, const RestoreOptions& o);

}  // namespace cv::ops
