#include "vault/index_cache.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/vault_layout.h"
#include "vault/sqlite_stmt.h"

namespace cv::vault {

namespace {

constexpr const char* kSchemaVersion = "1";

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS blobs (id BLOB PRIMARY KEY, pack BLOB NOT NULL, off INTEGER NOT NULL,"
    " stored INTEGER NOT NULL, raw INTEGER NOT NULL, comp INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS packs (id BLOB PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS ingested (name TEXT PRIMARY KEY, covered INTEGER NOT NULL) WITHOUT ROWID;";

void BindId(sqlite3_stmt* st, int col, const ObjectId& id) {
  sqlite3_bind_blob(st, col, id.data(), 32, SQLITE_TRANSIENT);
}

// Opens `path` and checks it is a usable cache of this vault and node: "" if so, else what is wrong.
// A new, empty file gets the schema and the meta row.
std::string OpenAndCheck(const std::string& path, const std::string& vault_id, const std::string& node_id,
                         int format, sqlite3** out) {
  *out = nullptr;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return "does not open: " + msg;
  }
  // close_v2: a statement still open in the scope that fails is finalized after this, and the connection
  // is freed then (sqlite3_close would refuse, busy, and leak it).
  auto fail = [&](std::string why) {
    sqlite3_close_v2(db);
    return why;
  };
  {
    SqliteStmt check(db, "PRAGMA quick_check");
    if (!check.ok()) return fail(std::string("is not a SQLite database: ") + sqlite3_errmsg(db));
    std::string result;
    int rc = sqlite3_step(check.get());
    if (rc == SQLITE_ROW) result = ColumnText(check.get(), 0);
    if (rc != SQLITE_ROW || result != "ok")
      return fail("failed its integrity check: " +
                  (result.empty() ? std::string(sqlite3_errmsg(db)) : result));
  }
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail(std::string("has an unusable schema: ") + sqlite3_errmsg(db));
  const std::pair<const char*, std::string> expected[] = {{"schema", kSchemaVersion},
                                                          {"vault_id", vault_id},
                                                          {"node_id", node_id},
                                                          {"format", std::to_string(format)}};
  size_t rows = 0;
  {
    SqliteStmt meta(db, "SELECT k, v FROM meta");
    if (!meta.ok()) return fail(std::string("has no meta table: ") + sqlite3_errmsg(db));
    while (sqlite3_step(meta.get()) == SQLITE_ROW) {
      std::string k = ColumnText(meta.get(), 0), v = ColumnText(meta.get(), 1);
      for (const auto& [ek, ev] : expected) {
        if (k != ek) continue;
        if (v != ev) return fail("belongs to another " + std::string(ek) + " (" + v + ")");
        ++rows;
      }
    }
  }
  if (rows == 0) {
    // New: nothing ingested yet, so the meta row is all it needs.
    SqliteStmt has(db, "SELECT 1 FROM ingested LIMIT 1");
    if (has.ok() && sqlite3_step(has.get()) == SQLITE_ROW) return fail("has entries but no meta row");
    SqliteStmt put(db, "INSERT INTO meta VALUES (?, ?)");
    for (const auto& [k, v] : expected) {
      sqlite3_bind_text(put.get(), 1, k, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.get(), 2, v.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(put.get()) != SQLITE_DONE)
        return fail(std::string("is not writable: ") + sqlite3_errmsg(db));
      sqlite3_reset(put.get());
    }
  } else if (rows < std::size(expected)) {
    return fail("has an incomplete meta table");
  }
  *out = db;
  return "";
}

Status MakePrivateFile(const std::string& dir, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), dir, "create index cache directory");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::FromErrno(errno, dir, "stat index cache directory");
  // It names every blob of the node's backups: owner-only (only our own directory is tightened).
  if (st.st_uid == ::geteuid() && (st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    return Status::FromErrno(errno, dir, "chmod index cache directory");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "index cache " + path, "open");
  int rc = ::fchmod(fd, 0600);
  int chmod_errno = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(chmod_errno, "index cache " + path, "chmod");
  return Status::OK();
}

void RemoveFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

}  // namespace

Result<std::unique_ptr<IndexCache>> IndexCache::Open(const std::string& dir, const std::string& vault_id,
                                                     const std::string& node_id, int format,
                                                     std::string* reset) {
  reset->clear();
  // Both ids name the file: anything but their hex shapes could climb out of the directory.
  if (!layout::IsValidVaultId(vault_id) || !layout::IsValidNodeId(node_id))
    return Status::InvalidArgument("index cache", "vault or node id malformed; cache not used");
  const std::string path = dir + "/" + vault_id + "-" + node_id + ".index.sqlite";
  CV_RETURN_IF_ERROR(MakePrivateFile(dir, path));
  sqlite3* db = nullptr;
  std::string why = OpenAndCheck(path, vault_id, node_id, format, &db);
  if (!why.empty()) {
    *reset = "index cache " + path + " " + why + "; rebuilt from the vault";
    RemoveFiles(path);
    CV_RETURN_IF_ERROR(MakePrivateFile(dir, path));
    why = OpenAndCheck(path, vault_id, node_id, format, &db);
    if (!why.empty()) return Status::IOError("index cache " + path, why);
  }
  auto cache = std::unique_ptr<IndexCache>(new IndexCache(db, path));
  if (sqlite3_prepare_v2(db, "SELECT pack, off, stored, raw, comp FROM blobs WHERE id = ?", -1, &cache->find_,
                         nullptr) != SQLITE_OK) {
    return Status::IOError("index cache " + path, sqlite3_errmsg(db));
  }
  return cache;
}

IndexCache::~IndexCache() {
  sqlite3_finalize(find_);
  sqlite3_close_v2(db_);
}

Status IndexCache::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Status::IOError("index cache " + path_, msg);
  }
  return Status::OK();
}

Status IndexCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  return Exec(
      "BEGIN; DELETE FROM blobs; DELETE FROM packs; DELETE FROM ingested;"
      " DELETE FROM meta WHERE k = 'duplicates'; COMMIT;");
}

Result<std::map<std::string, bool>> IndexCache::Ingested() {
  std::lock_guard<std::mutex> lock(mu_);
  SqliteStmt st(db_, "SELECT name, covered FROM ingested");
  if (!st.ok()) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  std::map<std::string, bool> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
    out[ColumnText(st.get(), 0)] = sqlite3_column_int(st.get(), 1) != 0;
  if (rc != SQLITE_DONE) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  return out;
}

Result<size_t> IndexCache::Ingest(std::span<const std::string> names, std::span<const std::string> covered,
                                  std::span<const IndexEntry> entries,
                                  std::span<const std::pair<ObjectId, ObjectId>> pack_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  CV_RETURN_IF_ERROR(Exec("BEGIN"));
  auto fail = [&]() {
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Status::IOError("index cache " + path_, msg);
  };
  size_t duplicates = 0;
  {
    SqliteStmt blob(db_, "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?, ?, ?)");
    SqliteStmt held(db_, "SELECT pack FROM blobs WHERE id = ?");
    SqliteStmt pack(db_, "INSERT OR IGNORE INTO packs VALUES (?, ?)");
    SqliteStmt name(db_, "INSERT OR IGNORE INTO ingested VALUES (?, 0)");
    SqliteStmt cover(db_, "INSERT OR REPLACE INTO ingested VALUES (?, 1)");
    if (!blob.ok() || !held.ok() || !pack.ok() || !name.ok() || !cover.ok()) return fail();
    for (const auto& e : entries) {
      BindId(blob.get(), 1, e.entry.blob_id);
      BindId(blob.get(), 2, e.pack_id);
      sqlite3_bind_int64(blob.get(), 3, static_cast<sqlite3_int64>(e.entry.offset));
      sqlite3_bind_int64(blob.get(), 4, e.entry.stored_len);
      sqlite3_bind_int64(blob.get(), 5, e.entry.raw_len);
      sqlite3_bind_int(blob.get(), 6, static_cast<int>(e.entry.compression));
      if (sqlite3_step(blob.get()) != SQLITE_DONE) return fail();
      sqlite3_reset(blob.get());
      if (sqlite3_changes(db_) == 0) {  // held already: a duplicate only if in another pack
        BindId(held.get(), 1, e.entry.blob_id);
        if (sqlite3_step(held.get()) == SQLITE_ROW && ColumnId(held.get(), 0) != e.pack_id) ++duplicates;
        sqlite3_reset(held.get());
      }
    }
    for (const auto& [p, k] : pack_keys) {
      BindId(pack.get(), 1, p);
      BindId(pack.get(), 2, k);
      if (sqlite3_step(pack.get()) != SQLITE_DONE) return fail();
      sqlite3_reset(pack.get());
    }
    for (const auto& n : names) {
      sqlite3_bind_text(name.get(), 1, n.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(name.get()) != SQLITE_DONE) return fail();
      sqlite3_reset(name.get());
    }
    for (const auto& n : covered) {
      sqlite3_bind_text(cover.get(), 1, n.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(cover.get()) != SQLITE_DONE) return fail();
      sqlite3_reset(cover.get());
    }
    if (duplicates > 0) {
      SqliteStmt dup(
          db_,
          "INSERT INTO meta VALUES ('duplicates', ?) ON CONFLICT(k) DO UPDATE SET v = CAST(v AS INTEGER) + "
          "excluded.v");
      if (!dup.ok()) return fail();
      sqlite3_bind_int64(dup.get(), 1, static_cast<sqlite3_int64>(duplicates));
      if (sqlite3_step(dup.get()) != SQLITE_DONE) return fail();
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail();
  return duplicates;
}

std::optional<IndexEntry> IndexCache::Find(const ObjectId& blob) {
  std::lock_guard<std::mutex> lock(mu_);
  BindId(find_, 1, blob);
  std::optional<IndexEntry> out;
  if (sqlite3_step(find_) == SQLITE_ROW) {
    IndexEntry e;
    e.pack_id = ColumnId(find_, 0);
    e.entry.blob_id = blob;
    e.entry.offset = static_cast<uint64_t>(sqlite3_column_int64(find_, 1));
    e.entry.stored_len = static_cast<uint32_t>(sqlite3_column_int64(find_, 2));
    e.entry.raw_len = static_cast<uint32_t>(sqlite3_column_int64(find_, 3));
    const int comp = sqlite3_column_int(find_, 4);
    e.entry.compression = static_cast<Compression>(comp);
    if (comp == 0 || comp == 1) out = e;  // anything else is not a row we wrote: as if not held
  }
  sqlite3_reset(find_);
  return out;
}

std::optional<ObjectId> IndexCache::PackKey(const ObjectId& pack) {
  std::lock_guard<std::mutex> lock(mu_);
  SqliteStmt st(db_, "SELECT key FROM packs WHERE id = ?");
  if (!st.ok()) return std::nullopt;
  BindId(st.get(), 1, pack);
  if (sqlite3_step(st.get()) != SQLITE_ROW) return std::nullopt;
  return ColumnId(st.get(), 0);
}

size_t IndexCache::Count() {
  std::lock_guard<std::mutex> lock(mu_);
  SqliteStmt st(db_, "SELECT COUNT(*) FROM blobs");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return 0;
  return static_cast<size_t>(sqlite3_column_int64(st.get(), 0));
}

size_t IndexCache::Duplicates() {
  std::lock_guard<std::mutex> lock(mu_);
  SqliteStmt st(db_, "SELECT CAST(v AS INTEGER) FROM meta WHERE k = 'duplicates'");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return 0;
  return static_cast<size_t>(sqlite3_column_int64(st.get(), 0));
}

Result<std::set<ObjectId>> IndexCache::Packs() {
  std::lock_guard<std::mutex> lock(mu_);
  // Packs of entries held, and packs an ingested object named even if each of their entries was a duplicate.
  SqliteStmt st(db_, "SELECT pack FROM blobs UNION SELECT id FROM packs");
  if (!st.ok()) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  std::set<ObjectId> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.insert(ColumnId(st.get(), 0));
  if (rc != SQLITE_DONE) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  return out;
}

Status IndexCache::All(std::vector<IndexEntry>* entries,
                       std::vector<std::pair<ObjectId, ObjectId>>* pack_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  SqliteStmt st(db_, "SELECT id, pack, off, stored, raw, comp FROM blobs");
  SqliteStmt pk(db_, "SELECT id, key FROM packs");
  if (!st.ok() || !pk.ok()) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    IndexEntry e;
    e.entry.blob_id = ColumnId(st.get(), 0);
    e.pack_id = ColumnId(st.get(), 1);
    e.entry.offset = static_cast<uint64_t>(sqlite3_column_int64(st.get(), 2));
    e.entry.stored_len = static_cast<uint32_t>(sqlite3_column_int64(st.get(), 3));
    e.entry.raw_len = static_cast<uint32_t>(sqlite3_column_int64(st.get(), 4));
    e.entry.compression = static_cast<Compression>(sqlite3_column_int(st.get(), 5));
    entries->push_back(e);
  }
  if (rc != SQLITE_DONE) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  while ((rc = sqlite3_step(pk.get())) == SQLITE_ROW)
    pack_keys->emplace_back(ColumnId(pk.get(), 0), ColumnId(pk.get(), 1));
  if (rc != SQLITE_DONE) return Status::IOError("index cache " + path_, sqlite3_errmsg(db_));
  return Status::OK();
}

}  // namespace cv::vault
