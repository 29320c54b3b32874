#include "ops/load_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/stable_name.h"

namespace cv::ops {
namespace {

constexpr char kHeader[] = "cassvault load journal v1: ";
constexpr char kDone[] = "loaded ";
constexpr size_t kMaxJournalBytes = 16 << 20;

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, path, "write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Status::FromErrno(errno, path, "fsync");
  return Status::OK();
}

}  // namespace

Result<LoadJournal> LoadJournal::Open(const env::SafeDir& dir, const std::string& identity, bool create) {
  std::string name = "load-" + StableName(identity) + ".journal";
  LoadJournal j(dir, name, dir.Join(name));
  const std::string header = kHeader + identity + "\n";
  auto fd = dir.OpenFileForRead(name);
  if (!fd.ok() && fd.status().IsNotFound()) {
    if (!create) return j;
    CV_ASSIGN_OR_RETURN(env::UniqueFd out, dir.CreateFile(name, 0600));
    CV_RETURN_IF_ERROR(WriteAll(out.get(), header, j.path_));
    return j;
  }
  if (!fd.ok()) return fd.status();
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, j.path_, "read");
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxJournalBytes)
      return Status::FailedPrecondition(j.path_, "is too large for a journal");
  }
  auto bad = [&](const std::string& why) {
    return Status::FailedPrecondition("load journal " + j.path_,
                                      why + "; remove it to load every table again");
  };
  if (!text.starts_with(header)) return bad("belongs to another load");
  size_t pos = header.size();
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    // A line cut by a crash before its newline was never synced as finished: ignore it.
    if (nl == std::string::npos) break;
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (!line.starts_with(kDone)) return bad("holds a line it does not know");
    j.done_.insert(line.substr(sizeof kDone - 1));
  }
  return j;
}

Status LoadJournal::MarkDone(const std::string& entry) {
  int fd = ::openat(dir_->fd(), name_.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, path_, "open");
  // A torn earlier line (no newline) must not swallow this one.
  Status st = WriteAll(fd, "\n" + std::string(kDone) + entry + "\n", path_);
  ::close(fd);
  if (st.ok()) done_.insert(entry);
  return st;
}

}  // namespace cv::ops
