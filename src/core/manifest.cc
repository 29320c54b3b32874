#include "core/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

namespace cv {
namespace {

using nlohmann::json;

json IdsToJson(const std::vector<ObjectId>& ids) {
  json a = json::array();
  for (const auto& id : ids) a.push_back(IdToHex(id));
  return a;
}

// A member that must be a JSON integer within T's range. nlohmann's get<T>() casts a float or a wider
// integer without a check (undefined behaviour for a float out of range), and these documents come from
// the store.
template <typename T>
T IntMember(const json& obj, const char* key) {
  const json& v = obj.at(key);
  if (v.is_number_unsigned()) {
    if (auto u = v.get<uint64_t>(); std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    if (auto i = v.get<int64_t>(); std::in_range<T>(i)) return static_cast<T>(i);
  }
  throw std::runtime_error(std::string("\"") + key + "\" is not an integer in range");
}

std::vector<ObjectId> IdsFromJson(const json& a) {
  std::vector<ObjectId> ids;
  for (const auto& s : a) {
    auto id = IdFromHex(s.get<std::string>());
    if (!id) throw std::runtime_error("malformed object id");
    ids.push_back(*id);
  }
  return ids;
}

json MembersToJson(const std::vector<ClusterMember>& members) {
  json a = json::array();
  for (const auto& m : members) {
    a.push_back(
        {{"host_id", m.host_id}, {"address", m.address}, {"data_center", m.data_center}, {"rack", m.rack}});
  }
  return a;
}

std::vector<ClusterMember> MembersFromJson(const json& a) {
  if (!a.is_array()) throw std::runtime_error("\"members\" is not a list");
  std::vector<ClusterMember> out;
  for (const auto& m : a) {
    out.push_back({m.at("host_id").get<std::string>(), m.value("address", ""), m.value("data_center", ""),
                   m.value("rack", "")});
  }
  return out;
}

bool IsHex16(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::vector<ClusterMember> NormaliseMembers(std::vector<ClusterMember> members) {
  std::stable_sort(members.begin(), members.end(),
                   [](const ClusterMember& a, const ClusterMember& b) { return a.host_id < b.host_id; });
  std::vector<ClusterMember> out;
  for (auto& m : members) {
    if (m.host_id.empty() || (!out.empty() && out.back().host_id == m.host_id)) continue;
    out.push_back(std::move(m));
  }
  return out;
}

uint64_t TableEntry::Bytes() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

std::string ManifestToJson(const Manifest& m) {
  json j;
  j["version"] = m.version;
  j["backup_id"] = m.backup_id;
  j["tag"] = m.tag;
  j["mode"] = m.mode;
  j["started"] = m.started;
  j["finished"] = m.finished;
  const auto& n = m.node;
  j["node"] = {{"host_id", n.host_id},
               {"address", n.address},
               {"cluster_name", n.cluster_name},
               {"data_center", n.data_center},
               {"rack", n.rack},
               {"partitioner", n.partitioner},
               {"release_version", n.release_version},
               {"tokens", n.tokens},
               {"storage_compatibility_mode", n.storage_compatibility_mode},
               {"sstable_format", n.sstable_format},
               {"data_file_directories", n.data_file_directories}};
  if (!n.cluster_id.empty()) j["node"]["cluster_id"] = n.cluster_id;
  if (!n.members.empty()) j["node"]["members"] = MembersToJson(n.members);
  j["keyspaces"] = json::array();
  for (const auto& k : m.keyspaces) {
    j["keyspaces"].push_back(
        {{"name", k.name}, {"create_keyspace", k.create_keyspace}, {"create_types", k.create_types}});
  }
  j["tables"] = json::array();
  for (const auto& t : m.tables) {
    json files = json::array();
    for (const auto& f : t.files) {
      files.push_back({{"path", f.path},
                       {"data_dir", f.data_dir},
                       {"size", f.size},
                       {"mode", f.mode},
                       {"mtime_ns", f.mtime_ns},
                       {"blobs", IdsToJson(f.blobs)}});
    }
    j["tables"].push_back({{"keyspace", t.keyspace},
                           {"table", t.table},
                           {"id", t.id},
                           {"schema_cql", t.schema_cql},
                           {"files", std::move(files)}});
  }
  return j.dump();
}

Result<Manifest> ManifestFromJson(std::string_view text, std::string_view subject) {
  try {
    json j = json::parse(text);
    Manifest m;
    m.version = IntMember<int>(j, "version");
    if (m.version != 1) return Status::NotSupported(subject, "manifest version " + std::to_string(m.version));
    m.backup_id = j.at("backup_id").get<std::string>();
    m.tag = j.at("tag").get<std::string>();
    m.mode = j.at("mode").get<std::string>();
    m.started = IntMember<int64_t>(j, "started");
    m.finished = IntMember<int64_t>(j, "finished");
    const json& n = j.at("node");
    m.node.host_id = n.at("host_id").get<std::string>();
    m.node.address = n.at("address").get<std::string>();
    m.node.cluster_name = n.at("cluster_name").get<std::string>();
    m.node.data_center = n.at("data_center").get<std::string>();
    m.node.rack = n.at("rack").get<std::string>();
    m.node.partitioner = n.at("partitioner").get<std::string>();
    m.node.release_version = n.at("release_version").get<std::string>();
    m.node.tokens = n.at("tokens").get<std::vector<std::string>>();
    m.node.storage_compatibility_mode = n.at("storage_compatibility_mode").get<std::string>();
    m.node.sstable_format = n.at("sstable_format").get<std::string>();
    m.node.data_file_directories = n.at("data_file_directories").get<std::vector<std::string>>();
    m.node.cluster_id = n.value("cluster_id", "");
    if (!m.node.cluster_id.empty() && !IsHex16(m.node.cluster_id))
      return Status::Corruption(subject, "malformed cluster id");
    if (n.contains("members")) m.node.members = MembersFromJson(n.at("members"));
    for (const auto& k : j.at("keyspaces")) {
      m.keyspaces.push_back({k.at("name").get<std::string>(), k.at("create_keyspace").get<std::string>(),
                             k.at("create_types").get<std::vector<std::string>>()});
    }
    for (const auto& t : j.at("tables")) {
      TableEntry te;
      te.keyspace = t.at("keyspace").get<std::string>();
      te.table = t.at("table").get<std::string>();
      te.id = t.at("id").get<std::string>();
      te.schema_cql = t.at("schema_cql").get<std::string>();
      for (const auto& f : t.at("files")) {
        FileEntry fe;
        fe.path = f.at("path").get<std::string>();
        fe.data_dir = IntMember<int>(f, "data_dir");
        fe.size = IntMember<uint64_t>(f, "size");
        fe.mode = IntMember<uint32_t>(f, "mode");
        fe.mtime_ns = IntMember<int64_t>(f, "mtime_ns");
        fe.blobs = IdsFromJson(f.at("blobs"));
        te.files.push_back(std::move(fe));
      }
      m.tables.push_back(std::move(te));
    }
    return m;
  } catch (const std::exception& e) {
    return Status::Corruption(subject, std::string("malformed manifest: ") + e.what());
  }
}

BackupRecord RecordOf(const Manifest& m) {
  BackupRecord r;
  r.backup_id = m.backup_id;
  r.tag = m.tag;
  r.mode = m.mode;
  r.cluster_name = m.node.cluster_name;
  r.host_id = m.node.host_id;
  r.address = m.node.address;
  r.data_center = m.node.data_center;
  r.rack = m.node.rack;
  r.cluster_id = m.node.cluster_id;
  r.members = m.node.members;
  r.started = m.started;
  r.finished = m.finished;
  r.tables = m.tables.size();
  for (const auto& t : m.tables) {
    r.files += t.files.size();
    r.bytes += t.Bytes();
  }
  return r;
}

std::string BackupRecordToJson(const BackupRecord& r) {
  json j = {{"version", r.version},
            {"backup_id", r.backup_id},
            {"tag", r.tag},
            {"mode", r.mode},
            {"cluster_name", r.cluster_name},
            {"host_id", r.host_id},
            {"address", r.address},
            {"data_center", r.data_center},
            {"rack", r.rack},
            {"started", r.started},
            {"finished", r.finished},
            {"files", r.files},
            {"bytes", r.bytes},
            {"new_files", r.new_files},
            {"new_bytes", r.new_bytes},
            {"stored_bytes", r.stored_bytes},
            {"tables", r.tables},
            {"manifest", IdToHex(r.manifest_id)},
            {"index", IdsToJson(r.index_ids)}};
  if (r.version >= 2) j["content_key"] = IdToHex(r.content_key);
  if (!r.node_id.empty()) j["node_id"] = r.node_id;
  // Written only when known, so that a record of a backup without them reads back byte for byte.
  if (!r.cluster_id.empty()) j["cluster_id"] = r.cluster_id;
  if (!r.members.empty()) j["members"] = MembersToJson(r.members);
  return j.dump();
}

Result<BackupRecord> BackupRecordFromJson(std::string_view text, std::string_view subject) {
  try {
    json j = json::parse(text);
    BackupRecord r;
    r.version = IntMember<int>(j, "version");
    if (r.version != 1 && r.version != 2)
      return Status::NotSupported(subject, "backup record version " + std::to_string(r.version));
    r.backup_id = j.at("backup_id").get<std::string>();
    r.tag = j.at("tag").get<std::string>();
    r.mode = j.at("mode").get<std::string>();
    r.cluster_name = j.at("cluster_name").get<std::string>();
    r.host_id = j.at("host_id").get<std::string>();
    r.address = j.at("address").get<std::string>();
    r.data_center = j.at("data_center").get<std::string>();
    r.rack = j.at("rack").get<std::string>();
    r.started = IntMember<int64_t>(j, "started");
    r.finished = IntMember<int64_t>(j, "finished");
    r.files = IntMember<uint64_t>(j, "files");
    r.bytes = IntMember<uint64_t>(j, "bytes");
    r.new_files = IntMember<uint64_t>(j, "new_files");
    r.new_bytes = IntMember<uint64_t>(j, "new_bytes");
    r.stored_bytes = IntMember<uint64_t>(j, "stored_bytes");
    r.tables = IntMember<uint64_t>(j, "tables");
    auto mid = IdFromHex(j.at("manifest").get<std::string>());
    if (!mid) return Status::Corruption(subject, "malformed manifest id");
    r.manifest_id = *mid;
    r.index_ids = IdsFromJson(j.at("index"));
    if (r.version == 2) {
      auto ck = IdFromHex(j.at("content_key").get<std::string>());
      if (!ck) return Status::Corruption(subject, "malformed content key id");
      r.content_key = *ck;
      if (j.contains("node_id")) {
        r.node_id = j.at("node_id").get<std::string>();
        // It becomes part of object names: nothing but a node id may pass.
        if (!layout::IsValidNodeId(r.node_id)) return Status::Corruption(subject, "malformed node id");
      }
    }
    // Records older than cluster ids have neither: they read as unknown (empty).
    r.cluster_id = j.value("cluster_id", "");
    if (!r.cluster_id.empty() && !IsHex16(r.cluster_id))
      return Status::Corruption(subject, "malformed cluster id");
    if (j.contains("members")) r.members = MembersFromJson(j.at("members"));
    return r;
  } catch (const std::exception& e) {
    return Status::Corruption(subject, std::string("malformed backup record: ") + e.what());
  }
}

}  // namespace cv
