#include "ops/restore_load_plan.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "cassandra/sstable_name.h"
#include "core/safe_path.h"
#include "core/table_filter.h"
#include "core/vault_layout.h"
#include "ops/restore_plan.h"

namespace cv::ops {
namespace {

// A counter table's schema says so in a column type; schema.cql is what the backup captured.
bool SchemaHasCounter(const std::string& cql) {
  static const std::regex kCounterColumn(R"([\w"]\s+counter\s*[,)])", std::regex::icase);
  return std::regex_search(cql, kCounterColumn);
}

}  // namespace

Result<std::vector<BackupRecord>> SelectLoadBackups(vault::Vault& vault, const std::string& id_or_tag) {
  if (id_or_tag.empty())
    return Status::InvalidArgument("--backup", "required: a backup id or a tag (see `cassvault list`)");
  if (layout::IsValidBackupId(id_or_tag)) {
    CV_ASSIGN_OR_RETURN(BackupRecord r, vault.LoadRecord(id_or_tag));
    return std::vector<BackupRecord>{r};
  }
  CV_ASSIGN_OR_RETURN(auto all, vault.ListBackups());  // sorted by id: oldest first
  std::map<std::string, BackupRecord> newest;          // by host id
  std::set<std::string> clusters;
  for (auto& r : all) {
    if (r.tag != id_or_tag) continue;
    newest[r.host_id.empty() ? r.address : r.host_id] = r;
    clusters.insert(r.cluster_name);
  }
  if (newest.empty()) {
    return Status::NotFound("backup '" + id_or_tag + "'",
                            "no backup has this id or tag; `cassvault list` shows them");
  }
  if (clusters.size() > 1) {
    std::string list;
    for (const auto& c : clusters) list += (list.empty() ? "" : ", ") + c;
    return Status::InvalidArgument("tag '" + id_or_tag + "'", "is on backups of several clusters (" + list +
                                                                  "); name one backup id instead");
  }
  std::vector<BackupRecord> out;
  out.reserve(newest.size());
  for (auto& [host, r] : newest) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const BackupRecord& a, const BackupRecord& b) { return a.address < b.address; });
  return out;
}

Result<LoadPlan> PlanLoad(vault::Vault& vault, const RestoreOptions& o) {
  LoadPlan plan;
  CV_ASSIGN_OR_RETURN(plan.records, SelectLoadBackups(vault, o.backup));
  CV_ASSIGN_OR_RETURN(std::vector<Rename> renames, ParseRenames(o.renames));
  CV_ASSIGN_OR_RETURN(TableFilter filter, TableFilter::Make(o.includes, {}));
  for (const auto& r : plan.records) {
    CV_ASSIGN_OR_RETURN(Manifest m, vault.LoadManifest(r));
    plan.manifests.push_back(std::make_unique<Manifest>(std::move(m)));
  }
  std::map<std::pair<std::string, std::string>, LoadTable> tables;
  // Generations are renumbered per table across every node: 1, 2, ... in node then backup order.
  std::map<std::pair<std::string, std::string>, uint64_t> next_gen;
  for (const auto& m : plan.manifests) {
    for (const auto& t : m->tables) {
      // System keyspaces belong to the target cluster (its own schema, ring and roles): never streamed.
      if (TableFilter::IsSystemKeyspace(t.keyspace) || !filter.Matches(t.keyspace, t.table)) continue;
      CV_RETURN_IF_ERROR(CheckIdentifier(t.keyspace, "keyspace"));
      CV_RETURN_IF_ERROR(CheckIdentifier(t.table, "table"));
      auto key = std::make_pair(t.keyspace, t.table);
      LoadTable& lt = tables[key];
      if (lt.schema_from == nullptr) {
        lt.src_ks = t.keyspace;
        lt.src_table = t.table;
        std::tie(lt.ks, lt.table) = ApplyRenames(renames, t.keyspace, t.table);
        lt.schema_from = m.get();
        lt.schema_entry = &t;
        lt.is_counter = SchemaHasCounter(t.schema_cql);
      }
      lt.nodes++;
      std::map<std::string, std::string> gen_of;  // this backup's descriptor -> renumbered one
      for (const auto& f : t.files) {
        CV_RETURN_IF_ERROR(CheckRelativeFilePath(f.path));
        // Top-level components only: legacy secondary index dirs (".idx/") are rebuilt by the nodes that
        // receive the rows.
        if (f.path.find('/') != std::string::npos) continue;
        auto n = cassandra::SSTableName::Parse(f.path);
        if (!n) continue;  // schema.cql, manifest.json
        auto it = gen_of.find(n->Descriptor());
        if (it == gen_of.end()) {
          it = gen_of
                   .emplace(n->Descriptor(),
                            n->version + "-" + std::to_string(++next_gen[key]) + "-" + n->format)
                   .first;
        }
        lt.files.push_back({&f, it->second + "-" + n->component, n->component == "Data.db"});
        lt.bytes += f.size;
      }
    }
  }
  for (const auto& inc : o.includes) {
    auto one = TableFilter::Make({inc}, {});
    bool any = std::any_of(tables.begin(), tables.end(),
                           [&](const auto& kv) { return one->Matches(kv.first.first, kv.first.second); });
    if (!any) {
      return Status::NotFound("'" + inc + "'",
                              "is not a user table in backup " + o.backup +
                                  " (`cassvault restore --mode load --dry-run` shows what it holds)");
    }
  }
  if (tables.empty()) return Status::NotFound("backup " + o.backup, "holds no user table to load");
  std::set<std::pair<std::string, std::string>> dests;
  for (auto& [key, t] : tables) {
    if (!dests.insert({t.ks, t.table}).second) {
      return Status::InvalidArgument("--rename", "loads two tables into " + t.ks + "." + t.table);
    }
    std::stable_partition(t.files.begin(), t.files.end(), [](const LoadFile& f) { return !f.is_data; });
    plan.tables.push_back(std::move(t));
  }
  return plan;
}

}  // namespace cv::ops
