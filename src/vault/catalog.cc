#include "vault/catalog.h"

#include <set>

namespace cv::vault {

using layout::ObjectKind;

namespace {
std::string RecordAad(const std::string& backup_id) {
  return std::string(layout::KindInfo(ObjectKind::kBackupRecord).aad) + backup_id;
}
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
  auto plain = table_.GetSealed(ObjectKind::kBackupRecord, key, RecordAad(backup_id), size);
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
  CV_ASSIGN_OR_RETURN(auto bytes, table_.GetContent(ObjectKind::kManifest, key));
  auto m = ManifestFromJson(AsText(bytes), key);
  if (m.ok() && m->backup_id != record.backup_id)
    return Status::Corruption(key, "manifest belongs to another backup");
  return m;
}

Result<ObjectId> Catalog::PutManifest(const Manifest& manifest) {
  std::string json = ManifestToJson(manifest);
  return table_.PutContent(ObjectKind::kManifest, crypto::AsBytes(json));
}

Status Catalog::Commit(const BackupRecord& record) {
  std::string json = BackupRecordToJson(record);
  return table_.PutSealed(layout::BackupKey(record.backup_id), RecordAad(record.backup_id),
                          crypto::AsBytes(json));
}

}  // namespace cv::vault
