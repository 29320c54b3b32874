// src/ops/restore_plan.h — step 1 of a restore: which tables of the backup go where, and which file
// jobs that makes. Pure planning over the manifest and the node's directories: nothing is written.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cassandra/node_config.h"
#include "core/manifest.h"
#include "ops/restore.h"
#include "ops/restore_files.h"
#include "ops/schema_rewrite.h"

namespace cv::ops {

// One table of the backup and where it goes.
struct TablePlan {
  const TableEntry* source = nullptr;
  std::string ks, table;                                   // destination names (after --rename)
  std::vector<std::string> dest_dirs;                      // offline: one per data dir; otherwise one
  std::string import_dir;                                  // live: staging dir handed to nodetool import
  std::map<std::string, std::string> renamed_descriptors;  // offline generation clashes: old -> new
};

struct FileJob {
  const FileEntry* file = nullptr;
  FileTarget target;
  bool is_data = false;
  std::string label;
};

struct RestorePlan {
  bool to_dir = false, live = false;
  std::string target_dir;
  std::string run_dir;  // ".cassvault-restore/<backup id>", relative to a data dir or the target dir
  cassandra::NodeConfig node;
  std::vector<TablePlan> tables;
  std::vector<FileJob> small_jobs, data_jobs;
  uint64_t total_bytes = 0;
};

Result<std::vector<Rename>> ParseRenames(const std::vector<std::string>& specs);

// Tables and their destination directories. Adds plan lines to `report`.
Result<RestorePlan> PlanRestore(const RestoreOptions& o, const cassandra::NodeConfig& node,
                                const BackupRecord& record, const Manifest& manifest, RestoreReport* report);

// The file jobs of every planned table (small components and Data.db apart). Adds plan lines.
void PlanFileJobs(RestorePlan& plan, RestoreReport* report);

// The directory a file of `t` goes to (its data dir index modulo the table's destinations).
const std::string& DestDirOf(const TablePlan& t, const FileEntry& f);

}  // namespace cv::ops
