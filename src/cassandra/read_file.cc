// src/cassandra/read_file.cc
#include "cassandra/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cv::cassandra {
namespace {

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<std::string> ReadOpened(const Fd& fd, const std::string& path, size_t max_bytes, bool regular_only) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, path, "stat");
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path, "is a directory, expected a file");
  if (regular_only && !S_ISREG(st.st_mode)) return Status::InvalidArgument(path, "is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::InvalidArgument(path, "file is " + std::to_string(st.st_size) + " bytes, more than the " +
                                             std::to_string(max_bytes) + " expected");
  }
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, path, "read");
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    // The size was checked above, but the file may grow while we read it.
    if (data.size() > max_bytes) return Status::InvalidArgument(path, "file grew past the expected size");
  }
  return data;
}

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::FromErrno(errno, path, "open");
  return ReadOpened(fd, path, max_bytes, /*regular_only=*/false);
}

Result<std::string> ReadDataDirFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ELOOP)
      return Status::PermissionDenied(path, "is a symbolic link; refusing to read through it");
    return Status::FromErrno(errno, path, "open");
  }
  return ReadOpened(fd, path, max_bytes, /*regular_only=*/true);
}

}  // namespace cv::cassandra
