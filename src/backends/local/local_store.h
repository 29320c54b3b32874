// src/backends/local/local_store.h — a vault in a local directory (the embedded default).
//
// Create-only atomic writes the POSIX way: write a temporary file beside the target, fsync it, then
// link(2) it to the final name (link fails with EEXIST where rename would silently replace), fsync
// the directory, unlink the temporary. A crash leaves at worst a `.tmp-*` file, which List ignores.
// Objects of 1 MiB and more (packs) are written with O_DIRECT, past the page cache (direct_io.h).
//
// A directory enforces no retention: ProbeLocks says so, SetLock is NotSupported, and cassvault's own rules
// (signed locks, admin-only prune) are the only lock. ObjectInfo::modified is the file's mtime.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace cv::backends {

// `root` must exist unless `create` is set (then it and its parents are made, mode 0700).
Result<std::unique_ptr<storage::ObjectStore>> OpenLocalStore(const std::string& root, bool create);

}  // namespace cv::backends
