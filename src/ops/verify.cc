#include "ops/verify.h"

#include <map>
#include <set>

#include "core/vault_layout.h"
#include "ops/audit_trail.h"

namespace cv::ops {

namespace {
// Objects the vault skipped because they did not check out (junk index objects and records, unindexed packs
// that were not adopted, foreign key slots): each one is a problem, though no backup depends on it.
void AddVaultProblems(const vault::Vault& vault, VerifyReport* report) {
  for (const auto& p : vault.Problems()) {
    if (p.damage) report->problems.push_back({p.object, p.problem, {}});
  }
}
}  // namespace

namespace {
// The checks of RunVerify for `records`, all of one partition, whose index is loaded.
Status VerifyPartition(vault::Vault& vault, const std::vector<BackupRecord>& records, bool deep,
                       VerifyReport* report) {
  // blob -> where it is used, so a problem names what it affects.
  std::map<ObjectId, std::vector<std::string>> users;
  for (const auto& r : records) {
    // A write-only key cannot open a manifest (v2): the backup's reference set names its blobs instead.
    if (!vault.CanReadBackups()) {
      auto refs = vault.LoadReferenceSet(r.backup_id);
      if (!refs.ok()) {
        report->problems.push_back({"backup " + r.backup_id,
                                    "reference set unreadable: " + refs.status().message(),
                                    {"backup " + r.backup_id}});
        continue;
      }
      for (const auto& id : *refs) users[id].push_back("backup " + r.backup_id);
      continue;
    }
    auto m = vault.LoadManifest(r);
    if (!m.ok()) {
      report->problems.push_back({"backup " + r.backup_id,
                                  "manifest unreadable: " + m.status().message(),
                                  {"backup " + r.backup_id}});
      continue;
    }
    for (const auto& t : m->tables) {
      for (const auto& f : t.files) {
        for (const auto& id : f.blobs) {
          users[id].push_back("backup " + r.backup_id + " table " + t.keyspace + "." + t.table + " file " +
                              f.path);
        }
      }
    }
  }
  std::vector<storage::ObjectInfo> pack_list;
  CV_RETURN_IF_ERROR(vault.ListPacks(&pack_list));
  std::map<ObjectId, uint64_t> pack_sizes;
  for (const auto& p : pack_list) pack_sizes[*layout::ParsePackKey(p.key)] = p.size;

  std::map<ObjectId, std::vector<std::pair<ObjectId, PackEntry>>> by_pack;
  std::map<ObjectId, uint64_t> entries_end;  // per pack: where its last referenced blob ends
  for (const auto& [id, where] : users) {
    ++report->blobs;
    auto loc = vault.LocateBlob(id);  // a pack prune marked holds it too, until prune decides
    if (!loc) {
      report->problems.push_back({"blob " + IdToHex(id), "missing: no pack holds it", where});
      continue;
    }
    auto ps = pack_sizes.find(loc->pack_id);
    if (ps == pack_sizes.end()) {
      report->problems.push_back({vault.packs().Key(loc->pack_id), "missing pack", where});
      continue;
    }
    if (loc->entry.offset + loc->entry.stored_len > ps->second) {
      report->problems.push_back(
          {vault.packs().Key(loc->pack_id), "truncated: shorter than its blobs", where});
      continue;
    }
    by_pack[loc->pack_id].push_back({id, loc->entry});
    uint64_t end = loc->entry.offset + loc->entry.stored_len;
    entries_end[loc->pack_id] = std::max(entries_end[loc->pack_id], end);
  }
  report->packs += by_pack.size();
  // Every pack a backup needs has a header that lists its blobs as the index does (two small reads).
  for (const auto& [pack_id, blobs] : by_pack) {
    std::vector<PackEntry> expected;
    for (const auto& b : blobs) expected.push_back(b.second);
    Status hs = vault.CheckPackHeader(pack_id, pack_sizes[pack_id], expected);
    if (!hs.ok()) {
      if (!vault::IsObjectProblem(hs)) return hs;
      std::vector<std::string> affected;
      for (const auto& b : blobs)
        affected.insert(affected.end(), users[b.first].begin(), users[b.first].end());
      report->problems.push_back(
          {vault.packs().Key(pack_id), "header does not check out: " + hs.message(), affected});
    }
  }
  if (!deep) return Status::OK();

  auto codec = vault.NewCodec();
  std::vector<uint8_t> bytes, plain;
  for (const auto& [pack_id, blobs] : by_pack) {
    std::string key = vault.packs().Key(pack_id);
    // Exactly the listed length, never "to the end": a body of another length is an error, not a buffer
    // of whatever size the store chose. A pack is its blobs, a header and a trailer: no larger than that.
    uint64_t listed = pack_sizes[pack_id];
    Status st = listed > entries_end[pack_id] + vault::kMaxPackHeaderSize + kPackTrailerSize
                    ? Status::Corruption(key, "is " + std::to_string(listed) +
                                                  " bytes, far larger than its blobs and a header; not read")
                    : vault.store().Get(key, 0, listed, &bytes);
    if (st.ok() && bytes.size() != listed)
      st = Status::Corruption(
          key, "read " + std::to_string(bytes.size()) + " bytes, listed " + std::to_string(listed));
    report->bytes_read += bytes.size();
    std::vector<std::string> affected;
    auto add_affected = [&](const ObjectId& id) {
      const auto& u = users[id];
      affected.insert(affected.end(), u.begin(), u.end());
    };
    if (!st.ok()) {
      for (const auto& b : blobs) add_affected(b.first);
      report->problems.push_back({key, "unreadable: " + st.message(), affected});
      continue;
    }
    auto content_key = vault.PackContentKey(pack_id);
    if (!content_key.ok()) {
      if (!vault::IsObjectProblem(content_key.status())) return content_key.status();
      for (const auto& b : blobs) add_affected(b.first);
      report->problems.push_back(
          {key, "content key unreadable: " + content_key.status().message(), affected});
      continue;
    }
    const vault::ContentKey* ck = content_key->get();
    if (auto whole = vault.packs().CheckWhole(pack_id, bytes); !whole.ok()) {
      // The pack is damaged somewhere; find which blobs still open, to name exactly what is lost.
      for (const auto& [id, e] : blobs) {
        if (e.offset > bytes.size() || e.stored_len > bytes.size() - e.offset) {
          add_affected(id);
          continue;
        }
        std::span<const uint8_t> sealed(bytes.data() + e.offset, e.stored_len);
        if (!codec->Open(e, sealed, ck, &plain).ok()) add_affected(id);
      }
      report->problems.push_back({key, "corrupt: " + whole.status().message(), affected});
      continue;
    }
    for (const auto& [id, e] : blobs) {
      if (e.offset > bytes.size() || e.stored_len > bytes.size() - e.offset) {
        report->problems.push_back(
            {"blob " + IdToHex(id), "truncated: lies beyond the end of " + key, users[id]});
        continue;
      }
      std::span<const uint8_t> sealed(bytes.data() + e.offset, e.stored_len);
      if (Status bs = codec->Open(e, sealed, ck, &plain); !bs.ok()) {
        report->problems.push_back({"blob " + IdToHex(id), "corrupt: " + bs.message(), users[id]});
      }
    }
  }
  return Status::OK();
}

// Every committed record, read one by one, and a problem for each that `list` does not show. `list` trusts
// the newest consolidated catalog for what it covers, and any key that can list may write one: one that
// leaves records out would hide them from `list`, never from this. The slow listing comes first, so a backup
// committed meanwhile is in the fast one too and is never reported.
Result<std::vector<BackupRecord>> ListEveryRecord(vault::Vault& vault, VerifyReport* report) {
  CV_ASSIGN_OR_RETURN(auto every, vault.catalog().ListSlow());
  CV_ASSIGN_OR_RETURN(auto listed, vault.ListBackups());
  std::set<std::string> shown;
  for (const auto& r : listed) shown.insert(r.backup_id);
  for (const auto& r : every) {
    if (shown.count(r.backup_id)) continue;
    report->problems.push_back(
        {"backup " + r.backup_id,
         "is committed, but `cassvault list` does not show it: the newest consolidated catalog leaves it out "
         "(or the node's clock was days behind). Run `cassvault maintain` to write a complete one",
         {"backup " + r.backup_id}});
  }
  return every;
}

}  // namespace

namespace {

Result<VerifyReport> VerifyChecks(vault::Vault& vault, const std::string& backup, bool deep) {
  VerifyReport report;
  std::vector<BackupRecord> records;
  if (backup.empty()) {
    CV_ASSIGN_OR_RETURN(records, ListEveryRecord(vault, &report));
  } else {
    CV_ASSIGN_OR_RETURN(BackupRecord r, vault.ResolveBackup(backup, "", ""));
    records.push_back(r);
  }
  // A backup's blobs are in its node's partition: one partition's index and packs at a time, so memory and
  // listings stay those of one node however many share the vault.
  std::map<std::string, std::vector<BackupRecord>> by_partition;
  for (const auto& r : records) {
    report.backups.push_back(r.backup_id);
    by_partition[r.node_id].push_back(r);
  }
  if (by_partition.empty())
    by_partition[vault.partition()];  // no backups: the index still loads and is checked
  // Verify checks the vault, not a local copy of its index: a cache row changed on disk must not hide a
  // missing blob from the command meant to find it.
  vault.SetIndexCacheDir("");
  for (const auto& [partition, group] : by_partition) {
    CV_RETURN_IF_ERROR(vault.UsePartition(partition));
    CV_RETURN_IF_ERROR(vault.LoadIndex());
    report.duplicate_blobs += vault.DuplicateBlobCount();
    CV_RETURN_IF_ERROR(VerifyPartition(vault, group, deep, &report));
  }
  AddVaultProblems(vault, &report);
  return report;
}

}  // namespace

Result<VerifyReport> RunVerify(vault::Vault& vault, const std::string& backup, bool deep) {
  if (!deep) return VerifyChecks(vault, backup, deep);
  // Deep verify opens every blob: a write-only key is turned away before anything is read.
  CV_RETURN_IF_ERROR(vault.RequireReader("verify --deep"));
  // It reads backup content: audited (a record that cannot be written is a warning).
  auto trail = AuditTrail::For(vault);
  Result<VerifyReport> r = VerifyChecks(vault, backup, deep);
  AuditEvent e{"verify.deep", {backup.empty() ? std::string("all") : backup}, {}, ""};
  if (r.ok()) {
    e.details = {{"backups", r->backups.size()}, {"blobs", r->blobs}, {"problems", r->problems.size()}};
  }
  RecordOrWarn(*trail, vault, e,
               r.ok() && !r->ok()
                   ? Status::Corruption("verify --deep", std::to_string(r->problems.size()) + " problem(s)")
                   : r.status());
  return r;
}

}  // namespace cv::ops
