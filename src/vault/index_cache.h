// src/vault/index_cache.h — a node's local, rebuildable copy of its partition's index (docs/vault-format.md,
// "Index cache"): SQLite at <dir>/<vault id>-<node id>.index.sqlite (dir 0700, file 0600, like the file
// cache). It keeps the working set off the heap, and makes a no-change start-up cost the listings only: what
// the vault lists and the cache has ingested is not read again.
//
// Never trusted blindly. On open it checks, and deletes and rebuilds the file when any check fails:
//   - the file opens as SQLite and PRAGMA quick_check says "ok" (garbage bytes, a truncated file);
//   - the schema version, vault id, node id and vault format in its meta table are this vault's and node's
//     (a file copied from elsewhere, another vault with the same directory);
// and the loader (BlobIndex::Load) rebuilds it when a name it ingested is no longer listed in the vault (an
// index object or consolidation pruned or replaced: its entries may name packs that are gone).
// Not checked: a row changed in place by someone who can write the file (detecting that would cost reading
// the index from the vault, which is what the cache saves). Such a row can at worst make a backup skip a
// blob the vault does not hold; `verify` reads the vault, not the cache, and finds it. The file is the
// user's own, 0600.
//
// Thread-safe (one connection, each call under a mutex).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cv::vault {

class IndexCache {
 public:
  // Opens (or creates) the cache of `node_id` in `vault_id`. A file that fails a check is deleted and created
  // empty; *reset says why ("" when it was usable, or new). An error only when no cache can be made at all
  // (the caller loads without one).
  static Result<std::unique_ptr<IndexCache>> Open(const std::string& dir, const std::string& vault_id,
                                                  const std::string& node_id, int format, std::string* reset);
  ~IndexCache();
  IndexCache(const IndexCache&) = delete;
  IndexCache& operator=(const IndexCache&) = delete;

  const std::string& path() const { return path_; }
  // Empties it (a name it ingested is gone from the vault).
  Status Clear();
  // The index objects and consolidations ingested so far, each with whether an ingested consolidation (or
  // one this node wrote) covers it.
  Result<std::map<std::string, bool>> Ingested();
  // Adds entries and pack keys, and records `names` as ingested (and `covered` as ingested and covered), in
  // one transaction. Returns how many entries named a blob already held in another pack (duplicates).
  Result<size_t> Ingest(std::span<const std::string> names, std::span<const std::string> covered,
                        std::span<const IndexEntry> entries,
                        std::span<const std::pair<ObjectId, ObjectId>> pack_keys);
  std::optional<IndexEntry> Find(const ObjectId& blob);
  std::optional<ObjectId> PackKey(const ObjectId& pack);
  size_t Count();
  size_t Duplicates();
  // Every pack an ingested object names.
  Result<std::set<ObjectId>> Packs();
  // Every entry and pack key (to write a consolidation).
  Status All(std::vector<IndexEntry>* entries, std::vector<std::pair<ObjectId, ObjectId>>* pack_keys);

 private:
  IndexCache(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);

  std::mutex mu_;
  sqlite3* db_;                   // GUARDED_BY(mu_)
  sqlite3_stmt* find_ = nullptr;  // GUARDED_BY(mu_), prepared once: Find is the backup's hot path
  std::string path_;
};

}  // namespace cv::vault
