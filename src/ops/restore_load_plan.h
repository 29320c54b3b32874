// src/ops/restore_load_plan.h — what `restore --mode load` loads: every node's backup with one tag (or one
// backup id), and for each user table the files of every node that backed it up, under names that cannot
// collide (each node numbers its SSTable generations from 1, so node 1's `nb-3-big` and node 2's
// `nb-3-big` are different SSTables). Pure planning: nothing is read but manifests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "ops/restore.h"
#include "vault/vault.h"

namespace cv::ops {

struct LoadFile {
  const FileEntry* file = nullptr;
  std::string name;  // in the staging table dir, generation renumbered
  bool is_data = false;
};

struct LoadTable {
  std::string src_ks, src_table;          // as backed up
  std::string ks, table;                  // where it goes (after --rename)
  const Manifest* schema_from = nullptr;  // the first backup holding it: its schema.cql and keyspace
  const TableEntry* schema_entry = nullptr;
  int nodes = 0;                // how many backups hold it
  std::vector<LoadFile> files;  // small components first, then Data.db
  uint64_t bytes = 0;
  bool is_counter = false;
  std::string Entry() const { return src_ks + "." + src_table + " -> " + ks + "." + table; }
};

struct LoadPlan {
  std::vector<BackupRecord> records;                 // one per node
  std::vector<std::unique_ptr<Manifest>> manifests;  // same order
  std::vector<LoadTable> tables;                     // sorted by source name
};

// The backups of `id_or_tag`: an id is that one backup; a tag is the newest backup with it of each node
// (by host id). InvalidArgument when the tag spans several clusters; NotFound when nothing has it.
Result<std::vector<BackupRecord>> SelectLoadBackups(vault::Vault& vault, const std::string& id_or_tag);

// Loads the manifests and plans the tables (user keyspaces only; --keyspace and --rename apply).
Result<LoadPlan> PlanLoad(vault::Vault& vault, const RestoreOptions& o);

}  // namespace cv::ops
