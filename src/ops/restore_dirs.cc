#include "ops/restore_dirs.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

// The --target-dir may not exist yet: its missing levels are made 0700 below the deepest one that
// exists (which, like the rest of the operator's path, is trusted as given).
Result<env::SafeDir> OpenOrMakeTargetRoot(const std::string& target) {
  fs::path existing = fs::absolute(target).lexically_normal();
  std::string missing;
  std::error_code ec;
  while (!fs::exists(existing, ec) && existing.has_relative_path()) {
    missing = existing.filename().string() + (missing.empty() ? "" : "/" + missing);
    existing = existing.parent_path();
  }
  CV_ASSIGN_OR_RETURN(env::SafeDir base, env::SafeDir::OpenRoot(existing.string()));
  if (missing.empty()) return base;
  return base.MakeSub(missing, kTargetDirMode, std::nullopt);
}

Result<std::optional<env::Owner>> OwnerFor(const env::SafeDir& root, bool to_dir) {
  if (to_dir || ::geteuid() != 0) return std::optional<env::Owner>();
  CV_ASSIGN_OR_RETURN(struct stat st, root.Stat());
  return std::optional<env::Owner>(env::Owner{st.st_uid, st.st_gid});
}

}  // namespace

Status OpenRestoreDirs(RestorePlan& plan, RestoreDirs* dirs) {
  std::vector<const FileJob*> jobs;
  for (const auto* list : {&plan.small_jobs, &plan.data_jobs}) {
    for (const auto& j : *list) jobs.push_back(&j);
  }
  auto root = [&](const std::string& path) -> Result<const env::SafeDir*> {
    auto it = dirs->roots.find(path);
    if (it != dirs->roots.end()) return it->second.get();
    env::SafeDir d;
    if (plan.to_dir) {
      CV_ASSIGN_OR_RETURN(d, OpenOrMakeTargetRoot(path));
    } else {
      CV_ASSIGN_OR_RETURN(d, env::SafeDir::OpenRoot(path));
    }
    auto& slot = dirs->roots[path];
    slot = std::make_unique<env::SafeDir>(std::move(d));
    return slot.get();
  };
  for (const FileJob* j : jobs) {
    if (dirs->staging.count(j->staging_root)) continue;
    CV_ASSIGN_OR_RETURN(const env::SafeDir* r, root(j->staging_root));
    CV_ASSIGN_OR_RETURN(dirs->staging[j->staging_root],
                        RestoreStaging::Open(*r, plan.backup_id, plan.live ? 0711 : 0700));
  }
  for (const FileJob* j : jobs) {
    std::string key = j->root + "/" + j->rel_dir;
    if (dirs->dest.count(key)) continue;
    env::SafeDir made;
    if (plan.live) {
      // import/<ks> stay ours (0711, so the node can pass); the table dir is the node's to import from.
      CV_ASSIGN_OR_RETURN(const env::SafeDir* d0, root(j->staging_root));
      CV_ASSIGN_OR_RETURN(auto owner, OwnerFor(*d0, false));
      const env::SafeDir& run = dirs->staging.at(j->staging_root)->run();
      size_t ks_end = j->rel_dir.find('/', std::string("import/").size());
      CV_ASSIGN_OR_RETURN(env::SafeDir ks, run.MakeSub(j->rel_dir.substr(0, ks_end), 0711, std::nullopt));
      CV_ASSIGN_OR_RETURN(made, ks.MakeSub(j->rel_dir.substr(ks_end + 1), 0700, owner));
    } else {
      CV_ASSIGN_OR_RETURN(const env::SafeDir* r, root(j->root));
      CV_ASSIGN_OR_RETURN(auto owner, OwnerFor(*r, plan.to_dir));
      CV_ASSIGN_OR_RETURN(made, r->MakeSub(j->rel_dir, plan.to_dir ? kTargetDirMode : kDataDirMode, owner));
    }
    dirs->dest[key] = std::make_unique<env::SafeDir>(std::move(made));
  }
  if (plan.live) {
    for (auto& p : plan.tables) {
      const auto& stage = dirs->staging.begin()->second;
      p.import_dir = stage->run().Join(p.rel_dir);
      p.dest_dirs = {p.import_dir};
    }
  }
  return Status::OK();
}

void RemoveStaging(RestoreDirs* dirs) {
  // Best effort: what is left (a file held open elsewhere) is in a dir only we can write.
  for (auto& [path, stage] : dirs->staging) (void)stage->Remove();
  dirs->staging.clear();
}

}  // namespace cv::ops
