#include "ops/restore.h"

#include <chrono>
#include <optional>
#include <set>

#include "core/vault_layout.h"
#include "ops/audit_trail.h"
#include "ops/node_session.h"
#include "ops/restore_check.h"
#include "ops/restore_commit.h"
#include "ops/restore_load.h"
#include "ops/restore_plan.h"
#include "ops/restore_schema.h"
#include "ops/restore_source.h"
#include "ops/restore_tokens.h"
#include "ops/restore_write.h"
#include "ops/takeover_hint.h"

namespace cv::ops {

Result<BackupRecord> ResolveBackup(vault::Vault& vault, const std::string& id_or_tag,
                                   const std::string& host_id, const std::string& address) {
  return vault.ResolveBackup(id_or_tag, host_id, address);  // a catalog question: vault/catalog.h
}

// The steps, in order: source (restore_source), token plan (restore_tokens), plan (restore_plan), check
// (restore_check), live schema (restore_schema), write (restore_write), import and cleanup (restore_commit).
namespace {

Result<RestoreReport> RestoreSteps(const Config& config, vault::Vault& vault, const RestoreOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  pipeline::CpuStages cpu(RestoreStageNames());
  const bool to_dir = !o.target_dir.empty();
  const bool live = !to_dir && o.mode == "live";
  // 0. source: the node restored into, and whose backup it takes (--from-node, --node-map).
  std::optional<pipeline::CpuStages::Scope> loading(std::in_place, &cpu, kRStageManifest);
  CV_ASSIGN_OR_RETURN(RestoreSource src, SelectRestoreSource(config, vault, o));
  loading.reset();
  const Manifest& manifest = src.manifest;
  // Whose backup, which partitioner, which tokens: all checked before any write.
  RestoreTokenStep tokens;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(
        tokens, PlanRestoreTokens({&src.node, &manifest, live, src.host_id, src.live_tokens, src.from_node,
                                   o.topology_change, o.includes.empty(), !o.node_map.empty()}));
    tokens.dc_map = src.pick.dc_map;
  }
  // Bad input (another node's backup, another partitioner, other tokens) is named first; then the node's
  // state. Both before anything is written.
  if (!to_dir && !live) {
    CV_RETURN_IF_ERROR(CheckNodeStopped(
        config, src.node, "an offline restore needs the node stopped. Stop it, or use --mode live"));
  }
  loading.emplace(&cpu, kRStageIndexLoad);
  CV_RETURN_IF_ERROR(vault.UsePartition(src.record.node_id));  // the partition its blobs are in
  CV_RETURN_IF_ERROR(vault.LoadIndex());
  loading.reset();

  RestoreReport report;
  report.backup_id = src.record.backup_id;
  // 1. plan: which tables go where; the node map and the token plan lead it.
  CV_ASSIGN_OR_RETURN(RestorePlan plan, PlanRestore(o, src.node, src.record, manifest,
                                                    tokens.plan.restore_system_local, &report));
  report.plan.insert(report.plan.begin(), tokens.plan.lines.begin(), tokens.plan.lines.end());
  report.plan.insert(report.plan.begin(), src.pick.lines.begin(), src.pick.lines.end());
  const std::set<std::string> restored_ks = RestoredKeyspaces(plan);
  // 2. check: old enough to resurrect deleted rows, or unreadable by the node; enough space for what is
  // left to write (files already in place are skipped later).
  if (!to_dir)
    CV_RETURN_IF_ERROR(CheckNodeCanTake(manifest, plan, restored_ks, o.ignore_gc_grace, &report.plan));
  if (!o.dry_run) CV_RETURN_IF_ERROR(CheckRestoreSpace(vault, plan));
  // Live: schema first, so that the tables exist when their files are imported.
  if (live) CV_RETURN_IF_ERROR(CreateLiveSchema(*src.cql, manifest, plan, o.dry_run, &report));
  PlanFileJobs(plan, &report);
  if (!o.dry_run) {
    // 3. write every file, checked, through this run's staging dirs.
    RestoreDirs dirs;
    Status st = WriteRestoreFiles(config, vault, plan, dirs, o.show_progress, &report, &cpu);
    // 4. commit: live tables are handed to the node.
    if (st.ok() && live) st = ImportLiveTables(config, plan, dirs);
    // 5. cleanup of the staging dirs, also after a failure (a rerun stages afresh).
    CleanupStaging(dirs);
    CV_RETURN_IF_ERROR(st);
  }
  // 6. tokens into cassandra.yaml once every file is in place (a dry run names the copy it would keep),
  // then the operator's next steps.
  if (!to_dir) {
    std::string yaml_copy;
    CV_ASSIGN_OR_RETURN(auto applied,
                        ApplyRestoreTokens(tokens, src.record.backup_id, o.dry_run, &yaml_copy));
    report.plan.insert(report.plan.end(), applied.begin(), applied.end());
    report.next_steps = RestoreNextSteps(tokens, manifest, restored_ks, yaml_copy);
  }
  // A replacement node's next backup takes over the replaced node's partition (ops/takeover_hint.h).
  if (!to_dir && !o.dry_run && !src.from_node.empty() && !src.record.node_id.empty()) {
    if (Status h = WriteTakeoverHint(config.cache_dir, vault.vault_id(), src.record.node_id); !h.ok())
      report.plan.push_back("warning: the next backup will not take over partition " + src.record.node_id +
                            ": " + h.ToString());
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.cpu_stages = cpu.Report();
  report.cpu_seconds = 0;
  for (const auto& line : report.cpu_stages) report.cpu_seconds += line.seconds;
  return report;
}

}  // namespace

Result<RestoreReport> RunRestore(const Config& config, vault::Vault& vault, const RestoreOptions& o) {
  // A write-only key reads no backup: refused before any plan, directory or node is touched.
  CV_RETURN_IF_ERROR(vault.RequireReader("restore"));
  // Reading backup content is audited (restore.start, restore.finish), but a restore identity may have no
  // right to write to the store: a record that cannot be written is a warning, never a refused restore.
  auto trail = AuditTrail::For(vault, config);
  AuditEvent e{"restore.start",
               {o.backup.empty() ? o.cluster_tag : o.backup},
               {{"mode", o.target_dir.empty() ? o.mode : "to-dir"}, {"dry_run", o.dry_run}},
               ""};
  if (!o.from_node.empty()) e.details["from_node"] = o.from_node;
  AuditIntent intent = BeginOrWarn(*trail, vault, e);
  // Another cluster shape: streamed with sstableloader from a staging dir, no local node involved.
  Result<RestoreReport> r = o.mode == "load" && o.target_dir.empty() ? RunLoadRestore(config, vault, o)
                                                                     : RestoreSteps(config, vault, o);
  FinishOrWarn(*trail, vault, intent, r.status(),
               r.ok() ? nlohmann::json{{"backup_id", r->backup_id}} : nlohmann::json::object());
  return r;
}

}  // namespace cv::ops
