#include "ops/takeover_hint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "core/vault_layout.h"
#include "env/private_file.h"

namespace cv::ops {

std::string TakeoverHintPath(const std::string& cache_dir, const std::string& vault_id) {
  return cache_dir + "/" + vault_id + ".takeover";
}

Status WriteTakeoverHint(const std::string& cache_dir, const std::string& vault_id,
                         const std::string& node_id) {
  if (!layout::IsValidVaultId(vault_id))
    return Status::InvalidArgument("takeover hint", "malformed vault id");
  if (!layout::IsValidNodeId(node_id)) return Status::InvalidArgument("takeover hint", "malformed node id");
  CV_RETURN_IF_ERROR(env::EnsurePrivateDir(cache_dir));
  return env::WritePrivateFileAtomically(TakeoverHintPath(cache_dir, vault_id), node_id + "\n",
                                         "takeover hint");
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
