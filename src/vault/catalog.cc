#include "vault/catalog.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "core/consolidated_catalog.h"

namespace cv::vault {

using layout::ObjectKind;

namespace {

constexpr int64_t kDay = 86400;
// How far before a consolidation's listing `List` looks for segments it may not cover (clocks of nodes
// that differ), and after now (a node whose clock is ahead).
constexpr int64_t kDaysBefore = 2;
constexpr int64_t kDaysAfter = 1;
// Load looks for a segment this many days after its backup started (a long backup commits later).
constexpr int kLoadDaysAfter = 7;

std::string_view AsText(const std::vector<uint8_t>& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// The backup id a record object's name holds (backups/<id> or catalog/<day>/<id>), or nullopt.
std::optional<std::string> IdOfName(std::string_view key) {
  if (auto id = layout::ParseBackupKey(key)) return id;
  return layout::ParseCatalogSegmentKey(key);
}

ObjectKind KindOfName(std::string_view key) {
  return key.starts_with(layout::kBackupsPrefix) ? ObjectKind::kBackupRecord : ObjectKind::kCatalogSegment;
}

// Unix seconds of the start of the UTC day a backup id names (its first 8 characters).
int64_t DayOfBackupId(std::string_view id) {
  struct tm t {};
  t.tm_year = std::stoi(std::string(id.substr(0, 4))) - 1900;
  t.tm_mon = std::stoi(std::string(id.substr(4, 2))) - 1;
  t.tm_mday = std::stoi(std::string(id.substr(6, 2)));
  return static_cast<int64_t>(::timegm(&t));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

struct Catalog::Consolidation {
  std::string key;
  std::vector<uint8_t> body;  // the view points into it
  ConsolidatedCatalogView view;
};

void Catalog::SetClock(std::function<int64_t()> now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = std::move(now);
}

int64_t Catalog::Now() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now_) return now_();
  }
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Catalog::ListStats Catalog::last_list() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_list_;
}

Result<BackupRecord> Catalog::ReadRecordAt(const std::string& key, const std::string& backup_id,
                                           KnownSize size) {
  auto plain = table_.GetSealed(KindOfName(key), key, size);
  if (!plain.ok()) return plain.status();
  auto rec = BackupRecordFromJson(AsText(*plain), table_.Subject(key));
  if (rec.ok() && rec->backup_id != backup_id)
    return Status::Corruption(table_.Subject(key), "record names another backup");
  return rec;
}

Result<std::optional<Catalog::Consolidation>> Catalog::NewestConsolidation() {
  std::vector<storage::ObjectInfo> fulls;
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kConsolidatedCatalog, &fulls));
  // Names sort by time: the newest last. One that does not open (damaged, another vault's) is passed over
  // for the one before: it only costs requests, every record is still in catalog/.
  for (auto it = fulls.rbegin(); it != fulls.rend(); ++it) {
    Consolidation c;
    c.key = it->key;
    auto body = table_.GetFramedAt(ObjectKind::kConsolidatedCatalog, it->key, it->size);
    if (!body.ok()) {
      if (!IsObjectProblem(body.status())) return body.status();
      if (!body.status().IsNotFound())
        problems_.Add(it->key, "consolidated catalog skipped: " + body.status().message());
      continue;
    }
    c.body = std::move(body).value();
    auto view = ParseConsolidatedCatalog(c.body, table_.Subject(it->key));
    bool names_ok = view.ok();
    if (names_ok) {
      for (const auto& e : view->entries) names_ok = names_ok && IdOfName(e.name).has_value();
    }
    if (!names_ok) {
      problems_.Add(it->key, "consolidated catalog skipped: " +
                                 (view.ok() ? std::string("names an object that is not a backup record")
                                            : view.status().message()));
      continue;
    }
    // One dated after tomorrow would make List look at no day at all: every record written since would
    // be hidden. Passed over like a damaged one.
    if (view->listed_at > Now() + kDaysAfter * kDay) {
      problems_.Add(it->key, "consolidated catalog skipped: its listing is dated " +
                                 layout::FormatTime(view->listed_at) + ", after tomorrow");
      continue;
    }
    c.view = std::move(view).value();
    return std::optional<Consolidation>(std::move(c));
  }
  return std::optional<Consolidation>();
}

Result<std::vector<BackupRecord>> Catalog::ListV1() {
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
  std::lock_guard<std::mutex> lock(mu_);
  last_list_ = {"", 0, out.size()};
  return out;
}

namespace {
// Reads the listed record objects one by one into `out` (skipping, and logging, those that do not open).
Status ReadEach(
    const std::vector<storage::ObjectInfo>& objects,
    const std::function<Result<BackupRecord>(const storage::ObjectInfo&, const std::string&)>& read,
    ProblemLog& problems, std::vector<BackupRecord>* out) {
  for (const auto& o : objects) {
    auto id = IdOfName(o.key);
    if (!id) continue;
    auto rec = read(o, *id);
    if (!rec.ok()) {
      if (!IsObjectProblem(rec.status())) return rec.status();
      if (!rec.status().IsNotFound()) problems.Add(o.key, "backup record skipped: " + rec.status().message());
      continue;
    }
    out->push_back(std::move(rec).value());
  }
  return Status::OK();
}

// Sorted by backup id; one record per id (a backup committed under both names shows once).
void SortUnique(std::vector<BackupRecord>* out) {
  std::stable_sort(out->begin(), out->end(),
                   [](const BackupRecord& a, const BackupRecord& b) { return a.backup_id < b.backup_id; });
  out->erase(
      std::unique(out->begin(), out->end(),
                  [](const BackupRecord& a, const BackupRecord& b) { return a.backup_id == b.backup_id; }),
      out->end());
}
}  // namespace

Result<std::vector<BackupRecord>> Catalog::List() {
  if (table_.keys().format() == 1) return ListV1();
  CV_ASSIGN_OR_RETURN(std::optional<Consolidation> full, NewestConsolidation());
  std::vector<storage::ObjectInfo> segments, legacy;
  if (full) {
    // Only the days a segment the consolidation does not cover can be under.
    const int64_t first = FloorDiv(full->view.listed_at - kDaysBefore * kDay, kDay);
    const int64_t last = FloorDiv(Now() + kDaysAfter * kDay, kDay);
    for (int64_t day = first; day <= last; ++day) {
      std::vector<storage::ObjectInfo> one;
      CV_RETURN_IF_ERROR(
          table_.List(ObjectKind::kCatalogSegment, &one, layout::CatalogDayPrefix(day * kDay)));
      segments.insert(segments.end(), one.begin(), one.end());
    }
  } else {
    CV_RETURN_IF_ERROR(table_.List(ObjectKind::kCatalogSegment, &segments));
  }
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kBackupRecord, &legacy));

  std::vector<BackupRecord> out;
  ListStats stats;
  if (full) {
    stats.consolidation = full->key;
    out.reserve(full->view.entries.size());
    for (const auto& e : full->view.entries) {
      auto rec = BackupRecordFromJson(e.record_json, table_.Subject(full->key));
      if (!rec.ok() || rec->backup_id != *IdOfName(e.name)) {
        problems_.Add(full->key + " (" + std::string(e.name) + ")",
                      "backup record skipped: " +
                          (rec.ok() ? std::string("record names another backup") : rec.status().message()));
        continue;
      }
      out.push_back(std::move(rec).value());
    }
    stats.from_consolidation = out.size();
  }
  std::vector<storage::ObjectInfo> rest;
  for (auto* objects : {&legacy, &segments}) {
    for (auto& o : *objects) {
      if (!full || full->view.Find(o.key) == nullptr) rest.push_back(std::move(o));
    }
  }
  full.reset();  // the body is no longer needed: its records are parsed
  size_t before = out.size();
  CV_RETURN_IF_ERROR(ReadEach(
      rest,
      [&](const storage::ObjectInfo& o, const std::string& id) { return ReadRecordAt(o.key, id, o.size); },
      problems_, &out));
  stats.one_by_one = out.size() - before;
  SortUnique(&out);
  std::lock_guard<std::mutex> lock(mu_);
  last_list_ = stats;
  return out;
}

Result<std::vector<BackupRecord>> Catalog::ListSlow() {
  if (table_.keys().format() == 1) return ListV1();
  std::vector<storage::ObjectInfo> segments, legacy;
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kCatalogSegment, &segments));
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kBackupRecord, &legacy));
  legacy.insert(legacy.end(), segments.begin(), segments.end());
  std::vector<BackupRecord> out;
  CV_RETURN_IF_ERROR(ReadEach(
      legacy,
      [&](const storage::ObjectInfo& o, const std::string& id) { return ReadRecordAt(o.key, id, o.size); },
      problems_, &out));
  SortUnique(&out);
  return out;
}

Result<Catalog::ConsolidateReport> Catalog::Consolidate() {
  if (table_.keys().format() != 2)
    return Status::NotSupported("catalog consolidation", "a format v1 vault has no consolidated catalog");
  ConsolidateReport report;
  // Started before the listing: a segment written after this is under a day List still lists.
  report.listed_at = Now();
  std::vector<storage::ObjectInfo> names, segments;
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kBackupRecord, &names));
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kCatalogSegment, &segments));
  names.insert(names.end(), segments.begin(), segments.end());  // backups/ sorts before catalog/
  segments.clear();
  CV_ASSIGN_OR_RETURN(std::optional<Consolidation> prev, NewestConsolidation());
  if (prev) {
    report.superseded = prev->key;
    // Up to date: it covers exactly what is listed, and its window (listed_at - 2 days) is still short.
    bool same = prev->view.entries.size() == names.size();
    for (size_t i = 0; same && i < names.size(); ++i) same = prev->view.entries[i].name == names[i].key;
    if (same && report.listed_at - prev->view.listed_at < kDay) {
      report.records = names.size();
      return report;
    }
  }
  ConsolidatedCatalogWriter writer(report.listed_at);
  for (const auto& o : names) {
    auto id = IdOfName(o.key);
    if (!id) continue;
    if (const ConsolidatedCatalogEntry* e = prev ? prev->view.Find(o.key) : nullptr) {
      CV_RETURN_IF_ERROR(writer.Add(o.key, e->record_json));
      ++report.reused;
      continue;
    }
    auto plain = table_.GetSealed(KindOfName(o.key), o.key, o.size);
    Status st = plain.status();
    if (plain.ok()) {
      auto rec = BackupRecordFromJson(AsText(*plain), table_.Subject(o.key));
      st = !rec.ok()               ? rec.status()
           : rec->backup_id != *id ? Status::Corruption(table_.Subject(o.key), "record names another backup")
                                   : Status::OK();
    }
    if (!st.ok()) {
      // Left out: `list` keeps reading (and reporting) it one by one, as it would without a consolidation.
      if (!IsObjectProblem(st)) return st;
      if (!st.IsNotFound()) problems_.Add(o.key, "backup record skipped: " + st.message());
      ++report.skipped;
      continue;
    }
    CV_RETURN_IF_ERROR(writer.Add(o.key, AsText(*plain)));
    ++report.fetched;
  }
  prev.reset();
  names.clear();
  names.shrink_to_fit();
  report.records = writer.count();
  std::vector<uint8_t> body = std::move(writer).Finish();
  std::array<uint8_t, 8> rnd{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
  std::string key = layout::ConsolidatedCatalogKey(report.listed_at, crypto::ToHex(rnd));
  // Create-only and atomic: a kill leaves no object or a whole one; List reads either way.
  CV_RETURN_IF_ERROR(table_.PutFramedAt(ObjectKind::kConsolidatedCatalog, key, body));
  report.key = key;
  report.bytes = body.size();
  return report;
}

Result<BackupRecord> Catalog::Load(const std::string& backup_id, KnownSize size) {
  if (!layout::IsValidBackupId(backup_id)) {
    return Status::InvalidArgument("backup id '" + backup_id + "'",
                                   "expected the form 20261125T141500Z-1a2b3c4d");
  }
  auto not_found = [&] { return Status::NotFound("backup " + backup_id, "not in this vault"); };
  if (table_.keys().format() == 1) {
    auto rec = ReadRecordAt(layout::BackupKey(backup_id), backup_id, size);
    if (!rec.ok() && rec.status().IsNotFound()) return not_found();
    return rec;
  }
  for (const auto& key : LikelyRecordKeys(backup_id)) {
    auto rec = ReadRecordAt(key, backup_id, std::nullopt);
    if (rec.ok() || !rec.status().IsNotFound()) return rec;
  }
  CV_ASSIGN_OR_RETURN(auto all, List());
  for (auto& r : all) {
    if (r.backup_id == backup_id) return std::move(r);
  }
  return not_found();
}

std::vector<std::string> Catalog::LikelyRecordKeys(const std::string& backup_id) {
  // Where it most likely is first: the segment of the day it started, then an older backups/ record, then
  // the days after (a backup that ran past midnight).
  const int64_t day = DayOfBackupId(backup_id);
  std::vector<std::string> keys = {layout::CatalogSegmentKey(day, backup_id), layout::BackupKey(backup_id)};
  for (int k = 1; k <= kLoadDaysAfter; ++k)
    keys.push_back(layout::CatalogSegmentKey(day + k * kDay, backup_id));
  return keys;
}

Result<std::string> Catalog::RecordKey(const std::string& backup_id) {
  if (table_.keys().format() == 1) return layout::BackupKey(backup_id);
  for (const auto& key : LikelyRecordKeys(backup_id)) {
    auto info = table_.store().Stat(key);
    if (info.ok()) return key;
    if (!info.status().IsNotFound()) return info.status();
  }
  std::vector<storage::ObjectInfo> segments;
  CV_RETURN_IF_ERROR(table_.List(ObjectKind::kCatalogSegment, &segments));
  for (const auto& o : segments) {
    if (o.key.size() > backup_id.size() && o.key.ends_with("/" + backup_id)) return o.key;
  }
  return Status::NotFound("backup " + backup_id, "has no record in this vault");
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
  if (table_.keys().format() == 2 && !record.node_id.empty()) {
    return table_.PutSealed(ObjectKind::kCatalogSegment, layout::CatalogSegmentKey(Now(), record.backup_id),
                            crypto::AsBytes(json));
  }
  return table_.PutSealed(ObjectKind::kBackupRecord, layout::BackupKey(record.backup_id),
                          crypto::AsBytes(json));
}

}  // namespace cv::vault
