// src/ops/restore_source.h — step 0 of a restore: the node restored into and whose backup it takes.
// This node's own backup by default; --from-node names the node it replaces; --node-map (a new cluster)
// names, in a file made by `cassvault cluster-map`, the source node this one takes (ops/cluster_map.h).
// Nothing is written: the node's config and, live, its identity over CQL are read.
#pragma once

#include <functional>
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

// --cluster-tag: which of a cluster backup's node backups is this node's. Pure but for `tokens_of`, which
// reads a backup's manifest (its node's tokens).
struct ClusterTagTarget {
  std::string host_id;              // live: over CQL; "" for a stopped node
  std::string address;              // broadcast_address, else listen_address
  std::vector<std::string> tokens;  // live tokens, else cassandra.yaml's initial_token ({} if unset)
};
struct ClusterTagPick {
  BackupRecord record;
  std::string matched_by;  // "host id", "tokens" or "address"
  std::string line;        // for the restore's plan
};
using TokensOf = std::function<Result<std::vector<std::string>>(const BackupRecord&)>;
// `records`: every backup record in the vault (any order). By host id first; when no record has this
// node's host id (a new cluster), by tokens (the manifests of the tag's backups); last by address (a
// stopped node whose host id cannot be read). The newest backup of the node wins.
// NotFound when the tag has no backup or none is this node's (naming the nodes it has);
// FailedPrecondition when the tag is partial for this node (a member then, it committed nothing).
Result<ClusterTagPick> PickClusterTagBackup(const std::string& tag, const std::vector<BackupRecord>& records,
                                            const ClusterTagTarget& me, const TokensOf& tokens_of);

// InvalidArgument for a --mode other than offline or live, and for --node-map with --target-dir,
// --mode live, --from-node or --topology-change; NotFound when no such backup exists.
Result<RestoreSource> SelectRestoreSource(const Config& config, vault::Vault& vault, const RestoreOptions& o);

}  // namespace cv::ops
