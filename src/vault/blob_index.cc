#include "vault/blob_index.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/pack_format_v2.h"
#include "vault/object_table.h"
#include "vault/pack.h"

namespace cv::vault {

using layout::ObjectKind;

Status BlobIndex::Load(ObjectTable& table, PackReader& packs, BlobCodec& codec, ProblemLog& problems) {
  std::vector<storage::ObjectInfo> index_objects, pack_objects;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kIndex, &index_objects));
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kPack, &pack_objects));
  std::unordered_map<ObjectId, uint64_t, ObjectIdHash> pack_sizes;
  for (const auto& o : pack_objects) pack_sizes[*layout::ParsePackKey(o.key)] = o.size;
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs;
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> pack_keys;
  std::set<ObjectId> indexed_packs;
  const bool v2 = table.keys().format() == 2;
  size_t duplicates = 0;
  // Committed indexes first: an index object that does not authenticate was not written with the key. It
  // is skipped, never fatal; the packs only it named count as unindexed and are checked before adoption.
  for (const auto& o : index_objects) {
    auto bytes = table.GetContent(ObjectKind::kIndex, o.key, o.size);
    // A Result is never built from an OK status (it asserts): start empty, then the error or the entries.
    Result<std::vector<IndexEntry>> entries = std::vector<IndexEntry>{};
    if (!bytes.ok()) entries = bytes.status();
    if (bytes.ok() && !v2) entries = DecodeIndex(*bytes, o.key);
    if (bytes.ok() && v2) {
      auto decoded = DecodeIndexV2(*bytes, o.key);
      if (decoded.ok()) {
        for (const auto& [pack, key] : decoded->pack_keys) pack_keys.emplace(pack, key);
        entries = std::move(decoded->entries);
      } else {
        entries = decoded.status();
      }
    }
    if (!entries.ok()) {
      if (!IsObjectProblem(entries.status())) return entries.status();
      problems.Add(o.key, "index object skipped: " + entries.status().message());
      continue;
    }
    for (const auto& e : *entries) {
      auto [it, fresh] = blobs.emplace(e.entry.blob_id, e);
      // The same entry may be named by two indexes (an adopted pack); only another pack is a duplicate.
      if (!fresh && it->second.pack_id != e.pack_id) ++duplicates;
      indexed_packs.insert(e.pack_id);
    }
  }
  // Then packs no index names (left by a killed backup, or put there by someone without the key). A pack
  // that does not check out is not adopted, whatever it claims, and is reported.
  std::vector<std::pair<ObjectId, uint64_t>> orphans;
  for (const auto& [pack_id, size] : pack_sizes) {
    if (!indexed_packs.count(pack_id)) orphans.emplace_back(pack_id, size);
  }
  std::sort(orphans.begin(), orphans.end());
  std::vector<IndexEntry> adopted;
  uint64_t budget = kMaxUnindexedBytesRead;
  size_t over_budget = 0;
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
      problems.Add(layout::PackKey(pack_id), "unindexed pack not adopted: " + header.status().message());
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
  return Status::OK();
}

bool BlobIndex::loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_;
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

Result<ObjectId> BlobIndex::Write(ObjectTable& table, std::span<const IndexEntry> entries) const {
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
  return table.PutContent(ObjectKind::kIndex, EncodeIndexV2(index));
}

}  // namespace cv::vault
