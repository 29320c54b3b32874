#include "ops/restore_load_stage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "cassandra/sstable_verifier.h"
#include "ops/progress.h"
#include "ops/restore_files.h"
#include "pipeline/task_group.h"
#include "vault/span_reader.h"

namespace cv::ops {
namespace {

// Directory entries, the argfile: a small allowance on top of the files' blocks.
constexpr uint64_t kHeadroomBytes = 1 << 20;

uint64_t FreeBytes(const std::string& path) {
  struct statvfs sv {};
  if (::statvfs(path.c_str(), &sv) != 0) return UINT64_MAX;
  return static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
}

// Whole blocks, as the files will take them.
uint64_t StagedBytes(const LoadTable& t) {
  uint64_t b = 0;
  for (const auto& f : t.files) b += (f.file->size + 4095) / 4096 * 4096;
  return b;
}

}  // namespace

Status CheckLoadBudget(const LoadTable& t, const RestoreOptions& o, const std::string& dir) {
  uint64_t need = StagedBytes(t) + kHeadroomBytes;
  if (o.staging_max > 0 && need > o.staging_max) {
    return Status::ResourceExhausted(
        "table " + t.src_ks + "." + t.src_table,
        "needs " + std::to_string(need) + " bytes of staging (its SSTables from " + std::to_string(t.nodes) +
            " nodes), more than --staging-max " + std::to_string(o.staging_max) +
            "; raise --staging-max or point --staging-dir at a larger disk. Nothing was loaded");
  }
  uint64_t free = FreeBytes(dir);
  if (need > free) {
    return Status::ResourceExhausted("table " + t.src_ks + "." + t.src_table,
                                     "needs " + std::to_string(need) + " bytes of staging but " + dir +
                                         " has " + std::to_string(free) +
                                         " free; free space or point --staging-dir at a larger disk");
  }
  return Status::OK();
}

// Step 1 for one table: every node's files, checked, under their renumbered names in `dir`.
Status StageLoadTable(const Config& config, vault::Vault& vault, RestoreStaging& staging,
                      const env::SafeDir& dir, const LoadTable& t, bool show_progress,
                      RestoreReport* report) {
  std::vector<ObjectId> needed;
  for (const auto& f : t.files) needed.insert(needed.end(), f.file->blobs.begin(), f.file->blobs.end());
  vault::SpanReader reader(vault, needed);
  Progress progress("stage " + t.src_ks + "." + t.src_table, t.bytes, t.files.size(), show_progress);
  int workers = config.parallelism > 0 ? config.parallelism : pipeline::DefaultParallelism();
  std::atomic<uint64_t> files{0}, bytes{0};
  // Small components first: each Data.db is checked against the Digest.crc32 staged beside it.
  for (bool data : {false, true}) {
    pipeline::TaskGroup group(workers, static_cast<size_t>(workers) * 2);
    for (const auto& f : t.files) {
      if (f.is_data != data) continue;
      group.Submit([&, &f = f]() -> Status {
        auto codec = vault.NewCodec();
        FileTarget target{&dir, f.name, &staging};
        std::unique_ptr<cassandra::DataFileVerifier> verifier;
        if (f.is_data) {
          CV_ASSIGN_OR_RETURN(verifier, cassandra::OpenDataFileVerifier(target.path(), f.file->size));
        }
        CV_ASSIGN_OR_RETURN(WriteOutcome out,
                            RestoreFile(vault, reader, *codec, *f.file, target, verifier.get(), progress));
        (void)out;
        files++;
        bytes += f.file->size;
        return Status::OK();
      });
    }
    CV_RETURN_IF_ERROR(group.Wait());
  }
  progress.Finish();
  report->files_written += files;
  report->bytes_written += bytes;
  return Status::OK();
}

Result<env::UniqueFd> LockLoadStaging(const env::SafeDir& dir) {
  int fd = ::openat(dir.fd(), "load.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, dir.Join("load.lock"), "open");
  env::UniqueFd lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition(
        dir.Join("load.lock"),
        "another `restore --mode load` is using this --staging-dir; wait for it or "
        "use another directory");
  }
  DIR* d = ::fdopendir(::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::vector<std::string> stale;
  if (d != nullptr) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.starts_with("load.") && n != "load.lock") stale.push_back(n);
    }
    ::closedir(d);
  }
  for (const auto& n : stale) (void)dir.RemoveTree(n);
  return lock;
}

}  // namespace cv::ops
