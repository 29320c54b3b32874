// src/ops/file_cache.h — what the node's files held the last time we read them.
//
// A snapshot file is a hard link: it shares (device, inode) with the live SSTable and with the same
// file in every earlier snapshot, and a component Cassandra rewrites (Statistics.db after repair) gets
// a new inode. So (device, inode, size, mtime) names unchanged content without reading it, and a
// backup with nothing new reads no file bytes. An entry is only trusted if the vault still holds
// every blob it names (the caller checks). Kept per vault in SQLite under the cache dir.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vault_layout.h"

struct sqlite3;

namespace cv::ops {

struct FileKey {
  uint64_t device = 0, inode = 0, size = 0;
  int64_t mtime_ns = 0;
};

class FileCache {
 public:
  // `dir`/<vault_id>.sqlite; created if missing. A cache that cannot be opened is not fatal for the
  // caller: it may run without one.
  static Result<std::unique_ptr<FileCache>> Open(const std::string& dir, const std::string& vault_id);
  ~FileCache();

  std::optional<std::vector<ObjectId>> Lookup(const FileKey& key);
  // Buffered; written by Flush in one transaction.
  void Remember(const FileKey& key, const std::vector<ObjectId>& blobs);
  Status Flush();

 private:
  explicit FileCache(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::vector<std::pair<FileKey, std::vector<ObjectId>>> pending_;
};

}  // namespace cv::ops
