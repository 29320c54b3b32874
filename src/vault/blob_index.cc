#include "vault/blob_index.h"

#include <algorithm>
#include <set>
#include <utility>

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
  std::set<ObjectId> indexed_packs;
  size_t duplicates = 0;
  // Committed indexes first: an index object that does not authenticate was not written with the key. It
  // is skipped, never fatal; the packs only it named count as unindexed and are checked before adoption.
  for (const auto& o : index_objects) {
    auto bytes = table.GetContent(ObjectKind::kIndex, o.key, o.size);
    Result<std::vector<IndexEntry>> entries =
        bytes.ok() ? DecodeIndex(*bytes, o.key) : Result<std::vector<IndexEntry>>(bytes.status());
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
    for (const auto& pe : *header) {
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

std::vector<IndexEntry> BlobIndex::TakeAdopted() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(adopted_, {});
}

Result<ObjectId> WriteIndex(ObjectTable& table, std::span<const IndexEntry> entries) {
  return table.PutContent(ObjectKind::kIndex, EncodeIndex(entries));
}

}  // namespace cv::vault
