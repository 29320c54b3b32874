#include "ops/restore_plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "cassandra/snapshot_scan.h"
#include "cassandra/sstable_name.h"
#include "core/safe_path.h"
#include "core/table_filter.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

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
      std::string dest = DestDirOf(plan, f) + "/" + f.path;
      struct stat sb {};
      if (::lstat(dest.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode) ||
          static_cast<uint64_t>(sb.st_size) != f.size)
        identical_sizes = false;
    }
    if (identical_sizes) continue;
    auto n = cassandra::SSTableName::Parse(desc + "-Data.db");
    plan.renamed_descriptors[desc] = n->version + "-" + std::to_string(++max_gen) + "-" + n->format;
  }
}

}  // namespace

std::string DestName(const TablePlan& plan, const FileEntry& f) {
  std::string name = FileName(f.path);
  if (auto n = cassandra::SSTableName::Parse(name)) {
    auto it = plan.renamed_descriptors.find(n->Descriptor());
    if (it != plan.renamed_descriptors.end()) name = it->second + "-" + n->component;
  }
  return SubDir(f.path) + name;
}

const std::string& DestDirOf(const TablePlan& t, const FileEntry& f) {
  return t.dest_dirs[static_cast<size_t>(f.data_dir) % t.dest_dirs.size()];
}

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

Result<RestorePlan> PlanRestore(const RestoreOptions& o, const cassandra::NodeConfig& node,
                                const BackupRecord& record, const Manifest& manifest, bool with_system_local,
                                RestoreReport* report) {
  RestorePlan plan;
  plan.to_dir = !o.target_dir.empty();
  plan.live = !plan.to_dir && o.mode == "live";
  plan.target_dir = o.target_dir;
  plan.node = node;
  CV_ASSIGN_OR_RETURN(std::vector<Rename> renames, ParseRenames(o.renames));
  CV_ASSIGN_OR_RETURN(TableFilter filter, TableFilter::Make(o.includes, {}));

  // A node whose data dirs were wiped has no schema: an offline restore brings its schema tables
  // back too, so the node knows its tables when it starts.
  bool restore_schema_tables = false;
  if (!plan.to_dir && !plan.live && o.includes.empty()) {
    restore_schema_tables =
        std::none_of(node.data_file_directories.begin(), node.data_file_directories.end(),
                     [](const std::string& d) { return HasSSTables(d + "/system_schema"); });
  }
  // --with-roles: the backup's system_auth comes back with the rest of a whole node (offline or into a
  // directory). Off by default: roles carry the source cluster's password hashes and permissions.
  if (o.with_roles && (plan.live || !o.includes.empty())) {
    return Status::InvalidArgument("--with-roles",
                                   "restores system_auth with a whole node, offline (or into --target-dir); "
                                   "drop --keyspace and --mode live");
  }
  if (o.with_roles && std::none_of(manifest.tables.begin(), manifest.tables.end(),
                                   [](const TableEntry& t) { return t.keyspace == "system_auth"; })) {
    return Status::NotFound("backup " + record.backup_id,
                            "holds no system_auth (taken with --keyspace, or by an older cassvault): its "
                            "roles cannot be restored; drop --with-roles and create the roles again");
  }
  for (const auto& t : manifest.tables) {
    bool wanted = filter.Matches(t.keyspace, t.table) || (o.with_roles && t.keyspace == "system_auth") ||
                  (restore_schema_tables && t.keyspace == "system_schema") ||
                  (with_system_local && t.keyspace == "system" && t.table == "local");
    if (!wanted) continue;
    CV_RETURN_IF_ERROR(CheckManifestNames(t));
    TablePlan p;
    p.source = &t;
    std::tie(p.ks, p.table) = ApplyRenames(renames, t.keyspace, t.table);
    plan.tables.push_back(std::move(p));
  }
  for (const auto& inc : o.includes) {
    auto one = TableFilter::Make({inc}, {});
    bool any = std::any_of(manifest.tables.begin(), manifest.tables.end(),
                           [&](const TableEntry& t) { return one->Matches(t.keyspace, t.table); });
    if (!any) {
      return Status::NotFound("'" + inc + "'", "is not in backup " + record.backup_id +
                                                   " (`cassvault list` and "
                                                   "`cassvault restore --dry-run` show what it holds)");
    }
  }
  if (plan.tables.empty()) return Status::NotFound("backup " + record.backup_id, "holds no table to restore");
  if (restore_schema_tables)
    report->plan.push_back("node has no schema tables (wiped): restoring system_schema too");
  if (o.with_roles) {
    report->plan.push_back(
        "restoring system_auth (--with-roles): the backup's roles, password hashes and permissions");
  }

  plan.backup_id = record.backup_id;
  for (auto& p : plan.tables) {
    const TableEntry& t = *p.source;
    bool renamed = p.ks != t.keyspace || p.table != t.table;
    if (plan.to_dir) {
      p.rel_dir = p.ks + "/" + p.table + (renamed || t.id.empty() ? "" : "-" + t.id);
      p.dest_roots = {o.target_dir};
      p.dest_dirs = {o.target_dir + "/" + p.rel_dir};
    } else if (plan.live) {
      // The run's staging dir gets a random name when it is made; the plan shows its pattern.
      p.rel_dir = "import/" + p.ks + "/" + p.table;
      p.import_dir = node.data_file_directories.at(0) + "/" + kStagingDirName + "/" + record.backup_id +
                     ".XXXXXXXX/" + p.rel_dir;
      p.dest_roots = {""};
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
      p.rel_dir = p.ks + "/" + dirname;
      for (const auto& d : node.data_file_directories) {
        p.dest_roots.push_back(d);
        p.dest_dirs.push_back(d + "/" + p.rel_dir);
      }
      PlanGenerations(p);
    }
  }
  return plan;
}

void PlanFileJobs(RestorePlan& plan, RestoreReport* report) {
  for (auto& p : plan.tables) {
    for (const auto& f : p.source->files) {
      size_t i = static_cast<size_t>(f.data_dir) % p.dest_dirs.size();
      std::string rel = DestName(p, f);  // "name" or ".index/name"
      FileJob job;
      job.file = &f;
      job.root = p.dest_roots[i];
      job.rel_dir =
          p.rel_dir + (SubDir(rel).empty() ? "" : "/" + SubDir(rel).substr(0, SubDir(rel).size() - 1));
      job.name = FileName(rel);
      // Staging lives on the same filesystem as the destination: below its data dir (or target dir).
      job.staging_root = plan.to_dir ? plan.target_dir
                         : plan.live ? plan.node.data_file_directories.at(0)
                                     : job.root;
      job.dest = p.dest_dirs[i] + "/" + rel;
      job.is_data = job.name.ends_with("-Data.db");
      job.label = p.ks + "." + p.table;
      report->plan.push_back("write " + job.dest + " (" + std::to_string(f.size) + " bytes)");
      plan.total_bytes += f.size;
      (job.is_data ? plan.data_jobs : plan.small_jobs).push_back(std::move(job));
    }
    if (plan.live) report->plan.push_back("nodetool import " + p.ks + " " + p.table + " " + p.import_dir);
  }
  report->tables = plan.tables.size();
}

}  // namespace cv::ops
