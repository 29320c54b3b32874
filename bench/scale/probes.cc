#include "bench/scale/probes.h"

#include <sys/resource.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "backends/registry.h"
#include "bench/scale/start_up.h"
#include "core/vault_layout.h"
#include "http/http_client.h"
#include "storage/counting_store.h"
#include "vault/vault.h"

namespace cv::scale {
namespace {

// The folders partitioned by node id (core/vault_layout.h: PartitionPrefix).
constexpr std::string_view kFamilies[] = {"index/", "packs/", "index-full/"};

// Whether a request reached into another node's partition: a LIST of a whole family (which covers every
// node's folder) or of another node's folder, or a read of an object in another node's folder or in the
// unpartitioned space (which any node may have written).
bool Foreign(const storage::CountingStore::Request& r, const std::string& own) {
  for (std::string_view family : kFamilies) {
    std::string_view key = r.key;
    if (r.op == 'L' && family.starts_with(key)) return true;
    if (!key.starts_with(family)) continue;
    std::string_view rest = key.substr(family.size());
    if (rest.empty()) return true;
    std::string_view node = rest.substr(0, rest.find('/'));
    if (rest.size() > 16 && rest[16] == '/' && layout::IsValidNodeId(node)) return node != own;
    return true;  // the unpartitioned shape: index/<64 hex>, packs/<2 hex>/<64 hex>
  }
  return false;
}

struct Probe {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  uint64_t http_before = http::RequestsSent().requests;
  uint64_t pages_before = http::RequestsSent().list_pages;
};

nlohmann::json Finish(const Probe& p, const storage::CountingStore& counted, const std::string& own) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.start).count();
  const storage::RequestCounts c = counted.counts();
  const http::SentCounts sent = http::RequestsSent();
  const uint64_t http = sent.requests - p.http_before;
  const uint64_t pages = http > 0 ? sent.list_pages - p.pages_before : c.lists;
  uint64_t foreign = 0;
  nlohmann::json examples = nlohmann::json::array(), log = nlohmann::json::array();
  const auto requests = counted.Log();
  for (const auto& r : requests) {
    // Every request, when they are few (what a start-up costs, and where to cut it); else the first 50.
    if (log.size() < 50) log.push_back(std::string(1, r.op) + " " + r.key);
    if (!Foreign(r, own)) continue;
    ++foreign;
    if (examples.size() < 5) examples.push_back(std::string(1, r.op) + " " + r.key);
  }
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return {{"seconds", seconds},
          {"puts", c.puts},
          {"gets", c.gets},
          {"stats", c.stats},
          {"lists", c.lists},
          {"list_pages", pages},
          {"deletes", c.deletes},
          {"listed_keys", c.listed_keys},
          {"requests", c.puts + c.gets + c.stats + pages + c.deletes},
          {"http_requests", http},
          {"foreign_requests", foreign},
          {"foreign_examples", examples},
          {"request_log", log},
          {"max_rss_kib", ru.ru_maxrss}};
}

// The vault through a logging CountingStore (the probe keeps a handle on it to read the counts).
Result<std::unique_ptr<vault::Vault>> OpenCounted(const BuiltVault& shape,
                                                  const backends::StoreSettings& settings,
                                                  const crypto::KeySecret& secret,
                                                  storage::CountingStore** counted) {
  CV_ASSIGN_OR_RETURN(auto store, backends::OpenStore(shape.vault_url, settings, false));
  auto wrapped = std::make_unique<storage::CountingStore>(std::move(store), true);
  *counted = wrapped.get();
  return vault::Vault::Open(std::move(wrapped), secret);
}

Result<const NodeFacts*> Node(const BuiltVault& shape, int index) {
  if (index < 0 || static_cast<size_t>(index) >= shape.nodes.size()) {
    return Status::InvalidArgument("--node " + std::to_string(index),
                                   "the shape has " + std::to_string(shape.nodes.size()) + " nodes");
  }
  return &shape.nodes[static_cast<size_t>(index)];
}

}  // namespace

Result<ProbeReport> ProbeStartup(const BuiltVault& shape, int index, const backends::StoreSettings& settings,
                                 const crypto::KeySecret& secret, const std::string& cache_dir) {
  CV_ASSIGN_OR_RETURN(const NodeFacts* node, Node(shape, index));
  Probe p;
  storage::CountingStore* counted = nullptr;
  CV_ASSIGN_OR_RETURN(auto vault, OpenCounted(shape, settings, secret, &counted));
  // What `cassvault backup` does before it stores anything (start_up.h: the same function): find the
  // partition through its alias, then load that partition's index, with the local index cache in `cache_dir`.
  CV_ASSIGN_OR_RETURN(StartedNode partition, StartNode(*vault, *node, cache_dir));
  nlohmann::json j = Finish(p, *counted, node->node_id);
  if (partition.minted || partition.node_id != node->node_id) {
    return Status::Corruption("node " + node->host_id, "its start-up minted a new partition (" +
                                                           partition.node_id + ") instead of finding " +
                                                           node->node_id);
  }
  j["probe"] = "startup";
  j["node"] = index;
  j["partition"] = vault->partition();
  j["blobs_loaded"] = vault->BlobCount();
  j["node_blobs"] = node->blobs;
  return j.dump();
}

Result<ProbeReport> ProbeRestorePlan(const BuiltVault& shape, int index,
                                     const backends::StoreSettings& settings,
                                     const crypto::KeySecret& secret) {
  CV_ASSIGN_OR_RETURN(const NodeFacts* node, Node(shape, index));
  Probe p;
  storage::CountingStore* counted = nullptr;
  CV_ASSIGN_OR_RETURN(auto vault, OpenCounted(shape, settings, secret, &counted));
  CV_ASSIGN_OR_RETURN(BackupRecord record, vault->ResolveBackup(node->last_backup, "", ""));
  CV_ASSIGN_OR_RETURN(Manifest manifest, vault->LoadManifest(record));
  CV_RETURN_IF_ERROR(vault->UsePartition(record.node_id));
  CV_RETURN_IF_ERROR(vault->LoadIndex());
  uint64_t named = 0;
  for (const auto& t : manifest.tables) {
    for (const auto& f : t.files) {
      for (const auto& id : f.blobs) {
        ++named;
        if (!vault->FindBlob(id)) {
          return Status::Corruption("backup " + record.backup_id, "names a blob its partition's index lacks");
        }
      }
    }
  }
  nlohmann::json j = Finish(p, *counted, node->node_id);
  j["probe"] = "restore_plan";
  j["node"] = index;
  j["backup"] = record.backup_id;
  j["record_node_id"] = record.node_id;
  j["blobs_named"] = named;
  j["blobs_loaded"] = vault->BlobCount();
  return j.dump();
}

}  // namespace cv::scale
