// src/vault/sqlite_stmt.h — one prepared SQLite statement, finalized when it goes out of scope: what the
// local index cache, prune's on-disk mark set and the store-lock ledger each need around SQLite's C API.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "core/pack_format.h"

namespace cv::vault {

class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) == SQLITE_OK;
  }
  ~SqliteStmt() { sqlite3_finalize(st_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return st_; }
  void Id(int col, const ObjectId& id) {
    sqlite3_bind_blob(st_, col, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  }
  void Int(int col, int64_t v) { sqlite3_bind_int64(st_, col, v); }
  void Text(int col, const std::string& s) {
    sqlite3_bind_text(st_, col, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  int Step() { return sqlite3_step(st_); }
  void Reset() { sqlite3_reset(st_); }

 private:
  sqlite3_stmt* st_ = nullptr;
  bool ok_ = false;
};

// Column readers: an id column of another length reads as all zeros (the caller's checks reject it).
inline ObjectId ColumnId(sqlite3_stmt* st, int col) {
  ObjectId id{};
  if (sqlite3_column_bytes(st, col) == static_cast<int>(id.size()))
    std::memcpy(id.data(), sqlite3_column_blob(st, col), id.size());
  return id;
}

inline std::string ColumnText(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
}

}  // namespace cv::vault
