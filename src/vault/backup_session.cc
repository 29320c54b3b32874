#include "vault/backup_session.h"

#include "vault/crash_point.h"

namespace cv::vault {

BackupSession::BackupSession(Vault& vault, size_t pack_target_size)
    : vault_(vault), packs_(vault, pack_target_size) {}

Result<ObjectId> BackupSession::StorePart(BlobCodec& codec, std::span<const uint8_t> plaintext,
                                          bool try_compress, bool* stored) {
  *stored = false;
  if (!vault_.blob_index().loaded()) return IndexNotLoaded("backup session");
  ObjectId id = codec.BlobId(plaintext);
  if (vault_.FindBlob(id)) return id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!claimed_.insert(id).second) return id;
  }
  std::span<const uint8_t> sealed;
  CV_ASSIGN_OR_RETURN(Compression c, codec.Seal(id, plaintext, try_compress, &sealed));
  CV_RETURN_IF_ERROR(packs_.Add(id, sealed, static_cast<uint32_t>(plaintext.size()), c));
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

Result<BackupRecord> BackupSession::Commit(const Manifest& manifest, BackupRecord record) {
  CV_RETURN_IF_ERROR(packs_.Flush());
  CrashPoint("before-index");
  std::vector<IndexEntry> entries = packs_.Written();
  std::vector<IndexEntry> adopted = vault_.TakeAdopted();
  entries.insert(entries.end(), adopted.begin(), adopted.end());
  if (!entries.empty()) {
    CV_ASSIGN_OR_RETURN(ObjectId index_id, WriteIndex(vault_.objects(), entries));
    record.index_ids.push_back(index_id);
  }
  CrashPoint("before-manifest");
  CV_ASSIGN_OR_RETURN(record.manifest_id, vault_.catalog().PutManifest(manifest));
  record.stored_bytes = packs_.stored_bytes();
  CrashPoint("before-commit");
  CV_RETURN_IF_ERROR(vault_.CommitRecord(record));
  CrashPoint("after-commit");
  return record;
}

}  // namespace cv::vault
