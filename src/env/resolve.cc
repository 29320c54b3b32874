#include "env/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cv::env {
namespace {

long Openat2(int dirfd, const char* path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

}  // namespace

bool KernelHasOpenat2() {
  static const bool kHas = [] {
    long fd = Openat2(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) ::close(static_cast<int>(fd));
    return !(fd < 0 && (errno == ENOSYS || errno == EPERM));  // EPERM: a seccomp filter that denies it
  }();
  return kHas;
}

Status SymlinkRefused(const std::string& path) {
  return Status::PermissionDenied(
      path,
      "is a symbolic link; cassvault never follows symlinks below the directories it restores into "
      "(whoever can write there could redirect root's writes). Check who planted it, remove it, and run "
      "again");
}

Result<std::vector<std::string>> SplitRelative(const std::string& rel) {
  std::vector<std::string> out;
  if (rel.empty()) return out;
  if (rel.front() == '/') return Status::InvalidArgument("path '" + rel + "'", "must be relative");
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    std::string c = rel.substr(start, slash - start);
    if (c.empty() && slash == rel.size() && !out.empty()) break;  // a trailing slash
    if (c.empty() || c == "." || c == "..")
      return Status::InvalidArgument("path '" + rel + "'", "has an empty, '.' or '..' component");
    out.push_back(std::move(c));
    start = slash + 1;
  }
  return out;
}

Result<UniqueFd> OpenDirComponent(int dirfd, const std::string& shown, const std::string& name) {
  std::string path = shown + "/" + name;
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return UniqueFd(fd);
  int err = errno;
  if (err == ELOOP || err == ENOTDIR) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      return SymlinkRefused(path);
    if (err == ENOTDIR) return Status::FailedPrecondition(path, "is not a directory");
  }
  return Status::FromErrno(err, path, "open directory");
}

Result<UniqueFd> OpenDirBeneath(int dirfd, const std::string& shown, const std::string& rel) {
  CV_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitRelative(rel));
  if (parts.empty()) {
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, shown, "open directory");
    return UniqueFd(fd);
  }
  if (KernelHasOpenat2()) {
    long fd = Openat2(dirfd, rel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    // ELOOP/EXDEV/ENOTDIR: walk again level by level, which names the component at fault.
    if (errno == ENOENT) return Status::FromErrno(ENOENT, shown + "/" + rel, "open directory");
  }
  UniqueFd cur;
  std::string path = shown;
  for (const auto& c : parts) {
    CV_ASSIGN_OR_RETURN(UniqueFd next, OpenDirComponent(cur.valid() ? cur.get() : dirfd, path, c));
    cur = std::move(next);
    path += "/" + c;
  }
  return cur;
}

}  // namespace cv::env
