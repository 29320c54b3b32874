// src/cassandra/snapshot_clear.cc — `nodetool clearsnapshot -t TAG` as a file delete.
//
// Why deleting the directories is a full clear on Cassandra 5.0 (checked against the 5.0 sources,
// apache/cassandra branch cassandra-5.0, and the bytecode of cassandra-all-5.0.8.jar with javap):
// - service/snapshot/SnapshotManager.java keeps in memory only `expiringSnapshots` (addSnapshot adds a
//   TableSnapshot only when isExpiring(), i.e. taken with --ttl); a snapshot without a TTL leaves no
//   state there. Ephemeral snapshots (repair's) are another tag and marked by a file in their dir.
// - `nodetool listsnapshots` (StorageService.getSnapshotDetails) and `system_views.snapshots`
//   (db/virtual/SnapshotsTable.java) both call SnapshotManager.loadSnapshots(), i.e. SnapshotLoader /
//   Directories.listSnapshots walking the data directories on disk each time.
// - StorageService.clearSnapshot and ColumnFamilyStore.clearSnapshot (Directories.clearSnapshot →
//   removeSnapshotDirectory) do nothing but delete `<table dir>/snapshots/<tag>` in every data
//   directory, which is what this file does.
// So a deleted non-TTL snapshot is gone for Cassandra too (tests/integration/test_snapshot_lifecycle.py
// checks listsnapshots and system_views.snapshots on the rig). Later Cassandra versions (5.1's
// SnapshotManager tracks every snapshot in memory) need this re-checked: node.clear_snapshot: nodetool.
//
// Nothing below a data directory is followed through a symlink: the data dirs belong to the Cassandra
// account, and a root-run cassvault must not be steered into deleting elsewhere. A keyspace or table
// dir that is a symlink (moved to another disk) is reported instead, and the caller uses nodetool.
#include "cassandra/snapshot_clear.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "env/remove_tree.h"
#include "env/unique_fd.h"

namespace cv::cassandra {
namespace {

using env::UniqueFd;

enum class Kind { kMissing, kDir, kSymlink, kOther };

Result<Kind> KindAt(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Kind::kMissing;
    return Status::FromErrno(errno, shown, "stat");
  }
  if (S_ISDIR(st.st_mode)) return Kind::kDir;
  if (S_ISLNK(st.st_mode)) return Kind::kSymlink;
  return Kind::kOther;
}

// The directory `name` below `dirfd`, never through a symlink. An invalid fd when it vanished meanwhile.
Result<UniqueFd> OpenDirAt(int dirfd, const std::string& name, const std::string& shown) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return UniqueFd();
    return Status::FromErrno(errno, shown, "open directory");
  }
  return UniqueFd(fd);
}

// Entry names of the directory `fd` (read through its own descriptor; `fd` stays open), sorted.
Result<std::vector<std::string>> ListAt(int fd, const std::string& shown) {
  int own = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own < 0) return Status::FromErrno(errno, shown, "open directory");
  DIR* d = ::fdopendir(own);
  if (d == nullptr) {
    int err = errno;
    ::close(own);
    return Status::FromErrno(err, shown, "list directory");
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Whether `path` (followed, symlinks and all) is a directory: only to report a tag behind a symlink.
bool IsDirFollowing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A symlinked keyspace dir: does any table below it hold the tag? (Read only, to report it.)
bool KeyspaceHoldsTag(const std::string& ks_path, const std::string& tag) {
  DIR* d = ::opendir(ks_path.c_str());
  if (d == nullptr) return false;
  bool holds = false;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (IsDirFollowing(ks_path + "/" + n + "/snapshots/" + tag)) holds = true;
  }
  ::closedir(d);
  return holds;
}

class Walker {
 public:
  Walker(const std::string& tag, bool remove, SnapshotDirs* out) : tag_(tag), remove_(remove), out_(out) {}
  Status first_error() const { return first_error_; }

  Status DataDir(const std::string& data_dir) {
    // The data dir itself is the operator's, trusted as configured (symlinks in its path included).
    int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::OK();  // nothing there, so no snapshot either
      return Status::FromErrno(errno, data_dir, "open directory");
    }
    UniqueFd root(fd);
    CV_ASSIGN_OR_RETURN(std::vector<std::string> keyspaces, ListAt(root.get(), data_dir));
    for (const std::string& ks : keyspaces) {
      if (ks.empty() || ks[0] == '.') continue;  // lost+found passes, and holds no table dirs
      std::string ks_path = data_dir + "/" + ks;
      CV_ASSIGN_OR_RETURN(Kind kind, KindAt(root.get(), ks, ks_path));
      if (kind == Kind::kSymlink) {
        if (KeyspaceHoldsTag(ks_path, tag_)) out_->behind_symlinks.push_back(ks_path);
        continue;
      }
      if (kind != Kind::kDir) continue;
      CV_ASSIGN_OR_RETURN(UniqueFd ks_fd, OpenDirAt(root.get(), ks, ks_path));
      if (!ks_fd.valid()) continue;  // dropped meanwhile
      CV_RETURN_IF_ERROR(Keyspace(ks_fd.get(), ks_path));
    }
    return Status::OK();
  }

 private:
  Status Keyspace(int ks_fd, const std::string& ks_path) {
    CV_ASSIGN_OR_RETURN(std::vector<std::string> tables, ListAt(ks_fd, ks_path));
    for (const std::string& t : tables) {
      if (t.empty() || t[0] == '.') continue;
      std::string t_path = ks_path + "/" + t;
      CV_ASSIGN_OR_RETURN(Kind kind, KindAt(ks_fd, t, t_path));
      if (kind == Kind::kSymlink) {
        if (IsDirFollowing(t_path + "/snapshots/" + tag_)) out_->behind_symlinks.push_back(t_path);
        continue;
      }
      if (kind != Kind::kDir) continue;
      CV_ASSIGN_OR_RETURN(UniqueFd t_fd, OpenDirAt(ks_fd, t, t_path));
      if (!t_fd.valid()) continue;
      std::string s_path = t_path + "/snapshots";
      CV_ASSIGN_OR_RETURN(Kind s_kind, KindAt(t_fd.get(), "snapshots", s_path));
      if (s_kind == Kind::kSymlink) {
        if (IsDirFollowing(s_path + "/" + tag_)) out_->behind_symlinks.push_back(s_path);
        continue;
      }
      if (s_kind != Kind::kDir) continue;
      CV_ASSIGN_OR_RETURN(UniqueFd s_fd, OpenDirAt(t_fd.get(), "snapshots", s_path));
      if (!s_fd.valid()) continue;
      std::string tag_path = s_path + "/" + tag_;
      CV_ASSIGN_OR_RETURN(Kind tag_kind, KindAt(s_fd.get(), tag_, tag_path));
      if (tag_kind == Kind::kSymlink) {
        out_->behind_symlinks.push_back(tag_path);  // Cassandra makes directories here, never links
        continue;
      }
      if (tag_kind != Kind::kDir) continue;
      out_->found.push_back(tag_path);
      if (!remove_) continue;
      // Through the snapshots/ fd: the tag dir is removed where we looked, whatever renames happen above.
      Status st = env::RemoveTreeAt(s_fd.get(), s_path, tag_);
      if (!st.ok() && first_error_.ok()) first_error_ = st;
    }
    return Status::OK();
  }

  const std::string& tag_;
  bool remove_;
  SnapshotDirs* out_;
  Status first_error_;
};

Status Walk(const std::vector<std::string>& data_dirs, const std::string& tag, bool remove,
            SnapshotDirs* out) {
  if (!IsSnapshotTag(tag)) {
    return Status::InvalidArgument("snapshot clear",
                                   "bad tag '" + tag + "': use [A-Za-z0-9_-], not starting with '-'");
  }
  Walker w(tag, remove, out);
  for (const std::string& d : data_dirs) CV_RETURN_IF_ERROR(w.DataDir(d));
  return w.first_error();
}

}  // namespace

bool IsSnapshotTag(const std::string& tag) {
  if (tag.empty() || tag[0] == '-') return false;
  for (char c : tag) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<SnapshotDirs> FindSnapshotDirs(const std::vector<std::string>& data_dirs, const std::string& tag) {
  SnapshotDirs out;
  CV_RETURN_IF_ERROR(Walk(data_dirs, tag, false, &out));
  return out;
}

Status ClearSnapshotFiles(const std::vector<std::string>& data_dirs, const std::string& tag,
                          SnapshotDirs* dirs) {
  *dirs = SnapshotDirs();
  return Walk(data_dirs, tag, true, dirs);
}

}  // namespace cv::cassandra
