#include "ops/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/vault_layout.h"
#include "env/clock.h"
#include "env/private_file.h"

namespace cv::ops {
namespace {

using env::UnixNow;

std::string LockPath(const std::string& cache_dir) { return cache_dir + "/run.lock"; }

// The cache directory is owner-only (env::EnsurePrivateDir). The lock file is opened O_NOFOLLOW so a planted
// symlink is refused.
Result<env::UniqueFd> OpenLockFile(const std::string& cache_dir) {
  CV_RETURN_IF_ERROR(env::EnsurePrivateDir(cache_dir));
  std::string path = LockPath(cache_dir);
  env::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::FromErrno(errno, "run lock " + path, "open");
  struct stat fst {};
  if (::fstat(fd.get(), &fst) != 0) return Status::FromErrno(errno, "run lock " + path, "stat");
  if (!S_ISREG(fst.st_mode)) return Status::FailedPrecondition("run lock " + path, "is not a regular file");
  return fd;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[512];
  off_t off = 0;
  while (out.size() < 4096) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

void WriteHolder(int fd, const std::string& what) {
  std::string text = "pid=" + std::to_string(::getpid()) + " since=" + layout::FormatTime(UnixNow()) +
                     " what=" + what + "\n";
  // Best effort: the lock is the flock, the text only explains it to waiters.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, text.data(), text.size(), 0);
}

std::string HolderOfFd(int fd) { return DescribeRunLockHolder(ReadAll(fd)); }

Status Held(const std::string& path, const std::string& holder) {
  return Status::FailedPrecondition(
      "run lock " + path,
      "another cassvault (" + (holder.empty() ? std::string("holder unknown") : holder) +
          ") is running on this node; one backup runs at a time per node. Wait for it (backup --wait) or "
          "retry later");
}

}  // namespace

std::string DescribeRunLockHolder(const std::string& content) {
  std::string text;
  for (char c : content) {
    if (c == '\n') break;
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) text += c;
  }
  if (!text.starts_with("pid=")) return "";
  size_t since = text.find(" since=");
  size_t what = text.find(" what=");
  if (since == std::string::npos || what == std::string::npos || what < since) return "";
  std::string pid = text.substr(4, since - 4);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return "";
  return "pid " + pid + ", since " + text.substr(since + 7, what - since - 7) + ", " + text.substr(what + 6);
}

Result<RunLock> RunLock::TryAcquire(const std::string& cache_dir, const std::string& what) {
  CV_ASSIGN_OR_RETURN(env::UniqueFd fd, OpenLockFile(cache_dir));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Held(LockPath(cache_dir), HolderOfFd(fd.get()));
    return Status::FromErrno(errno, "run lock " + LockPath(cache_dir), "flock");
  }
  WriteHolder(fd.get(), what);
  return RunLock(std::move(fd), LockPath(cache_dir));
}

Result<RunLock> RunLock::Acquire(const std::string& cache_dir, const std::string& what,
                                 const std::function<void(const std::string& holder)>& on_wait,
                                 const std::atomic<bool>* stop, int poll_ms) {
  CV_ASSIGN_OR_RETURN(env::UniqueFd fd, OpenLockFile(cache_dir));
  bool told = false;
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK) return Status::FromErrno(errno, "run lock " + LockPath(cache_dir), "flock");
    if (!told && on_wait) on_wait(HolderOfFd(fd.get()));
    told = true;
    if (stop != nullptr && stop->load())
      return Status::Cancelled("run lock " + LockPath(cache_dir), "stopped while waiting for it");
    // Polled rather than a blocking flock: a signal must be able to end the wait promptly.
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  WriteHolder(fd.get(), what);
  return RunLock(std::move(fd), LockPath(cache_dir));
}

std::string RunLock::Holder(const std::string& cache_dir) {
  env::UniqueFd fd(::open(LockPath(cache_dir).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return "";
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return "";  // nobody holds it
  return HolderOfFd(fd.get());
}

}  // namespace cv::ops
