#include "ops/restore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "cassandra/snapshot_scan.h"
#include "cassandra/sstable_name.h"
#include "core/format_compat.h"  // [cluster-restore]
#include "core/safe_path.h"
#include "core/table_filter.h"
#include "core/vault_layout.h"
#include "ops/node_session.h"
#include "ops/restore_files.h"
#include "ops/restore_tokens.h"  // [cluster-restore]
#include "ops/schema_rewrite.h"
#include "pipeline/task_group.h"
#include "vault/span_reader.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

// One table of the backup and where it goes.
struct TablePlan {
  const TableEntry* source = nullptr;
  std::string ks, table;                                   // destination names (after --rename)
  std::vector<std::string> dest_dirs;                      // offline: one per data dir; otherwise one
  std::string import_dir;                                  // live: staging dir handed to nodetool import
  std::map<std::string, std::string> renamed_descriptors;  // offline generation clashes: old -> new
};

struct FileJob {
  const FileEntry* file;
  FileTarget target;
  bool is_data = false;
  std::string label;
};

Result<std::vector<Rename>> ParseRenames(const std::vector<std::string>& specs) {
  std::vector<Rename> out;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    auto bad = [&] {
      return Status::InvalidArgument("--rename '" + s + "'", "expected KS.TABLE=KS2.TABLE2 or KS=KS2");
    };
    if (eq == std::string::npos) return bad();
    std::string from = s.substr(0, eq), to = s.substr(eq + 1);
    Rename r;
    auto split = [](const std::string& x, std::string* ks, std::string* t) {
      auto dot = x.find('.');
      *ks = x.substr(0, dot);
      *t = dot == std::string::npos ? "" : x.substr(dot + 1);
    };
    split(from, &r.from_ks, &r.from_table);
    split(to, &r.to_ks, &r.to_table);
    if (r.from_table.empty() != r.to_table.empty()) return bad();
    CV_RETURN_IF_ERROR(CheckIdentifier(r.from_ks, "keyspace"));
    CV_RETURN_IF_ERROR(CheckIdentifier(r.to_ks, "keyspace"));
    if (!r.from_table.empty()) {
      CV_RETURN_IF_ERROR(CheckIdentifier(r.from_table, "table"));
      CV_RETURN_IF_ERROR(CheckIdentifier(r.to_table, "table"));
    }
    out.push_back(r);
  }
  return out;
}

std::pair<std::string, std::string> ApplyRenames(const std::vector<Rename>& renames, const std::string& ks,
                                                 const std::string& table) {
  for (const auto& r : renames) {
    if (r.from_ks == ks && r.from_table == table) return {r.to_ks, r.to_table};
  }
  for (const auto& r : renames) {
    if (r.from_ks == ks && r.from_table.empty()) return {r.to_ks, table};
  }
  return {ks, table};
}

// Every name in the manifest is checked before it touches a path (invariant 6).
Status CheckManifestNames(const TableEntry& t) {
  CV_RETURN_IF_ERROR(CheckIdentifier(t.keyspace, "keyspace"));
  CV_RETURN_IF_ERROR(CheckIdentifier(t.table, "table"));
  CV_RETURN_IF_ERROR(CheckTableId(t.id));
  for (const auto& f : t.files) CV_RETURN_IF_ERROR(CheckRelativeFilePath(f.path));
  return Status::OK();
}

bool HasSSTables(const std::string& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.size() > 8 && n.compare(n.size() - 8, 8, "-Data.db") == 0 &&
        it->path().string().find("/snapshots/") == std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string FileName(const std::string& rel) { return rel.substr(rel.rfind('/') + 1); }
std::string SubDir(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash + 1);
}

// Offline restores into a dir that already holds SSTables: a backed-up generation that is taken by
// different content gets the next free number, so nothing on the node is overwritten.
void PlanGenerations(TablePlan& plan) {
  std::set<std::string> taken;
  uint64_t max_gen = 0;
  for (const auto& dir : plan.dest_dirs) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().string().find("/snapshots/") != std::string::npos ||
          it->path().string().find("/backups/") != std::string::npos) {
        continue;
      }
      if (auto n = cassandra::SSTableName::Parse(it->path().filename().string())) {
        taken.insert(n->Descriptor());
        if (std::all_of(n->id.begin(), n->id.end(), ::isdigit))
          max_gen = std::max<uint64_t>(max_gen, std::stoull(n->id));
      }
    }
  }
  if (taken.empty()) return;
  std::set<std::string> seen;
  for (const auto& f : plan.source->files) {
    auto n = cassandra::SSTableName::Parse(FileName(f.path));
    if (!n || !std::all_of(n->id.begin(), n->id.end(), ::isdigit)) continue;
    if (!seen.insert(n->Descriptor()).second) continue;
    if (n->id.size() <= 10 && std::stoull(n->id) > max_gen) max_gen = std::stoull(n->id);
  }
  for (const auto& desc : seen) {
    if (!taken.count(desc)) continue;
    // Same descriptor present: if it is our own earlier write (a resumed restore) the content check
    // will skip it; only a real clash, with different content, is renumbered. We cannot know before
    // reading, so keep names when every component exists with the backed-up size.
    bool identical_sizes = true;
    for (const auto& f : plan.source->files) {
      auto n = cassandra::SSTableName::Parse(FileName(f.path));
      if (!n || n->Descriptor() != desc) continue;
      std::string dest =
          plan.dest_dirs[static_cast<size_t>(f.data_dir) % plan.dest_dirs.size()] + "/" + f.path;
      struct stat sb {};
      if (::stat(dest.c_str(), &sb) != 0 || static_cast<uint64_t>(sb.st_size) != f.size)
        identical_sizes = false;
    }
    if (identical_sizes) continue;
    auto n = cassandra::SSTableName::Parse(desc + "-Data.db");
    plan.renamed_descriptors[desc] = n->version + "-" + std::to_string(++max_gen) + "-" + n->format;
  }
}

std::string DestName(const TablePlan& plan, const FileEntry& f) {
  std::string name = FileName(f.path);
  if (auto n = cassandra::SSTableName::Parse(name)) {
    auto it = plan.renamed_descriptors.find(n->Descriptor());
    if (it != plan.renamed_descriptors.end()) name = it->second + "-" + n->component;
  }
  return SubDir(f.path) + name;
}

Status CheckFreeSpace(const std::map<std::string, uint64_t>& bytes_per_dir) {
  std::map<unsigned long, std::pair<std::string, uint64_t>> per_fs;  // by filesystem id
  for (const auto& [dir, bytes] : bytes_per_dir) {
    fs::path probe = dir;
    std::error_code ec;
    while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
    struct statvfs sv {};
    if (::statvfs(probe.c_str(), &sv) != 0) continue;
    auto& e = per_fs[sv.f_fsid];
    e.first = probe.string();
    e.second += bytes;
    uint64_t avail = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
    if (e.second > avail) {
      return Status::ResourceExhausted(
          "restore into " + e.first,
          "needs " + std::to_string(e.second) + " bytes but " + std::to_string(avail) +
              " are free; free space or restore fewer tables. Nothing was changed");
    }
  }
  return Status::OK();
}

Status MakeDirLike(const std::string& dir, const std::string& like) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), dir, "create directory");
  struct stat sb {};
  if (::geteuid() == 0 && ::stat(like.c_str(), &sb) == 0) {
    // Give every level we may have made the owner Cassandra runs as.
    for (fs::path p = dir; p.string().size() > like.size(); p = p.parent_path()) {
      if (::chown(p.c_str(), sb.st_uid, sb.st_gid) != 0) break;
    }
  }
  return Status::OK();
}

}  // namespace

Result<BackupRecord> ResolveBackup(vault::Vault& vault, const std::string& id_or_tag,
                                   const std::string& host_id, const std::string& address) {
  if (id_or_tag.empty())
    return Status::InvalidArgument("--backup", "required: a backup id or tag (see `cassvault list`)");
  if (layout::IsValidBackupId(id_or_tag)) return vault.LoadRecord(id_or_tag);
  CV_ASSIGN_OR_RETURN(auto all, vault.ListBackups());
  std::vector<BackupRecord> tagged;
  for (auto& r : all) {
    if (r.tag == id_or_tag) tagged.push_back(r);
  }
  if (tagged.empty()) {
    return Status::NotFound("backup '" + id_or_tag + "'",
                            "no backup has this id or tag; `cassvault list` shows them");
  }
  std::vector<BackupRecord> mine;
  for (auto& r : tagged) {
    if ((!host_id.empty() && r.host_id == host_id) || (!address.empty() && r.address == address))
      mine.push_back(r);
  }
  if (mine.empty()) {
    std::set<std::string> nodes;
    for (auto& r : tagged) nodes.insert(r.address + " (" + r.host_id + ")");
    if (nodes.size() == 1) return tagged.back();
    std::string list;
    for (const auto& n : nodes) list += (list.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("tag '" + id_or_tag + "'", "belongs to backups of several nodes (" + list +
                                                                  "); name the backup id instead");
  }
  return mine.back();
}

Result<RestoreReport> RunRestore(const Config& config, vault::Vault& vault, const RestoreOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  const bool to_dir = !o.target_dir.empty();
  const bool live = !to_dir && o.mode == "live";
  if (!to_dir && o.mode != "offline" && o.mode != "live") {
    return Status::InvalidArgument("--mode '" + o.mode + "'", "expected offline or live");
  }
  CV_ASSIGN_OR_RETURN(std::vector<Rename> renames, ParseRenames(o.renames));
  CV_ASSIGN_OR_RETURN(TableFilter filter, TableFilter::Make(o.includes, {}));

  cassandra::NodeConfig node;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(node, cassandra::LoadNodeConfig(config.cassandra_yaml));
  }
  CqlTarget target = ResolveCqlTarget(config, node);
  std::unique_ptr<cassandra::CqlSession> cql;
  std::string host_id;
  std::vector<std::string> live_tokens;  // [cluster-restore]
  if (live) {
    CV_ASSIGN_OR_RETURN(cql, ConnectCql(config, node));
    CV_ASSIGN_OR_RETURN(auto ident, cql->ReadLocalNode());
    host_id = ident.host_id;
    live_tokens = ident.tokens;  // [cluster-restore]
  } else if (!to_dir && IsPortOpen(target.host, target.port)) {
    return Status::FailedPrecondition(
        "node " + target.host + ":" + std::to_string(target.port),
        "is running; an offline restore needs the node stopped. Stop it, or use --mode live");
  }
  // [cluster-restore] --from-node picks the replaced node's backup instead of this node's.
  CV_ASSIGN_OR_RETURN(BackupRecord record,
                      ResolveBackup(vault, o.backup, o.from_node.empty() ? host_id : o.from_node,
                                    o.from_node.empty() ? node.listen_address : o.from_node));
  CV_ASSIGN_OR_RETURN(Manifest manifest, vault.LoadManifest(record));
  // [cluster-restore] whose backup, which partitioner, which tokens: all checked before any write.
  RestoreTokenStep token_step;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(token_step, PlanRestoreTokens({&node, &manifest, live, host_id, live_tokens,
                                                       o.from_node, o.topology_change, o.includes.empty()}));
  }
  CV_RETURN_IF_ERROR(vault.LoadIndex());

  // A node whose data dirs were wiped has no schema: an offline restore brings its schema tables
  // back too, so the node knows its tables when it starts.
  bool restore_schema_tables = false;
  if (!to_dir && !live && o.includes.empty()) {
    restore_schema_tables =
        std::none_of(node.data_file_directories.begin(), node.data_file_directories.end(),
                     [](const std::string& d) { return HasSSTables(d + "/system_schema"); });
  }

  RestoreReport report;
  report.backup_id = record.backup_id;
  std::vector<TablePlan> plans;
  std::set<std::string> matched_patterns;
  for (const auto& t : manifest.tables) {
    bool wanted = filter.Matches(t.keyspace, t.table) ||
                  (restore_schema_tables && t.keyspace == "system_schema") ||
                  (token_step.plan.restore_system_local && t.keyspace == "system" &&
                   t.table == "local");  // [cluster-restore]
    if (!wanted) continue;
    CV_RETURN_IF_ERROR(CheckManifestNames(t));
    TablePlan p;
    p.source = &t;
    std::tie(p.ks, p.table) = ApplyRenames(renames, t.keyspace, t.table);
    plans.push_back(std::move(p));
  }
  for (const auto& inc : o.includes) {
    std::string ks = inc.substr(0, inc.find('.'));
    auto one = TableFilter::Make({inc}, {});
    bool any = std::any_of(manifest.tables.begin(), manifest.tables.end(),
                           [&](const TableEntry& t) { return one->Matches(t.keyspace, t.table); });
    if (!any) {
      return Status::NotFound("'" + inc + "'", "is not in backup " + record.backup_id +
                                                   " (`cassvault list` and "
                                                   "`cassvault restore --dry-run` show what it holds)");
    }
  }
  if (plans.empty()) return Status::NotFound("backup " + record.backup_id, "holds no table to restore");
  if (restore_schema_tables)
    report.plan.push_back("node has no schema tables (wiped): restoring system_schema too");
  // [cluster-restore] the token plan leads the plan; an old backup of replicated tables is refused.
  report.plan.insert(report.plan.begin(), token_step.plan.lines.begin(), token_step.plan.lines.end());
  std::set<std::string> restored_ks;
  for (const auto& p : plans) restored_ks.insert(p.source->keyspace);
  if (!to_dir) CV_RETURN_IF_ERROR(CheckRestoreAge(manifest, restored_ks, o.ignore_gc_grace, &report.plan));
  if (!to_dir) {  // [cluster-restore] SSTable versions the node's storage_compatibility_mode cannot read
    std::vector<const TableEntry*> sources;
    for (const auto& p : plans) sources.push_back(p.source);
    CV_RETURN_IF_ERROR(
        CheckSSTableFormats(sources, node.storage_compatibility_mode, "node " + node.yaml_path));
  }

  // --- where each table goes -------------------------------------------------------------------
  std::string run_dir = ".cassvault-restore/" + record.backup_id;
  std::map<std::string, uint64_t> bytes_per_dir;
  for (auto& p : plans) {
    const TableEntry& t = *p.source;
    bool renamed = p.ks != t.keyspace || p.table != t.table;
    if (to_dir) {
      std::string dir =
          o.target_dir + "/" + p.ks + "/" + p.table + (renamed || t.id.empty() ? "" : "-" + t.id);
      p.dest_dirs = {dir};
    } else if (live) {
      std::string base = node.data_file_directories.at(0);
      p.import_dir = base + "/" + run_dir + "/import/" + p.ks + "/" + p.table;
      p.dest_dirs = {p.import_dir};
    } else {
      std::string dirname;
      for (const auto& d : node.data_file_directories) {
        std::string live_dir = cassandra::FindLiveTableDir(d, p.ks, p.table);
        if (!live_dir.empty()) {
          dirname = fs::path(live_dir).filename().string();
          break;
        }
      }
      if (dirname.empty()) {
        if (renamed) {
          return Status::FailedPrecondition(
              "table " + p.ks + "." + p.table,
              "does not exist on this node; an offline restore cannot create tables. "
              "Use --mode live, which creates it from the backed-up schema");
        }
        dirname = t.id.empty() ? t.table : t.table + "-" + t.id;
      }
      for (const auto& d : node.data_file_directories) p.dest_dirs.push_back(d + "/" + p.ks + "/" + dirname);
      PlanGenerations(p);
    }
    for (const auto& f : t.files)
      bytes_per_dir[p.dest_dirs[static_cast<size_t>(f.data_dir) % p.dest_dirs.size()]] += f.size;
  }
  if (!o.dry_run) CV_RETURN_IF_ERROR(CheckFreeSpace(bytes_per_dir));

  // --- schema first (live) ----------------------------------------------------------------------
  if (live) {
    CV_ASSIGN_OR_RETURN(std::vector<std::string> existing, cql->ListKeyspaces());
    std::set<std::string> have(existing.begin(), existing.end());
    for (auto& p : plans) {
      const TableEntry& t = *p.source;
      if (!have.count(p.ks)) {
        auto ks = std::find_if(manifest.keyspaces.begin(), manifest.keyspaces.end(),
                               [&](const KeyspaceEntry& k) { return k.name == t.keyspace; });
        if (ks == manifest.keyspaces.end()) {
          return Status::FailedPrecondition("keyspace " + p.ks,
                                            "does not exist and the backup holds no definition of it");
        }
        std::string stmt = RewriteKeyspaceStatement(ks->create_keyspace, t.keyspace, p.ks);
        report.plan.push_back("cql: " + stmt);
        if (!o.dry_run) CV_RETURN_IF_ERROR(cql->Execute(stmt).Annotate("create keyspace " + p.ks));
        have.insert(p.ks);
      }
      auto id = o.dry_run && !have.count(p.ks) ? Result<std::string>(Status::NotFound("x"))
                                               : cql->TableId(p.ks, p.table);
      if (id.ok()) continue;
      if (!id.status().IsNotFound()) return id.status();
      if (t.schema_cql.empty()) {
        return Status::FailedPrecondition(
            "table " + p.ks + "." + p.table,
            "does not exist and the backup holds no schema for it (an offline backup); "
            "create it first");
      }
      for (const auto& raw : SplitStatements(t.schema_cql)) {
        std::string stmt = RewriteTableStatement(raw, t.keyspace, t.table, p.ks, p.table);
        report.plan.push_back("cql: " + stmt);
        if (o.dry_run) continue;
        Status st = cql->Execute(stmt);
        if (!st.ok() && stmt.find(" ID = ") != std::string::npos) {
          // The original id may be refused (still known to the node); the table gets a fresh one.
          st = cql->Execute(StripTableId(stmt));
        }
        CV_RETURN_IF_ERROR(st.Annotate("create " + p.ks + "." + p.table));
      }
    }
  }

  // --- files ----------------------------------------------------------------------------------
  std::vector<FileJob> small_jobs, data_jobs;
  uint64_t total_bytes = 0;
  for (auto& p : plans) {
    for (const auto& f : p.source->files) {
      const std::string& dir = p.dest_dirs[static_cast<size_t>(f.data_dir) % p.dest_dirs.size()];
      std::string dest = dir + "/" + DestName(p, f);
      // Staging lives on the same filesystem as the destination, outside any table dir.
      std::string root = to_dir ? o.target_dir
                         : live ? node.data_file_directories.at(0)
                                : fs::path(dir).parent_path().parent_path().string();
      std::string staging = root + "/" + run_dir + "/tmp/" + p.ks + "/" + p.table + "/" + DestName(p, f);
      FileJob job{&f, {dest, staging}, FileName(f.path).ends_with("-Data.db"), p.ks + "." + p.table};
      report.plan.push_back("write " + dest + " (" + std::to_string(f.size) + " bytes)");
      total_bytes += f.size;
      (job.is_data ? data_jobs : small_jobs).push_back(std::move(job));
    }
    if (live) report.plan.push_back("nodetool import " + p.ks + " " + p.table + " " + p.import_dir);
  }
  report.tables = plans.size();
  if (o.dry_run) {
    if (!to_dir) {  // [cluster-restore]
      report.next_steps = RestoreNextSteps(
          token_step, manifest, restored_ks,
          token_step.plan.write_yaml ? node.yaml_path + ".before-restore-" + record.backup_id : "");
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
  }
  for (auto& p : plans) {
    std::set<std::string> dirs(p.dest_dirs.begin(), p.dest_dirs.end());
    for (const auto& f : p.source->files) {
      // Legacy secondary indexes live in a `.<index>/` sub-directory of the table dir.
      if (!SubDir(f.path).empty())
        dirs.insert(p.dest_dirs[static_cast<size_t>(f.data_dir) % p.dest_dirs.size()] + "/" + SubDir(f.path));
    }
    for (const auto& d : dirs) {
      std::string like = to_dir ? o.target_dir
                         : live ? node.data_file_directories.at(0)
                                : fs::path(d).parent_path().parent_path().string();
      CV_RETURN_IF_ERROR(MakeDirLike(d, like));
    }
  }

  // Every blob this restore reads, so that neighbours in a pack are fetched in one request; small files
  // in the order their blobs lie in the packs, so that they find their span still cached.
  std::vector<ObjectId> needed;
  for (const auto* jobs : {&small_jobs, &data_jobs}) {
    for (const auto& job : *jobs) needed.insert(needed.end(), job.file->blobs.begin(), job.file->blobs.end());
  }
  vault::SpanReader reader(vault, needed);
  auto first_span = [&reader](const FileJob& j) {
    return j.file->blobs.empty() ? std::pair<ObjectId, uint64_t>{} : reader.SortKey(j.file->blobs.front());
  };
  std::stable_sort(small_jobs.begin(), small_jobs.end(),
                   [&](const FileJob& a, const FileJob& b) { return first_span(a) < first_span(b); });

  Progress progress("restore", total_bytes, small_jobs.size() + data_jobs.size(), o.show_progress);
  std::atomic<uint64_t> written{0}, present{0}, bytes{0};
  // Restore workers mostly wait on reads: from a cloud store, more of them than cores keep the link busy
  // (each holds one blob, so memory grows by a few MiB per worker, not with the data).
  int workers = config.parallelism > 0 ? config.parallelism
                                       : std::max(pipeline::DefaultParallelism(),
                                                  std::min(vault.store().Properties().connections, 4));
  // Small components first: a Data.db is checked against the Digest.crc32 and CompressionInfo.db
  // already restored beside it.
  for (auto* jobs : {&small_jobs, &data_jobs}) {
    pipeline::TaskGroup group(workers, static_cast<size_t>(workers) * 2);
    for (const auto& job : *jobs) {
      group.Submit([&, &job = job]() -> Status {
        auto codec = vault.NewCodec();
        // The Digest and CompressionInfo restored beside it in the first pass say what it must hash to.
        std::unique_ptr<cassandra::DataFileVerifier> verifier;
        if (job.is_data) {
          CV_ASSIGN_OR_RETURN(verifier, cassandra::OpenDataFileVerifier(job.target.dest, job.file->size));
        }
        CV_ASSIGN_OR_RETURN(WriteOutcome out,
                            RestoreFile(vault, reader, *codec, *job.file, job.target, verifier.get(), progress));
        (out == WriteOutcome::kWritten ? written : present)++;
        if (out == WriteOutcome::kWritten) bytes += job.file->size;
        return Status::OK();
      });
    }
    CV_RETURN_IF_ERROR(group.Wait());
  }
  progress.Finish();
  // Durable before anyone starts Cassandra on it or imports it: one syncfs per filesystem.
  for (const auto& [dir, unused_bytes] : bytes_per_dir) {
    (void)unused_bytes;
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::syncfs(fd) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, dir, "sync restored files");
    }
    ::close(fd);
  }

  if (live) {
    cassandra::NodeTool nodetool(config.nodetool);
    for (const auto& p : plans) CV_RETURN_IF_ERROR(nodetool.Import(p.ks, p.table, p.import_dir));
  }
  // The staging area is ours alone; once everything is in place it goes.
  std::set<std::string> roots;
  if (to_dir) roots.insert(o.target_dir + "/" + run_dir);
  for (const auto& d : node.data_file_directories) roots.insert(d + "/" + run_dir);
  for (const auto& r : roots) {
    std::error_code ec;
    fs::remove_all(r, ec);
    fs::path parent = fs::path(r).parent_path();
    fs::remove(parent, ec);  // only if empty
  }
  // [cluster-restore] tokens into cassandra.yaml once every file is in place, then the operator's next steps.
  if (!to_dir) {
    std::string yaml_copy;
    CV_ASSIGN_OR_RETURN(auto done, ApplyRestoreTokens(token_step, record.backup_id, &yaml_copy));
    report.plan.insert(report.plan.end(), done.begin(), done.end());
    report.next_steps = RestoreNextSteps(token_step, manifest, restored_ks, yaml_copy);
  }
  report.files_written = written;
  report.files_already_present = present;
  report.bytes_written = bytes;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace cv::ops
