#include "ops/backup.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "cassandra/snapshot_clear.h"
#include "cassandra/snapshot_scan.h"
#include "core/table_filter.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "env/clock.h"
#include "ops/audit_trail.h"
#include "ops/backup_files.h"
#include "ops/node_partition.h"
#include "ops/node_session.h"
#include "pipeline/task_group.h"
#include "vault/backup_session.h"
#include "vault/cluster_identity.h"

namespace cv::ops {
namespace {

using env::UnixNow;

// Clears snapshot `tag`: by deleting its directories (no JVM; why that is a full clear on Cassandra 5.0:
// cassandra/snapshot_clear.cc), or through `nodetool clearsnapshot` when configured so
// (node.clear_snapshot: nodetool) or when the files cannot be removed here, with a warning that says why.
Status ClearSnapshot(const Config& config, const std::vector<std::string>& data_dirs, cassandra::NodeTool& nt,
                     const std::string& tag, const std::function<void(const std::string&)>& warn) {
  if (config.clear_snapshot_with_nodetool) return nt.ClearSnapshot(tag);
  cassandra::SnapshotDirs dirs;
  Status st = cassandra::ClearSnapshotFiles(data_dirs, tag, &dirs);
  if (st.ok() && dirs.behind_symlinks.empty()) return Status::OK();
  if (st.code() == StatusCode::kInvalidArgument) return st;  // a bad tag: nodetool would refuse it too
  std::string why;
  if (!st.ok()) {
    why = st.ToString();
    // Permission denied or a read-only file system (core/status.cc maps both to kPermissionDenied).
    if (st.code() == StatusCode::kPermissionDenied) {
      why +=
          " (run cassvault as the owner of Cassandra's files; under systemd's ProtectSystem=strict, list the "
          "data directories in the unit's ReadWritePaths; or set node.clear_snapshot: nodetool to go "
          "straight to nodetool)";
    }
  } else {
    why = "it lies behind a symlink (" + dirs.behind_symlinks.front() +
          "), which the file clear does not follow";
  }
  if (warn) warn("snapshot " + tag + " cleared with nodetool clearsnapshot (one more JVM): " + why);
  return nt.ClearSnapshot(tag);
}

// Clears our snapshot as soon as the backup has stored its files (Release), or when the backup ends
// however it ends (no leaked snapshot), and measures how long the snapshot pinned its SSTables.
class SnapshotGuard {
 public:
  SnapshotGuard(const Config& config, const std::vector<std::string>& data_dirs, cassandra::NodeTool& nt,
                std::string tag, const std::function<void(const std::string&)>& warn)
      : config_(config), data_dirs_(data_dirs), nt_(nt), tag_(std::move(tag)), warn_(warn) {}
  ~SnapshotGuard() {
    if (armed_) (void)ClearSnapshot(config_, data_dirs_, nt_, tag_, warn_);
  }
  // Just before `nodetool snapshot`: from here on, a snapshot may exist.
  void Arm() {
    armed_ = true;
    armed_at_ = std::chrono::steady_clock::now();
  }
  Status Release() {
    if (!armed_) return Status::OK();
    armed_ = false;
    Status st = ClearSnapshot(config_, data_dirs_, nt_, tag_, warn_);
    held_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - armed_at_).count();
    return st;
  }
  double held_seconds() const { return held_seconds_; }

 private:
  const Config& config_;
  const std::vector<std::string>& data_dirs_;
  cassandra::NodeTool& nt_;
  std::string tag_;
  const std::function<void(const std::string&)>& warn_;
  bool armed_ = false;
  std::chrono::steady_clock::time_point armed_at_;
  double held_seconds_ = 0;
};

// The system keyspaces that have files on disk: core/table_filter.cc's list also has the virtual ones
// (system_views, system_virtual_schema), which have no directory to back up.
constexpr std::array<std::string_view, 5> kAllSystemKeyspaces = {"system", "system_schema", "system_auth",
                                                                 "system_distributed", "system_traces"};

// Keyspace names the user typed without wildcards must exist: a typo is an error, not an empty backup.
Status CheckNamedKeyspacesExist(const std::vector<std::string>& includes,
                                const std::vector<std::string>& existing) {
  for (const auto& inc : includes) {
    std::string ks = inc.substr(0, inc.find('.'));
    if (ks.find_first_of("*?") != std::string::npos) continue;
    if (std::find(existing.begin(), existing.end(), ks) == existing.end()) {
      std::string list;
      for (const auto& e : existing) {
        if (!TableFilter::IsSystemKeyspace(e)) list += (list.empty() ? "" : ", ") + e;
      }
      return Status::NotFound("keyspace '" + ks + "'",
                              "does not exist on this node (user keyspaces: " + list + ")");
    }
  }
  return Status::OK();
}

// The tables and views a snapshot names, as "ks.table": those of the schema the filter selects. Naming
// them one by one means the snapshot flushes only those. A whole-node backup takes system.local: a snapshot
// of the keyspace `system` would flush its twenty-odd tables on every backup, and feed the compactions their
// small SSTables set off, on a node serving traffic.
Result<std::vector<std::string>> TablesToSnapshot(cassandra::CqlSession& cql, const TableFilter& filter) {
  CV_ASSIGN_OR_RETURN(std::vector<cassandra::TableInfo> schema, cql.ListTablesAndViews());
  std::vector<std::string> out;
  for (const auto& t : schema) {
    if (filter.Matches(t.keyspace, t.table)) out.push_back(t.keyspace + "." + t.table);
  }
  return out;
}

// nodetool refuses the whole list when one table or keyspace in it was dropped after it was read.
bool DroppedSinceListed(const Status& snapshot) {
  const std::string& m = snapshot.message();
  return m.find("Unknown keyspace/cf pair") != std::string::npos ||
         m.find("does not exist") != std::string::npos;
}

NodeInfo NodeInfoFromYaml(const cassandra::NodeConfig& node) {
  NodeInfo n;
  n.cluster_name = node.cluster_name;
  n.partitioner = node.partitioner;
  n.storage_compatibility_mode = node.storage_compatibility_mode;
  n.sstable_format = node.sstable_format;
  n.data_file_directories = node.data_file_directories;
  n.address = node.listen_address;
  return n;
}

// What the node says about itself over CQL wins over what its yaml says.
void ApplyIdentity(const cassandra::NodeIdentity& id, NodeInfo* n) {
  n->host_id = id.host_id;
  n->tokens = id.tokens;
  n->data_center = id.data_center;
  n->rack = id.rack;
  n->cluster_name = id.cluster_name;
  n->partitioner = id.partitioner;
  n->release_version = id.release_version;
  if (!id.broadcast_address.empty()) n->address = id.broadcast_address;
}

// The cluster this backup belongs to (vault/cluster_identity.h): its id, minted by the cluster's first
// backup into the vault. Format v1 vaults have no cluster aliases: their records carry no id.
Status RecordClusterId(vault::Vault& vault, Manifest* m) {
  if (vault.keys().format() != 2 || m->node.cluster_name.empty()) return Status::OK();
  CV_ASSIGN_OR_RETURN(vault::ResolvedCluster c,
                      vault::ResolveClusterAlias(vault.objects(), m->node.cluster_name, m->started));
  m->node.cluster_id = c.alias.cluster_id;
  return Status::OK();
}

// The catalog entry: everything `list` shows, derived from the manifest and what was stored.
BackupRecord RecordFor(const Manifest& m, const StoreFilesResult& stored) {
  BackupRecord r = RecordOf(m);
  r.new_files = stored.new_files;
  r.new_bytes = stored.new_bytes;
  return r;
}

// Snapshot mode: identity and keyspace DDL over CQL, then `nodetool snapshot` of the selected
// tables and a scan of the snapshot in every data directory. The guard clears the snapshot.
Result<std::vector<cassandra::TableFiles>> SnapshotAndScan(
    const Config& config, const cassandra::NodeConfig& node, const BackupOptions& o,
    const TableFilter& scan_filter, cassandra::NodeTool& nodetool, SnapshotGuard& guard, Manifest* m) {
  CV_ASSIGN_OR_RETURN(auto cql, ConnectCql(config, node));
  CV_ASSIGN_OR_RETURN(cassandra::NodeIdentity id, cql->ReadLocalNode());
  ApplyIdentity(id, &m->node);
  // The members this node sees now: what `list --cluster` expects to find with the same tag.
  CV_ASSIGN_OR_RETURN(std::vector<ClusterMember> members, cql->ReadPeers());
  members.push_back({id.host_id, m->node.address, id.data_center, id.rack});
  m->node.members = NormaliseMembers(std::move(members));
  CV_ASSIGN_OR_RETURN(std::vector<std::string> keyspaces, cql->ListKeyspaces());
  CV_RETURN_IF_ERROR(CheckNamedKeyspacesExist(o.includes, keyspaces));
  std::vector<std::string> selected;
  for (const auto& ks : keyspaces) {
    if (scan_filter.MayMatchKeyspace(ks)) selected.push_back(ks);
  }
  if (selected.empty()) return Status::NotFound("--keyspace", "selects no keyspace on this node");
  CV_ASSIGN_OR_RETURN(std::vector<std::string> snapshot_tables, TablesToSnapshot(*cql, scan_filter));
  if (snapshot_tables.empty()) return std::vector<cassandra::TableFiles>{};  // "no table matches", below
  // A snapshot with our tag can only be left over from an interrupted run of this same slot: looked for
  // on disk, and cleared without a JVM when there is one.
  if (auto left = cassandra::FindSnapshotDirs(node.data_file_directories, m->tag);
      !left.ok() || !left->found.empty() || !left->behind_symlinks.empty()) {
    (void)ClearSnapshot(config, node.data_file_directories, nodetool, m->tag, o.warn);
  }
  guard.Arm();
  Status snapshot = nodetool.SnapshotTablesOrKeyspaces(m->tag, snapshot_tables, selected);
  if (DroppedSinceListed(snapshot)) {  // read again, once; Cassandra checks every name before it snapshots
    CV_ASSIGN_OR_RETURN(snapshot_tables, TablesToSnapshot(*cql, scan_filter));
    if (snapshot_tables.empty()) return std::vector<cassandra::TableFiles>{};
    snapshot = nodetool.SnapshotTablesOrKeyspaces(m->tag, snapshot_tables, selected);
  }
  CV_RETURN_IF_ERROR(snapshot);
  CV_ASSIGN_OR_RETURN(auto tables, cassandra::ScanSnapshot(node.data_file_directories, m->tag, scan_filter));
  std::set<std::string> user_keyspaces;
  for (const auto& t : tables) {
    if (!TableFilter::IsSystemKeyspace(t.keyspace)) user_keyspaces.insert(t.keyspace);
  }
  for (const auto& ks : user_keyspaces) {
    CV_ASSIGN_OR_RETURN(cassandra::KeyspaceSchema schema, cql->DescribeKeyspace(ks));
    m->keyspaces.push_back({schema.name, schema.create_keyspace, schema.create_types});
  }
  return tables;
}

// Offline mode: the live table directories of a node that must be stopped.
Result<std::vector<cassandra::TableFiles>> ScanStoppedNode(const Config& config,
                                                           const cassandra::NodeConfig& node,
                                                           const TableFilter& scan_filter) {
  CV_RETURN_IF_ERROR(CheckNodeStopped(config, node,
                                      "--offline reads the live table directories of a stopped node. Back up "
                                      "a running node without --offline (it takes a snapshot)"));
  return cassandra::ScanLiveTables(node.data_file_directories, scan_filter);
}

Status CheckCancel(const BackupOptions& o, std::string_view when) {
  if (o.cancel == nullptr || !o.cancel->load()) return Status::OK();
  return Status::Cancelled("backup", std::string("stopped ") + std::string(when) + "; nothing committed");
}

}  // namespace

Result<BackupReport> RunBackup(const Config& config, vault::Vault& vault, const BackupOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  auto trail = AuditTrail::For(vault, config);  // made first: its record names this backup's request ids
  pipeline::CpuStages cpu(BackupStageNames());
  std::optional<pipeline::CpuStages::Scope> scanning(std::in_place, &cpu, kStageScan);
  Manifest m;
  m.started = UnixNow();
  m.tag = o.tag.empty() ? "manual-" + layout::MakeBackupId(m.started, "").substr(0, 16) : o.tag;
  m.mode = o.offline ? "offline" : "snapshot";
  CV_RETURN_IF_ERROR(CheckTag(m.tag));
  CV_ASSIGN_OR_RETURN(cassandra::NodeConfig node, cassandra::LoadNodeConfig(config.cassandra_yaml));
  m.node = NodeInfoFromYaml(node);

  // A whole-node backup also takes the node's schema tables (and, offline, every system keyspace),
  // so that a wiped node can be brought back from the vault alone.
  std::vector<std::string> scan_includes = o.includes;
  if (o.includes.empty()) {
    // system.local holds the node's host id, tokens and bootstrap state: restored onto an emptied node it
    // comes back as the same node, owning what it owned (docs/restore.md).
    // system_auth: the roles, restored only when asked (`restore --with-roles`).
    scan_includes = {"*", "system_schema", "system.local", "system_auth"};
    if (o.offline)
      scan_includes.insert(scan_includes.end(), kAllSystemKeyspaces.begin(), kAllSystemKeyspaces.end());
  }
  CV_ASSIGN_OR_RETURN(TableFilter scan_filter, TableFilter::Make(scan_includes, o.excludes));

  cassandra::NodeTool nodetool(config.nodetool);
  SnapshotGuard guard(config, node.data_file_directories, nodetool, m.tag, o.warn);
  CV_ASSIGN_OR_RETURN(auto tables, o.offline
                                       ? ScanStoppedNode(config, node, scan_filter)
                                       : SnapshotAndScan(config, node, o, scan_filter, nodetool, guard, &m));
  scanning.reset();
  CV_RETURN_IF_ERROR(CheckCancel(o, "before storing anything"));
  if (tables.empty()) return Status::NotFound("backup", "no table matches the selection; nothing to back up");

  uint64_t total_bytes = 0, total_files = 0;
  for (const auto& t : tables) {
    for (const auto& f : t.files) {
      total_bytes += f.size;
      ++total_files;
    }
  }
  {
    pipeline::CpuStages::Scope timed(&cpu, kStageIndexLoad);
    // Which partition this node backs up into, then that partition's index (ops/node_partition.h).
    CV_RETURN_IF_ERROR(StartNodePartition(vault, m.node, config.cache_dir).status());
    CV_RETURN_IF_ERROR(RecordClusterId(vault, &m));
  }
  std::unique_ptr<FileCache> cache;  // optional: without it, every file is read
  {
    pipeline::CpuStages::Scope timed(&cpu, kStageFileCache);
    if (auto c = FileCache::Open(config.cache_dir, vault.vault_id()); c.ok()) cache = std::move(c).value();
  }

  vault::BackupSession session(vault);
  Progress progress("backup", total_bytes, total_files, o.show_progress);
  StoreFilesOptions so;
  so.parallelism = config.parallelism > 0 ? config.parallelism : pipeline::DefaultParallelism();
  so.zstd_level = config.zstd_level;
  so.cpu = &cpu;
  pipeline::CpuBudget cpu_budget(config.pacing.max_cpu);
  pipeline::RateLimiter read_rate(config.pacing.max_read_rate);
  if (config.pacing.max_cpu > 0) so.cpu_budget = &cpu_budget;
  if (config.pacing.max_read_rate > 0) so.read_rate = &read_rate;
  CV_ASSIGN_OR_RETURN(StoreFilesResult stored,
                      StoreTableFiles(tables, vault, session, cache.get(), progress, so));
  progress.Finish();
  // The files are stored: the snapshot has done its job. Cleared now rather than after the commit, so it
  // pins SSTables that compaction replaces no longer than it must. A failed clear does not stop a good
  // backup from committing; it is reported after the commit.
  Status cleared = o.offline ? Status::OK() : guard.Release();

  m.tables = std::move(stored.tables);
  m.finished = UnixNow();
  std::vector<uint8_t> rnd(4);
  CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
  m.backup_id = layout::MakeBackupId(m.started, crypto::ToHex(rnd));

  BackupReport report;
  CV_RETURN_IF_ERROR(
      CheckCancel(o, "before the commit; the data stored so far is adopted by the next backup"));
  {
    pipeline::CpuStages::Scope timed(&cpu, kStageCommit);
    BackupRecord record = RecordFor(m, stored);
    // The partition holding this backup's blobs; also where its record commits (vault/catalog.h).
    record.node_id = vault.partition();
    CV_ASSIGN_OR_RETURN(report.record, session.Commit(m, std::move(record)));
  }
  // The commit is audited after the fact: a backup that committed stays committed, and a node whose record
  // cannot be written says so (a warning) rather than failing a backup that is in the vault.
  RecordOrWarn(*trail, vault,
               AuditEvent{"backup.commit",
                          {report.record.backup_id, report.record.tag},
                          {{"node_id", report.record.node_id},
                           {"mode", m.mode},
                           {"files", report.record.files},
                           {"bytes", report.record.bytes},
                           {"new_bytes", report.record.new_bytes},
                           {"snapshot_held_seconds", guard.held_seconds()},
                           {"nodetool_cpu_seconds", nodetool.cpu_seconds()}},
                          ""},
               Status::OK());
  if (cache) {
    pipeline::CpuStages::Scope timed(&cpu, kStageFileCache);
    (void)cache->Flush();
  }
  CV_RETURN_IF_ERROR(cleared.Annotate("backup committed, but clearing snapshot " + m.tag));
  report.new_components = std::move(stored.new_components);
  report.files_read = stored.files_read;
  report.bytes_read = stored.bytes_read;
  report.cache_hits = stored.cache_hits;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.snapshot_held_seconds = guard.held_seconds();
  report.nodetool_runs = nodetool.runs();
  report.nodetool_cpu_seconds = nodetool.cpu_seconds();
  report.cpu_stages = cpu.Report();
  for (const auto& line : report.cpu_stages) report.cpu_seconds += line.seconds;
  return report;
}

}  // namespace cv::ops
