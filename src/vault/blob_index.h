// src/vault/blob_index.h — which pack holds each blob: loaded from the index objects, then completed by
// adopting packs no index names (left by a killed backup), and grown by the packs a backup writes
// (docs/vault-format.md, "Index objects" and "Adoption").
//
// Thread-safe: lookups and additions lock; Load replaces the whole table at once.
#pragma once

#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"
#include "vault/problems.h"

namespace cv::vault {

class IndexCache;
class ObjectTable;
class PackReader;
class BlobCodec;

struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);  // ids are uniformly random already
    return h;
  }
};

// Unindexed packs are read whole before adoption; junk packs someone adds would be read by every command,
// so one Load reads at most this much of them. Packs past it are not adopted: their blobs, if genuine,
// are stored again by the next backup, which costs space, never data.
inline constexpr uint64_t kMaxUnindexedBytesRead = uint64_t{1} << 30;

class BlobIndex {
 public:
  BlobIndex();
  ~BlobIndex();
  // Reads the index of each of `partitions` (docs/vault-format.md, "Partitions"; "" = the unpartitioned
  // layout): for a partition, the newest consolidated index that opens, then the index objects it does not
  // cover (one request each: sizes come from the listing; up to the store's connections at once), then adopts
  // the partition's packs no index names once every entry they claim checks out. Objects that do not check
  // out are skipped and logged in `problems`; what the store or network causes stops the load.
  // Several partitions (a load restore of many nodes' backups): each pack is read under its own partition's
  // name (`packs` is told which).
  // `cache_dir`: with one v2 partition, keep its index in the on-disk cache there (index_cache.h) and read
  // from the vault only what the cache has not ingested; lookups then go to the cache. Empty: in memory.
  Status Load(ObjectTable& table, PackReader& packs, BlobCodec& codec, ProblemLog& problems,
              const std::vector<std::string>& partitions, const std::string& cache_dir = {});

  // False until the first Load: a lookup before it finds nothing, which would make a backup store every
  // blob again and adopt nothing, so the writers and readers above check it (they return Internal).
  bool loaded() const;
  // Forgets everything loaded (the vault moved to another partition): loaded() is false until the next Load.
  void Unload();
  std::optional<IndexEntry> Find(const ObjectId& id) const;
  // A blob of an unindexed pack a prune marked as garbage: readable (a backup that relied on it may have
  // committed since), never found by Find, so no backup deduplicates against it.
  std::optional<IndexEntry> FindHidden(const ObjectId& id) const;
  // True when the last Load put the index in the on-disk cache.
  bool cached() const;
  size_t Count() const;
  // Blobs found in more than one pack by the last Load: 0 unless a blob was stored twice.
  size_t Duplicates() const;
  void Add(std::span<const IndexEntry> entries);
  // Format v2: which content key seals a pack's blobs (nullopt: not known, or a v1 vault).
  void AddPackKey(const ObjectId& pack_id, const ObjectId& content_key);
  std::optional<ObjectId> PackKey(const ObjectId& pack_id) const;
  // Entries of packs adopted by Load: the next committed backup writes them into its index.
  std::vector<IndexEntry> TakeAdopted();
  // Writes one index object naming `entries` (create-only; v1 named by its hash, v2 by a random id, with
  // each pack's content key; a v2 partition's under index/<node>/). Returns its id.
  Result<ObjectId> Write(ObjectTable& table, std::span<const IndexEntry> entries, std::string_view partition);

  // Index objects of the one partition loaded that no consolidation covers, those written since included:
  // when it exceeds kConsolidateAfter, the backup that wrote the last one consolidates (Consolidate).
  size_t Uncovered() const;
  // Writes a consolidated index of the partition loaded (alone, and not ""): every entry loaded, added or
  // adopted, covering every index object listed at Load and written since. Returns its name.
  Result<std::string> Consolidate(ObjectTable& table);

 private:
  mutable std::mutex mu_;
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs_;    // GUARDED_BY(mu_)
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> pack_keys_;  // GUARDED_BY(mu_), v2
  std::vector<IndexEntry> adopted_;                                 // GUARDED_BY(mu_)
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> hidden_;   // GUARDED_BY(mu_): gc candidates
  size_t duplicates_ = 0;                                           // GUARDED_BY(mu_)
  bool loaded_ = false;                                             // GUARDED_BY(mu_)
  // The partition loaded alone (nullopt: several), the index objects it listed and those written since, and
  // how many of them the newest consolidation did not cover.
  std::optional<std::string> partition_;  // GUARDED_BY(mu_)
  std::vector<std::string> names_;        // GUARDED_BY(mu_)
  size_t uncovered_ = 0;                  // GUARDED_BY(mu_)
  std::string newest_consolidation_;      // GUARDED_BY(mu_): the last name listed or written
  // With a cache, blobs_ and pack_keys_ hold only what was added or adopted since Load.
  std::unique_ptr<IndexCache> cache_;  // GUARDED_BY(mu_) (set only by Load)
};

// What a reader or writer of blobs returns when the index was not loaded first (a bug in the caller).
Status IndexNotLoaded(std::string_view who);

}  // namespace cv::vault
