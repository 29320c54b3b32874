// src/ops/restore_plan.h — step 1 of a restore: which tables of the backup go where, and which file
// jobs that makes. Pure planning over the manifest and the node's directories: nothing is written.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cassandra/node_config.h"
#include "core/manifest.h"
#include "ops/restore.h"
#include "ops/schema_rewrite.h"

namespace cv::ops {

// One table of the backup and where it goes.
struct TablePlan {
  const TableEntry* source = nullptr;
  std::string ks, table;               // destination names (after --rename)
  std::vector<std::string> dest_dirs;  // offline: one per data dir; otherwise one
  // dest_dirs[i] is dest_roots[i] + "/" + rel_dir. A root is trusted (a data dir from cassandra.yaml,
  // the --target-dir); below it nothing is followed. Live: the root is this run's staging dir ("").
  std::vector<std::string> dest_roots;
  std::string rel_dir;
  std::string import_dir;                                  // live: staging dir handed to nodetool import
  std::map<std::string, std::string> renamed_descriptors;  // offline generation clashes: old -> new
};

struct FileJob {
  const FileEntry* file = nullptr;
  std::string root;          // dest_roots entry ("" = this run's staging dir)
  std::string rel_dir;       // destination dir below root (with a legacy 2i ".<index>" level)
  std::string name;          // file name in it
  std::string staging_root;  // the data dir or target dir whose staging area this file goes through
  std::string dest;          // the full destination path, for plans and messages
  bool is_data = false;
  std::string label;
};

struct RestorePlan {
  bool to_dir = false, live = false;
  std::string target_dir;
  std::string backup_id;
  cassandra::NodeConfig node;
  std::vector<TablePlan> tables;
  std::vector<FileJob> small_jobs, data_jobs;
  uint64_t total_bytes = 0;
  std::set<const FileEntry*> in_place;  // found holding the backed-up content by the check step
};

Result<std::vector<Rename>> ParseRenames(const std::vector<std::string>& specs);

// Tables and their destination directories. Adds plan lines to `report`. `with_system_local`: the token
// plan brings the node's own system.local back (its host id and tokens; see restore_tokens.h).
Result<RestorePlan> PlanRestore(const RestoreOptions& o, const cassandra::NodeConfig& node,
                                const BackupRecord& record, const Manifest& manifest, bool with_system_local,
                                RestoreReport* report);

// The file jobs of every planned table (small components and Data.db apart). Adds plan lines.
void PlanFileJobs(RestorePlan& plan, RestoreReport* report);

// The directory a file of `t` goes to (its data dir index modulo the table's destinations).
const std::string& DestDirOf(const TablePlan& t, const FileEntry& f);
// Its path below that directory: "<name>" or ".<index>/<name>", renumbered on a generation clash.
std::string DestName(const TablePlan& t, const FileEntry& f);

// Where this restore stages its files below a data dir or the target dir, and the live import dirs.
inline constexpr char kStagingDirName[] = ".cassvault-restore";

}  // namespace cv::ops
