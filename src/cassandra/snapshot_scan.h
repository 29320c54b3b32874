// src/cassandra/snapshot_scan.h — finding the files of a snapshot (or of the live tables) in every
// data directory, grouped per table. Reads directories and stats files only; never file contents
// except the tiny schema.cql / manifest.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/table_filter.h"

namespace cv::cassandra {

struct ComponentFile {
  std::string rel_path;  // relative to the table's snapshot (or live) dir: "nb-1-big-Data.db",
                         // ".idx/nb-1-big-Data.db"
  std::string abs_path;
  int data_dir_index = 0;  // which data_file_directory it lives in
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  uint32_t mode = 0;  // permission bits
};

struct TableFiles {
  std::string keyspace;
  std::string table;
  std::string table_id;    // 32 hex, from the directory name ("" for pre-2.1 dirs without id)
  std::string schema_cql;  // the snapshot's schema.cql, "" if none (offline scans, system keyspaces)
  std::vector<ComponentFile> files;  // SSTable components only, sorted by (rel_path, data_dir_index)
};

// Files of snapshot `tag` under {data_dir}/{ks}/{table}-{id}/snapshots/{tag}/ in all `data_dirs`, with
// legacy 2i sub-dirs. Skips transient files. Tables not matching `filter` are skipped.
Result<std::vector<TableFiles>> ScanSnapshot(const std::vector<std::string>& data_dirs,
                                             const std::string& tag, const TableFilter& filter);
// The same for the live table directories (offline backups of a stopped node): skips snapshots/ and
// backups/ sub-dirs. When a keyspace dir holds several dirs for one table (dropped and re-created),
// the one with the newest mtime wins.
Result<std::vector<TableFiles>> ScanLiveTables(const std::vector<std::string>& data_dirs,
                                               const TableFilter& filter);

// The live directory of a table in one data dir: {data_dir}/{ks}/{table}-{id}; "" if none exists.
std::string FindLiveTableDir(const std::string& data_dir, const std::string& keyspace,
                             const std::string& table);

}  // namespace cv::cassandra
