#include "ops/restore.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "core/format_compat.h"
#include "core/vault_layout.h"
#include "ops/cluster_map.h"
#include "ops/node_session.h"
#include "ops/restore_check.h"
#include "ops/restore_commit.h"
#include "ops/restore_load.h"
#include "ops/restore_plan.h"
#include "ops/restore_schema.h"
#include "ops/restore_tokens.h"
#include "ops/restore_write.h"

namespace cv::ops {

Result<BackupRecord> ResolveBackup(vault::Vault& vault, const std::string& id_or_tag,
                                   const std::string& host_id, const std::string& address) {
  return vault.ResolveBackup(id_or_tag, host_id, address);  // a catalog question: vault/catalog.h
}

// The steps, in order: plan (restore_plan), check (restore_check), live schema (restore_schema), write
// (restore_write), import and cleanup (restore_commit).
Result<RestoreReport> RunRestore(const Config& config, vault::Vault& vault, const RestoreOptions& o) {
  // A write-only key reads no backup: refused before any plan, directory or node is touched.
  CV_RETURN_IF_ERROR(vault.RequireReader("restore"));
  // Another cluster shape: streamed with sstableloader from a staging dir, no local node involved.
  if (o.mode == "load" && o.target_dir.empty()) return RunLoadRestore(config, vault, o);
  auto t0 = std::chrono::steady_clock::now();
  pipeline::CpuStages cpu(RestoreStageNames());
  const bool to_dir = !o.target_dir.empty();
  const bool live = !to_dir && o.mode == "live";
  if (!to_dir && o.mode != "offline" && o.mode != "live") {
    return Status::InvalidArgument("--mode '" + o.mode + "'", "expected offline, live or load");
  }

  cassandra::NodeConfig node;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(node, cassandra::LoadNodeConfig(config.cassandra_yaml));
  }
  std::unique_ptr<cassandra::CqlSession> cql;
  std::string host_id;
  std::vector<std::string> live_tokens;
  if (live) {
    CV_ASSIGN_OR_RETURN(cql, ConnectCql(config, node));
    CV_ASSIGN_OR_RETURN(auto ident, cql->ReadLocalNode());
    host_id = ident.host_id;
    live_tokens = ident.tokens;
  }
  // --node-map (a new cluster) names the source node this one takes: as --from-node would.
  std::string from_node = o.from_node;
  NodeMapPick pick;
  if (!o.node_map.empty()) {
    if (to_dir || live || !o.from_node.empty() || o.topology_change) {
      return Status::InvalidArgument("--node-map",
                                     "is for offline restores into the nodes of a new cluster; "
                                     "not with --target-dir, --mode live, --from-node or "
                                     "--topology-change");
    }
    CV_ASSIGN_OR_RETURN(pick, PickFromNodeMap(vault, o.backup, o.node_map, node));
    from_node = pick.source_host_id;
  }
  std::optional<pipeline::CpuStages::Scope> loading(std::in_place, &cpu, kRStageManifest);
  // --from-node picks the replaced node's backup instead of this node's.
  CV_ASSIGN_OR_RETURN(BackupRecord record,
                      !pick.backup_id.empty()
                          ? vault.LoadRecord(pick.backup_id)
                          : ResolveBackup(vault, o.backup, from_node.empty() ? host_id : from_node,
                                          from_node.empty() ? node.listen_address : from_node));
  CV_ASSIGN_OR_RETURN(Manifest manifest, vault.LoadManifest(record));
  loading.reset();
  // Whose backup, which partitioner, which tokens: all checked before any write.
  RestoreTokenStep token_step;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(token_step,
                        PlanRestoreTokens({&node, &manifest, live, host_id, live_tokens, from_node,
                                           o.topology_change, o.includes.empty(), !o.node_map.empty()}));
    token_step.dc_map = pick.dc_map;
  }
  // Bad input (another node's backup, another partitioner, other tokens) is named first; then the node's
  // state. Both before anything is written.
  if (!to_dir && !live) {
    CV_RETURN_IF_ERROR(CheckNodeStopped(
        config, node, "an offline restore needs the node stopped. Stop it, or use --mode live"));
  }
  loading.emplace(&cpu, kRStageIndexLoad);
  CV_RETURN_IF_ERROR(vault.LoadIndex());
  loading.reset();

  RestoreReport report;
  report.backup_id = record.backup_id;
  auto done = [&] {
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report.cpu_stages = cpu.Report();
    report.cpu_seconds = 0;
    for (const auto& line : report.cpu_stages) report.cpu_seconds += line.seconds;
    return report;
  };
  // 1. plan: which tables go where; the token plan leads it.
  CV_ASSIGN_OR_RETURN(RestorePlan plan,
                      PlanRestore(o, node, record, manifest, token_step.plan.restore_system_local, &report));
  report.plan.insert(report.plan.begin(), token_step.plan.lines.begin(), token_step.plan.lines.end());
  report.plan.insert(report.plan.begin(), pick.lines.begin(), pick.lines.end());
  std::set<std::string> restored_ks;
  for (const auto& p : plan.tables) restored_ks.insert(p.source->keyspace);
  if (!to_dir) {
    // A backup older than gc_grace_seconds of a replicated table can resurrect deleted rows; SSTable
    // versions the node's storage_compatibility_mode cannot read are refused before anything is written.
    CV_RETURN_IF_ERROR(CheckRestoreAge(manifest, restored_ks, o.ignore_gc_grace, &report.plan));
    std::vector<const TableEntry*> sources;
    for (const auto& p : plan.tables) sources.push_back(p.source);
    CV_RETURN_IF_ERROR(
        CheckSSTableFormats(sources, node.storage_compatibility_mode, "node " + node.yaml_path));
  }
  // 2. check: enough space for what is left to write (files already in place are skipped later).
  if (!o.dry_run) CV_RETURN_IF_ERROR(CheckRestoreSpace(vault, plan));
  // Live: schema first, so that the tables exist when their files are imported.
  if (live) CV_RETURN_IF_ERROR(CreateLiveSchema(*cql, manifest, plan, o.dry_run, &report));
  PlanFileJobs(plan, &report);
  if (o.dry_run) {
    if (!to_dir) {
      report.next_steps = RestoreNextSteps(
          token_step, manifest, restored_ks,
          token_step.plan.write_yaml ? node.yaml_path + ".before-restore-" + record.backup_id : "");
    }
    return done();
  }
  // 3. write every file, checked, through this run's staging dirs.
  RestoreDirs dirs;
  Status st = WriteRestoreFiles(config, vault, plan, dirs, o.show_progress, &report, &cpu);
  // 4. commit: live tables are handed to the node.
  if (st.ok() && live) st = ImportLiveTables(config, plan, dirs);
  // 5. cleanup of the staging dirs, also after a failure (a rerun stages afresh).
  CleanupStaging(dirs);
  CV_RETURN_IF_ERROR(st);
  // 6. tokens into cassandra.yaml once every file is in place, then the operator's next steps.
  if (!to_dir) {
    std::string yaml_copy;
    CV_ASSIGN_OR_RETURN(auto applied, ApplyRestoreTokens(token_step, record.backup_id, &yaml_copy));
    report.plan.insert(report.plan.end(), applied.begin(), applied.end());
    report.next_steps = RestoreNextSteps(token_step, manifest, restored_ks, yaml_copy);
  }
  return done();
}

}  // namespace cv::ops
