// src/ops/takeover_hint.h — the local hint a replacement node leaves for its next backup
// (docs/vault-format.md, "Partitions"): after `restore --from-node OLD` or `--node-map` succeeds, the file
// <cache_dir>/<vault id>.takeover holds the restored backup's node id. The node's next backup, finding no
// alias for its own host id, takes over that partition (it deduplicates against what OLD stored instead of
// uploading everything again), records takes_over in its alias, and removes the hint.
//
// The file is owner-only (0600 in a 0700 directory, like the file cache): it names a partition, nothing
// secret, but only the node's own cassvault may steer which partition its backups use.
#pragma once

#include <string>

#include "core/result.h"

namespace cv::ops {

std::string TakeoverHintPath(const std::string& cache_dir, const std::string& vault_id);
// Replaces any earlier hint. InvalidArgument for a malformed vault or node id.
Status WriteTakeoverHint(const std::string& cache_dir, const std::string& vault_id,
                         const std::string& node_id);
// The node id the hint names, "" when there is none. InvalidArgument naming the file (and saying to remove
// it) when it holds anything but a node id, or is not a private regular file.
Result<std::string> ReadTakeoverHint(const std::string& cache_dir, const std::string& vault_id);
// OK when there is none.
Status RemoveTakeoverHint(const std::string& cache_dir, const std::string& vault_id);

}  // namespace cv::ops
