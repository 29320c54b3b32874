#include "vault/backup_session.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "pipeline/cpu_stages.h"
#include "vault/crash_point.h"
#include "vault/gc_marks.h"
#include "vault/index_consolidation.h"

namespace cv::vault {

namespace {
// A backup shorter than this never re-checks (nor reads the gc marks): the grace is at least a minute.
constexpr int64_t kRecheckAfterSeconds = 30;
}  // namespace

BackupSession::BackupSession(Vault& vault, size_t pack_target_size)
    : vault_(vault), packs_(vault, pack_target_size), started_(Now()) {}

void BackupSession::SetClock(std::function<int64_t()> now) {
  clock_ = std::move(now);
  started_ = Now();
}

int64_t BackupSession::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status BackupSession::RecheckPrune(const Manifest& manifest) {
  const int64_t elapsed = Now() - started_;
  // Shorter than half the grace: any mark written after this session's index load is due only after it
  // commits, and phase 2 then finds its record (docs/vault-format.md, "Prune").
  if (vault_.format() != 2 || elapsed <= kRecheckAfterSeconds) return Status::OK();
  int64_t grace = 0;
  if (prune_grace_) {
    grace = *prune_grace_;
  } else {
    // Settings that cannot be read: check as if the grace were the shortest a vault may have.
    auto settings = vault_.settings().Current();
    grace = settings.ok() ? settings->prune_grace_seconds : 2 * kRecheckAfterSeconds;
  }
  if (elapsed <= grace / 2) return Status::OK();
  // Marks written since the load (with half a grace of slack: phase 1 hides its candidates from loaders a
  // moment after writing its mark, not at the same instant).
  ProblemLog ignored;
  CV_ASSIGN_OR_RETURN(auto marks, LoadGcMarks(vault_.objects(), ignored, started_ - grace / 2));
  if (marks.empty()) return Status::OK();
  std::set<std::string> candidates;
  for (const auto& m : marks) candidates.insert(m.candidates.begin(), m.candidates.end());
  std::set<std::string> relied;
  for (const auto& e : packs_.Written()) relied.insert(vault_.packs().Key(e.pack_id));
  for (const auto& t : manifest.tables) {
    for (const auto& f : t.files) {
      for (const auto& b : f.blobs) {
        if (auto loc = vault_.FindBlob(b)) relied.insert(vault_.packs().Key(loc->pack_id));
      }
    }
  }
  size_t hit = 0;
  for (const auto& k : relied) hit += candidates.count(k);
  std::shared_ptr<const ContentKey> key;
  {
    std::lock_guard<std::mutex> lock(key_mu_);
    key = content_key_;
  }
  const bool key_hit = key && candidates.count(layout::ContentKeyObjectKey(key->id)) > 0;
  if (hit == 0 && !key_hit) return Status::OK();
  return Status::FailedPrecondition("backup " + manifest.backup_id,
                                    "aborted after " + std::to_string(elapsed) + " s: prune marked " +
                                        std::to_string(hit) + " pack(s) this backup relies on" +
                                        (key_hit ? " (and its content key)" : "") +
                                        " as garbage while it ran (gc mark " + marks.back().name +
                                        "), and may delete them before this backup's record is seen; nothing "
                                        "committed; run the backup again");
}

Result<const ContentKey*> BackupSession::SessionKey() {
  if (vault_.keys().format() == 1) return static_cast<const ContentKey*>(nullptr);
  std::lock_guard<std::mutex> lock(key_mu_);
  if (!content_key_) {
    CV_ASSIGN_OR_RETURN(content_key_, vault_.content_keys().Create());
    packs_.SetContentKey(content_key_);
  }
  return content_key_.get();
}

Result<ObjectId> BackupSession::StorePart(BlobCodec& codec, std::span<const uint8_t> plaintext,
                                          bool try_compress, bool* stored) {
  *stored = false;
  if (!vault_.blob_index().loaded()) return IndexNotLoaded("backup session");
  ObjectId id;
  {
    pipeline::CpuStages::Scope timed("blob_id");  // counted only when the caller counts (ops/backup_files)
    id = codec.BlobId(plaintext);
  }
  if (vault_.FindBlob(id)) return id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!claimed_.insert(id).second) return id;
  }
  CV_ASSIGN_OR_RETURN(const ContentKey* key, SessionKey());
  std::span<const uint8_t> sealed;
  Result<Compression> c = Compression::kNone;
  {
    pipeline::CpuStages::Scope timed("seal");  // BlobCodec::Seal charges its compression to "compress"
    c = codec.Seal(id, plaintext, try_compress, key, &sealed, budget_);
  }
  if (!c.ok()) return c.status();
  {
    pipeline::CpuStages::Scope timed("pack_write");
    CV_RETURN_IF_ERROR(packs_.Add(id, sealed, static_cast<uint32_t>(plaintext.size()), *c));
  }
  *stored = true;
  CrashPoint("after-part");
  return id;
}

bool BackupSession::HasAll(const std::vector<ObjectId>& ids) const {
  for (const auto& id : ids) {
    if (vault_.FindBlob(id)) continue;
    std::lock_guard<std::mutex> lock(mu_);
    if (!claimed_.count(id)) return false;
  }
  return true;
}

void BackupSession::MaybeConsolidate() {
  BlobIndex& index = vault_.blob_index();
  if (vault_.partition().empty() || vault_.format() != 2 || index.Uncovered() <= kConsolidateAfter) return;
  // The backup is committed: a consolidation that fails costs the next start-up requests, never data.
  auto name = index.Consolidate(vault_.objects());
  if (!name.ok()) {
    vault_.NoteProblem("index-full/" + vault_.partition() + "/",
                       "the partition's index was not consolidated (the next backup tries again): " +
                           name.status().message());
  }
  CrashPoint("after-consolidation");
}

Result<BackupRecord> BackupSession::Commit(const Manifest& manifest, BackupRecord record) {
  CV_RETURN_IF_ERROR(packs_.Flush());
  CrashPoint("before-index");
  std::vector<IndexEntry> entries = packs_.Written();
  std::vector<IndexEntry> adopted = vault_.TakeAdopted();
  entries.insert(entries.end(), adopted.begin(), adopted.end());
  if (!entries.empty()) {
    CV_ASSIGN_OR_RETURN(ObjectId index_id,
                        vault_.blob_index().Write(vault_.objects(), entries, vault_.partition()));
    record.index_ids.push_back(index_id);
  }
  CrashPoint("before-manifest");
  CV_ASSIGN_OR_RETURN(const ContentKey* key, SessionKey());
  CV_ASSIGN_OR_RETURN(record.manifest_id, vault_.catalog().PutManifest(manifest, key));
  if (key != nullptr) {
    record.version = 2;
    record.content_key = key->id;
    CV_RETURN_IF_ERROR(vault_.catalog().PutReferenceSet(record.backup_id, manifest));
  }
  record.stored_bytes = packs_.stored_bytes();
  // The partition its blobs are in: a restore reads that partition's index (Vault::UsePartition).
  record.node_id = vault_.partition();
  CV_RETURN_IF_ERROR(RecheckPrune(manifest));
  CrashPoint("before-commit");
  CV_RETURN_IF_ERROR(vault_.CommitRecord(record));
  CrashPoint("after-commit");
  MaybeConsolidate();
  return record;
}

}  // namespace cv::vault
