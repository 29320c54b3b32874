#include "vault/blob_index.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "core/pack_format_v2.h"
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

}  // namespace

Status BlobIndex::Load(ObjectTable& table, PackReader& packs, BlobCodec& codec, ProblemLog& problems,
                       const std::vector<std::string>& partitions) {
  packs.SetPackPartitions({});
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs;
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> pack_keys;
  std::map<ObjectId, std::string> pack_partition;
  std::vector<IndexEntry> adopted;
  std::vector<std::string> names;
  std::string newest_consolidation;
  size_t uncovered = 0;
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
    // A partition's consolidated index first: it replaces the GETs of every index object it covers.
    if (v2 && !partition.empty()) {
      CV_RETURN_IF_ERROR(table.List(ObjectKind::kConsolidatedIndex, &consolidations,
                                    layout::PartitionPrefix(ObjectKind::kConsolidatedIndex, partition)));
      if (!consolidations.empty()) newest_consolidation = consolidations.back().key;
      CV_ASSIGN_OR_RETURN(auto newest, ReadNewestConsolidation(table, consolidations, problems));
      if (newest) {
        for (const auto& [pack, key] : newest->body.index.pack_keys) pack_keys.emplace(pack, key);
        for (const auto& e : newest->body.index.entries) add_entry(e, &indexed_packs);
        covered.insert(newest->body.covers.begin(), newest->body.covers.end());
      }
    }
    std::vector<storage::ObjectInfo> to_read;
    for (const auto& o : index_objects) {
      names.push_back(o.key);
      if (!covered.count(o.key)) to_read.push_back(o);
    }
    uncovered += to_read.size();
    // Committed indexes next: an index object that does not authenticate was not written with the key. It
    // is skipped, never fatal; the packs only it named count as unindexed and are checked before adoption.
    std::vector<FetchedIndex> fetched = FetchIndexObjects(table, to_read, connections);
    for (size_t i = 0; i < fetched.size(); ++i) {
      const FetchedIndex& f = fetched[i];
      if (!f.status.ok()) {
        if (!IsObjectProblem(f.status)) return f.status;
        problems.Add(to_read[i].key, "index object skipped: " + f.status.message());
        continue;
      }
      for (const auto& [pack, key] : f.pack_keys) pack_keys.emplace(pack, key);
      for (const auto& e : f.entries) add_entry(e, &indexed_packs);
    }
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
    for (const auto& [pack_id, size] : orphans) {
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
  duplicates_ = duplicates;
  loaded_ = true;
  partition_ = partitions.size() == 1 ? std::optional<std::string>(partitions[0]) : std::nullopt;
  names_ = std::move(names);
  uncovered_ = uncovered;
  newest_consolidation_ = std::move(newest_consolidation);
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
  duplicates_ = 0;
  loaded_ = false;
  partition_.reset();
  names_.clear();
  uncovered_ = 0;
  newest_consolidation_.clear();
}

Status IndexNotLoaded(std::string_view who) {
  return Status::Internal(
      who, "the blob index was not loaded first (Vault::LoadIndex); nothing was read or stored");
}

std::optional<IndexEntry> BlobIndex::Find(const ObjectId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(id);
  if (it == blobs_.end()) return std::nullopt;
  return it->second;
}

size_t BlobIndex::Count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_.size();
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
  if (it == pack_keys_.end()) return std::nullopt;
  return it->second;
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
      if (it == pack_keys_.end()) {
        return Status::Internal(layout::PackKey(p),
                                "no content key is known for it; the index was not written");
      }
      index.pack_keys.emplace_back(p, it->second);
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
    ci.index.entries.reserve(blobs_.size());
    std::set<ObjectId> packs;
    for (const auto& [id, e] : blobs_) {
      ci.index.entries.push_back(e);
      packs.insert(e.pack_id);
    }
    for (const auto& p : packs) {
      auto it = pack_keys_.find(p);
      if (it == pack_keys_.end())
        return Status::Internal(layout::PackKey(partition, p),
                                "no content key is known for it; not consolidated");
      ci.index.pack_keys.emplace_back(p, it->second);
    }
  }
  // Grouped by pack in pack order (EncodeIndexV2 groups by pack_keys), entries in offset order: smaller
  // frames.
  std::sort(ci.index.entries.begin(), ci.index.entries.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.pack_id != b.pack_id ? a.pack_id < b.pack_id : a.entry.offset < b.entry.offset;
  });
  size_t covered = ci.covers.size();
  CV_ASSIGN_OR_RETURN(std::string name, WriteConsolidation(table, partition, std::move(ci), after));
  std::lock_guard<std::mutex> lock(mu_);
  newest_consolidation_ = name;
  // What was written since started uncovered again after these.
  uncovered_ = names_.size() - std::min(names_.size(), covered);
  return name;
}

}  // namespace cv::vault
