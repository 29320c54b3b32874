#include "env/safe_dir.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>

#include "env/remove_tree.h"
#include "env/resolve.h"

namespace cv::env {
namespace {

std::string OwnerText(const struct stat& st) {
  return "uid " + std::to_string(st.st_uid) + ", mode " + std::to_string((st.st_mode >> 6) & 7) +
         std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7);
}

Result<struct stat> FStat(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, path, "stat");
  return st;
}

}  // namespace

Result<SafeDir> SafeDir::OpenRoot(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, path, "open directory");
  std::string shown = path;
  while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
  return SafeDir(UniqueFd(fd), shown);
}

Result<SafeDir> SafeDir::OpenSub(const std::string& rel) const {
  CV_ASSIGN_OR_RETURN(UniqueFd fd, OpenDirBeneath(fd_.get(), path_, rel));
  return SafeDir(std::move(fd), Join(rel));
}

Result<SafeDir> SafeDir::MakeSub(const std::string& rel, mode_t mode,
                                 const std::optional<Owner>& owner) const {
  CV_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitRelative(rel));
  CV_ASSIGN_OR_RETURN(UniqueFd cur, OpenDirBeneath(fd_.get(), path_, ""));
  std::string path = path_;
  for (const auto& c : parts) {
    bool created = false;
    if (::mkdirat(cur.get(), c.c_str(), mode) == 0) {
      created = true;
    } else if (errno != EEXIST) {
      return Status::FromErrno(errno, path + "/" + c, "create directory");
    }
    CV_ASSIGN_OR_RETURN(UniqueFd next, OpenDirComponent(cur.get(), path, c));
    path += "/" + c;
    if (created) {
      // Between mkdirat and open someone who can write the parent could have put their own
      // directory there: only what is still ours gets our mode and the wanted owner.
      CV_ASSIGN_OR_RETURN(struct stat st, FStat(next.get(), path));
      if (st.st_uid != ::geteuid())
        return Status::PermissionDenied(path, "was replaced by someone else's directory while being created");
      if (::fchmod(next.get(), mode) != 0) return Status::FromErrno(errno, path, "chmod");
      if (owner && ::fchown(next.get(), owner->uid, owner->gid) != 0)
        return Status::FromErrno(errno, path, "chown");
    }
    cur = std::move(next);
  }
  return SafeDir(std::move(cur), path);
}

Result<SafeDir> SafeDir::OpenPrivateSub(const std::string& name, mode_t mode) const {
  std::string path = Join(name);
  bool created = ::mkdirat(fd_.get(), name.c_str(), mode) == 0;
  if (!created && errno != EEXIST) return Status::FromErrno(errno, path, "create directory");
  CV_ASSIGN_OR_RETURN(UniqueFd fd, OpenDirComponent(fd_.get(), path_, name));
  CV_ASSIGN_OR_RETURN(struct stat st, FStat(fd.get(), path));
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Status::PermissionDenied(
        path, "belongs to someone else (" + OwnerText(st) + "; expected uid " + std::to_string(::geteuid()) +
                  ", not writable by group or others). cassvault keeps its staging files there; check who "
                  "created it, remove it, and run again");
  }
  if (created && ::fchmod(fd.get(), mode) != 0) return Status::FromErrno(errno, path, "chmod");
  return SafeDir(std::move(fd), path);
}

Result<SafeDir> SafeDir::MakeFreshSub(const std::string& prefix, mode_t mode) const {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    unsigned char rnd[8];
    if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd))
      return Status::FromErrno(errno, path_, "random name");
    std::string name = prefix + ".";
    for (unsigned char b : rnd) name += kAlphabet[b % (sizeof kAlphabet - 1)];
    if (::mkdirat(fd_.get(), name.c_str(), mode) != 0) {
      if (errno == EEXIST) continue;
      return Status::FromErrno(errno, Join(name), "create directory");
    }
    CV_ASSIGN_OR_RETURN(UniqueFd fd, OpenDirComponent(fd_.get(), path_, name));
    CV_ASSIGN_OR_RETURN(struct stat st, FStat(fd.get(), Join(name)));
    if (st.st_uid != ::geteuid())
      return Status::PermissionDenied(Join(name),
                                      "was replaced by someone else's directory while being created");
    if (::fchmod(fd.get(), mode) != 0) return Status::FromErrno(errno, Join(name), "chmod");
    return SafeDir(std::move(fd), Join(name));
  }
  return Status::AlreadyExists(path_, "no free name for a new staging directory");
}

Result<UniqueFd> SafeDir::CreateFile(const std::string& name, mode_t mode) const {
  std::string path = Join(name);
  int fd = ::openat(fd_.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path, "exists already; refusing to write through it");
    return Status::FromErrno(errno, path, "create");
  }
  return UniqueFd(fd);
}

Result<UniqueFd> SafeDir::OpenFileForRead(const std::string& name) const {
  std::string path = Join(name);
  // O_NONBLOCK: a FIFO put where a file was expected must not hang the restore.
  int raw = ::openat(fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ELOOP) return SymlinkRefused(path);
    return Status::FromErrno(errno, path, "open");
  }
  UniqueFd fd(raw);
  CV_ASSIGN_OR_RETURN(struct stat st, FStat(fd.get(), path));
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition(path, "is not a regular file");
  if (st.st_nlink != 1) {
    return Status::PermissionDenied(path,
                                    "has " + std::to_string(st.st_nlink) +
                                        " hard links; a file cassvault wrote has one, so this is not it");
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

Status SafeDir::RenameTo(const std::string& name, const SafeDir& to, const std::string& to_name) const {
  if (::renameat(fd_.get(), name.c_str(), to.fd(), to_name.c_str()) != 0)
    return Status::FromErrno(errno, to.Join(to_name), "rename into place");
  return Status::OK();
}

Status SafeDir::RemoveTree(const std::string& name) const { return RemoveTreeAt(fd_.get(), path_, name); }

Status SafeDir::RemoveIfEmpty(const std::string& name) const {
  if (::unlinkat(fd_.get(), name.c_str(), AT_REMOVEDIR) == 0) return Status::OK();
  if (errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST) return Status::OK();
  return Status::FromErrno(errno, Join(name), "remove directory");
}

Result<struct stat> SafeDir::Stat() const { return FStat(fd_.get(), path_); }

}  // namespace cv::env
