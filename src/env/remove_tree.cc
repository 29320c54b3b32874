#include "env/remove_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace cv::env {
namespace {

constexpr int kMaxDepth = 32;

Status RemoveAt(int dirfd, const std::string& shown, const std::string& name, int depth) {
  std::string path = shown + "/" + name;
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::FromErrno(errno, path, "stat");
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT)
      return Status::FromErrno(errno, path, "remove");
    return Status::OK();
  }
  if (depth >= kMaxDepth) return Status::FailedPrecondition(path, "is nested too deep to remove");
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, path, "open directory");
  struct stat dst {};
  if (::fstat(fd, &dst) != 0 || dst.st_dev != st.st_dev || dst.st_ino != st.st_ino) {
    ::close(fd);
    return Status::FailedPrecondition(path, "changed while being removed");
  }
  DIR* d = ::fdopendir(fd);  // owns fd from here
  if (d == nullptr) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, path, "read directory");
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  Status st_all;
  for (const auto& n : names) {
    struct stat cst {};
    if (::fstatat(::dirfd(d), n.c_str(), &cst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cst.st_mode) &&
        cst.st_dev != dst.st_dev) {
      st_all = Status::FailedPrecondition(path + "/" + n, "is a mount point; not removed");
      continue;
    }
    Status s = RemoveAt(::dirfd(d), path, n, depth + 1);
    if (!s.ok() && st_all.ok()) st_all = s;
  }
  ::closedir(d);
  if (!st_all.ok()) return st_all;
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Status::FromErrno(errno, path, "remove directory");
  return Status::OK();
}

}  // namespace

Status RemoveTreeAt(int dirfd, const std::string& shown, const std::string& name) {
  return RemoveAt(dirfd, shown, name, 0);
}

}  // namespace cv::env
