#include "vault/collect_garbage.h"

#include <algorithm>
#include <map>
#include <set>

#include "vault/crash_point.h"
#include "vault/gc_marks.h"
#include "vault/gc_repack.h"
#include "vault/gc_scan.h"
#include "vault/gc_sweep.h"
#include "vault/index_consolidation.h"

namespace cv::vault {

using layout::ObjectKind;

namespace {

bool Young(int64_t modified, const GcOptions& o) {
  return modified != 0 && modified > o.now - o.grace_seconds;
}

// Admin only, format 2 only: refused before anything is read for a decision, written or deleted.
Status RequireAdmin(Vault& vault) {
  const crypto::KeyBundle* bundle = vault.keys().bundle();
  if (bundle == nullptr) {
    return Status::NotSupported("prune",
                                "a format 1 vault has no admin key to sign gc marks with; nothing "
                                "was written or deleted");
  }
  if (bundle->role() != crypto::KeyRole::kAdmin) {
    return Status::PermissionDenied("prune", "needs the admin key of vault " + vault.store().Describe() +
                                                 "; it was opened with a " +
                                                 std::string(crypto::KeyRoleName(bundle->role())) +
                                                 " key, which cannot delete. Nothing was written or deleted");
  }
  return Status::OK();
}

// Deletes each purged backup's record (its commit point: the backup is gone from then on), then its manifest
// and reference set. A run killed in between leaves a manifest and reference set no record names, which
// garbage collection removes. Then a new consolidated catalog, so `list` stops showing them at once.
Status Purge(Vault& vault, std::span<const BackupRecord> purge, const GcOptions& o, GcReport* report) {
  if (purge.empty()) return Status::OK();
  std::vector<storage::ObjectInfo> segments, legacy;
  CV_RETURN_IF_ERROR(vault.objects().List(ObjectKind::kCatalogSegment, &segments));
  CV_RETURN_IF_ERROR(vault.objects().List(ObjectKind::kBackupRecord, &legacy));
  segments.insert(segments.end(), legacy.begin(), legacy.end());
  std::multimap<std::string, storage::ObjectInfo> by_id;
  for (const auto& s : segments) {
    auto id = layout::ParseCatalogSegmentKey(s.key);
    if (!id) id = layout::ParseBackupKey(s.key);
    if (id) by_id.emplace(*id, s);
  }
  for (const auto& r : purge) {
    const size_t locked_before = report->skipped_locked;
    auto [first, last] = by_id.equal_range(r.backup_id);
    for (auto it = first; it != last; ++it)
      CV_RETURN_IF_ERROR(GcDelete(vault.store(), it->second.key, it->second.size, o, report));
    if (report->skipped_locked != locked_before) continue;  // still committed: its data stays
    CrashPoint("purge-mid");
    CV_RETURN_IF_ERROR(GcDelete(vault.store(), layout::ManifestKey(r.manifest_id), 0, o, report));
    if (r.version >= 2)
      CV_RETURN_IF_ERROR(GcDelete(vault.store(), layout::RefsKey(r.backup_id), 0, o, report));
    ++report->purged_backups;
  }
  if (o.dry_run) return Status::OK();
  std::vector<storage::ObjectInfo> fulls;
  CV_RETURN_IF_ERROR(vault.objects().List(ObjectKind::kConsolidatedCatalog, &fulls));
  if (!fulls.empty()) CV_RETURN_IF_ERROR(vault.catalog().Consolidate().status());
  return Status::OK();
}

struct PhaseOne {
  std::vector<std::string> candidates;
  std::set<std::string> consolidate;                        // partitions that get a new consolidation
  std::map<std::string, std::vector<std::string>> written;  // index objects written now, by partition
};

// The packs that are garbage now: no live blob, or every live blob also in a pack of the partition's view
// that stays. Mostly-dead packs are repacked first (their live blobs copied into a new pack), then are
// garbage too.
Status MarkPacks(Vault& vault, GcScan& scan, const GcOptions& o, GcReport* report, PhaseOne* out) {
  CV_ASSIGN_OR_RETURN(auto packs, scan.set->Packs());
  constexpr int kGone = GcMarkSet::kPending | GcMarkSet::kDeleting | GcMarkSet::kNew;
  for (const auto& p : packs) {
    if (p.live_entries == 0) ++report->dead_packs;
    if ((p.cand & (GcMarkSet::kPending | GcMarkSet::kDeleting)) || Young(p.modified, o)) continue;
    if (!scan.refs_complete) continue;
    CV_ASSIGN_OR_RETURN(uint64_t uncovered, scan.set->UncoveredLive(p.id, p.node, kGone));
    const uint64_t dead = p.entry_bytes - std::min(p.entry_bytes, p.live_bytes);
    const bool repack = uncovered > 0 && p.view != 0 && p.content_key && p.entry_bytes > 0 &&
                        static_cast<double>(dead) >= o.repack_threshold * static_cast<double>(p.entry_bytes);
    if (uncovered > 0 && !repack) {
      // A pack no view names that a kept backup needs (its index object was lost, or listed after its pack
      // was): the partition's new consolidation names it again (from its header), instead of every loader
      // reading it whole to adopt it.
      if (p.view == 0 && p.content_key) {
        CV_RETURN_IF_ERROR(scan.set->AddView(p.id, GcMarkSet::kWrittenNow));
        out->consolidate.insert(p.node);
      }
      continue;
    }
    if (repack) {
      ++report->repacked_packs;
      if (!o.dry_run) {
        CV_ASSIGN_OR_RETURN(auto entries, scan.set->EntriesOf(p.id));
        std::set<ObjectId> keep;
        for (const auto& e : entries) {
          CV_ASSIGN_OR_RETURN(bool live, scan.set->IsLive(e.blob_id));
          if (live) keep.insert(e.blob_id);
        }
        auto moved = RepackPack(vault.objects(), p.node, p.id, p.size, keep);
        if (!moved.ok()) {
          if (!IsObjectProblem(moved.status())) return moved.status();
          report->notes.push_back(p.key + " not repacked: " + moved.status().message());
          continue;
        }
        report->repacked_bytes += moved->bytes;
        CV_RETURN_IF_ERROR(scan.set->AddPack(moved->pack_id, moved->pack_key, p.node, moved->bytes, 0));
        CV_RETURN_IF_ERROR(scan.set->SetPackKey(moved->pack_id, moved->content_key));
        CV_RETURN_IF_ERROR(scan.set->AddView(moved->pack_id, GcMarkSet::kWrittenNow));
        std::vector<IndexEntry> fresh;
        for (const auto& e : moved->entries) fresh.push_back({moved->pack_id, e});
        CV_RETURN_IF_ERROR(scan.set->AddEntries(fresh));
        out->written[p.node].push_back(moved->index_key);
      }
    }
    CV_RETURN_IF_ERROR(scan.set->AddCand(p.id, GcMarkSet::kNew));
    out->candidates.push_back(p.key);
    // Its partition's view must stop naming it.
    if (p.view & (GcMarkSet::kInConsolidation | GcMarkSet::kInRawIndex)) out->consolidate.insert(p.node);
  }
  // Packs hidden by a pending mark that a newer consolidation names again are hidden once more.
  for (const auto& p : packs) {
    if ((p.cand & GcMarkSet::kPending) && (p.view & (GcMarkSet::kInConsolidation | GcMarkSet::kInRawIndex)))
      out->consolidate.insert(p.node);
  }
  return Status::OK();
}

Status MarkOthers(GcScan& scan, const GcOptions& o, const std::set<std::string>& excluded, PhaseOne* out) {
  for (const auto& [node, p] : scan.partitions) {
    // Index objects no consolidation covers yet are covered by the one written now.
    bool uncovered = false;
    for (const auto& r : p.raw) uncovered = uncovered || (p.readable.count(r.key) && !p.covered.count(r.key));
    if (uncovered || out->written.count(node)) out->consolidate.insert(node);
  }
  for (const auto& [node, p] : scan.partitions) {
    const bool fresh = out->consolidate.count(node) > 0;
    for (const auto& r : p.raw) {
      if (!p.readable.count(r.key) || excluded.count(r.key) || Young(ModifiedOf(r), o)) continue;
      if (fresh || p.covered.count(r.key)) out->candidates.push_back(r.key);
    }
    for (const auto& c : p.consolidations) {
      if (excluded.count(c.key) || Young(ModifiedOf(c), o)) continue;
      // Phase 2 deletes one only while a newer consolidation that opens exists.
      if (fresh || (!p.newest.empty() && c.key < p.newest)) out->candidates.push_back(c.key);
    }
  }
  const auto prefix = [](ObjectKind k) { return layout::KindInfo(k).prefix; };
  for (const auto& [key, info] : scan.others) {
    if (excluded.count(key) || Young(ModifiedOf(info), o)) continue;
    bool garbage = false;
    if (key.starts_with(prefix(ObjectKind::kConsolidatedCatalog))) {
      garbage = !scan.newest_catalog.empty() && key < scan.newest_catalog;
    } else if (key.starts_with(prefix(ObjectKind::kReferenceSet))) {
      garbage = !scan.live_ids.count(key.substr(prefix(ObjectKind::kReferenceSet).size()));
    } else if (scan.records_complete) {
      CV_ASSIGN_OR_RETURN(bool named, scan.set->IsNamed(key));
      if (!named && key.starts_with(prefix(ObjectKind::kManifest))) garbage = true;
      if (!named && scan.keys_judgeable && key.starts_with(prefix(ObjectKind::kContentKey))) {
        // A pack that is still there (a candidate too) holds blobs sealed by it: the key goes after it.
        auto id = layout::ParseContentKey(ObjectKind::kContentKey, key);
        CV_ASSIGN_OR_RETURN(bool used,
                            id ? scan.set->KeyInUse(*id, GcMarkSet::kDeleting) : Result<bool>(true));
        garbage = !used;
      }
    }
    if (garbage) out->candidates.push_back(key);
  }
  return Status::OK();
}

// A consolidated index of `node` after this run: every entry of the view but the candidate packs', covering
// every index object of the partition that was read and those written now.
Status Consolidate(Vault& vault, GcScan& scan, const std::string& node, const PhaseOne& one,
                   GcReport* report) {
  const GcPartition& p = scan.partitions[node];
  ConsolidatedIndex ci;
  for (const auto& r : p.raw) {
    if (p.readable.count(r.key)) ci.covers.push_back(r.key);
  }
  if (auto w = one.written.find(node); w != one.written.end())
    ci.covers.insert(ci.covers.end(), w->second.begin(), w->second.end());
  std::sort(ci.covers.begin(), ci.covers.end());
  CV_RETURN_IF_ERROR(
      scan.set->ViewOf(node, GcMarkSet::kPending | GcMarkSet::kDeleting | GcMarkSet::kNew, &ci.index));
  const std::string after = p.consolidations.empty() ? std::string() : p.consolidations.back().key;
  CV_ASSIGN_OR_RETURN(std::string name, WriteConsolidation(vault.objects(), node, std::move(ci), after));
  (void)name;
  ++report->consolidations_written;
  CrashPoint("gc-after-consolidate");
  return Status::OK();
}

}  // namespace

Result<GcReport> CollectGarbage(Vault& vault, std::span<const BackupRecord> purge, const GcOptions& o) {
  CV_RETURN_IF_ERROR(RequireAdmin(vault));
  if (o.now <= 0 || o.grace_seconds < 0 || o.repack_threshold <= 0 || o.repack_threshold > 1 ||
      o.work_dir.empty())
    return Status::InvalidArgument("prune",
                                   "needs the time, a grace >= 0, a repack threshold in (0, 1] and a "
                                   "work directory; nothing was written or deleted");
  GcReport report;
  CV_RETURN_IF_ERROR(Purge(vault, purge, o, &report));
  std::set<std::string> exclude;
  if (o.dry_run) {
    for (const auto& r : purge) exclude.insert(r.backup_id);
  }
  CV_ASSIGN_OR_RETURN(GcScan scan, ScanVault(vault, exclude, o.work_dir));
  report.live_backups = scan.live_ids.size();
  CV_ASSIGN_OR_RETURN(uint64_t live, scan.set->LiveCount());
  report.live_blobs = live;
  report.packs = scan.packs;
  report.notes.insert(report.notes.end(), scan.notes.begin(), scan.notes.end());

  // Phase 2 of every due mark.
  std::set<std::string> deleted;
  CV_RETURN_IF_ERROR(SweepDueMarks(vault, &scan, o, &report, &deleted));
  for (const auto& k : deleted) {
    scan.others.erase(k);
    scan.index_objects.erase(k);
  }
  for (auto& [node, p] : scan.partitions) {
    auto gone = [&](const storage::ObjectInfo& info) { return deleted.count(info.key) > 0; };
    std::erase_if(p.raw, gone);
    std::erase_if(p.consolidations, gone);
  }

  // Phase 1: what is garbage now and in no pending mark.
  std::set<std::string> excluded = deleted;
  for (const auto& m : scan.marks) {
    if (m.written_at + o.grace_seconds > o.now) excluded.insert(m.candidates.begin(), m.candidates.end());
  }
  PhaseOne one;
  CV_RETURN_IF_ERROR(MarkPacks(vault, scan, o, &report, &one));
  CV_RETURN_IF_ERROR(MarkOthers(scan, o, excluded, &one));
  std::sort(one.candidates.begin(), one.candidates.end());
  one.candidates.erase(std::unique(one.candidates.begin(), one.candidates.end()), one.candidates.end());
  report.candidates_marked = one.candidates.size();
  if (o.dry_run) return report;
  if (!one.candidates.empty()) {
    GcMark mark;
    mark.written_at = o.now;
    mark.grace = o.grace_seconds;
    mark.by = o.by;
    mark.candidates = one.candidates;
    CV_RETURN_IF_ERROR(WriteGcMark(vault.objects(), &mark));
    CrashPoint("gc-after-mark");
  }
  // The mark first: a pack is hidden from loaders only once a mark says why (a loader that finds it unindexed
  // then leaves it to prune instead of adopting it).
  for (const auto& node : one.consolidate) CV_RETURN_IF_ERROR(Consolidate(vault, scan, node, one, &report));
  return report;
}

}  // namespace cv::vault
