#include "vault/blob_index.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "core/pack_format_v2.h"
#include "vault/gc_marks.h"
#include "vault/index_cache.h"
#include "vault/index_consolidation.h"
#include "vault/object_table.h"
#include "vault/pack.h"

namespace cv::vault {

using layout::ObjectKind;

namespace {

// One index object read and decoded (by a worker of FetchIndexObjects).
struct FetchedIndex {
  Status status;
  std::vector<IndexEntry> entries;
  std::vector<std::pair<ObjectId, ObjectId>> pack_keys;  // v2
};

FetchedIndex FetchIndexObject(ObjectTable& table, const storage::ObjectInfo& o) {
  FetchedIndex out;
  auto bytes = table.GetContent(ObjectKind::kIndex, o.key, o.size);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  if (table.keys().format() == 1) {
    auto entries = DecodeIndex(*bytes, o.key);
    if (!entries.ok()) out.status = entries.status();
    if (entries.ok()) out.entries = std::move(entries).value();
    return out;
  }
  auto decoded = DecodeIndexV2(*bytes, o.key);
  if (!decoded.ok()) {
    out.status = decoded.status();
    return out;
  }
  out.entries = std::move(decoded->entries);
  out.pack_keys = std::move(decoded->pack_keys);
  return out;
}

// GETs and decodes `objects`, up to `connections` at once: on a cloud store each is a round trip, and a
// partition's uncovered index objects are many small ones.
std::vector<FetchedIndex> FetchIndexObjects(ObjectTable& table,
                                            const std::vector<storage::ObjectInfo>& objects,
                                            int connections) {
  std::vector<FetchedIndex> out(objects.size());
  const size_t workers = std::min<size_t>(std::max(connections, 1), objects.size());
  if (workers <= 1) {
    for (size_t i = 0; i < objects.size(); ++i) out[i] = FetchIndexObject(table, objects[i]);
    return out;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < objects.size(); i = next++) out[i] = FetchIndexObject(table, objects[i]);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

// Brings the on-disk cache of `partition` up to date with the listings (index_cache.h): rebuilt when a name
// it ingested is no longer listed, then only what it has not ingested is read — the newest consolidation
// that is new to it, and the index objects that one does not cover. Null when the cache cannot be used (the
// reason is logged; the caller loads into memory instead); store and network errors are returned.
Result<std::unique_ptr<IndexCache>> LoadIntoCache(ObjectTable& table, ProblemLog& problems,
                                                  const std::string& dir, const std::string& partition,
                                                  const std::vector<storage::ObjectInfo>& index_objects,
                                                  const std::vector<storage::ObjectInfo>& consolidations,
                                                  size_t* uncovered, std::set<std::string>* skipped) {
  using Null = std::unique_ptr<IndexCache>;
  std::string reset;
  auto opened = IndexCache::Open(dir, table.keys().vault_id(), partition, table.keys().format(), &reset);
  if (!opened.ok()) {
    problems.Add(dir, "index cache not used (the index is read from the vault): " + opened.status().message(),
                 /*damage=*/false);
    return Null();
  }
  std::unique_ptr<IndexCache> cache = std::move(opened).value();
  if (!reset.empty()) problems.Add(cache->path(), reset, /*damage=*/false);
  auto unusable = [&](const Status& st) {
    problems.Add(cache->path(), "index cache not used (the index is read from the vault): " + st.message(),
                 /*damage=*/false);
    return Null();
  };
  auto ingested = cache->Ingested();
  if (!ingested.ok()) return unusable(ingested.status());
  std::set<std::string> listed;
  for (const auto& o : index_objects) listed.insert(o.key);
  for (const auto& o : consolidations) listed.insert(o.key);
  for (const auto& [name, covered] : *ingested) {
    if (listed.count(name)) continue;
    // Pruned or replaced: entries it gave may name packs that are gone. Start again from the vault.
    problems.Add(
        cache->path(),
        "index cache rebuilt from the vault: " + name + ", which it had read, is no longer in the vault",
        /*damage=*/false);
    if (Status st = cache->Clear(); !st.ok()) return unusable(st);
    ingested->clear();
    break;
  }
  std::vector<storage::ObjectInfo> fresh_consolidations;
  for (const auto& o : consolidations) {
    if (!ingested->count(o.key)) fresh_consolidations.push_back(o);
  }
  CV_ASSIGN_OR_RETURN(auto newest, ReadNewestConsolidation(table, fresh_consolidations, problems));
  // A consolidation this node did not write (its own are ingested when written) replaces what the cache
  // holds: prune writes one that leaves out the packs it marked as garbage, and the cache must stop
  // deduplicating against them. The index objects it does not cover are read again below.
  if (newest && !ingested->empty()) {
    if (Status st = cache->Clear(); !st.ok()) return unusable(st);
    ingested->clear();
  }
  std::vector<std::string> names, covered;
  std::vector<IndexEntry> entries;
  std::vector<std::pair<ObjectId, ObjectId>> pack_keys;
  std::set<std::string> newly_covered;
  if (newest) {
    names.push_back(newest->name);
    for (const auto& n : newest->body.covers) {
      if (listed.count(n)) newly_covered.insert(n);
    }
    covered.assign(newly_covered.begin(), newly_covered.end());
    entries = std::move(newest->body.index.entries);
    pack_keys = std::move(newest->body.index.pack_keys);
  }
  std::vector<storage::ObjectInfo> to_read;
  size_t open = 0;
  for (const auto& o : index_objects) {
    auto it = ingested->find(o.key);
    const bool is_covered = newly_covered.count(o.key) || (it != ingested->end() && it->second);
    if (!is_covered) ++open;
    if (it == ingested->end() && !newly_covered.count(o.key)) to_read.push_back(o);
  }
  std::vector<FetchedIndex> fetched =
      FetchIndexObjects(table, to_read, table.store().Properties().connections);
  for (size_t i = 0; i < fetched.size(); ++i) {
    FetchedIndex& f = fetched[i];
    if (!f.status.ok()) {
      if (!IsObjectProblem(f.status)) return f.status;
      // Not marked as read: it is skipped (and reported) again next time, as without a cache.
      problems.Add(to_read[i].key, "index object skipped: " + f.status.message());
      skipped->insert(to_read[i].key);
      continue;
    }
    names.push_back(to_read[i].key);
    entries.insert(entries.end(), f.entries.begin(), f.entries.end());
    pack_keys.insert(pack_keys.end(), f.pack_keys.begin(), f.pack_keys.end());
  }
  *uncovered = open - std::min(open, skipped->size());  // junk is never covered: it does not count
  if (!names.empty() || !covered.empty()) {
    auto st = cache->Ingest(names, covered, entries, pack_keys);
    if (!st.ok()) return unusable(st.status());
  }
  return cache;
}
}  // namespace

BlobIndex::BlobIndex() = default;
BlobIndex::~BlobIndex() = default;

Status BlobIndex::Load(ObjectTable& table, PackReader& packs, BlobCodec& codec, ProblemLog& problems,
                       const std::vector<std::string>& partitions, const std::string& cache_dir) {
  packs.SetPackPartitions({});
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs;
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> pack_keys;
  std::map<ObjectId, std::string> pack_partition;
  std::vector<IndexEntry> adopted;
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> hidden;
  std::vector<std::string> names;
  std::string newest_consolidation;
  size_t uncovered = 0;
  std::unique_ptr<IndexCache> cache;
  const bool v2 = table.keys().format() == 2;
  const int connections = table.store().Properties().connections;
  size_t duplicates = 0;
  auto add_entry = [&](const IndexEntry& e, std::set<ObjectId>* indexed) {
    auto [it, fresh] = blobs.emplace(e.entry.blob_id, e);
    // The same entry may be named by two indexes (an adopted pack); only another pack is a duplicate.
    if (!fresh && it->second.pack_id != e.pack_id) ++duplicates;
    indexed->insert(e.pack_id);
  };
  uint64_t budget = kMaxUnindexedBytesRead;
  size_t over_budget = 0;
  for (const std::string& partition : partitions) {
    std::vector<storage::ObjectInfo> index_objects, pack_objects, consolidations;
    CV_RETURN_IF_ERROR(ListPartition(table.store(), ObjectKind::kIndex, partition, &index_objects));
    CV_RETURN_IF_ERROR(ListPartition(table.store(), ObjectKind::kPack, partition, &pack_objects));
    std::set<ObjectId> indexed_packs;
    std::set<std::string> covered;
    if (v2 && !partition.empty()) {
      CV_RETURN_IF_ERROR(table.List(ObjectKind::kConsolidatedIndex, &consolidations,
                                    layout::PartitionPrefix(ObjectKind::kConsolidatedIndex, partition)));
      if (!consolidations.empty()) newest_consolidation = consolidations.back().key;
    }
    // Index objects skipped as junk are left out of what a consolidation covers: they stay visible (to
    // verify, as warnings) until someone removes them.
    std::set<std::string> skipped;
    // One partition with a cache directory: the index goes to the on-disk cache, which reads only what is
    // new.
    if (v2 && !partition.empty() && partitions.size() == 1 && !cache_dir.empty()) {
      CV_ASSIGN_OR_RETURN(cache, LoadIntoCache(table, problems, cache_dir, partition, index_objects,
                                               consolidations, &uncovered, &skipped));
      if (cache) {
        auto cached_packs = cache->Packs();
        if (cached_packs.ok()) {
          indexed_packs = std::move(cached_packs).value();
          duplicates = cache->Duplicates();
        } else {
          problems.Add(cache->path(), "index cache not used: " + cached_packs.status().message(), false);
          cache.reset();
        }
      }
    }
    // A partition's consolidated index first: it replaces the GETs of every index object it covers.
    if (!cache && v2 && !partition.empty()) {
      CV_ASSIGN_OR_RETURN(auto newest, ReadNewestConsolidation(table, consolidations, problems));
      if (newest) {
        for (const auto& [pack, key] : newest->body.index.pack_keys) pack_keys.emplace(pack, key);
        for (const auto& e : newest->body.index.entries) add_entry(e, &indexed_packs);
        covered.insert(newest->body.covers.begin(), newest->body.covers.end());
      }
    }
    std::vector<storage::ObjectInfo> to_read;
    for (const auto& o : index_objects) {
      if (!cache && !covered.count(o.key)) to_read.push_back(o);
    }

    // Committed indexes next: an index object that does not authenticate was not written with the key. It
    // is skipped, never fatal; the packs only it named count as unindexed and are checked before adoption.
    std::vector<FetchedIndex> fetched = FetchIndexObjects(table, to_read, connections);
    for (size_t i = 0; i < fetched.size(); ++i) {
      const FetchedIndex& f = fetched[i];
      if (!f.status.ok()) {
        if (!IsObjectProblem(f.status)) return f.status;
        problems.Add(to_read[i].key, "index object skipped: " + f.status.message());
        skipped.insert(to_read[i].key);
        continue;
      }
      for (const auto& [pack, key] : f.pack_keys) pack_keys.emplace(pack, key);
      for (const auto& e : f.entries) add_entry(e, &indexed_packs);
    }
    for (const auto& o : index_objects) {
      if (!skipped.count(o.key)) names.push_back(o.key);
    }
    // Junk is never covered (above): it does not count towards the next consolidation.
    if (!cache) uncovered += to_read.size() - std::min(to_read.size(), skipped.size());
    // Then the partition's packs no index names (left by a killed backup, or put there by someone without
    // the key). A pack that does not check out is not adopted, whatever it claims, and is reported.
    std::vector<std::pair<ObjectId, uint64_t>> orphans;
    for (const auto& o : pack_objects) {
      ObjectId pack_id = *layout::ParsePackKey(o.key);
      if (partitions.size() > 1) pack_partition[pack_id] = partition;
      if (!indexed_packs.count(pack_id)) orphans.emplace_back(pack_id, o.size);
    }
    if (partitions.size() > 1) packs.SetPackPartitions(pack_partition);
    std::sort(orphans.begin(), orphans.end());
    // Unindexed packs a prune marked as garbage (gc marks, read only when there are unindexed packs): a
    // loader must not deduplicate against them, as prune may delete them once its grace is over; a backup
    // that committed meanwhile relying on one (it loaded before the mark) still restores: they are readable.
    std::set<std::string> candidates;
    if (v2 && !partition.empty() && !orphans.empty()) {
      ProblemLog ignored;  // marks that do not verify are not prune's: ignored here, verify names them
      CV_ASSIGN_OR_RETURN(auto marks, LoadGcMarks(table, ignored));
      candidates = CandidatePacks(marks);
    }
    for (const auto& [pack_id, size] : orphans) {
      if (!candidates.empty() && candidates.count(packs.Key(pack_id))) {
        auto header = packs.ReadHeader(pack_id, size);
        if (!header.ok()) {
          if (!IsObjectProblem(header.status())) return header.status();
          continue;
        }
        pack_keys.emplace(pack_id, header->content_key);
        for (const auto& pe : header->entries) hidden.emplace(pe.blob_id, IndexEntry{pack_id, pe});
        continue;
      }
      if (size <= kMaxUnindexedPackSize) {  // larger ones are refused unread below
        if (size > budget) {
          ++over_budget;
          continue;
        }
        budget -= size;
      }
      auto header = packs.VerifyUnindexed(pack_id, size, codec);
      if (!header.ok()) {
        if (!IsObjectProblem(header.status())) return header.status();
        problems.Add(packs.Key(pack_id), "unindexed pack not adopted: " + header.status().message());
        continue;
      }
      if (v2) pack_keys.emplace(pack_id, header->content_key);
      for (const auto& pe : header->entries) {
        IndexEntry e{pack_id, pe};
        if (cache && cache->Find(pe.blob_id)) {
          ++duplicates;
          continue;
        }
        if (blobs.emplace(pe.blob_id, e).second) {
          adopted.push_back(e);
        } else {
          ++duplicates;
        }
      }
    }
  }
  if (over_budget > 0) {
    problems.Add(std::string(layout::kPacksPrefix),
                 std::to_string(over_budget) + " unindexed packs were not read: more than " +
                     std::to_string(kMaxUnindexedBytesRead >> 20) +
                     " MiB of packs no index names (junk, or many killed backups); a backup stores their " +
                     "blobs again if it needs them",
                 /*damage=*/false);
  }
  std::lock_guard<std::mutex> lock(mu_);
  blobs_ = std::move(blobs);
  pack_keys_ = std::move(pack_keys);
  adopted_ = std::move(adopted);
  hidden_ = std::move(hidden);
  duplicates_ = duplicates;
  loaded_ = true;
  partition_ = partitions.size() == 1 ? std::optional<std::string>(partitions[0]) : std::nullopt;
  names_ = std::move(names);
  uncovered_ = uncovered;
  newest_consolidation_ = std::move(newest_consolidation);
  cache_ = std::move(cache);
  return Status::OK();
}

bool BlobIndex::loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_;
}

void BlobIndex::Unload() {
  std::lock_guard<std::mutex> lock(mu_);
  blobs_.clear();
  pack_keys_.clear();
  adopted_.clear();
  hidden_.clear();
  duplicates_ = 0;
  loaded_ = false;
  partition_.reset();
  names_.clear();
  uncovered_ = 0;
  newest_consolidation_.clear();
  cache_.reset();
}

Status IndexNotLoaded(std::string_view who) {
  return Status::Internal(
      who, "the blob index was not loaded first (Vault::LoadIndex); nothing was read or stored");
}

std::optional<IndexEntry> BlobIndex::Find(const ObjectId& id) const {
  IndexCache* cache;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blobs_.find(id);
    if (it != blobs_.end()) return it->second;
    cache = cache_.get();
  }
  // The cache is replaced only by Load, which no lookup runs alongside; it locks itself.
  if (cache) return cache->Find(id);
  return std::nullopt;
}

std::optional<IndexEntry> BlobIndex::FindHidden(const ObjectId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hidden_.find(id);
  if (it != hidden_.end()) return it->second;
  return std::nullopt;
}

size_t BlobIndex::Count() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cache_) return blobs_.size();
  size_t n = cache_->Count();
  for (const auto& [id, e] : blobs_) n += !cache_->Find(id).has_value();
  return n;
}

bool BlobIndex::cached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_ != nullptr;
}

size_t BlobIndex::Duplicates() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

void BlobIndex::Add(std::span<const IndexEntry> entries) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries) blobs_.emplace(e.entry.blob_id, e);
}

void BlobIndex::AddPackKey(const ObjectId& pack_id, const ObjectId& content_key) {
  std::lock_guard<std::mutex> lock(mu_);
  pack_keys_.emplace(pack_id, content_key);
}

std::optional<ObjectId> BlobIndex::PackKey(const ObjectId& pack_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pack_keys_.find(pack_id);
  if (it != pack_keys_.end()) return it->second;
  if (cache_) return cache_->PackKey(pack_id);
  return std::nullopt;
}

std::vector<IndexEntry> BlobIndex::TakeAdopted() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(adopted_, {});
}

Result<ObjectId> BlobIndex::Write(ObjectTable& table, std::span<const IndexEntry> entries,
                                  std::string_view partition) {
  if (table.keys().format() == 1) return table.PutContent(ObjectKind::kIndex, EncodeIndex(entries));
  IndexV2 index;
  index.entries.assign(entries.begin(), entries.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<ObjectId> packs;
    for (const auto& e : entries) packs.insert(e.pack_id);
    for (const auto& p : packs) {
      auto it = pack_keys_.find(p);
      std::optional<ObjectId> key = it != pack_keys_.end() ? std::optional<ObjectId>(it->second)
                                    : cache_               ? cache_->PackKey(p)
                                                           : std::nullopt;
      if (!key) {
        return Status::Internal(layout::PackKey(p),
                                "no content key is known for it; the index was not written");
      }
      index.pack_keys.emplace_back(p, *key);
    }
  }
  if (partition.empty()) return table.PutContent(ObjectKind::kIndex, EncodeIndexV2(index));
  // A partition's index object: a random id under index/<node>/, the whole name bound by its AAD.
  ObjectId id{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(id));
  std::string key = layout::IndexKey(partition, id);
  CV_RETURN_IF_ERROR(table.PutFramedAt(ObjectKind::kIndex, key, EncodeIndexV2(index)));
  std::lock_guard<std::mutex> lock(mu_);
  if (partition_ && *partition_ == partition) {
    names_.push_back(key);
    ++uncovered_;
    // What this node wrote goes into its cache at once: the next start-up need not read it back. (If this
    // fails, the next start-up reads it: a request, never a wrong answer.)
    if (cache_)
      (void)cache_->Ingest(std::span<const std::string>(&key, 1), {}, index.entries, index.pack_keys);
  }
  return id;
}

size_t BlobIndex::Uncovered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uncovered_;
}

Result<std::string> BlobIndex::Consolidate(ObjectTable& table) {
  ConsolidatedIndex ci;
  std::string partition, after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    after = newest_consolidation_;
    if (!loaded_ || !partition_ || partition_->empty() || table.keys().format() != 2)
      return Status::Internal("consolidated index", "only the index of one loaded partition is consolidated");
    partition = *partition_;
    ci.covers = names_;
    std::map<ObjectId, ObjectId> keys;
    if (cache_) {
      // The cache holds what was loaded; the map only what was added or adopted since.
      std::vector<std::pair<ObjectId, ObjectId>> cached_keys;
      CV_RETURN_IF_ERROR(cache_->All(&ci.index.entries, &cached_keys));
      keys.insert(cached_keys.begin(), cached_keys.end());
    }
    std::set<ObjectId> held;
    for (const auto& e : ci.index.entries) held.insert(e.entry.blob_id);
    for (const auto& [id, e] : blobs_) {
      if (!held.count(id)) ci.index.entries.push_back(e);
    }
    keys.insert(pack_keys_.begin(), pack_keys_.end());
    std::set<ObjectId> packs;
    for (const auto& e : ci.index.entries) packs.insert(e.pack_id);
    for (const auto& p : packs) {
      auto it = keys.find(p);
      if (it == keys.end())
        return Status::Internal(layout::PackKey(partition, p),
                                "no content key is known for it; not consolidated");
      ci.index.pack_keys.emplace_back(p, it->second);
    }
  }
  // Grouped by pack in pack order (EncodeIndexV2 groups by pack_keys), entries in offset order.
  std::sort(ci.index.entries.begin(), ci.index.entries.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.pack_id != b.pack_id ? a.pack_id < b.pack_id : a.entry.offset < b.entry.offset;
  });
  std::vector<std::string> covers = ci.covers;
  CV_ASSIGN_OR_RETURN(std::string name, WriteConsolidation(table, partition, std::move(ci), after));
  std::lock_guard<std::mutex> lock(mu_);
  newest_consolidation_ = name;
  // Its entries are the cache's own: only its name, and that it covers these, are new to it.
  if (cache_) (void)cache_->Ingest(std::span<const std::string>(&name, 1), covers, {}, {});
  // What was written since started uncovered again after these.
  uncovered_ = names_.size() - std::min(names_.size(), covers.size());
  return name;
}

}  // namespace cv::vault
