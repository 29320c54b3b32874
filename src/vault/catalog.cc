#include "vault/catalog.h"

#include <algorithm>
#include <set>

namespace cv::vault {

using layout::ObjectKind;

namespace {
std::string_view AsText(const std::vector<uint8_t>& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
}  // namespace

Result<std::vector<BackupRecord>> Catalog::List() {
  std::vector<storage::ObjectInfo> objects;
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kBackupRecord, &objects));
  std::vector<BackupRecord> out;
  out.reserve(objects.size());
  for (const auto& o : objects) {
    std::string id = *layout::ParseBackupKey(o.key);
    auto rec = Load(id, o.size);
    if (!rec.ok()) {
      // One record that does not authenticate (or vanished since the listing) hides no other backup.
      if (!IsObjectProblem(rec.status())) return rec.status();
      if (!rec.status().IsNotFound())
        problems_.Add(o.key, "backup record skipped: " + rec.status().message());
      continue;
    }
    out.push_back(std::move(rec).value());
  }
  return out;
}

Result<BackupRecord> Catalog::Load(const std::string& backup_id, KnownSize size) {
  if (!layout::IsValidBackupId(backup_id)) {
    return Status::InvalidArgument("backup id '" + backup_id + "'",
                                   "expected the form 20261125T141500Z-1a2b3c4d");
  }
  std::string key = layout::BackupKey(backup_id);
  auto plain = table_.GetSealed(ObjectKind::kBackupRecord, key, size);
  if (!plain.ok()) {
    if (plain.status().IsNotFound()) return Status::NotFound("backup " + backup_id, "not in this vault");
    return plain.status();
  }
  auto rec = BackupRecordFromJson(AsText(*plain), key);
  if (rec.ok() && rec->backup_id != backup_id) return Status::Corruption(key, "record names another backup");
  return rec;
}

Result<BackupRecord> Catalog::Resolve(const std::string& id_or_tag, const std::string& host_id,
                                      const std::string& address) {
  if (id_or_tag.empty())
    return Status::InvalidArgument("--backup", "required: a backup id or tag (see `cassvault list`)");
  if (layout::IsValidBackupId(id_or_tag)) return Load(id_or_tag);
  CV_ASSIGN_OR_RETURN(auto all, List());
  std::vector<BackupRecord> tagged;
  for (auto& r : all) {
    if (r.tag == id_or_tag) tagged.push_back(r);
  }
  if (tagged.empty()) {
    return Status::NotFound("backup '" + id_or_tag + "'",
                            "no backup has this id or tag; `cassvault list` shows them");
  }
  std::vector<BackupRecord> mine;
  for (auto& r : tagged) {
    if ((!host_id.empty() && r.host_id == host_id) || (!address.empty() && r.address == address))
      mine.push_back(r);
  }
  if (mine.empty()) {
    std::set<std::string> nodes;
    for (auto& r : tagged) nodes.insert(r.address + " (" + r.host_id + ")");
    if (nodes.size() == 1) return tagged.back();
    std::string list;
    for (const auto& n : nodes) list += (list.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("tag '" + id_or_tag + "'", "belongs to backups of several nodes (" + list +
                                                                  "); name the backup id instead");
  }
  return mine.back();
}

Result<Manifest> Catalog::LoadManifest(const BackupRecord& record) {
  std::string key = layout::ManifestKey(record.manifest_id);
  std::shared_ptr<const ContentKey> content_key;
  if (table_.keys().format() == 2) {
    if (record.version != 2)
      return Status::Corruption(layout::BackupKey(record.backup_id), "is not a format v2 record");
    CV_ASSIGN_OR_RETURN(content_key, content_keys_.Get(record.content_key));
  }
  auto bytes = content_key
                   ? table_.GetContent(ObjectKind::kManifest, key, std::nullopt, content_key->key.view())
                   : table_.GetContent(ObjectKind::kManifest, key);
  if (!bytes.ok()) return bytes.status();
  auto m = ManifestFromJson(AsText(*bytes), key);
  if (m.ok() && m->backup_id != record.backup_id)
    return Status::Corruption(key, "manifest belongs to another backup");
  return m;
}

Result<ObjectId> Catalog::PutManifest(const Manifest& manifest, const ContentKey* key) {
  std::string json = ManifestToJson(manifest);
  if (key == nullptr) return table_.PutContent(ObjectKind::kManifest, crypto::AsBytes(json));
  return table_.PutContent(ObjectKind::kManifest, crypto::AsBytes(json), key->key.view());
}

Status Catalog::PutReferenceSet(const std::string& backup_id, const Manifest& manifest) {
  std::vector<ObjectId> ids;
  for (const auto& t : manifest.tables) {
    for (const auto& f : t.files) ids.insert(ids.end(), f.blobs.begin(), f.blobs.end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<uint8_t> bytes;
  bytes.reserve(ids.size() * 32);
  for (const auto& id : ids) bytes.insert(bytes.end(), id.begin(), id.end());
  return table_.PutFramedAt(ObjectKind::kReferenceSet, layout::RefsKey(backup_id), bytes);
}

Result<std::vector<ObjectId>> Catalog::LoadReferenceSet(const std::string& backup_id) {
  if (table_.keys().format() == 1)
    return Status::NotSupported("backup " + backup_id, "a format v1 vault has no reference sets");
  const std::string key = layout::RefsKey(backup_id);
  CV_ASSIGN_OR_RETURN(auto bytes, table_.GetFramedAt(ObjectKind::kReferenceSet, key));
  if (bytes.size() % 32 != 0) return Status::Corruption(table_.Subject(key), "is not a list of blob ids");
  std::vector<ObjectId> ids(bytes.size() / 32);
  for (size_t i = 0; i < ids.size(); ++i) std::copy_n(bytes.begin() + i * 32, 32, ids[i].begin());
  return ids;
}

Status Catalog::Commit(const BackupRecord& record) {
  std::string json = BackupRecordToJson(record);
  return table_.PutSealed(ObjectKind::kBackupRecord, layout::BackupKey(record.backup_id),
                          crypto::AsBytes(json));
}

}  // namespace cv::vault
