#include "ops/restore_tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

#include "cassandra/yaml_edit.h"
#include "core/gc_grace.h"
#include "core/node_map.h"
#include "core/restore_advice.h"
#include "core/table_filter.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;

// The directories that may hold the system keyspace (4.0+ can keep it apart from the data).
std::vector<std::string> SystemDirs(const cassandra::NodeConfig& node) {
  std::vector<std::string> dirs = node.data_file_directories;
  if (!node.local_system_data_file_directory.empty()) dirs.push_back(node.local_system_data_file_directory);
  return dirs;
}

// system.local's table directories (`system/local-<id>`), where the node stores its host id and tokens.
std::vector<fs::path> SystemLocalDirs(const cassandra::NodeConfig& node) {
  std::vector<fs::path> out;
  for (const auto& d : SystemDirs(node)) {
    std::error_code ec;
    for (fs::directory_iterator it(fs::path(d) / "system", ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename().string().starts_with("local-")) out.push_back(it->path());
    }
  }
  return out;
}

bool HasFileMatching(const fs::path& dir, const std::string& suffix, const std::string& prefix = "") {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.ends_with(suffix) && n.starts_with(prefix)) return true;
  }
  return false;
}

// A node that has never started (or whose directories were emptied) has no system.local and no
// commit log: its first start takes the tokens cassandra.yaml names. Anything else keeps its tokens.
// The backup's own system.local files, left by an interrupted run of this restore, do not count.
bool IsFresh(const cassandra::NodeConfig& node, const Manifest& m) {
  std::set<std::pair<std::string, uint64_t>> ours;
  for (const auto& t : m.tables) {
    if (t.keyspace != "system" || t.table != "local") continue;
    for (const auto& f : t.files) ours.insert({f.path, f.size});
  }
  for (const auto& d : SystemLocalDirs(node)) {
    std::error_code ec;
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
      std::string n = it->path().filename().string();
      if (!n.ends_with("-Data.db")) continue;
      if (!ours.count({n, static_cast<uint64_t>(fs::file_size(it->path(), ec))})) return false;
    }
  }
  if (!node.commitlog_directory.empty() && HasFileMatching(node.commitlog_directory, ".log", "CommitLog-"))
    return false;
  return true;
}

// The system keyspace is created on a node's first start: if it was born after the backup began, the
// node was set up again since, and allocated new tokens. Unknown (false) where the filesystem keeps
// no birth time.
bool SystemYoungerThan(const cassandra::NodeConfig& node, int64_t unix_seconds) {
  for (const auto& d : SystemLocalDirs(node)) {
    struct statx sx {};
    if (::statx(AT_FDCWD, d.c_str(), 0, STATX_BTIME, &sx) != 0 || !(sx.stx_mask & STATX_BTIME)) continue;
    if (static_cast<int64_t>(sx.stx_btime.tv_sec) > unix_seconds) return true;
  }
  return false;
}

Status WriteFileLike(const std::string& path, const std::string& text, const std::string& like) {
  struct stat sb {};
  if (::stat(like.c_str(), &sb) != 0) return Status::FromErrno(errno, like, "stat");
  std::string tmp = path + ".cassvault-tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, sb.st_mode & 07777);
  if (fd < 0) return Status::FromErrno(errno, tmp, "create");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fchmod(fd, sb.st_mode & 07777) == 0 && ::fsync(fd) == 0;
  if (ok && ::geteuid() == 0 && ::fchown(fd, sb.st_uid, sb.st_gid) != 0) ok = false;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, tmp, "write");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, path, "replace");
  }
  return Status::OK();
}

// Create-only: a rerun of the same restore must not replace the true original with our edit.
Status KeepCopy(const std::string& copy, const std::string& text, const std::string& like) {
  struct stat sb {};
  if (::stat(copy.c_str(), &sb) == 0) return Status::OK();
  std::string tmp = copy + ".cassvault-tmp";
  CV_RETURN_IF_ERROR(WriteFileLike(tmp, text, like));
  if (::link(tmp.c_str(), copy.c_str()) != 0 && errno != EEXIST) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, copy, "keep a copy of cassandra.yaml");
  }
  ::unlink(tmp.c_str());
  return Status::OK();
}

}  // namespace

Result<RestoreTokenStep> PlanRestoreTokens(const RestoreTokenInputs& in) {
  const Manifest& m = *in.manifest;
  const cassandra::NodeConfig& node = *in.node;
  RestoreTokenStep step;
  step.yaml_path = node.yaml_path;
  step.live = in.live;
  CV_ASSIGN_OR_RETURN(std::string yaml, cassandra::ReadYamlFile(node.yaml_path));
  CV_ASSIGN_OR_RETURN(auto keys,
                      cassandra::ReadTopLevelScalars(
                          yaml, {"initial_token", "auto_bootstrap", "broadcast_address"}, node.yaml_path));
  step.target.address = !keys["broadcast_address"].empty() ? keys["broadcast_address"] : node.listen_address;
  step.target.host_id = in.live_host_id;

  CV_RETURN_IF_ERROR(
      CheckBackupNode({m.node.host_id, m.node.address}, step.target, in.from_node, m.backup_id));
  CV_RETURN_IF_ERROR(
      CheckPartitioner(m.node.partitioner, node.partitioner,
                       "node " + (step.target.address.empty() ? node.yaml_path : step.target.address)));

  TokenInputs t;
  t.backup_tokens = m.node.tokens;
  t.yaml_initial_tokens = ParseTokenList(keys["initial_token"]);
  t.yaml_num_tokens = node.num_tokens;
  t.yaml_auto_bootstrap = keys["auto_bootstrap"];
  t.topology_change = in.topology_change;
  t.node = step.target.address.empty() ? node.yaml_path : step.target.address;
  t.backup_id = m.backup_id;
  t.backup_host_id = m.node.host_id;
  t.whole_node = in.whole_node;
  t.same_cluster_name = !m.node.cluster_name.empty() && m.node.cluster_name == node.cluster_name;
  t.separate_system_dir = !node.local_system_data_file_directory.empty();
  t.new_cluster = in.new_cluster;
  for (const auto& table : m.tables) {
    if (table.keyspace == "system" && table.table == "local" && !table.files.empty())
      t.backup_has_system_local = true;
  }
  if (in.live) {
    t.target = TargetTokens::kRunning;
    t.live_tokens = in.live_tokens;
  } else if (IsFresh(node, m)) {
    t.target = TargetTokens::kFresh;
  } else {
    t.target = TargetTokens::kInitialised;
    t.initialised_after_backup = SystemYoungerThan(node, m.started);
  }
  CV_ASSIGN_OR_RETURN(step.plan, PlanTokens(t));
  return step;
}

Status CheckRestoreAge(const Manifest& manifest, const std::set<std::string>& keyspaces, bool ignore,
                       std::vector<std::string>* plan) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return CheckGcGrace(manifest, keyspaces, now, ignore, plan);
}

Result<std::vector<std::string>> ApplyRestoreTokens(const RestoreTokenStep& step,
                                                    const std::string& backup_id, bool dry_run,
                                                    std::string* yaml_copy) {
  std::vector<std::string> done;
  if (!step.plan.write_yaml) return done;
  if (dry_run) {
    *yaml_copy = step.yaml_path + ".before-restore-" + backup_id;
    return done;
  }
  CV_ASSIGN_OR_RETURN(std::string text, cassandra::ReadYamlFile(step.yaml_path));
  CV_ASSIGN_OR_RETURN(
      std::string edited,
      cassandra::SetTopLevelScalars(text,
                                    {{"num_tokens", std::to_string(step.plan.num_tokens)},
                                     {"initial_token", "'" + step.plan.initial_token + "'"},
                                     {"auto_bootstrap", "false"}},
                                    "set by `cassvault restore --backup " + backup_id +
                                        "`: the tokens this node owned when the backup was taken (read on "
                                        "its first start only)",
                                    step.yaml_path));
  *yaml_copy = step.yaml_path + ".before-restore-" + backup_id;
  CV_RETURN_IF_ERROR(KeepCopy(*yaml_copy, text, step.yaml_path));
  if (edited != text) CV_RETURN_IF_ERROR(WriteFileLike(step.yaml_path, edited, step.yaml_path));
  // Verify what Cassandra will read.
  CV_ASSIGN_OR_RETURN(std::string back, cassandra::ReadYamlFile(step.yaml_path));
  CV_ASSIGN_OR_RETURN(auto keys,
                      cassandra::ReadTopLevelScalars(back, {"initial_token", "num_tokens", "auto_bootstrap"},
                                                     step.yaml_path));
  if (ParseTokenList(keys["initial_token"]) != ParseTokenList(step.plan.initial_token) ||
      keys["num_tokens"] != std::to_string(step.plan.num_tokens) || keys["auto_bootstrap"] != "false") {
    return Status::Internal(step.yaml_path,
                            "does not read back the tokens just written; the original is at " + *yaml_copy);
  }
  done.push_back(
      "wrote " + step.yaml_path + ": num_tokens " + std::to_string(step.plan.num_tokens) +
      ", initial_token (the backup's tokens), auto_bootstrap: false; read back and checked. Original "
      "kept at " +
      *yaml_copy);
  return done;
}

std::vector<std::string> RestoreNextSteps(const RestoreTokenStep& step, const Manifest& manifest,
                                          const std::set<std::string>& keyspaces,
                                          const std::string& yaml_copy) {
  AdviceInputs a;
  a.live = step.live;
  a.node = step.target.address;
  a.tokens = SortTokens(manifest.node.tokens);
  a.tokens_match = step.plan.tokens_match;
  a.tokens_checked_live = step.live && step.plan.tokens_match;
  if (step.plan.restore_system_local) a.host_id_kept = manifest.node.host_id;
  if (!yaml_copy.empty()) {
    a.yaml_path = step.yaml_path;
    a.yaml_copy = yaml_copy;
  }
  for (const auto& ks : keyspaces) {
    if (TableFilter::IsSystemKeyspace(ks)) continue;
    int rf = 0;
    for (const auto& k : manifest.keyspaces) {
      if (k.name == ks) rf = MaxReplicationFactor(k.create_keyspace);
    }
    (rf > 1 ? a.replicated_keyspaces : a.single_keyspaces).push_back(ks);
  }
  std::vector<std::string> steps = NextSteps(a);
  // A renamed DC: the restored system_schema still names cluster A's DCs. Rewriting those SSTables
  // offline is not something cassvault can do soundly, so the operator alters the keyspaces once the
  // cluster is up; with the same tokens and racks, replicas land where the restored data already is.
  std::string alters;
  for (const auto& k : manifest.keyspaces) {
    if (!keyspaces.count(k.name)) continue;
    std::string alter = AlterKeyspaceForDcMap(k.name, k.create_keyspace, step.dc_map);
    if (!alter.empty()) alters += (alters.empty() ? "" : " ") + alter + ";";
  }
  if (!alters.empty()) {
    steps.push_back(
        "the restored schema still names the source cluster's data centres: once every node of this "
        "cluster shows UN, run once, on one node (cqlsh): " +
        alters +
        " Until then these keyspaces have no replica in this cluster and their queries fail (Unavailable). "
        "The tokens and racks are the source's, so no data moves");
  }
  return steps;
}

}  // namespace cv::ops
