#include "vault/gc_sweep.h"

#include <algorithm>

#include "vault/crash_point.h"
#include "vault/gc_repack.h"

namespace cv::vault {

using layout::ObjectKind;

Status GcDelete(storage::ObjectStore& store, const std::string& key, uint64_t size, const GcOptions& o,
                GcReport* report) {
  if (o.dry_run) {
    ++report->deleted_objects;
    report->deleted_bytes += size;
    return Status::OK();
  }
  Status st = store.Delete(key);
  if (st.IsNotFound()) return Status::OK();  // gone already (a run killed after deleting it)
  if (st.code() == StatusCode::kFailedPrecondition) {
    ++report->skipped_locked;
    report->notes.push_back(key + " not deleted: " + st.message());
    return Status::OK();
  }
  CV_RETURN_IF_ERROR(st.Annotate("prune: delete"));
  ++report->deleted_objects;
  report->deleted_bytes += size;
  return Status::OK();
}

namespace {

bool Young(int64_t modified, const GcOptions& o) {
  return modified != 0 && modified > o.now - o.grace_seconds;
}

// A non-pack candidate that is still garbage now (docs/vault-format.md, "What is garbage").
Result<bool> StillGarbage(GcScan& scan, const std::string& key, const GcOptions& o) {
  auto idx = scan.index_objects.find(key);
  if (idx != scan.index_objects.end()) {
    if (Young(ModifiedOf(idx->second), o)) return false;
    if (auto name = layout::ParsePartitionedIndexKey(key)) {
      auto p = scan.partitions.find(name->node_id);
      // Covered by the newest consolidation that opens: a loader never reads it.
      return p != scan.partitions.end() && !p->second.newest.empty() && p->second.covered.count(key) > 0;
    }
    const size_t prefix = layout::KindInfo(ObjectKind::kConsolidatedIndex).prefix.size();
    auto p = scan.partitions.find(key.substr(prefix, 16));
    // Older than the newest consolidation that opens (a newer one that does not open is not ours to judge).
    return p != scan.partitions.end() && !p->second.newest.empty() && key < p->second.newest;
  }
  auto it = scan.others.find(key);
  if (it == scan.others.end()) return false;  // not listed (gone), or not a kind prune collects
  if (Young(ModifiedOf(it->second), o)) return false;
  if (key.starts_with(layout::KindInfo(ObjectKind::kConsolidatedCatalog).prefix))
    return !scan.newest_catalog.empty() && key < scan.newest_catalog;
  if (key.starts_with(layout::KindInfo(ObjectKind::kReferenceSet).prefix)) {
    const std::string id = key.substr(layout::KindInfo(ObjectKind::kReferenceSet).prefix.size());
    return !scan.live_ids.count(id);
  }
  if (!scan.records_complete) return false;
  CV_ASSIGN_OR_RETURN(bool named, scan.set->IsNamed(key));
  if (named) return false;
  if (key.starts_with(layout::KindInfo(ObjectKind::kContentKey).prefix)) {
    auto id = layout::ParseContentKey(ObjectKind::kContentKey, key);
    if (!id || !scan.keys_judgeable) return false;
    CV_ASSIGN_OR_RETURN(bool used, scan.set->KeyInUse(*id, GcMarkSet::kDeleting));
    return !used;
  }
  return key.starts_with(layout::KindInfo(ObjectKind::kManifest).prefix);
}

// The order deletions go in: packs first (a content key is judged against the packs that stay), index objects
// after every resurrection was written, manifests and reference sets, content keys last.
int DeleteOrder(const std::string& key) {
  static const ObjectKind kOrder[] = {ObjectKind::kPack,
                                      ObjectKind::kIndex,
                                      ObjectKind::kConsolidatedIndex,
                                      ObjectKind::kConsolidatedCatalog,
                                      ObjectKind::kManifest,
                                      ObjectKind::kReferenceSet,
                                      ObjectKind::kContentKey};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (key.starts_with(layout::KindInfo(kOrder[i]).prefix)) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

}  // namespace

Status SweepDueMarks(Vault& vault, GcScan* scan, const GcOptions& o, GcReport* report,
                     std::set<std::string>* deleted) {
  std::vector<const GcMark*> due;
  std::set<std::string> candidates;
  for (const auto& m : scan->marks) {
    if (m.written_at + o.grace_seconds <= o.now) {
      due.push_back(&m);
      candidates.insert(m.candidates.begin(), m.candidates.end());
      continue;
    }
    for (const auto& c : m.candidates) {
      if (auto p = layout::ParsePartitionedPackKey(c); p && !p->node_id.empty())
        CV_RETURN_IF_ERROR(scan->set->AddCand(p->id, GcMarkSet::kPending));
    }
  }
  if (due.empty()) return Status::OK();
  std::vector<std::pair<std::string, uint64_t>> doomed;
  // Packs first: each one deleted must leave every live blob it holds in another pack of its partition's view
  // that stays.
  for (const auto& key : candidates) {
    auto name = layout::ParsePartitionedPackKey(key);
    if (!name || name->node_id.empty()) continue;
    auto pack = scan->set->PackOf(name->id);
    if (!pack.ok()) {
      if (pack.status().IsNotFound()) continue;  // gone already
      return pack.status();
    }
    if (!scan->refs_complete || Young(pack->modified, o)) continue;
    // Named by an index view (a consolidation or index object written after the mark by a backup that used
    // it, or one that no prune has hidden it from yet): a loader may deduplicate against it. Kept.
    if (pack->view != 0) continue;
    CV_ASSIGN_OR_RETURN(uint64_t uncovered,
                        scan->set->UncoveredLive(name->id, name->node_id, GcMarkSet::kDeleting));
    if (uncovered == 0) {
      CV_RETURN_IF_ERROR(scan->set->AddCand(name->id, GcMarkSet::kDeleting));
      doomed.emplace_back(key, pack->size);
      continue;
    }
    // Live again: a backup that loaded its index before the mark committed since. Back into the view.
    ++report->kept_resurrected;
    if (!pack->content_key) {
      report->notes.push_back(key + " is live again but its header does not open; not indexed");
      continue;
    }
    if (o.dry_run) continue;
    CV_ASSIGN_OR_RETURN(auto entries, scan->set->EntriesOf(name->id));
    CV_ASSIGN_OR_RETURN(std::string index_key, WriteIndexObject(vault.objects(), name->node_id, name->id,
                                                                *pack->content_key, entries));
    CV_RETURN_IF_ERROR(scan->set->AddView(name->id, GcMarkSet::kWrittenNow));
    report->notes.push_back(key + " is live again: kept, and named again by " + index_key);
  }
  for (const auto& key : candidates) {
    if (DeleteOrder(key) == 0) continue;
    CV_ASSIGN_OR_RETURN(bool garbage, StillGarbage(*scan, key, o));
    if (!garbage) continue;
    auto idx = scan->index_objects.find(key);
    auto other = scan->others.find(key);
    const uint64_t size = idx != scan->index_objects.end() ? idx->second.size
                          : other != scan->others.end()    ? other->second.size
                                                           : 0;
    doomed.emplace_back(key, size);
  }
  std::stable_sort(doomed.begin(), doomed.end(),
                   [](const auto& a, const auto& b) { return DeleteOrder(a.first) < DeleteOrder(b.first); });
  for (const auto& [key, size] : doomed) {
    const size_t locked = report->skipped_locked;
    CV_RETURN_IF_ERROR(GcDelete(vault.store(), key, size, o, report));
    if (report->skipped_locked == locked) {
      deleted->insert(key);
      if (!o.dry_run) CrashPoint("gc-mid-delete");
    } else if (auto name = layout::ParsePartitionedPackKey(key)) {
      // Still there: its content key stays with it (a later run marks both again).
      CV_RETURN_IF_ERROR(scan->set->DropCand(name->id, GcMarkSet::kDeleting));
    }
  }
  // Every candidate of these marks is handled: deleted, gone, or kept because it is not garbage (a later
  // run's phase 1 marks it again if it becomes garbage). A mark stays until twice the grace has passed: a
  // backup that loaded its index before it was written and runs longer than half the grace must still find it
  // at its commit (BackupSession's re-check), after phase 2 deleted what it lists. Handling it again is
  // idempotent.
  for (const GcMark* m : due) {
    ++report->marks_processed;
    if (o.dry_run || m->written_at + 2 * o.grace_seconds > o.now) continue;
    Status st = vault.store().Delete(m->name);
    if (!st.ok() && !st.IsNotFound()) return st.Annotate("prune: delete gc mark");
    deleted->insert(m->name);
  }
  return Status::OK();
}

}  // namespace cv::vault
