#include "backends/local/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <random>

#include "backends/local/direct_io.h"
#include "storage/object_key.h"
#include "storage/read_bounds.h"

namespace cv::backends {
namespace {

namespace fs = std::filesystem;

using storage::CheckObjectKey;

Status WriteAll(int fd, std::span<const uint8_t> data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, path, "write");
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

// Through O_DIRECT when `fd` was opened with it (direct_io.h), else, or when the filesystem refuses a
// direct write, through the page cache.
Status WriteFile(int fd, bool direct, std::span<const uint8_t> data, const std::string& path) {
  if (direct) {
    Status st = WriteDirect(fd, data, path);
    if (st.code() != StatusCode::kNotSupported) return st;
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) != 0)
      return Status::FromErrno(errno, path, "fcntl");
  }
  return WriteAll(fd, data, path);
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, dir, "open directory");
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::OK() : Status::FromErrno(err, dir, "fsync directory");
}

class LocalStore final : public storage::ObjectStore {
 public:
  explicit LocalStore(std::string root) : root_(std::move(root)) {}

  std::string Describe() const override { return "file://" + root_; }
  storage::StoreProperties Properties() const override {
    return {.connections = 2, .native_create_only = true};
  }

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    std::string path = Path(key);
    std::string dir = fs::path(path).parent_path().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::FromErrno(ec.value(), dir, "create directory");
    std::string tmp = dir + "/.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(tmp_counter++);
    bool direct = data.size() >= kDirectMin;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
    if (fd < 0 && direct && errno == EINVAL) {  // no O_DIRECT here (tmpfs); some kernels made the file first
      ::unlink(tmp.c_str());
      direct = false;
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) return Status::FromErrno(errno, tmp, "create");
    Status st = WriteFile(fd, direct, data, tmp);
    if (st.ok() && ::fdatasync(fd) != 0) st = Status::FromErrno(errno, tmp, "fdatasync");
    ::close(fd);
    if (st.ok() && ::link(tmp.c_str(), path.c_str()) != 0) {
      st = errno == EEXIST ? Status::AlreadyExists(Describe() + "/" + std::string(key))
                           : Status::FromErrno(errno, path, "link");
    }
    ::unlink(tmp.c_str());
    if (!st.ok()) return st;
    return SyncDir(dir);
  }

  // Opens `key` for reading: a regular file, never through a symlink. O_NOFOLLOW: whoever can write into the
  // vault directory must not make a root-run cassvault read a file elsewhere (a symlinked `config` would
  // echo a root-only file into an error). O_NONBLOCK: a planted FIFO must not hang the open; regular files
  // ignore it. Returns the fd (the caller closes it) and the file's size; -1 with errno EINVAL when
  // `extra_flags` (O_DIRECT) is not supported here.
  Result<int> OpenRegular(std::string_view key, const std::string& subject, int extra_flags, uint64_t* size) {
    int fd = ::open(Path(key).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | extra_flags);
    if (fd < 0) {
      if (errno == ELOOP) return NotRegular(subject, "a symbolic link");
      if (errno == EINVAL && extra_flags != 0) return -1;
      return Status::FromErrno(errno, subject, "open");
    }
    struct stat sb {};
    if (::fstat(fd, &sb) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, subject, "stat");
    }
    if (!S_ISREG(sb.st_mode)) {
      ::close(fd);
      return NotRegular(subject, S_ISDIR(sb.st_mode) ? "a directory" : "a special file");
    }
    *size = static_cast<uint64_t>(sb.st_size);
    return fd;
  }

  Status GetUpTo(std::string_view key, uint64_t max_bytes, std::string_view what,
                 std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string subject = Describe() + "/" + std::string(key);
    uint64_t size = 0;
    CV_ASSIGN_OR_RETURN(int fd, OpenRegular(key, subject, 0, &size));
    ::close(fd);
    if (size > max_bytes) return storage::LargerThan(subject, max_bytes, what);
    out->clear();
    if (size == 0) return Status::OK();
    return Get(key, 0, size, out);  // objects are immutable: the size stays
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length, std::vector<uint8_t>* out) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string subject = Describe() + "/" + std::string(key);
    uint64_t size = 0;
    CV_ASSIGN_OR_RETURN(int fd, OpenRegular(key, subject, 0, &size));
    if (length == 0) {  // to the end, within the cap (object_store.h)
      auto whole = storage::WholeReadLength(subject, size, offset);
      if (!whole.ok()) {
        ::close(fd);
        return whole.status();
      }
      length = *whole;
    }
    if (offset > size || length > size - offset) {
      ::close(fd);
      return storage::ShorterThanRange(subject, size);
    }
    Status st;
    try {
      out->resize(length);
    } catch (const std::bad_alloc&) {
      ::close(fd);
      return Status::ResourceExhausted(subject, "out of memory for " + std::to_string(length) + " bytes");
    }
    uint64_t done = 0;
    while (done < length) {
      ssize_t n = ::pread(fd, out->data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        st = n < 0 ? Status::FromErrno(errno, subject, "read") : storage::WrongLength(subject, done, length);
        break;
      }
      done += static_cast<uint64_t>(n);
    }
    ::close(fd);
    if (!st.ok()) out->clear();
    return st;
  }

  // Large ranges (a blob of a restore) are read with O_DIRECT: the disk's DMA lands in our buffer, and
  // the page cache's fill and copy, most of a restore's read cost, are skipped. The range is widened to
  // whole 4 KiB blocks in a block-aligned window of `buf`; a filesystem without O_DIRECT reads as Get does.
  Result<std::span<const uint8_t>> GetView(std::string_view key, uint64_t offset, uint64_t length,
                                           std::vector<uint8_t>* buf) override {
    if (length < kDirectMin) return ObjectStore::GetView(key, offset, length, buf);
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string subject = Describe() + "/" + std::string(key);
    uint64_t size = 0;
    CV_ASSIGN_OR_RETURN(int fd, OpenRegular(key, subject, O_DIRECT, &size));
    if (fd < 0) return ObjectStore::GetView(key, offset, length, buf);
    if (offset > size || length > size - offset) {
      ::close(fd);
      return storage::ShorterThanRange(subject, size);
    }
    constexpr uint64_t kBlock = kDirectBlock;
    const uint64_t start = offset & ~(kBlock - 1);
    const uint64_t span = ((offset + length + kBlock - 1) & ~(kBlock - 1)) - start;
    uint8_t* window = nullptr;
    try {
      window = AlignedWindow(buf, span);
    } catch (const std::bad_alloc&) {
      ::close(fd);
      return Status::ResourceExhausted(subject, "out of memory for " + std::to_string(span) + " bytes");
    }
    uint64_t done = 0;
    const uint64_t needed = offset + length - start;
    Status st;
    while (done < needed) {
      ssize_t n = ::pread(fd, window + done, span - done, static_cast<off_t>(start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && done == 0) {  // the device's block is larger: read as Get does
        ::close(fd);
        return ObjectStore::GetView(key, offset, length, buf);
      }
      if (n <= 0) {
        st = n < 0 ? Status::FromErrno(errno, subject, "read") : storage::WrongLength(subject, done, needed);
        break;
      }
      done += static_cast<uint64_t>(n);
      if (done % kBlock != 0) break;  // end of file
    }
    ::close(fd);
    CV_RETURN_IF_ERROR(st);
    if (done < needed) return storage::WrongLength(subject, done, needed);
    return std::span<const uint8_t>(window + (offset - start), length);
  }

  Result<storage::ObjectInfo> Stat(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    struct stat sb {};
    const std::string subject = Describe() + "/" + std::string(key);
    if (::lstat(Path(key).c_str(), &sb) != 0) return Status::FromErrno(errno, subject);
    if (!S_ISREG(sb.st_mode)) {
      return NotRegular(subject, S_ISLNK(sb.st_mode)   ? "a symbolic link"
                                 : S_ISDIR(sb.st_mode) ? "a directory"
                                                       : "a special file");
    }
    return storage::ObjectInfo{std::string(key), static_cast<uint64_t>(sb.st_size),
                               static_cast<int64_t>(sb.st_mtim.tv_sec)};
  }

  Status List(std::string_view prefix, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    // Prefixes are folder-like ("packs/"); walk that folder recursively.
    std::string base = root_ + "/" + std::string(prefix);
    std::error_code ec;
    if (!fs::exists(base, ec)) return Status::OK();
    fs::recursive_directory_iterator it(base, ec), end;
    if (ec) return Status::FromErrno(ec.value(), base, "list");
    for (; it != end; it.increment(ec)) {
      if (ec) return Status::FromErrno(ec.value(), base, "list");
      // Regular files only: a symlink is never a vault object (Get would refuse it), and the iterator
      // does not descend into symlinked directories either.
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      std::string name = it->path().filename().string();
      if (name.rfind(".tmp-", 0) == 0) continue;  // an interrupted Put
      std::string rel = fs::relative(it->path(), root_, ec).string();
      if (!storage::IsValidObjectKey(rel)) {
        storage::WarnSkippedKey(Describe(), rel);
        continue;
      }
      // One lstat per entry for size and mtime (a directory has no listing that carries them).
      struct stat sb {};
      if (::lstat(it->path().c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) continue;  // gone meanwhile
      fn(storage::ObjectInfo{rel, static_cast<uint64_t>(sb.st_size),
                             static_cast<int64_t>(sb.st_mtim.tv_sec)});
    }
    return Status::OK();
  }

  Status Delete(std::string_view key) override {
    CV_RETURN_IF_ERROR(CheckObjectKey(key));
    std::string path = Path(key);
    if (::unlink(path.c_str()) != 0)
      return Status::FromErrno(errno, Describe() + "/" + std::string(key), "delete");
    return SyncDir(fs::path(path).parent_path().string());
  }

 private:
  std::string Path(std::string_view key) const { return root_ + "/" + std::string(key); }
  static Status NotRegular(const std::string& subject, const char* what) {
    return Status::Corruption(subject, std::string("is ") + what +
                                           ", not a regular file: vault objects are plain files written by "
                                           "cassvault; remove it");
  }

  std::string root_;
  // Process-wide: two stores over one directory in one process (several Vault instances) must never
  // pick the same temporary name, or one's unlink removes the other's file before its link.
  static inline std::atomic<uint64_t> tmp_counter{0};
};

}  // namespace

Result<std::unique_ptr<storage::ObjectStore>> OpenLocalStore(const std::string& root, bool create) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return Status::InvalidArgument("vault path '" + root + "'", ec.message());
  if (create) {
    fs::create_directories(abs, ec);
    if (ec) return Status::FromErrno(ec.value(), abs.string(), "create vault directory");
    fs::permissions(abs, fs::perms::owner_all, ec);
  } else if (!fs::is_directory(abs, ec)) {
    return Status::NotFound(
        "vault file://" + abs.string(),
        "no such directory; check the vault URL or create the vault with `cassvault init`");
  }
  std::string norm = abs.lexically_normal().string();
  while (norm.size() > 1 && norm.back() == '/') norm.pop_back();
  return std::unique_ptr<storage::ObjectStore>(new LocalStore(norm));
}

}  // namespace cv::backends
