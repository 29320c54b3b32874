#include "env/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace cv::env {

Status CheckPrivateFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, what + " " + path, "stat");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(what + " " + path, "is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(what + " " + path,
                                   std::string("may be read or written by group or others (mode ") + mode +
                                       "); it holds a password: chmod 600 it");
  }
  return Status::OK();
}

Status EnsurePrivateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), dir, "create cache directory");
  // Also tightens a directory an older cassvault made 0755 (only our own: never chmod someone else's).
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::FromErrno(errno, dir, "stat cache directory");
  if (st.st_uid == ::geteuid() && (st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    return Status::FromErrno(errno, dir, "chmod cache directory");
  return Status::OK();
}

Status WritePrivateFileAtomically(const std::string& path, std::string_view body, const std::string& what) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // one a killed writer left behind
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, what + " " + tmp, "create");
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, what + " " + tmp, "write");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, what + " " + path, "rename");
  }
  return Status::OK();
}

Status MakePrivateFile(const std::string& path, const std::string& what) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, what + " " + path, "open");
  int rc = ::fchmod(fd, 0600);
  int chmod_errno = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(chmod_errno, what + " " + path, "chmod");
  return Status::OK();
}

}  // namespace cv::env
