#include "bench/scale/synthetic_vault.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "backends/registry.h"
#include "bench/scale/start_up.h"
#include "core/manifest.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "storage/forwarding_store.h"
#include "vault/backup_session.h"
#include "vault/vault.h"

namespace cv::scale {
namespace {

// One store shared by every node's Vault (each Vault owns its store): two LocalStore instances in one
// process name their temporary files alike (.tmp-<pid>-<counter>) and collide, so the build opens one.
class SharedStore final : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
};

// Parts that never repeat: the node, the blob's number within it, then pseudo-random filler (they are
// sealed anyway; compression is not tried).
void FillPart(int node, uint64_t n, std::mt19937_64& rng, std::vector<uint8_t>* part) {
  for (size_t i = 0; i < part->size(); i += 8) {
    uint64_t x = rng();
    for (size_t j = 0; j < 8 && i + j < part->size(); ++j)
      (*part)[i + j] = static_cast<uint8_t>(x >> (8 * j));
  }
  for (size_t j = 0; j < 4 && j < part->size(); ++j) (*part)[j] = static_cast<uint8_t>(node >> (8 * j));
  for (size_t j = 0; j < 8 && 4 + j < part->size(); ++j) (*part)[4 + j] = static_cast<uint8_t>(n >> (8 * j));
}

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  (void)crypto::RandomBytes(b);
  return crypto::ToHex(b);
}

// One node's whole history, through one opened vault: backups_per_node sessions, each storing its share of
// the node's new blobs and naming some older ones again.
Status BuildNode(const std::shared_ptr<storage::ObjectStore>& store, const crypto::KeySecret& secret,
                 const Shape& shape, int64_t t0, int index, NodeFacts* node) {
  CV_ASSIGN_OR_RETURN(auto vault, vault::Vault::Open(std::make_unique<SharedStore>(store), secret));
  // The backup's own start-up: the node's alias (minted now, at its first backup), its partition, its index.
  CV_ASSIGN_OR_RETURN(StartedNode started, StartNode(*vault, *node, ""));
  node->node_id = started.node_id;
  auto codec = vault->NewCodec(1);
  std::mt19937_64 rng(std::hash<std::string>{}(node->node_id));
  std::vector<ObjectId> history;
  history.reserve(static_cast<size_t>(shape.blobs_per_node));
  std::vector<uint8_t> part(static_cast<size_t>(shape.part_size));
  const int per_backup = shape.blobs_per_node / shape.backups_per_node;
  const int extra = shape.blobs_per_node % shape.backups_per_node;
  for (int b = 0; b < shape.backups_per_node; ++b) {
    vault::BackupSession session(*vault);
    FileEntry file;
    file.path = "nb-" + std::to_string(b + 1) + "-big-Data.db";
    const int fresh = per_backup + (b < extra ? 1 : 0);
    for (int i = 0; i < fresh; ++i) {
      FillPart(index, history.size(), rng, &part);
      bool stored = false;
      CV_ASSIGN_OR_RETURN(ObjectId id, session.StorePart(*codec, part, false, &stored));
      file.blobs.push_back(id);
      file.size += part.size();
      history.push_back(id);
    }
    FileEntry old;
    old.path = "nb-0-big-Data.db";
    for (int i = 0; i < shape.refs_per_backup && history.size() > static_cast<size_t>(fresh); ++i) {
      old.blobs.push_back(history[rng() % (history.size() - static_cast<size_t>(fresh))]);
      old.size += part.size();
    }

    Manifest m;
    m.mode = "snapshot";
    m.started = t0 + b;  // hourly in real life; seconds apart here, so that every record is written today
    m.finished = m.started;
    m.tag = "scale-" + std::to_string(b);
    m.node = NodeInfoOf(*node);
    TableEntry table;
    table.keyspace = "ks";
    table.table = "t";
    table.id = "0123456789abcdef0123456789abcdef";
    table.schema_cql = "CREATE TABLE ks.t (k int PRIMARY KEY, v blob);";
    table.files.push_back(std::move(file));
    if (!old.blobs.empty()) table.files.push_back(std::move(old));
    m.tables.push_back(std::move(table));
    m.backup_id = layout::MakeBackupId(m.started, RandomHex(4));

    BackupRecord r = RecordOf(m);
    r.new_files = 1;
    r.new_bytes = static_cast<uint64_t>(fresh) * part.size();
    r.node_id = node->node_id;
    CV_ASSIGN_OR_RETURN(BackupRecord committed, session.Commit(m, std::move(r)));
    node->last_backup = committed.backup_id;
  }
  node->blobs = history.size();
  return Status::OK();
}

}  // namespace

NodeInfo NodeInfoOf(const NodeFacts& node) {
  NodeInfo n;
  n.host_id = node.host_id;
  n.address = node.address;
  n.cluster_name = "scale";
  n.data_center = node.data_center;
  n.rack = node.rack;
  n.partitioner = "org.apache.cassandra.dht.Murmur3Partitioner";
  n.data_file_directories = {"/var/lib/cassandra/data"};
  return n;
}

NodeFacts SyntheticNode(int index) {
  NodeFacts n;
  char host[40];
  std::snprintf(host, sizeof host, "00000000-0000-4000-8000-%012d", index);
  n.host_id = host;
  n.address = "10.0." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
  n.data_center = "dc" + std::to_string(index % 2 + 1);
  n.rack = "rack" + std::to_string(index % 3 + 1);
  return n;
}

Result<BuiltVault> BuildVault(const std::string& url, const backends::StoreSettings& settings,
                              const crypto::KeySecret& secret, const Shape& shape) {
  if (shape.nodes < 1 || shape.backups_per_node < 1 || shape.blobs_per_node < shape.backups_per_node ||
      shape.part_size < 16 || shape.threads < 1) {
    return Status::InvalidArgument("shape",
                                   "needs nodes >= 1, 1 <= backups <= blobs per node, part size >= 16");
  }
  const auto start = std::chrono::steady_clock::now();
  {
    CV_ASSIGN_OR_RETURN(auto store, backends::OpenStore(url, settings, true));
    CV_ASSIGN_OR_RETURN(auto v, vault::Vault::Init(std::move(store), secret));
    (void)v;
  }
  BuiltVault built;
  built.shape = shape;
  built.vault_url = url;
  for (int i = 0; i < shape.nodes; ++i) built.nodes.push_back(SyntheticNode(i));
  CV_ASSIGN_OR_RETURN(std::shared_ptr<storage::ObjectStore> store, backends::OpenStore(url, settings, false));
  // Backups a second apart and all in the past (retention keeps backups from the future whatever its rules).
  const int64_t t0 = static_cast<int64_t>(std::time(nullptr)) - shape.backups_per_node - 1;
  std::atomic<int> next{0}, done{0};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    for (int i = next++; i < shape.nodes; i = next++) {
      Status st = BuildNode(store, secret, shape, t0, i, &built.nodes[static_cast<size_t>(i)]);
      std::lock_guard<std::mutex> lock(mu);
      if (!st.ok() && first_error.ok()) first_error = st.Annotate("node " + std::to_string(i));
      if (!first_error.ok()) {
        next = shape.nodes;
        return;
      }
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "scale: node %d/%d built (%.0f s)\n", ++done, shape.nodes, s);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min(shape.threads, shape.nodes); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  CV_RETURN_IF_ERROR(first_error);
  for (const auto& n : built.nodes) built.blobs += n.blobs;
  built.backups = static_cast<uint64_t>(shape.nodes) * static_cast<uint64_t>(shape.backups_per_node);
  built.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return built;
}

Status WriteShapeFile(const std::string& path, const BuiltVault& built) {
  nlohmann::json j;
  j["vault_url"] = built.vault_url;
  j["nodes"] = built.shape.nodes;
  j["backups_per_node"] = built.shape.backups_per_node;
  j["blobs_per_node"] = built.shape.blobs_per_node;
  j["part_size"] = built.shape.part_size;
  j["refs_per_backup"] = built.shape.refs_per_backup;
  j["threads"] = built.shape.threads;
  j["backups"] = built.backups;
  j["blobs"] = built.blobs;
  j["build_seconds"] = built.seconds;
  j["node_list"] = nlohmann::json::array();
  for (const auto& n : built.nodes) {
    j["node_list"].push_back({{"node_id", n.node_id},
                              {"host_id", n.host_id},
                              {"address", n.address},
                              {"data_center", n.data_center},
                              {"rack", n.rack},
                              {"last_backup", n.last_backup},
                              {"blobs", n.blobs}});
  }
  std::ofstream f(path);
  f << j.dump(1) << "\n";
  f.close();
  if (!f) return Status::IOError(path, "cannot write the shape file");
  return Status::OK();
}

Result<BuiltVault> ReadShapeFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::NotFound(path, "no shape file; run `scale build` first");
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption(path, "not a shape file");
  BuiltVault b;
  try {
    b.vault_url = j.at("vault_url").get<std::string>();
    b.shape.nodes = j.at("nodes").get<int>();
    b.shape.backups_per_node = j.at("backups_per_node").get<int>();
    b.shape.blobs_per_node = j.at("blobs_per_node").get<int>();
    b.backups = j.at("backups").get<uint64_t>();
    b.blobs = j.at("blobs").get<uint64_t>();
    for (const auto& n : j.at("node_list")) {
      NodeFacts f2;
      f2.node_id = n.at("node_id").get<std::string>();
      f2.host_id = n.at("host_id").get<std::string>();
      f2.address = n.at("address").get<std::string>();
      f2.data_center = n.at("data_center").get<std::string>();
      f2.rack = n.at("rack").get<std::string>();
      f2.last_backup = n.at("last_backup").get<std::string>();
      f2.blobs = n.at("blobs").get<uint64_t>();
      b.nodes.push_back(std::move(f2));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(path, std::string("not a shape file: ") + e.what());
  }
  return b;
}

}  // namespace cv::scale
