#include "vault/gc_scan.h"

#include <algorithm>

#include "core/consolidated_catalog.h"
#include "vault/index_consolidation.h"
#include "vault/pack.h"

namespace cv::vault {

using layout::ObjectKind;

int64_t ModifiedOf(const storage::ObjectInfo& info) { return info.modified; }

namespace {

std::string_view AsText(const std::vector<uint8_t>& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// The live records: names of their manifests and content keys go into the mark set; their reference sets
// into the live set.
Status ScanRecords(Vault& vault, const std::set<std::string>& exclude_ids, GcScan* scan) {
  ObjectTable& table = vault.objects();
  std::vector<storage::ObjectInfo> listed, legacy;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kCatalogSegment, &listed));
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kBackupRecord, &legacy));
  listed.insert(listed.end(), legacy.begin(), legacy.end());
  std::map<std::string, storage::ObjectInfo> by_id;
  for (const auto& o : listed) {
    auto id = layout::ParseCatalogSegmentKey(o.key);
    if (!id) id = layout::ParseBackupKey(o.key);
    if (!id || exclude_ids.count(*id)) continue;
    scan->live_ids.insert(*id);
    by_id.emplace(*id, o);
  }
  // The consolidated catalog gives most records in one GET; the rest are read one by one.
  std::map<std::string, BackupRecord> records;
  auto all = vault.catalog().List();
  if (!all.ok()) return all.status();
  for (auto& r : *all) {
    if (scan->live_ids.count(r.backup_id)) records.emplace(r.backup_id, std::move(r));
  }
  GcMarkSet& set = *scan->set;
  CV_RETURN_IF_ERROR(set.Begin());
  for (const auto& [id, o] : by_id) {
    auto it = records.find(id);
    if (it == records.end()) {
      const ObjectKind kind =
          o.key.starts_with(layout::kBackupsPrefix) ? ObjectKind::kBackupRecord : ObjectKind::kCatalogSegment;
      auto plain = table.GetSealed(kind, o.key, o.size);
      auto rec = plain.ok() ? BackupRecordFromJson(AsText(*plain), table.Subject(o.key))
                            : Result<BackupRecord>(plain.status());
      if (!rec.ok()) {
        if (!IsObjectProblem(rec.status())) return rec.status();
        scan->records_complete = false;
        scan->notes.push_back("backup record " + o.key + " does not open (" + rec.status().message() +
                              "): no manifest or content key is collected this run");
        continue;
      }
      it = records.emplace(id, std::move(rec).value()).first;
    }
    const BackupRecord& r = it->second;
    CV_RETURN_IF_ERROR(set.AddNamed(layout::ManifestKey(r.manifest_id)));
    if (r.version >= 2) CV_RETURN_IF_ERROR(set.AddNamed(layout::ContentKeyObjectKey(r.content_key)));
  }
  // Reference sets: the live blobs. One that is missing or does not open makes every pack unjudgeable.
  for (const auto& id : scan->live_ids) {
    auto refs = vault.LoadReferenceSet(id);
    if (!refs.ok()) {
      if (!IsObjectProblem(refs.status()) && refs.status().code() != StatusCode::kNotSupported)
        return refs.status();
      scan->refs_complete = false;
      scan->notes.push_back("backup " + id + " has no readable reference set (" + refs.status().message() +
                            "): no pack is collected this run");
      continue;
    }
    CV_RETURN_IF_ERROR(set.AddLive(*refs));
  }
  return set.Commit();
}

Status ScanPartition(ObjectTable& table, ProblemLog& problems, GcPartition* p, GcMarkSet& set) {
  CV_ASSIGN_OR_RETURN(auto newest, ReadNewestConsolidation(table, p->consolidations, problems));
  CV_RETURN_IF_ERROR(set.Begin());
  if (newest) {
    p->newest = newest->name;
    p->covered.insert(newest->body.covers.begin(), newest->body.covers.end());
    CV_RETURN_IF_ERROR(set.AddEntries(newest->body.index.entries));
    for (const auto& [pack, key] : newest->body.index.pack_keys) {
      CV_RETURN_IF_ERROR(set.SetPackKey(pack, key));
      CV_RETURN_IF_ERROR(set.AddView(pack, GcMarkSet::kInConsolidation));
    }
  }
  for (const auto& o : p->raw) {
    if (p->covered.count(o.key)) {
      p->readable.insert(o.key);
      continue;
    }
    auto bytes = table.GetContent(ObjectKind::kIndex, o.key, o.size);
    auto index = bytes.ok() ? DecodeIndexV2(*bytes, table.Subject(o.key)) : Result<IndexV2>(bytes.status());
    if (!index.ok()) {
      if (!IsObjectProblem(index.status())) return index.status();
      problems.Add(o.key, "index object skipped by prune: " + index.status().message());
      continue;  // junk is never covered, so never collected: verify keeps naming it
    }
    p->readable.insert(o.key);
    CV_RETURN_IF_ERROR(set.AddEntries(index->entries));
    for (const auto& [pack, key] : index->pack_keys) {
      CV_RETURN_IF_ERROR(set.SetPackKey(pack, key));
      CV_RETURN_IF_ERROR(set.AddView(pack, GcMarkSet::kInRawIndex));
    }
  }
  return set.Commit();
}

}  // namespace

Result<GcScan> ScanVault(Vault& vault, const std::set<std::string>& exclude_ids,
                         const std::string& work_dir) {
  GcScan scan;
  CV_ASSIGN_OR_RETURN(scan.set, GcMarkSet::Create(work_dir));
  ObjectTable& table = vault.objects();
  ProblemLog problems;
  CV_RETURN_IF_ERROR(ScanRecords(vault, exclude_ids, &scan));

  // Packs: every partition's (the unpartitioned layout of older vaults is left alone: its index objects can
  // never be consolidated, so its packs cannot be hidden from a loader before they go).
  std::vector<storage::ObjectInfo> packs;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kPack, &packs));
  CV_RETURN_IF_ERROR(scan.set->Begin());
  for (const auto& o : packs) {
    auto name = layout::ParsePartitionedPackKey(o.key);
    if (!name) continue;
    ++scan.packs;
    if (name->node_id.empty()) {
      ++scan.unpartitioned_packs;
      continue;
    }
    CV_RETURN_IF_ERROR(scan.set->AddPack(name->id, o.key, name->node_id, o.size, ModifiedOf(o)));
    scan.partitions[name->node_id].node = name->node_id;
  }
  CV_RETURN_IF_ERROR(scan.set->Commit());
  if (scan.unpartitioned_packs > 0) {
    // Their blobs may be sealed by the content key of a backup that is gone: no content key is judged either.
    scan.keys_judgeable = false;
    scan.notes.push_back(std::to_string(scan.unpartitioned_packs) +
                         " unpartitioned packs (written before partitions, or by backup --offline) are not "
                         "collected, nor is any content key");
  }
  std::vector<storage::ObjectInfo> raw, fulls;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kIndex, &raw));
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kConsolidatedIndex, &fulls));
  for (const auto& o : raw) {
    auto name = layout::ParsePartitionedIndexKey(o.key);
    if (!name || name->node_id.empty()) continue;
    GcPartition& p = scan.partitions[name->node_id];
    p.node = name->node_id;
    p.raw.push_back(o);
    scan.index_objects.emplace(o.key, o);
  }
  const size_t full_prefix = layout::KindInfo(ObjectKind::kConsolidatedIndex).prefix.size();
  for (const auto& o : fulls) {
    const std::string node = o.key.substr(full_prefix, 16);
    if (!layout::IsValidNodeId(node)) continue;
    GcPartition& p = scan.partitions[node];
    p.node = node;
    p.consolidations.push_back(o);
    scan.index_objects.emplace(o.key, o);
  }
  for (auto& [node, p] : scan.partitions) CV_RETURN_IF_ERROR(ScanPartition(table, problems, &p, *scan.set));

  // Orphans (packs no index view names: a killed backup's, or hidden by an earlier prune): their headers say
  // what they hold and under which key (two ranged reads each, metadata key only).
  CV_ASSIGN_OR_RETURN(auto all_packs, scan.set->Packs());
  CV_RETURN_IF_ERROR(scan.set->Begin());
  for (const auto& pk : all_packs) {
    if (pk.view != 0) continue;
    PackReader reader(table.store(), table.keys(), pk.node);
    auto header = reader.ReadHeader(pk.id, pk.size);
    if (!header.ok()) {
      if (!IsObjectProblem(header.status())) return header.status();
      scan.notes.push_back(pk.key + ": header does not open (" + header.status().message() +
                           "); it holds nothing a backup can use");
      continue;
    }
    std::vector<IndexEntry> entries;
    for (const auto& e : header->entries) entries.push_back({pk.id, e});
    CV_RETURN_IF_ERROR(scan.set->AddEntries(entries));
    if (header->version == 2) CV_RETURN_IF_ERROR(scan.set->SetPackKey(pk.id, header->content_key));
  }
  CV_RETURN_IF_ERROR(scan.set->Commit());

  for (ObjectKind kind : {ObjectKind::kManifest, ObjectKind::kReferenceSet, ObjectKind::kContentKey,
                          ObjectKind::kConsolidatedCatalog}) {
    std::vector<storage::ObjectInfo> listed;
    CV_RETURN_IF_ERROR(table.List(kind, &listed));
    for (auto& o : listed) scan.others.emplace(o.key, o);
    if (kind != ObjectKind::kConsolidatedCatalog) continue;
    // The newest that opens is what `list` reads; the older ones are garbage.
    for (auto it = listed.rbegin(); it != listed.rend() && scan.newest_catalog.empty(); ++it) {
      auto body = table.GetFramedAt(kind, it->key, it->size);
      auto view = body.ok() ? ParseConsolidatedCatalog(*body, table.Subject(it->key))
                            : Result<ConsolidatedCatalogView>(body.status());
      if (view.ok()) {
        scan.newest_catalog = it->key;
      } else if (!IsObjectProblem(view.status())) {
        return view.status();
      }
    }
  }
  CV_ASSIGN_OR_RETURN(scan.marks, LoadGcMarks(table, problems));
  for (const auto& p : problems.All()) scan.notes.push_back(p.object + ": " + p.problem);
  return scan;
}

}  // namespace cv::vault
