// bench/scale/synthetic_vault.h — builds a vault of a given shape (nodes x backups x blobs) through the
// real engine: every backup is a BackupSession that stores tiny random parts into one pack and commits a
// record naming its node, exactly as `cassvault backup` would, minus Cassandra. What it wrote (node ids,
// host ids, each node's last backup) goes into a shape file the probes and bench/scale/run read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/store_settings.h"
#include "core/manifest.h"
#include "core/result.h"
#include "crypto/key_slot.h"

namespace cv::scale {

struct Shape {
  int nodes = 3;
  int backups_per_node = 20;
  int blobs_per_node = 2000;
  int part_size = 128;       // bytes of each random part (tiny: the shape is about counts, not bytes)
  int refs_per_backup = 20;  // older blobs each backup's manifest names again (unchanged files)
  int threads = 2;           // nodes built at once, one opened vault each
};

struct NodeFacts {
  std::string node_id;  // the partition its first backup minted (ops/node_partition.h)
  std::string host_id, address, data_center, rack;
  std::string last_backup;  // the newest backup id of the node
  uint64_t blobs = 0;
};

struct BuiltVault {
  Shape shape;
  std::string vault_url;
  std::vector<NodeFacts> nodes;
  uint64_t backups = 0, blobs = 0;
  double seconds = 0;
};

// The node's Cassandra identity in the synthetic cluster (deterministic, so a rerun names the same nodes).
NodeFacts SyntheticNode(int index);

// What a backup of that node would read from Cassandra about it.
NodeInfo NodeInfoOf(const NodeFacts& node);

// Creates the vault (format v2, `secret`) at `url` and fills it. Progress lines go to stderr.
Result<BuiltVault> BuildVault(const std::string& url, const backends::StoreSettings& settings,
                              const crypto::KeySecret& secret, const Shape& shape);

// The shape file: JSON, written and read by the tool and by bench/scale/run.
Status WriteShapeFile(const std::string& path, const BuiltVault& built);
Result<BuiltVault> ReadShapeFile(const std::string& path);

}  // namespace cv::scale
