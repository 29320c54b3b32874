// src/cassandra/snapshot_clear.h — clearing one snapshot tag by deleting its directories, without
// starting nodetool's JVM (~1 CPU-second on a node that is serving traffic).
//
// Why a file delete is a full clear on Cassandra 5.0: see snapshot_clear.cc.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace cv::cassandra {

// A tag the clear accepts: [A-Za-z0-9_-]+, not starting with '-'. Never empty: an empty tag would
// mean "every snapshot" to nodetool, and there is no wildcard here.
bool IsSnapshotTag(const std::string& tag);

struct SnapshotDirs {
  // `<data_dir>/<ks>/<table dir>/snapshots/<tag>` directories reached without following a symlink.
  std::vector<std::string> found;
  // Places that may hold the tag but lie behind a symlink (a keyspace or table dir moved to another
  // disk, a symlinked snapshots/ or tag entry): not touched here, so the caller clears through nodetool.
  std::vector<std::string> behind_symlinks;
};

// Where snapshot `tag` has directories in `data_dirs` (a data dir itself is trusted as configured;
// nothing below it is followed through a symlink). InvalidArgument for a bad tag.
Result<SnapshotDirs> FindSnapshotDirs(const std::vector<std::string>& data_dirs, const std::string& tag);

// Removes every directory FindSnapshotDirs finds, `.index` sub-dirs included, never following a
// symlink; `*dirs` says what was found. The first removal error (PermissionDenied when cassvault does
// not run as the files' owner) is returned after trying the others. A tag behind a symlink is left
// alone and listed in `dirs->behind_symlinks`: not an error here, but not cleared either.
Status ClearSnapshotFiles(const std::vector<std::string>& data_dirs, const std::string& tag,
                          SnapshotDirs* dirs);

}  // namespace cv::cassandra
