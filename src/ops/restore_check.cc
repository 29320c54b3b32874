#include "ops/restore_check.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <map>

#include "core/format_compat.h"
#include "env/safe_dir.h"
#include "ops/restore_files.h"
#include "ops/restore_tokens.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

// Directory entries, inodes, the staging dirs: a small fixed allowance on top of the file blocks.
constexpr uint64_t kHeadroomBytes = 64u << 10;

struct Need {
  std::string shown;  // a path on the filesystem, for the message
  uint64_t bytes = 0;
};

// The destination dir of a file, opened without following links; nullopt when it does not exist
// yet or cannot be opened safely (the write step then reports why).
std::optional<env::SafeDir> OpenDest(const std::string& root, const std::string& rel) {
  if (root.empty()) return std::nullopt;  // live: this run's import dir, made later
  auto r = env::SafeDir::OpenRoot(root);
  if (!r.ok()) return std::nullopt;
  auto d = r->OpenSub(rel);
  if (!d.ok()) return std::nullopt;
  return std::move(d).value();
}

}  // namespace

std::set<std::string> RestoredKeyspaces(const RestorePlan& plan) {
  std::set<std::string> ks;
  for (const auto& p : plan.tables) ks.insert(p.source->keyspace);
  return ks;
}

Status CheckNodeCanTake(const Manifest& manifest, const RestorePlan& plan,
                        const std::set<std::string>& keyspaces, bool ignore_gc_grace,
                        std::vector<std::string>* plan_lines) {
  CV_RETURN_IF_ERROR(CheckRestoreAge(manifest, keyspaces, ignore_gc_grace, plan_lines));
  std::vector<const TableEntry*> sources;
  sources.reserve(plan.tables.size());
  for (const auto& p : plan.tables) sources.push_back(p.source);
  return CheckSSTableFormats(sources, plan.node.storage_compatibility_mode, "node " + plan.node.yaml_path);
}

Status CheckRestoreSpace(vault::Vault& vault, RestorePlan& plan) {
  auto codec = vault.NewCodec();
  std::map<std::string, std::optional<env::SafeDir>> dirs;  // by dest dir path
  std::map<unsigned long, Need> per_fs;                     // by filesystem id
  for (const auto& p : plan.tables) {
    for (const auto& f : p.source->files) {
      size_t i = static_cast<size_t>(f.data_dir) % p.dest_dirs.size();
      std::string rel = DestName(p, f);
      size_t slash = rel.rfind('/');
      std::string sub = slash == std::string::npos ? "" : "/" + rel.substr(0, slash);
      std::string name = rel.substr(slash == std::string::npos ? 0 : slash + 1);
      auto it = dirs.find(p.dest_dirs[i] + sub);
      if (it == dirs.end())
        it = dirs.emplace(p.dest_dirs[i] + sub, OpenDest(p.dest_roots[i], p.rel_dir + sub)).first;
      if (it->second && HoldsContent(vault, *codec, f, *it->second, name)) {
        plan.in_place.insert(&f);  // the write step skips it
        continue;
      }
      fs::path probe = p.dest_dirs[i];
      std::error_code ec;
      while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
      struct statvfs sv {};
      if (::statvfs(probe.c_str(), &sv) != 0) continue;
      Need& n = per_fs[sv.f_fsid];
      if (n.shown.empty()) n.shown = probe.string();
      uint64_t block = sv.f_frsize ? sv.f_frsize : 4096;
      n.bytes += (f.size + block - 1) / block * block;
    }
  }
  for (const auto& [fsid, need] : per_fs) {
    struct statvfs sv {};
    if (::statvfs(need.shown.c_str(), &sv) != 0) continue;
    uint64_t avail = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
    if (need.bytes + kHeadroomBytes > avail) {
      return Status::ResourceExhausted(
          "restore into " + need.shown,
          "needs " + std::to_string(need.bytes + kHeadroomBytes) + " bytes (" + std::to_string(need.bytes) +
              " still to write, in whole blocks, and " + std::to_string(kHeadroomBytes) + " headroom) but " +
              std::to_string(avail) + " are free; free space or restore fewer tables. Nothing was changed");
    }
  }
  return Status::OK();
}

}  // namespace cv::ops
