// src/core/token_plan.h — the decisions a node restore makes about ring ownership, with no I/O:
// may this backup go onto this node, does the partitioner match, and what must happen to the node's
// tokens so that it owns, after the restore, exactly what it owned when the backup was taken.
//
// A restored SSTable is only readable through the node that owns its token ranges: a node that comes
// back with other tokens than its backup's silently serves a fraction of the rows. Docs: docs/restore.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv {

// A node as a backup or a restore target knows it. Any field may be empty when unknown (a stopped
// node has no host id we can read).
struct NodeRef {
  std::string host_id, address;
};

// May the backup of node `backup` (id `backup_id`) be restored onto `target`? Yes when they share the
// address or the host id (a node rebuilt in place keeps its address, gets a new host id), or when
// `from_node` (--from-node HOST_ID|ADDRESS) names the backup's node. InvalidArgument names both nodes.
Status CheckBackupNode(const NodeRef& backup, const NodeRef& target, std::string_view from_node,
                       std::string_view backup_id);

// SSTables are sorted by the partitioner's tokens: another partitioner cannot read them.
// FailedPrecondition naming both; OK when either side is unknown (empty).
Status CheckPartitioner(std::string_view backup_partitioner, std::string_view target_partitioner,
                        std::string_view target);

// "a, b,c" (cassandra.yaml initial_token) -> tokens, trimmed, numerically sorted. Empty input -> {}.
std::vector<std::string> ParseTokenList(std::string_view list);
// Numerically sorted copy (Murmur3 and Random tokens are decimal integers; others sort as text).
std::vector<std::string> SortTokens(std::vector<std::string> tokens);
bool SameTokens(const std::vector<std::string>& a, const std::vector<std::string>& b);

// What the restore knows about the target node's tokens.
enum class TargetTokens {
  kFresh,        // stopped, no system keyspace and no commit log: its first start reads the yaml
  kInitialised,  // stopped, with a system keyspace: it keeps the tokens stored there, whatever the yaml says
  kRunning,      // live restore: `live_tokens` is what the node reports over CQL
};

struct TokenInputs {
  std::vector<std::string> backup_tokens;  // from the manifest; empty for backups that did not record them
  TargetTokens target = TargetTokens::kFresh;
  std::vector<std::string> live_tokens;          // kRunning
  std::vector<std::string> yaml_initial_tokens;  // cassandra.yaml initial_token, parsed
  int yaml_num_tokens = 1;
  std::string yaml_auto_bootstrap;        // "" when unset (Cassandra's default is true)
  bool initialised_after_backup = false;  // kInitialised: its system keyspace is younger than the backup
  bool topology_change = false;           // --topology-change: the operator accepts other ownership
  // kFresh: may the backup's system.local come back too? Only for a whole-node restore of a backup that
  // holds it, into a cluster of the same name, with the system keyspace in the data directories.
  bool backup_has_system_local = false;
  bool whole_node = false;
  bool same_cluster_name = false;
  bool separate_system_dir = false;  // local_system_data_file_directory set
  // --node-map: a new cluster; it takes the tokens (initial_token) but never the source's host id.
  bool new_cluster = false;
  std::string backup_host_id;
  std::string node, backup_id;  // for messages
};

struct TokenPlan {
  // Set in cassandra.yaml before the first start (only ever for a kFresh node).
  bool write_yaml = false;
  std::string initial_token;  // comma-separated, as cassandra.yaml wants it
  int num_tokens = 0;
  bool tokens_match = false;  // after the restore the node owns the backup's tokens (known or planned)
  // Restore system.local too: the node keeps the backup's host id, tokens and bootstrap state.
  bool restore_system_local = false;
  std::vector<std::string> lines;  // the token plan, for --dry-run and the report
};

// FailedPrecondition when the node holds (or will hold) other tokens than the backup's and the
// operator did not pass --topology-change; the message says how to get a node that owns them.
Result<TokenPlan> PlanTokens(const TokenInputs& in);

}  // namespace cv
