// src/ops/load_journal.h — which tables a `restore --mode load` has finished, so that a rerun after a kill
// skips them and loads only the rest (the table that was interrupted is loaded again from the start).
//
// One file per load: `<staging dir>/.cassvault-restore/load-<16 hex>.journal`, named by a hash of what makes
// two loads the same (the backup ids and the target's contact points), its first line that identity in
// full. Each finished table appends one line and is synced before the next table starts. The journal stays
// after a complete load: running the same load again then loads nothing, rather than everything twice.
#pragma once

#include <set>
#include <string>

#include "core/result.h"
#include "env/safe_dir.h"

namespace cv::ops {

class LoadJournal {
 public:
  // Opens or creates the journal of `identity` in `dir` (a private directory, see restore_staging.h).
  // FailedPrecondition when a journal of that name holds another identity or lines it does not know.
  // `create` false (a dry run): a missing journal is read as empty and nothing is written.
  static Result<LoadJournal> Open(const env::SafeDir& dir, const std::string& identity, bool create = true);

  bool Done(const std::string& entry) const { return done_.count(entry) > 0; }
  // Appends `entry` ("ks.t -> ks2.t2") and syncs it.
  Status MarkDone(const std::string& entry);
  const std::string& path() const { return path_; }
  size_t size() const { return done_.size(); }

 private:
  LoadJournal(const env::SafeDir& dir, std::string name, std::string path)
      : dir_(&dir), name_(std::move(name)), path_(std::move(path)) {}
  const env::SafeDir* dir_;
  std::string name_, path_;
  std::set<std::string> done_;
};

}  // namespace cv::ops
