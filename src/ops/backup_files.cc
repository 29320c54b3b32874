#include "ops/backup_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "cassandra/sstable_name.h"
#include "cassandra/sstable_verifier.h"
#include "pipeline/task_group.h"
#include "vault/codec_pool.h"

namespace cv::ops {
namespace {

std::string DirOf(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash + 1);
}

// The file the scan listed, and nothing else: the Cassandra account owns the table dirs and could
// swap a component for a symlink to a root-only file between the scan and this read. O_NOFOLLOW
// refuses the link; fstat's device and inode must be the scan's (a hard link or a rename is caught
// too). O_NONBLOCK keeps a FIFO put there from hanging the backup.
Result<int> OpenScannedFile(const cassandra::ComponentFile& f) {
  int fd = ::open(f.abs_path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Status::FailedPrecondition(
          f.abs_path,
          "became a symbolic link after the scan; refusing to back up what it points "
          "to. Check who changed it, and run the backup again");
    }
    return Status::FromErrno(errno, f.abs_path, "open");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_dev) != f.device ||
      static_cast<uint64_t>(st.st_ino) != f.inode) {
    ::close(fd);
    return Status::FailedPrecondition(
        f.abs_path,
        "is not the file the scan listed (device/inode changed or not a regular "
        "file); refusing to back it up. Check who changed it, and run the backup "
        "again");
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

Status ReadFully(int fd, uint8_t* buf, size_t len, uint64_t offset, const std::string& path, size_t* got) {
  *got = 0;
  while (*got < len) {
    ssize_t n = ::pread(fd, buf + *got, len - *got, static_cast<off_t>(offset + *got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, path, "read");
    if (n == 0) break;
    *got += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace

std::vector<std::string> BackupStageNames() {
  return {"scan",    "index_load", "file_cache", "read",       "checksum", "store",
          "blob_id", "compress",   "seal",       "pack_write", "commit"};
}

Result<StoreFilesResult> StoreTableFiles(const std::vector<cassandra::TableFiles>& tables,
                                         vault::Vault& vault, vault::BackupSession& session, FileCache* cache,
                                         Progress& progress, const StoreFilesOptions& o) {
  StoreFilesResult result;
  // Entries first, so workers can fill blob slots by index while the reader moves on.
  std::vector<std::vector<char>> is_new(tables.size());
  for (size_t t = 0; t < tables.size(); ++t) {
    const auto& tf = tables[t];
    TableEntry te{tf.keyspace, tf.table, tf.table_id, tf.schema_cql, {}};
    for (const auto& f : tf.files) {
      te.files.push_back(FileEntry{f.rel_path, f.data_dir_index, f.size, f.mode & 07777u, f.mtime_ns, {}});
    }
    is_new[t].assign(tf.files.size(), 0);
    result.tables.push_back(std::move(te));
  }

  vault::CodecPool codecs(vault, o.zstd_level);
  const int workers = o.cpu_budget ? o.cpu_budget->CapWorkers(o.parallelism) : o.parallelism;
  pipeline::BufferPool buffers(static_cast<size_t>(workers) * 2 + 2, o.part_size);
  pipeline::TaskGroup group(workers, static_cast<size_t>(workers) * 2);
  std::vector<std::pair<FileKey, std::pair<size_t, size_t>>> read_files;  // for the cache, after commit

  for (size_t t = 0; t < tables.size() && !group.failed(); ++t) {
    const auto& tf = tables[t];
    for (size_t i = 0; i < tf.files.size() && !group.failed(); ++i) {
      const auto& f = tf.files[i];
      FileEntry& entry = result.tables[t].files[i];
      FileKey key{f.device, f.inode, f.size, f.mtime_ns};
      size_t parts = f.size == 0 ? 0 : (f.size + o.part_size - 1) / o.part_size;
      if (cache) {
        pipeline::CpuStages::Scope timed(o.cpu, kStageFileCache);
        auto known = cache->Lookup(key);
        if (known && known->size() == parts && session.HasAll(*known)) {
          entry.blobs = *known;
          ++result.cache_hits;
          progress.AddBytes(f.size);
          progress.AddFile();
          continue;
        }
      }
      auto name = cassandra::SSTableName::Parse(f.rel_path.substr(DirOf(f.rel_path).size()));
      std::unique_ptr<cassandra::DataFileVerifier> verifier;
      if (name && name->component == "Data.db") {
        pipeline::CpuStages::Scope timed(o.cpu, kStageChecksum);  // reads Digest.crc32, CompressionInfo.db
        auto v = cassandra::OpenDataFileVerifier(f.abs_path, f.size);
        if (!v.ok()) {
          group.Fail(v.status());
          break;
        }
        verifier = std::move(v).value();
      }
      // LZ4/Deflate chunks do not shrink again; a compressed table's Data.db is never retried.
      bool try_compress =
          !(name && name->component == "Data.db" &&
            std::any_of(tf.files.begin(), tf.files.end(), [&](const cassandra::ComponentFile& s) {
              return s.rel_path == DirOf(f.rel_path) + name->Descriptor() + "-CompressionInfo.db";
            }));
      std::optional<pipeline::CpuStages::Scope> reading(std::in_place, o.cpu, kStageRead);
      auto opened = OpenScannedFile(f);
      if (!opened.ok()) {
        group.Fail(opened.status());
        break;
      }
      int fd = *opened;
      // Read-ahead only. Never POSIX_FADV_DONTNEED: snapshot files are hard links of live SSTables, and
      // dropping their pages would evict what Cassandra itself is serving reads from.
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      reading.reset();
      entry.blobs.resize(parts);
      Status st;
      uint64_t offset = 0;
      for (size_t p = 0; p < parts && !group.failed(); ++p) {
        std::vector<uint8_t> buf = buffers.Acquire();
        size_t want = static_cast<size_t>(std::min<uint64_t>(o.part_size, f.size - offset)), got = 0;
        if (o.read_rate) o.read_rate->Take(want);
        if (o.cpu_budget) o.cpu_budget->Pace();
        reading.emplace(o.cpu, kStageRead);
        st = ReadFully(fd, buf.data(), want, offset, f.abs_path, &got);
        reading.reset();
        if (st.ok() && got != want) {
          st =
              Status::Corruption(f.abs_path, "file shrank while being read (snapshot files must not change)");
        }
        if (!st.ok()) {
          buffers.Release(std::move(buf));
          break;
        }
        // The buffer keeps its full size and the part is its first `got` bytes: shrinking it would make
        // the pool zero-fill 4 MiB again for the next part (most components are tiny files).
        std::span<const uint8_t> part(buf.data(), got);
        if (verifier) {
          pipeline::CpuStages::Scope timed(o.cpu, kStageChecksum);
          verifier->Update(part);
        }
        offset += got;
        result.bytes_read += got;
        char* new_flag = &is_new[t][i];
        ObjectId* slot = &entry.blobs[p];
        // try_compress by value: the task outlives this iteration (ASan: stack-use-after-scope).
        group.Submit([&, buf = std::move(buf), part, new_flag, slot, try_compress]() mutable -> Status {
          std::optional<pipeline::CpuStages::Scope> storing(std::in_place, o.cpu, kStageStore);
          auto codec = codecs.Acquire();
          bool stored = false;
          auto id = session.StorePart(*codec, part, try_compress, &stored);
          codecs.Release(std::move(codec));
          storing.reset();
          progress.AddBytes(part.size());
          buffers.Release(std::move(buf));
          if (o.cpu_budget) o.cpu_budget->Pace();
          if (!id.ok()) return id.status();
          *slot = *id;
          if (stored) *new_flag = 1;
          return Status::OK();
        });
      }
      ::close(fd);
      if (st.ok() && verifier && !group.failed()) {
        pipeline::CpuStages::Scope timed(o.cpu, kStageChecksum);
        st = verifier->Finish();
      }
      if (!st.ok()) {
        group.Fail(st);
        break;
      }
      ++result.files_read;
      progress.AddFile();
      read_files.push_back({key, {t, i}});
    }
  }
  CV_RETURN_IF_ERROR(group.Wait());

  for (size_t t = 0; t < tables.size(); ++t) {
    for (size_t i = 0; i < tables[t].files.size(); ++i) {
      if (!is_new[t][i]) continue;
      ++result.new_files;
      result.new_bytes += tables[t].files[i].size;
      result.new_components.push_back(tables[t].keyspace + "." + tables[t].table + "/" +
                                      tables[t].files[i].rel_path);
    }
  }
  if (cache) {
    pipeline::CpuStages::Scope timed(o.cpu, kStageFileCache);
    for (const auto& [key, pos] : read_files)
      cache->Remember(key, result.tables[pos.first].files[pos.second].blobs);
  }
  return result;
}

}  // namespace cv::ops
