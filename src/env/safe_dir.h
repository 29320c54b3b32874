// src/env/safe_dir.h — a directory held open by fd, and the file work a root-run restore does below
// it, none of which follows a symlink.
//
// The directory a SafeDir is opened on (a data dir from cassandra.yaml, the operator's --target-dir)
// is trusted as given; everything below it may belong to someone else (the Cassandra account owns
// the data dirs) and is resolved with env/resolve.h. Files are created O_EXCL | O_NOFOLLOW, opened
// O_NOFOLLOW and fstat'ed; ownership and modes are changed on fds; removal never follows a symlink.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "core/result.h"
#include "env/unique_fd.h"

namespace cv::env {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

class SafeDir {
 public:
  SafeDir() = default;

  // The trusted directory `path` itself (symlinks in it are the operator's own).
  static Result<SafeDir> OpenRoot(const std::string& path);

  // The directory `rel` below this one; a symlink component is refused, naming it.
  Result<SafeDir> OpenSub(const std::string& rel) const;
  // The same, creating missing levels with `mode`. Only levels this call created are chowned to
  // `owner` (when given): an existing level keeps its owner and mode.
  Result<SafeDir> MakeSub(const std::string& rel, mode_t mode, const std::optional<Owner>& owner) const;
  // The directory `name`, created with `mode` when missing, which must belong to this process's euid
  // and not be writable by group or others; otherwise PermissionDenied naming it and its owner.
  Result<SafeDir> OpenPrivateSub(const std::string& name, mode_t mode) const;
  // A new directory "<prefix>.XXXXXXXX" (random, like mkdtemp) with exactly `mode`, owner checked.
  Result<SafeDir> MakeFreshSub(const std::string& prefix, mode_t mode) const;

  // A new regular file `name` (O_CREAT | O_EXCL | O_NOFOLLOW, `mode`) open for writing.
  Result<UniqueFd> CreateFile(const std::string& name, mode_t mode) const;
  // `name` open for reading: refused unless a regular file with one link (PermissionDenied for a
  // symlink or a hard link, FailedPrecondition otherwise); NotFound when absent.
  Result<UniqueFd> OpenFileForRead(const std::string& name) const;
  // Renames `name` here to `to_name` in `to` (replacing what `to_name` is, never following it).
  Status RenameTo(const std::string& name, const SafeDir& to, const std::string& to_name) const;
  // Removes `name` (a file, a symlink or a whole tree) without following any symlink in it.
  // Absent is OK.
  Status RemoveTree(const std::string& name) const;
  // Removes the directory `name` if it is empty; OK if absent or not empty.
  Status RemoveIfEmpty(const std::string& name) const;

  Result<struct stat> Stat() const;
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  std::string Join(const std::string& rel) const { return rel.empty() ? path_ : path_ + "/" + rel; }

 private:
  SafeDir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

}  // namespace cv::env
