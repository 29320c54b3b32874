#include "ops/takeover_hint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "core/vault_layout.h"

namespace cv::ops {

std::string TakeoverHintPath(const std::string& cache_dir, const std::string& vault_id) {
  return cache_dir + "/" + vault_id + ".takeover";
}

Status WriteTakeoverHint(const std::string& cache_dir, const std::string& vault_id,
                         const std::string& node_id) {
  if (!layout::IsValidVaultId(vault_id))
    return Status::InvalidArgument("takeover hint", "malformed vault id");
  if (!layout::IsValidNodeId(node_id)) return Status::InvalidArgument("takeover hint", "malformed node id");
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  if (ec) return Status::FromErrno(ec.value(), cache_dir, "create cache directory");
  struct stat st {};
  if (::stat(cache_dir.c_str(), &st) != 0) return Status::FromErrno(errno, cache_dir, "stat cache directory");
  if (st.st_uid == ::geteuid() && (st.st_mode & 077) != 0 && ::chmod(cache_dir.c_str(), 0700) != 0)
    return Status::FromErrno(errno, cache_dir, "chmod cache directory");
  // Written beside and renamed over: a reader sees the old hint or the new one, never half of one.
  const std::string path = TakeoverHintPath(cache_dir, vault_id);
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, tmp, "create takeover hint");
  std::string body = node_id + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, tmp, "write takeover hint");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, path, "write takeover hint");
  }
  return Status::OK();
}

Result<std::string> ReadTakeoverHint(const std::string& cache_dir, const std::string& vault_id) {
  if (!layout::IsValidVaultId(vault_id))
    return Status::InvalidArgument("takeover hint", "malformed vault id");
  const std::string path = TakeoverHintPath(cache_dir, vault_id);
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return Status::FromErrno(errno, "takeover hint " + path, "open");
  }
  struct stat st {};
  char buf[64] = {};
  ssize_t n = -1;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 && st.st_uid == ::geteuid())
    n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!layout::IsValidNodeId(text)) {
    return Status::InvalidArgument(
        "takeover hint " + path,
        "is not a private file (0600, ours) holding a node id; remove it, or restore "
        "with --from-node again to write it afresh");
  }
  return text;
}

Status RemoveTakeoverHint(const std::string& cache_dir, const std::string& vault_id) {
  if (!layout::IsValidVaultId(vault_id))
    return Status::InvalidArgument("takeover hint", "malformed vault id");
  const std::string path = TakeoverHintPath(cache_dir, vault_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno(errno, path, "remove takeover hint");
  return Status::OK();
}

}  // namespace cv::ops
