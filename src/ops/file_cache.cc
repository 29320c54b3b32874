#include "ops/file_cache.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/vault_layout.h"
#include "env/private_file.h"

namespace cv::ops {

Result<std::unique_ptr<FileCache>> FileCache::Open(const std::string& dir, const std::string& vault_id) {
  // The id names a file: anything but 32 lowercase hex digits could climb out of the cache directory.
  if (!layout::IsValidVaultId(vault_id)) {
    return Status::InvalidArgument("file cache", "vault id is not 32 lowercase hex digits; cache not used");
  }
  // The cache lists every SSTable's device, inode, size, mtime and blob ids: owner-only, like the vault.
  CV_RETURN_IF_ERROR(env::EnsurePrivateDir(dir));
  std::string path = dir + "/" + vault_id + ".sqlite";
  // An existing database of an older cassvault is tightened.
  CV_RETURN_IF_ERROR(env::MakePrivateFile(path, "file cache"));
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IOError("file cache " + path, msg);
  }
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS files (device INTEGER, inode INTEGER, size INTEGER, mtime_ns INTEGER,"
      " blobs BLOB NOT NULL, PRIMARY KEY (device, inode, size, mtime_ns)) WITHOUT ROWID;";
  char* err = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    sqlite3_close(db);
    return Status::IOError("file cache " + path, msg);
  }
  return std::unique_ptr<FileCache>(new FileCache(db));
}

FileCache::~FileCache() { sqlite3_close(db_); }

std::optional<std::vector<ObjectId>> FileCache::Lookup(const FileKey& k) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT blobs FROM files WHERE device=? AND inode=? AND size=? AND mtime_ns=?",
                         -1, &st, nullptr) != SQLITE_OK) {
    return std::nullopt;
  }
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(k.device));
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(k.inode));
  sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(k.size));
  sqlite3_bind_int64(st, 4, k.mtime_ns);
  std::optional<std::vector<ObjectId>> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const void* p = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    if (n % 32 == 0) {
      std::vector<ObjectId> ids(static_cast<size_t>(n) / 32);
      if (n > 0) std::memcpy(ids.data(), p, static_cast<size_t>(n));
      out = std::move(ids);
    }
  }
  sqlite3_finalize(st);
  return out;
}

void FileCache::Remember(const FileKey& key, const std::vector<ObjectId>& blobs) {
  pending_.emplace_back(key, blobs);
}

Status FileCache::Flush() {
  if (pending_.empty()) return Status::OK();
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)", -1, &st, nullptr) !=
      SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Status::IOError("file cache", sqlite3_errmsg(db_));
  }
  for (const auto& [k, ids] : pending_) {
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(k.device));
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(k.inode));
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(k.size));
    sqlite3_bind_int64(st, 4, k.mtime_ns);
    if (ids.empty()) {
      sqlite3_bind_zeroblob(st, 5, 0);  // an empty file: a NULL pointer would bind SQL NULL
    } else {
      sqlite3_bind_blob(st, 5, ids.data(), static_cast<int>(ids.size() * 32), SQLITE_TRANSIENT);
    }
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  pending_.clear();
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::IOError("file cache", sqlite3_errmsg(db_));
  }
  return Status::OK();
}

}  // namespace cv::ops
