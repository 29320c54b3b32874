#include "ops/store_locks.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/vault_layout.h"
#include "env/private_file.h"
#include "vault/sqlite_stmt.h"

namespace cv::ops {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;
// 1970-01-05 was a Monday.
constexpr int64_t kFirstMonday = 4 * kDay;

// The applied locks: object key -> the date the store has been asked to keep it until.
class AppliedLocks {
 public:
  ~AppliedLocks() {
    if (db_ != nullptr) sqlite3_close(db_);
  }
  Status Open(const std::string& path) {
    // Owner-only like every file in the cache: it names the vault's locked objects.
    CV_RETURN_IF_ERROR(env::MakePrivateFile(path, "store locks"));
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return Status::IOError("store locks " + path, Err());
    return Exec(
        "CREATE TABLE IF NOT EXISTS applied (key TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID");
  }
  int64_t Until(const std::string& key) {
    vault::SqliteStmt st(db_, "SELECT until FROM applied WHERE key = ?");
    if (!st.ok()) return 0;
    st.Text(1, key);
    return st.Step() == SQLITE_ROW ? sqlite3_column_int64(st.get(), 0) : 0;
  }
  Status Set(const std::string& key, int64_t until) {
    vault::SqliteStmt st(db_, "INSERT OR REPLACE INTO applied (key, until) VALUES (?, ?)");
    if (!st.ok()) return Status::IOError("store locks", Err());
    st.Text(1, key);
    st.Int(2, until);
    return st.Step() == SQLITE_DONE ? Status::OK() : Status::IOError("store locks", Err());
  }

 private:
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Status::IOError("store locks", msg);
  }
  std::string Err() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }
  sqlite3* db_ = nullptr;
};

}  // namespace

int64_t LockBucket(int64_t t) {
  if (t <= kFirstMonday) return kFirstMonday;
  int64_t weeks = (t - kFirstMonday + kWeek - 1) / kWeek;
  return kFirstMonday + weeks * kWeek;
}

Result<StoreLockReport> ApplyStoreLocks(vault::Vault& vault, const std::vector<LockedBackup>& locked,
                                        const std::string& immutability, const std::string& state_dir) {
  StoreLockReport report;
  if (locked.empty() || immutability == "disabled") return report;
  storage::LockMode mode =
      immutability == "locked" ? storage::LockMode::kCompliance : storage::LockMode::kGovernance;

  // Every object each locked backup needs, with the latest bucket any of them asks for.
  std::map<std::string, int64_t> want;
  auto need = [&](const std::string& key, int64_t until) {
    if (key.empty()) return;
    int64_t& w = want[key];
    w = std::max(w, until);
  };
  std::map<std::string, std::vector<const LockedBackup*>> by_partition;
  int64_t latest = 0;
  for (const LockedBackup& b : locked) {
    int64_t until = LockBucket(b.locked_until);
    latest = std::max(latest, until);
    CV_ASSIGN_OR_RETURN(std::string record_key, vault.catalog().RecordKey(b.record.backup_id));
    need(record_key, until);
    need(layout::ManifestKey(b.record.manifest_id), until);
    need(layout::RefsKey(b.record.backup_id), until);
    need(layout::ContentKeyObjectKey(b.record.content_key), until);
    by_partition[b.record.node_id].push_back(&b);
  }
  // The packs holding their blobs, found through each partition's index.
  for (const auto& [node, backups] : by_partition) {
    CV_RETURN_IF_ERROR(vault.LoadIndexOf({node}));
    for (const LockedBackup* b : backups) {
      CV_ASSIGN_OR_RETURN(std::vector<ObjectId> refs, vault.LoadReferenceSet(b->record.backup_id));
      std::set<ObjectId> packs;
      for (const ObjectId& blob : refs) {
        if (auto e = vault.FindBlob(blob)) packs.insert(e->pack_id);
      }
      for (const ObjectId& p : packs) {
        need(node.empty() ? layout::PackKey(p) : layout::PackKey(node, p), LockBucket(b->locked_until));
      }
    }
    ++report.backups;
  }
  // What opens the vault at all: its config and key slots, until the latest lock.
  need("config", latest);
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(vault.store().List("keys/", [&](const storage::ObjectInfo& o) { listed.push_back(o); }));
  CV_RETURN_IF_ERROR(
      vault.store().List("config-seal/", [&](const storage::ObjectInfo& o) { listed.push_back(o); }));
  // The audit trail gets the vault's immutability when it is locked: its records and checkpoints (those
  // written by this prune itself get theirs at the next one). One listing of each prefix.
  if (immutability == "locked") {
    for (std::string_view prefix : {layout::KindInfo(layout::ObjectKind::kAuditRecord).prefix,
                                    layout::KindInfo(layout::ObjectKind::kAuditCheckpoint).prefix}) {
      CV_RETURN_IF_ERROR(
          vault.store().List(prefix, [&](const storage::ObjectInfo& o) { listed.push_back(o); }));
    }
  }
  for (const auto& o : listed) need(o.key, latest);

  CV_RETURN_IF_ERROR(env::EnsurePrivateDir(state_dir));
  AppliedLocks applied;
  CV_RETURN_IF_ERROR(applied.Open(state_dir + "/" + vault.vault_id() + ".store-locks.sqlite"));
  report.objects = want.size();
  for (const auto& [key, until] : want) {
    if (applied.Until(key) >= until) continue;
    ++report.requests;
    Status st = vault.store().SetLock(key, storage::ObjectLock{until, mode});
    if (!st.ok()) {
      ++report.refused;
      if (report.notes.size() < 20) report.notes.push_back(st.ToString());
      continue;
    }
    CV_RETURN_IF_ERROR(applied.Set(key, until));
  }
  return report;
}

}  // namespace cv::ops
