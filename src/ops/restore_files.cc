#include "ops/restore_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "vault/crash_point.h"

namespace cv::ops {
namespace {

Status WriteAll(int fd, const std::vector<uint8_t>& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == ENOSPC) {
        return Status::ResourceExhausted(
            path, "disk full; free space on this filesystem and run the restore again");
      }
      return Status::FromErrno(errno, path, "write");
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace

bool HoldsContent(vault::Vault& vault, vault::BlobCodec& codec, const FileEntry& file,
                  const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0 || static_cast<uint64_t>(sb.st_size) != file.size) return false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::vector<uint8_t> buf;
  uint64_t offset = 0;
  bool same = true;
  for (const auto& id : file.blobs) {
    auto loc = vault.FindBlob(id);
    if (!loc) {
      same = false;
      break;
    }
    buf.resize(loc->entry.raw_len);
    ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n != static_cast<ssize_t>(buf.size()) || codec.BlobId(buf) != id) {
      same = false;
      break;
    }
    offset += buf.size();
  }
  ::close(fd);
  return same && offset == file.size;
}

Result<WriteOutcome> RestoreFile(vault::Vault& vault, vault::SpanReader& reader, vault::BlobCodec& codec,
                                 const FileEntry& file, const FileTarget& target,
                                 cassandra::DataFileVerifier* verifier, Progress& progress) {
  if (HoldsContent(vault, codec, file, target.dest)) {
    progress.AddBytes(file.size);
    progress.AddFile();
    return WriteOutcome::kAlreadyPresent;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(target.staging).parent_path(), ec);
  if (ec) return Status::FromErrno(ec.value(), target.staging, "create staging directory");
  int fd = ::open(target.staging.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, target.staging, "create");
  auto fail = [&](Status st) {
    ::close(fd);
    ::unlink(target.staging.c_str());
    return st;
  };
  std::vector<uint8_t> plain;
  uint64_t written = 0;
  for (const auto& id : file.blobs) {
    Status st = reader.ReadBlob(id, codec, &plain);
    if (!st.ok()) return fail(st.Annotate("restore " + target.dest));
    if (verifier) verifier->Update(plain);
    st = WriteAll(fd, plain, target.staging);
    if (!st.ok()) return fail(st);
    written += plain.size();
    progress.AddBytes(plain.size());
  }
  if (written != file.size) {
    return fail(Status::Corruption(target.dest, "the vault holds " + std::to_string(written) +
                                                    " bytes, the manifest says " +
                                                    std::to_string(file.size)));
  }
  if (verifier) {
    Status st = verifier->Finish();
    if (!st.ok()) return fail(st.Annotate("restored SSTable fails its own checksum"));
  }
  // No fsync per file: RunRestore syncs each destination filesystem once at the end, and a file
  // renamed before a crash is re-checked against its blob hashes when the restore is run again.
  ::fchmod(fd, static_cast<mode_t>(file.mode & 07777u));
  // Cassandra must be able to read what we restore: files take the owner of their table dir.
  struct stat dir_sb {};
  std::string dest_dir = std::filesystem::path(target.dest).parent_path().string();
  if (::stat(dest_dir.c_str(), &dir_sb) == 0 && ::geteuid() == 0) {
    if (::fchown(fd, dir_sb.st_uid, dir_sb.st_gid) != 0)
      return fail(Status::FromErrno(errno, target.staging, "chown"));
  }
  ::close(fd);
  if (::rename(target.staging.c_str(), target.dest.c_str()) != 0) {
    int err = errno;
    ::unlink(target.staging.c_str());
    return Status::FromErrno(err, target.dest, "rename into place");
  }
  progress.AddFile();
  vault::CrashPoint("restore-file");
  return WriteOutcome::kWritten;
}

}  // namespace cv::ops
