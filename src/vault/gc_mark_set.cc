#include "vault/gc_mark_set.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/crypto.h"
#include "vault/sqlite_stmt.h"

namespace cv::vault {

namespace {

constexpr const char* kSchema =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;"  // 16 MiB page cache
    "CREATE TABLE live (blob BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE packs (id BLOB PRIMARY KEY, key TEXT NOT NULL, node TEXT NOT NULL, size INTEGER NOT NULL,"
    " modified INTEGER NOT NULL, ckey BLOB, view INTEGER NOT NULL DEFAULT 0, cand INTEGER NOT NULL DEFAULT 0)"
    " WITHOUT ROWID;"
    "CREATE TABLE entries (pack BLOB NOT NULL, blob BLOB NOT NULL, off INTEGER NOT NULL, stored INTEGER NOT "
    "NULL, raw INTEGER NOT NULL, comp INTEGER NOT NULL, PRIMARY KEY (pack, blob)) WITHOUT ROWID;"
    "CREATE INDEX entries_blob ON entries (blob);"
    "CREATE TABLE named (name TEXT PRIMARY KEY) WITHOUT ROWID;";

constexpr const char* kPackColumns =
    "SELECT p.id, p.key, p.node, p.size, p.modified, p.ckey, p.view, p.cand, COALESCE(SUM(e.stored), 0),"
    " COALESCE(SUM(CASE WHEN l.blob IS NOT NULL THEN e.stored ELSE 0 END), 0), COUNT(e.blob), COUNT(l.blob)"
    " FROM packs p LEFT JOIN entries e ON e.pack = p.id LEFT JOIN live l ON l.blob = e.blob";

GcMarkSet::Pack PackRow(sqlite3_stmt* st) {
  GcMarkSet::Pack p;
  p.id = ColumnId(st, 0);
  p.key = ColumnText(st, 1);
  p.node = ColumnText(st, 2);
  p.size = static_cast<uint64_t>(sqlite3_column_int64(st, 3));
  p.modified = sqlite3_column_int64(st, 4);
  if (sqlite3_column_bytes(st, 5) == 32) p.content_key = ColumnId(st, 5);
  p.view = sqlite3_column_int(st, 6);
  p.cand = sqlite3_column_int(st, 7);
  p.entry_bytes = static_cast<uint64_t>(sqlite3_column_int64(st, 8));
  p.live_bytes = static_cast<uint64_t>(sqlite3_column_int64(st, 9));
  p.entries = static_cast<uint64_t>(sqlite3_column_int64(st, 10));
  p.live_entries = static_cast<uint64_t>(sqlite3_column_int64(st, 11));
  return p;
}

}  // namespace

Result<std::unique_ptr<GcMarkSet>> GcMarkSet::Create(const std::string& work_dir) {
  if (work_dir.empty()) return Status::InvalidArgument("prune", "needs a work directory for its mark set");
  std::string made;
  std::error_code ec;
  if (!std::filesystem::exists(work_dir, ec)) {
    std::filesystem::create_directories(work_dir, ec);
    if (ec) return Status::FromErrno(ec.value(), work_dir, "create prune work directory");
    made = work_dir;
    if (::chmod(work_dir.c_str(), 0700) != 0) return Status::FromErrno(errno, work_dir, "chmod 0700");
  }
  // Its own private directory (mkdtemp: 0700) inside, whatever `work_dir` is: the set names every live blob.
  std::string tmpl = work_dir + "/cassvault-prune-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    const int err = errno;
    if (!made.empty()) ::rmdir(made.c_str());
    return Status::FromErrno(err, work_dir, "make prune's private directory");
  }
  const std::string path = tmpl + "/marks.sqlite";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    ::rmdir(tmpl.c_str());
    if (!made.empty()) ::rmdir(made.c_str());
    return Status::IOError("prune mark set " + path, msg);
  }
  auto set = std::unique_ptr<GcMarkSet>(new GcMarkSet(db, path, tmpl, made));
  CV_RETURN_IF_ERROR(set->Exec(kSchema));
  return set;
}

GcMarkSet::~GcMarkSet() {
  sqlite3_close_v2(db_);
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  ::rmdir(dir_.c_str());
  if (!made_dir_.empty()) ::rmdir(made_dir_.c_str());
}

Status GcMarkSet::Error() const { return Status::IOError("prune mark set " + path_, sqlite3_errmsg(db_)); }

Status GcMarkSet::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Status::IOError("prune mark set " + path_, msg);
  }
  return Status::OK();
}

Status GcMarkSet::Begin() { return Exec("BEGIN"); }
Status GcMarkSet::Commit() { return Exec("COMMIT"); }

Status GcMarkSet::AddLive(std::span<const ObjectId> blobs) {
  SqliteStmt st(db_, "INSERT OR IGNORE INTO live VALUES (?)");
  if (!st.ok()) return Error();
  for (const auto& b : blobs) {
    st.Id(1, b);
    if (st.Step() != SQLITE_DONE) return Error();
    st.Reset();
  }
  return Status::OK();
}

Result<bool> GcMarkSet::IsLive(const ObjectId& blob) {
  SqliteStmt st(db_, "SELECT 1 FROM live WHERE blob = ?");
  if (!st.ok()) return Error();
  st.Id(1, blob);
  return st.Step() == SQLITE_ROW;
}

Result<uint64_t> GcMarkSet::LiveCount() {
  SqliteStmt st(db_, "SELECT COUNT(*) FROM live");
  if (!st.ok() || st.Step() != SQLITE_ROW) return Error();
  return static_cast<uint64_t>(sqlite3_column_int64(st.get(), 0));
}

Status GcMarkSet::AddPack(const ObjectId& id, const std::string& key, const std::string& node, uint64_t size,
                          int64_t modified) {
  SqliteStmt st(db_, "INSERT OR IGNORE INTO packs (id, key, node, size, modified) VALUES (?, ?, ?, ?, ?)");
  if (!st.ok()) return Error();
  st.Id(1, id);
  st.Text(2, key);
  st.Text(3, node);
  st.Int(4, static_cast<int64_t>(size));
  st.Int(5, modified);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Status GcMarkSet::SetPackKey(const ObjectId& pack, const ObjectId& content_key) {
  SqliteStmt st(db_, "UPDATE packs SET ckey = ? WHERE id = ?");
  if (!st.ok()) return Error();
  st.Id(1, content_key);
  st.Id(2, pack);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Status GcMarkSet::AddView(const ObjectId& pack, int bits) {
  SqliteStmt st(db_, "UPDATE packs SET view = view | ? WHERE id = ?");
  if (!st.ok()) return Error();
  st.Int(1, bits);
  st.Id(2, pack);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Status GcMarkSet::AddCand(const ObjectId& pack, int bits) {
  SqliteStmt st(db_, "UPDATE packs SET cand = cand | ? WHERE id = ?");
  if (!st.ok()) return Error();
  st.Int(1, bits);
  st.Id(2, pack);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Status GcMarkSet::DropCand(const ObjectId& pack, int bits) {
  SqliteStmt st(db_, "UPDATE packs SET cand = cand & ~? WHERE id = ?");
  if (!st.ok()) return Error();
  st.Int(1, bits);
  st.Id(2, pack);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Status GcMarkSet::AddEntries(std::span<const IndexEntry> entries) {
  SqliteStmt st(db_, "INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return Error();
  for (const auto& e : entries) {
    st.Id(1, e.pack_id);
    st.Id(2, e.entry.blob_id);
    st.Int(3, static_cast<int64_t>(e.entry.offset));
    st.Int(4, e.entry.stored_len);
    st.Int(5, e.entry.raw_len);
    st.Int(6, static_cast<int>(e.entry.compression));
    if (st.Step() != SQLITE_DONE) return Error();
    st.Reset();
  }
  return Status::OK();
}

Result<std::vector<GcMarkSet::Pack>> GcMarkSet::Packs() {
  SqliteStmt st(db_, (std::string(kPackColumns) + " GROUP BY p.id ORDER BY p.key").c_str());
  if (!st.ok()) return Error();
  std::vector<Pack> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) out.push_back(PackRow(st.get()));
  if (rc != SQLITE_DONE) return Error();
  return out;
}

Result<GcMarkSet::Pack> GcMarkSet::PackOf(const ObjectId& id) {
  SqliteStmt st(db_, (std::string(kPackColumns) + " WHERE p.id = ? GROUP BY p.id").c_str());
  if (!st.ok()) return Error();
  st.Id(1, id);
  if (st.Step() != SQLITE_ROW) return Status::NotFound("pack " + IdToHex(id), "not listed");
  return PackRow(st.get());
}

Result<uint64_t> GcMarkSet::UncoveredLive(const ObjectId& pack, const std::string& node, int unsafe_cand) {
  SqliteStmt st(
      db_,
      "SELECT COUNT(*) FROM entries e JOIN live l ON l.blob = e.blob WHERE e.pack = ?1 AND NOT EXISTS"
      " (SELECT 1 FROM entries e2 JOIN packs q ON q.id = e2.pack WHERE e2.blob = e.blob AND e2.pack <> ?1"
      " AND q.node = ?2 AND q.view <> 0 AND (q.cand & ?3) = 0)");
  if (!st.ok()) return Error();
  st.Id(1, pack);
  st.Text(2, node);
  st.Int(3, unsafe_cand);
  if (st.Step() != SQLITE_ROW) return Error();
  return static_cast<uint64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<std::vector<PackEntry>> GcMarkSet::EntriesOf(const ObjectId& pack) {
  SqliteStmt st(db_, "SELECT blob, off, stored, raw, comp FROM entries WHERE pack = ? ORDER BY off");
  if (!st.ok()) return Error();
  st.Id(1, pack);
  std::vector<PackEntry> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    PackEntry e;
    e.blob_id = ColumnId(st.get(), 0);
    e.offset = static_cast<uint64_t>(sqlite3_column_int64(st.get(), 1));
    e.stored_len = static_cast<uint32_t>(sqlite3_column_int64(st.get(), 2));
    e.raw_len = static_cast<uint32_t>(sqlite3_column_int64(st.get(), 3));
    e.compression = static_cast<Compression>(sqlite3_column_int(st.get(), 4));
    out.push_back(e);
  }
  if (rc != SQLITE_DONE) return Error();
  return out;
}

Status GcMarkSet::ViewOf(const std::string& node, int hidden_cand, IndexV2* out) {
  SqliteStmt packs(db_,
                   "SELECT id, ckey FROM packs WHERE node = ? AND view <> 0 AND (cand & ?) = 0 ORDER BY id");
  if (!packs.ok()) return Error();
  packs.Text(1, node);
  packs.Int(2, hidden_cand);
  int rc;
  while ((rc = packs.Step()) == SQLITE_ROW) {
    if (sqlite3_column_bytes(packs.get(), 1) != 32) continue;  // no content key known: not indexable
    const ObjectId id = ColumnId(packs.get(), 0);
    CV_ASSIGN_OR_RETURN(auto entries, EntriesOf(id));
    if (entries.empty()) continue;
    out->pack_keys.emplace_back(id, ColumnId(packs.get(), 1));
    for (const auto& e : entries) out->entries.push_back({id, e});
  }
  if (rc != SQLITE_DONE) return Error();
  return Status::OK();
}

Result<bool> GcMarkSet::KeyInUse(const ObjectId& content_key, int gone_cand) {
  SqliteStmt st(db_, "SELECT 1 FROM packs WHERE ckey = ? AND (cand & ?) = 0 LIMIT 1");
  if (!st.ok()) return Error();
  st.Id(1, content_key);
  st.Int(2, gone_cand);
  return st.Step() == SQLITE_ROW;
}

Status GcMarkSet::AddNamed(const std::string& name) {
  SqliteStmt st(db_, "INSERT OR IGNORE INTO named VALUES (?)");
  if (!st.ok()) return Error();
  st.Text(1, name);
  return st.Step() == SQLITE_DONE ? Status::OK() : Error();
}

Result<bool> GcMarkSet::IsNamed(const std::string& name) {
  SqliteStmt st(db_, "SELECT 1 FROM named WHERE name = ?");
  if (!st.ok()) return Error();
  st.Text(1, name);
  return st.Step() == SQLITE_ROW;
}

}  // namespace cv::vault
