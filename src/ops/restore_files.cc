#include "ops/restore_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "pipeline/cpu_stages.h"
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
                  const env::SafeDir& dir, const std::string& name) {
  auto fd = dir.OpenFileForRead(name);
  if (!fd.ok()) return false;
  struct stat sb {};
  if (::fstat(fd->get(), &sb) != 0 || static_cast<uint64_t>(sb.st_size) != file.size) return false;
  std::vector<uint8_t> buf;
  uint64_t offset = 0;
  for (const auto& id : file.blobs) {
    auto loc = vault.FindBlob(id);
    if (!loc) return false;
    buf.resize(loc->entry.raw_len);
    ssize_t n = ::pread(fd->get(), buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n != static_cast<ssize_t>(buf.size()) || codec.BlobId(buf) != id) return false;
    offset += buf.size();
  }
  return offset == file.size;
}

Result<WriteOutcome> RestoreFile(vault::Vault& vault, vault::SpanReader& reader, vault::BlobCodec& codec,
                                 const FileEntry& file, const FileTarget& target,
                                 cassandra::DataFileVerifier* verifier, Progress& progress) {
  // CPU time by stage: charged only when the caller counts (an enclosing pipeline::CpuStages::Scope).
  using Timed = pipeline::CpuStages::Scope;
  bool present = false;
  {
    Timed timed("present_check");
    present = HoldsContent(vault, codec, file, *target.dir, target.name);
  }
  if (present) {
    progress.AddBytes(file.size);
    progress.AddFile();
    return WriteOutcome::kAlreadyPresent;
  }
  const env::SafeDir& stage = target.staging->run();
  const std::string staged = target.staging->NextName();
  CV_ASSIGN_OR_RETURN(env::UniqueFd fd, stage.CreateFile(staged, 0600));
  auto fail = [&](Status st) {
    fd.Reset();
    ::unlinkat(stage.fd(), staged.c_str(), 0);
    return st;
  };
  std::vector<uint8_t>& plain = codec.plain_buffer();
  uint64_t written = 0;
  for (const auto& id : file.blobs) {
    Status st;
    {
      Timed timed("blob_read");
      st = reader.ReadBlob(id, codec, &plain);
    }
    if (!st.ok()) return fail(st.Annotate("restore " + target.path()));
    if (verifier) {
      Timed timed("checksum");
      verifier->Update(plain);
    }
    {
      Timed timed("write");
      st = WriteAll(fd.get(), plain, stage.Join(staged));
    }
    if (!st.ok()) return fail(st);
    written += plain.size();
    progress.AddBytes(plain.size());
  }
  if (written != file.size) {
    return fail(Status::Corruption(target.path(), "the vault holds " + std::to_string(written) +
                                                      " bytes, the manifest says " +
                                                      std::to_string(file.size)));
  }
  if (verifier) {
    Status st;
    {
      Timed timed("checksum");
      st = verifier->Finish();
    }
    if (!st.ok()) return fail(st.Annotate("restored SSTable fails its own checksum"));
  }
  // No fsync per file: RunRestore syncs each destination filesystem once at the end, and a file
  // renamed before a crash is re-checked against its blob hashes when the restore is run again.
  if (::fchmod(fd.get(), static_cast<mode_t>(file.mode & kRestoredModeMask)) != 0)
    return fail(Status::FromErrno(errno, stage.Join(staged), "chmod"));
  // Cassandra must be able to read what we restore: files take the owner of their table dir (read
  // from the dir's fd, changed on the file's fd: no path is resolved twice).
  if (::geteuid() == 0) {
    auto dir_sb = target.dir->Stat();
    if (!dir_sb.ok()) return fail(dir_sb.status());
    if (::fchown(fd.get(), dir_sb->st_uid, dir_sb->st_gid) != 0)
      return fail(Status::FromErrno(errno, stage.Join(staged), "chown"));
    // chown clears setuid/setgid on most filesystems; the mask above already did, whatever the kernel.
  }
  fd.Reset();
  Status st = stage.RenameTo(staged, *target.dir, target.name);
  if (!st.ok()) return fail(st);
  progress.AddFile();
  vault::CrashPoint("restore-file");
  return WriteOutcome::kWritten;
}

}  // namespace cv::ops
