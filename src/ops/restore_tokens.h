// src/ops/restore_tokens.h — a node restore's ring checks and token plan, around the file copy:
// before anything is written, is this backup this node's (or --from-node's), does the partitioner
// match, and will the node own the backup's tokens; after the files are in place, set initial_token
// in cassandra.yaml for a node that has none yet, and say what the operator must do next.
// The decisions are in core/token_plan.h and core/restore_advice.h; this file finds the facts.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cassandra/node_config.h"
#include "core/manifest.h"
#include "core/token_plan.h"

namespace cv::ops {

struct RestoreTokenInputs {
  const cassandra::NodeConfig* node = nullptr;
  const Manifest* manifest = nullptr;
  bool live = false;
  std::string live_host_id;              // live: what the node says over CQL
  std::vector<std::string> live_tokens;  // live
  std::string from_node;                 // --from-node HOST_ID|ADDRESS
  bool topology_change = false;          // --topology-change
  bool whole_node = false;               // no --keyspace: every table of the backup
  bool new_cluster = false;              // --node-map: never the source's system.local
};

struct RestoreTokenStep {
  TokenPlan plan;
  NodeRef target;
  std::string yaml_path;
  bool live = false;
  std::map<std::string, std::string> dc_map;  // --node-map: source DC -> this cluster's DC
};

// Every check that must pass before a byte is written; the plan lines go into the restore's plan.
Result<RestoreTokenStep> PlanRestoreTokens(const RestoreTokenInputs& in);

// A backup older than gc_grace_seconds of a replicated table it restores is refused unless `ignore`
// (then a warning goes into *plan); see core/gc_grace.h. Reads the clock.
Status CheckRestoreAge(const Manifest& manifest, const std::set<std::string>& keyspaces, bool ignore,
                       std::vector<std::string>* plan);

// After the files are in place: carries out plan.write_yaml (the original cassandra.yaml is kept as
// `<yaml>.before-restore-<backup id>`) and reads the file back. Returns what was done, for the report;
// sets `*yaml_copy` to the copy's path when the yaml was edited. A dry run changes nothing and only
// names the copy it would keep.
Result<std::vector<std::string>> ApplyRestoreTokens(const RestoreTokenStep& step,
                                                    const std::string& backup_id, bool dry_run,
                                                    std::string* yaml_copy);

// What the operator must run next, for the keyspaces the restore wrote (source names).
std::vector<std::string> RestoreNextSteps(const RestoreTokenStep& step, const Manifest& manifest,
                                          const std::set<std::string>& keyspaces,
                                          const std::string& yaml_copy);

}  // namespace cv::ops
