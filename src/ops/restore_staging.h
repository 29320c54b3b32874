// src/ops/restore_staging.h — where a restore writes a file before renaming it into place.
//
// Below each data dir (or the target dir) a restore needs a directory on the same filesystem that
// nobody else can write: `<root>/.cassvault-restore`, owned by us and not writable by group or
// others (an existing one that is not is refused: the Cassandra account could have planted links
// in it), and inside it a fresh directory for this run ("<backup id>.XXXXXXXX", mkdtemp-like).
// Staging files are created there O_EXCL under names of our own choosing.
//
// Why not drop to the data dir owner's uid instead: a restore must also create files Cassandra
// cannot (the --target-dir of root, root-owned table dirs) and chown what it restores; per-thread
// setfsuid would leave the kernel to check permissions but still follow symlinks the owner
// planted. Holding directory fds and never following a link below the trusted root closes the hole
// for root and for every other caller alike.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "env/safe_dir.h"

namespace cv::ops {

class RestoreStaging {
 public:
  // `run_mode`: 0700, or 0711 in live mode so that the node can reach the import dirs inside.
  static Result<std::unique_ptr<RestoreStaging>> Open(const env::SafeDir& root, const std::string& backup_id,
                                                      mode_t run_mode);

  const env::SafeDir& run() const { return run_; }
  // A name for the next staging file, unique within this run.
  std::string NextName() { return "f" + std::to_string(next_++) + ".tmp"; }
  // Removes this run's directory and, if then empty, the staging root (never following a link).
  Status Remove();

 private:
  RestoreStaging(const env::SafeDir& root, env::SafeDir staging, env::SafeDir run);
  const env::SafeDir& root_;
  env::SafeDir staging_, run_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace cv::ops
