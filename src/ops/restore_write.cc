#include "ops/restore_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <set>

#include "ops/progress.h"
#include "ops/restore_files.h"
#include "pipeline/task_group.h"
#include "vault/codec_pool.h"
#include "vault/span_reader.h"

namespace cv::ops {
namespace {

// Durable before anyone starts Cassandra on it or imports it: one syncfs per filesystem.
Status SyncDestinations(const RestoreDirs& dirs) {
  std::set<dev_t> done;
  for (const auto& [key, dir] : dirs.dest) {
    auto st = dir->Stat();
    if (!st.ok() || !done.insert(st->st_dev).second) continue;
    if (::syncfs(dir->fd()) != 0) return Status::FromErrno(errno, dir->path(), "sync restored files");
  }
  return Status::OK();
}

}  // namespace

std::vector<std::string> RestoreStageNames() {
  return {"manifest", "index_load", "file_ops", "present_check", "blob_read", "pack_read",
          "decrypt",  "decompress", "blob_id",  "checksum",      "write",     "sync"};
}

Status WriteRestoreFiles(const Config& config, vault::Vault& vault, RestorePlan& plan, RestoreDirs& dirs,
                         bool show_progress, RestoreReport* report, pipeline::CpuStages* cpu) {
  CV_RETURN_IF_ERROR(OpenRestoreDirs(plan, &dirs));
  auto& small_jobs = plan.small_jobs;
  auto& data_jobs = plan.data_jobs;
  // Every blob this restore reads, so that neighbours in a pack are fetched in one request; small files
  // in the order their blobs lie in the packs, so that they find their span still cached.
  std::vector<ObjectId> needed;
  for (const auto* jobs : {&small_jobs, &data_jobs}) {
    for (const auto& job : *jobs) {
      if (!plan.in_place.count(job.file))
        needed.insert(needed.end(), job.file->blobs.begin(), job.file->blobs.end());
    }
  }
  vault::SpanReader reader(vault, needed);
  auto first_span = [&reader](const FileJob& j) {
    return j.file->blobs.empty() ? std::pair<ObjectId, uint64_t>{} : reader.SortKey(j.file->blobs.front());
  };
  std::stable_sort(small_jobs.begin(), small_jobs.end(),
                   [&](const FileJob& a, const FileJob& b) { return first_span(a) < first_span(b); });

  Progress progress("restore", plan.total_bytes, small_jobs.size() + data_jobs.size(), show_progress);
  std::atomic<uint64_t> written{0}, present{0}, bytes{0};
  // Restore workers mostly wait on reads: from a cloud store, more of them than cores keep the link busy
  // (each holds one blob, so memory grows by a few MiB per worker, not with the data).
  int workers = config.parallelism > 0 ? config.parallelism
                                       : std::max(pipeline::DefaultParallelism(),
                                                  std::min(vault.store().Properties().connections, 4));
  // Small components first: a Data.db is checked against the Digest.crc32 and CompressionInfo.db
  // already restored beside it.
  vault::CodecPool codecs(vault, 3);
  for (auto* jobs : {&small_jobs, &data_jobs}) {
    pipeline::TaskGroup group(workers, static_cast<size_t>(workers) * 2);
    for (const auto& job : *jobs) {
      group.Submit([&, &job = job]() -> Status {
        pipeline::CpuStages::Scope timed(cpu, kRStageFileOps);  // RestoreFile's named scopes nest in it
        if (plan.in_place.count(job.file)) {  // checked against its blob hashes by the check step
          progress.AddBytes(job.file->size);
          progress.AddFile();
          present++;
          return Status::OK();
        }
        auto codec = codecs.Acquire();
        FileTarget target{&dirs.Dest(job), job.name, dirs.staging.at(job.staging_root).get()};
        // The Digest and CompressionInfo restored beside it in the first pass say what it must hash to.
        std::unique_ptr<cassandra::DataFileVerifier> verifier;
        if (job.is_data) {
          pipeline::CpuStages::Scope checking(cpu, kRStageChecksum);
          CV_ASSIGN_OR_RETURN(verifier, cassandra::OpenDataFileVerifier(target.path(), job.file->size));
        }
        auto out = RestoreFile(vault, reader, *codec, *job.file, target, verifier.get(), progress);
        codecs.Release(std::move(codec));
        if (!out.ok()) return out.status();
        (*out == WriteOutcome::kWritten ? written : present)++;
        if (*out == WriteOutcome::kWritten) bytes += job.file->size;
        return Status::OK();
      });
    }
    CV_RETURN_IF_ERROR(group.Wait());
  }
  progress.Finish();
  {
    pipeline::CpuStages::Scope timed(cpu, kRStageSync);
    CV_RETURN_IF_ERROR(SyncDestinations(dirs));
  }
  report->files_written = written;
  report->files_already_present = present;
  report->bytes_written = bytes;
  return Status::OK();
}

}  // namespace cv::ops
