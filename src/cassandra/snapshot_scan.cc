// src/cassandra/snapshot_scan.cc — walks {data_dir}/{ks}/{table}[-{id}]/.
//
// Directories are followed through symlinks (operators move keyspaces onto other disks that way);
// files are lstat'ed and only regular files count, since snapshot entries are hard links.
#include "cassandra/snapshot_scan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <system_error>
#include <tuple>

#include "cassandra/read_file.h"
#include "cassandra/sstable_name.h"

namespace cv::cassandra {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxSchemaCqlBytes = 64 << 20;  // a table with thousands of columns stays far below

bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `{table}-{32 hex}`, or a bare `{table}` as pre-2.1 nodes (and the legacy fixtures) lay it out.
bool ParseTableDirName(std::string_view name, std::string* table, std::string* id) {
  size_t dash = name.find('-');
  if (dash == std::string_view::npos) {
    if (!IsWord(name)) return false;
    *table = name;
    id->clear();
    return true;
  }
  std::string_view t = name.substr(0, dash), i = name.substr(dash + 1);
  if (!IsWord(t) || i.size() != 32 || !IsLowerHex(i)) return false;
  *table = t;
  *id = i;
  return true;
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Entry names of a directory, sorted so that scans are deterministic.
Result<std::vector<std::string>> ListDir(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), dir, "list directory");
  std::vector<std::string> names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return Status::FromErrno(ec.value(), dir, "list directory");
  std::sort(names.begin(), names.end());
  return names;
}

// stat() following symlinks: true with `*st` filled for a directory, false for anything else or a
// path that vanished meanwhile; an error only for real failures (permissions, I/O).
Result<bool> StatDirectory(const std::string& path, struct stat* st) {
  if (::stat(path.c_str(), st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return Status::FromErrno(errno, path, "stat");
  }
  return S_ISDIR(st->st_mode);
}

struct TableDir {
  std::string keyspace, table, id, path;
  int data_dir_index = 0;
  int64_t mtime_ns = 0;
};

// Every table directory of every data dir that the filter may select.
Result<std::vector<TableDir>> FindTableDirs(const std::vector<std::string>& data_dirs,
                                            const TableFilter& filter) {
  std::vector<TableDir> out;
  for (size_t i = 0; i < data_dirs.size(); ++i) {
    const std::string& data_dir = data_dirs[i];
    struct stat st {};
    CV_ASSIGN_OR_RETURN(bool is_dir, StatDirectory(data_dir, &st));
    if (!is_dir) return Status::NotFound(data_dir, "data directory does not exist");
    CV_ASSIGN_OR_RETURN(std::vector<std::string> keyspaces, ListDir(data_dir));
    for (const std::string& ks : keyspaces) {
      // Skips lost+found, stray files and keyspaces no pattern can select.
      if (!IsWord(ks) || !filter.MayMatchKeyspace(ks)) continue;
      std::string ks_path = data_dir + "/" + ks;
      CV_ASSIGN_OR_RETURN(bool ks_is_dir, StatDirectory(ks_path, &st));
      if (!ks_is_dir) continue;
      Result<std::vector<std::string>> tables = ListDir(ks_path);
      if (!tables.ok()) {
        if (tables.status().IsNotFound()) continue;  // keyspace dropped while we looked
        return tables.status();
      }
      for (const std::string& name : *tables) {
        TableDir td;
        if (!ParseTableDirName(name, &td.table, &td.id) || !filter.Matches(ks, td.table)) continue;
        td.path = ks_path + "/" + name;
        CV_ASSIGN_OR_RETURN(bool table_is_dir, StatDirectory(td.path, &st));
        if (!table_is_dir) continue;
        td.keyspace = ks;
        td.data_dir_index = static_cast<int>(i);
        td.mtime_ns = MtimeNs(st);
        out.push_back(std::move(td));
      }
    }
  }
  return out;
}

// Collects the SSTable components of one snapshot or live directory, descending one level into
// legacy secondary-index dirs (`.{index}/`). `strict`: a file vanishing between readdir and lstat
// is an error (snapshots never change) rather than normal churn (live dirs of a running node).
Status CollectFiles(const std::string& dir, const std::string& rel_prefix, int data_dir_index, bool strict,
                    TableFiles* table) {
  Result<std::vector<std::string>> names = ListDir(dir);
  if (!names.ok()) {
    if (!strict && names.status().IsNotFound()) return Status::OK();
    return names.status();
  }
  for (const std::string& name : *names) {
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT && !strict) continue;
      return Status::FromErrno(errno, path, "lstat");
    }
    if (S_ISDIR(st.st_mode)) {
      if (rel_prefix.empty() && name.size() > 1 && name[0] == '.' && IsWord(name.substr(1))) {
        CV_RETURN_IF_ERROR(CollectFiles(path, name + "/", data_dir_index, strict, table));
      }
      continue;  // snapshots/, backups/ and anything else are not part of this table's files
    }
    if (!S_ISREG(st.st_mode)) continue;
    if (rel_prefix.empty() && name == "schema.cql") {
      // Written into one data dir only; the first one found wins.
      if (table->schema_cql.empty()) {
        CV_ASSIGN_OR_RETURN(table->schema_cql, ReadDataDirFile(path, kMaxSchemaCqlBytes));
      }
      continue;
    }
    // manifest.json, ephemeral.snapshot, txn logs, *.tmp and unknown files are not SSTable data.
    if (!SSTableName::Parse(name)) continue;
    ComponentFile f;
    f.rel_path = rel_prefix + name;
    f.abs_path = path;
    f.data_dir_index = data_dir_index;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = MtimeNs(st);
    f.inode = static_cast<uint64_t>(st.st_ino);
    f.device = static_cast<uint64_t>(st.st_dev);
    f.mode = static_cast<uint32_t>(st.st_mode & 07777);
    table->files.push_back(std::move(f));
  }
  return Status::OK();
}

using TableKey = std::tuple<std::string, std::string, std::string>;  // keyspace, table, id

std::vector<TableFiles> Finish(std::map<TableKey, TableFiles> tables) {
  std::vector<TableFiles> out;
  out.reserve(tables.size());
  for (auto& entry : tables) {
    TableFiles& t = entry.second;  // sorted, then moved out (a structured binding hid that from clang-tidy)
    std::sort(t.files.begin(), t.files.end(), [](const ComponentFile& a, const ComponentFile& b) {
      return std::tie(a.rel_path, a.data_dir_index) < std::tie(b.rel_path, b.data_dir_index);
    });
    out.push_back(std::move(t));
  }
  return out;
}

TableFiles& Entry(std::map<TableKey, TableFiles>& tables, const TableDir& td) {
  TableFiles& t = tables[{td.keyspace, td.table, td.id}];
  t.keyspace = td.keyspace;
  t.table = td.table;
  t.table_id = td.id;
  return t;
}

// For each (keyspace, table), the id whose directory changed last: a dropped and re-created table
// leaves the old directory behind until its snapshots are cleared.
std::map<std::pair<std::string, std::string>, std::string> NewestIds(const std::vector<TableDir>& dirs) {
  std::map<TableKey, int64_t> mtime_by_id;  // newest mtime over all data dirs
  for (const TableDir& td : dirs) {
    int64_t& m = mtime_by_id.try_emplace({td.keyspace, td.table, td.id}, td.mtime_ns).first->second;
    m = std::max(m, td.mtime_ns);
  }
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, std::string>> best;
  for (const auto& [key, mtime] : mtime_by_id) {
    const auto& [ks, table, id] = key;
    auto [it, inserted] = best.try_emplace({ks, table}, mtime, id);
    // Ties go to the larger id so the choice does not depend on directory order.
    if (!inserted && std::tie(mtime, id) > std::tie(it->second.first, it->second.second)) {
      it->second = {mtime, id};
    }
  }
  std::map<std::pair<std::string, std::string>, std::string> out;
  for (auto& [key, value] : best) out[key] = value.second;
  return out;
}

}  // namespace

Result<std::vector<TableFiles>> ScanSnapshot(const std::vector<std::string>& data_dirs,
                                             const std::string& tag, const TableFilter& filter) {
  if (tag.empty() || tag == "." || tag == ".." || tag.find('/') != std::string::npos) {
    return Status::InvalidArgument("snapshot tag '" + tag + "'", "not a valid directory name");
  }
  CV_ASSIGN_OR_RETURN(std::vector<TableDir> dirs, FindTableDirs(data_dirs, filter));
  std::map<TableKey, TableFiles> tables;
  for (const TableDir& td : dirs) {
    std::string snapshot_dir = td.path + "/snapshots/" + tag;
    struct stat st {};
    CV_ASSIGN_OR_RETURN(bool exists, StatDirectory(snapshot_dir, &st));
    if (!exists) continue;
    CV_RETURN_IF_ERROR(
        CollectFiles(snapshot_dir, "", td.data_dir_index, /*strict=*/true, &Entry(tables, td)));
  }
  return Finish(std::move(tables));
}

Result<std::vector<TableFiles>> ScanLiveTables(const std::vector<std::string>& data_dirs,
                                               const TableFilter& filter) {
  CV_ASSIGN_OR_RETURN(std::vector<TableDir> dirs, FindTableDirs(data_dirs, filter));
  auto newest = NewestIds(dirs);
  std::map<TableKey, TableFiles> tables;
  for (const TableDir& td : dirs) {
    if (newest[{td.keyspace, td.table}] != td.id) continue;
    CV_RETURN_IF_ERROR(CollectFiles(td.path, "", td.data_dir_index, /*strict=*/false, &Entry(tables, td)));
  }
  return Finish(std::move(tables));
}

std::string FindLiveTableDir(const std::string& data_dir, const std::string& keyspace,
                             const std::string& table) {
  std::string ks_path = data_dir + "/" + keyspace;
  Result<std::vector<std::string>> names = ListDir(ks_path);
  if (!names.ok()) return "";
  std::string best_path;
  std::pair<int64_t, std::string> best_key;  // (mtime, id), the same order ScanLiveTables uses
  for (const std::string& name : *names) {
    std::string t, id;
    if (!ParseTableDirName(name, &t, &id) || t != table) continue;
    struct stat st {};
    Result<bool> is_dir = StatDirectory(ks_path + "/" + name, &st);
    if (!is_dir.ok() || !*is_dir) continue;
    std::pair<int64_t, std::string> key{MtimeNs(st), id};
    if (best_path.empty() || key > best_key) {
      best_key = std::move(key);
      best_path = ks_path + "/" + name;
    }
  }
  return best_path;
}

}  // namespace cv::cassandra
