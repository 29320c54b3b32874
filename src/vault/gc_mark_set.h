// src/vault/gc_mark_set.h — prune's working set on disk (SQLite under GcOptions::work_dir, 0700, removed when
// prune ends): the live blob ids (from the reference sets of the backups kept), every pack with what the
// index view says it holds, and the names the kept records refer to. A vault of millions of blobs is held
// sorted on disk, never in memory (docs/vault-format.md, "Prune").
//
// Packs carry two bit sets:
//   view: kInConsolidation (named by its partition's newest consolidated index), kInRawIndex (named by an
//         index object that consolidation does not cover), kWrittenNow (a pack or index object this run
//         wrote: a repacked pack, a resurrected one). A pack with view 0 is an orphan: a loader adopts it.
//   cand: kPending (a candidate of a gc mark not yet due), kDeleting (deleted by this run's phase 2),
//         kNew (a candidate of this run's phase 1).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/pack_format.h"
#include "core/pack_format_v2.h"
#include "core/result.h"

struct sqlite3;

namespace cv::vault {

class GcMarkSet {
 public:
  enum View : int { kInConsolidation = 1, kInRawIndex = 2, kWrittenNow = 4 };
  enum Cand : int { kPending = 1, kDeleting = 2, kNew = 4 };

  struct Pack {
    ObjectId id{};
    std::string key, node;
    uint64_t size = 0;
    int64_t modified = 0;
    std::optional<ObjectId> content_key;
    int view = 0, cand = 0;
    uint64_t entry_bytes = 0, live_bytes = 0;  // stored lengths of its entries, and of the live ones
    uint64_t entries = 0, live_entries = 0;
  };

  // Creates `work_dir` (0700) if needed, a private directory in it (mkdtemp) and a fresh database there; the
  // destructor removes both, and `work_dir` if it made it. An existing `work_dir` is used as it is.
  static Result<std::unique_ptr<GcMarkSet>> Create(const std::string& work_dir);
  ~GcMarkSet();
  GcMarkSet(const GcMarkSet&) = delete;
  GcMarkSet& operator=(const GcMarkSet&) = delete;

  Status Begin();
  Status Commit();

  Status AddLive(std::span<const ObjectId> blobs);
  Result<bool> IsLive(const ObjectId& blob);
  Result<uint64_t> LiveCount();
  Status AddPack(const ObjectId& id, const std::string& key, const std::string& node, uint64_t size,
                 int64_t modified);
  Status SetPackKey(const ObjectId& pack, const ObjectId& content_key);
  Status AddView(const ObjectId& pack, int bits);
  Status AddCand(const ObjectId& pack, int bits);
  Status DropCand(const ObjectId& pack, int bits);
  // Entries of packs named by the index view or read from a pack's header; a repeated (pack, blob) is one.
  Status AddEntries(std::span<const IndexEntry> entries);
  // Every listed pack with its counts (packs, not blobs: bounded by the store's pack count).
  Result<std::vector<Pack>> Packs();
  Result<Pack> PackOf(const ObjectId& id);
  // Live blobs of `pack` that no other pack of its partition holds in the index view, among packs whose cand
  // bits do not meet `unsafe_cand`: what deleting `pack` would lose.
  Result<uint64_t> UncoveredLive(const ObjectId& pack, const std::string& node, int unsafe_cand);
  Result<std::vector<PackEntry>> EntriesOf(const ObjectId& pack);
  // The index view of `node` after this run: entries of packs in the view (or written now) whose cand bits do
  // not meet `hidden_cand`, with their content keys.
  Status ViewOf(const std::string& node, int hidden_cand, IndexV2* out);
  // True if a pack whose cand bits do not meet `gone_cand` uses `content_key`.
  Result<bool> KeyInUse(const ObjectId& content_key, int gone_cand);

  Status AddNamed(const std::string& name);
  Result<bool> IsNamed(const std::string& name);

 private:
  GcMarkSet(sqlite3* db, std::string path, std::string dir, std::string made_dir)
      : db_(db), path_(std::move(path)), dir_(std::move(dir)), made_dir_(std::move(made_dir)) {}
  Status Exec(const char* sql);
  Status Error() const;

  sqlite3* db_;
  std::string path_;
  std::string dir_;       // prune's private directory inside the work directory (mkdtemp, 0700)
  std::string made_dir_;  // the work directory, removed at the end when prune made it
};

}  // namespace cv::vault
