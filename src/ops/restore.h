// src/ops/restore.h — bring a backup back: into the node's table directories (offline), through
// `nodetool import` into a running node (live), or just materialised under a directory (target-dir).
// Every byte is checked against the vault's keyed hashes and every Data.db against its Digest.crc32;
// files are written under temporary names and renamed into place, so an interrupted restore resumes
// and never leaves a half-written SSTable where Cassandra would load it.
#pragma once

#include <string>
#include <vector>

#include "ops/config.h"
#include "pipeline/cpu_stages.h"
#include "vault/vault.h"

namespace cv::ops {

struct RestoreOptions {
  std::string backup;  // backup id, or tag (the newest backup of this node with it)
  // --cluster-tag TAG (instead of --backup): this node's backup of that cluster backup, found by host id,
  // else by tokens (a new cluster: other host ids), else by address (ops/restore_source.h).
  std::string cluster_tag;
  std::vector<std::string> includes;  // KS or KS.TABLE; default: every user table of the backup
  std::string mode = "offline";       // "offline", "live" or "load"; ignored with target_dir
  std::string target_dir;             // materialise only
  std::vector<std::string> renames;   // "KS.T=KS2.T2" or "KS=KS2"
  bool dry_run = false;
  bool show_progress = false;
  // [cluster-restore] ring ownership (ops/restore_tokens.h)
  std::string from_node;  // --from-node HOST_ID|ADDRESS: restore the backup of the node this one replaces
  bool topology_change = false;  // --topology-change: restore although the node owns other tokens
  bool ignore_gc_grace = false;  // --ignore-gc-grace: restore a backup older than a table's gc_grace_seconds
  // [new-cluster] (ops/cluster_map.h)
  std::string node_map;     // --node-map FILE: onto a new cluster; this node takes the backup the file names
  bool with_roles = false;  // --with-roles: system_auth too (roles, password hashes, permissions)
  // [load] --mode load: every node's backup streamed into a cluster of any shape (ops/restore_load.h)
  std::string staging_dir;              // --staging-dir: where each table's SSTables are materialised
  uint64_t staging_max = 0;             // --staging-max: bytes one table may take there (0: free space)
  int throttle_mib = 0;                 // --throttle-mib: sstableloader's MiB/s (0: unthrottled)
  std::vector<std::string> load_hosts;  // --load-hosts: contact points (default load.hosts, node.cql.host)
};

struct RestoreReport {
  std::string backup_id;
  std::vector<std::string> plan;  // what was (or, dry run, would be) done, one action per line
  uint64_t files_written = 0, bytes_written = 0, files_already_present = 0;
  uint64_t tables = 0;
  double seconds = 0;
  // CPU time by stage (RestoreStageNames(), those that ran, then "other"), from the start of RunRestore;
  // their sum is cpu_seconds, the process's CPU time over the same span.
  std::vector<pipeline::CpuStages::Line> cpu_stages;
  double cpu_seconds = 0;
  std::vector<std::string> next_steps;  // [cluster-restore] what the operator must run next
};

Result<RestoreReport> RunRestore(const Config& config, vault::Vault& vault, const RestoreOptions& options);

// Finds the backup a user means: an id, or the newest with that tag for this node (`host_id`,
// `address` may be empty when unknown). NotFound / InvalidArgument say what exists.
Result<BackupRecord> ResolveBackup(vault::Vault& vault, const std::string& id_or_tag,
                                   const std::string& host_id, const std::string& address);

}  // namespace cv::ops
