// src/ops/backup_files.h — the data path of a backup: read each component once, in large sequential
// parts, verify Data.db against Digest.crc32 and its chunk CRCs on the way, and hand the parts to
// worker threads that name, deduplicate, compress, seal and pack them. Memory is a fixed number of
// part buffers, whatever the data size.
#pragma once

#include <vector>

#include "cassandra/snapshot_scan.h"
#include "core/manifest.h"
#include "ops/file_cache.h"
#include "ops/progress.h"
#include "pipeline/cpu_budget.h"
#include "pipeline/cpu_stages.h"
#include "pipeline/rate_limiter.h"
#include "vault/backup_session.h"

namespace cv::ops {

struct StoreFilesResult {
  std::vector<TableEntry> tables;           // files filled with their blob lists
  std::vector<std::string> new_components;  // "ks.table/path"
  uint64_t new_files = 0, new_bytes = 0;
  uint64_t files_read = 0, bytes_read = 0, cache_hits = 0;
};

// Where a backup's CPU time goes (pipeline::CpuStages; BackupStageNames() in this order). "store" is
// BackupSession::StorePart as ops sees it; the vault may split it by opening named scopes inside it
// ("blob_id", "compress", "seal", "pack_write"), which are then taken out of "store".
enum BackupStage : size_t {
  kStageScan,       // listing the table dirs (and, live, the snapshot)
  kStageIndexLoad,  // the vault's blob index
  kStageFileCache,  // known-unchanged lookups and remembering
  kStageRead,       // open, fstat, pread: the kernel's page-cache copy included
  kStageChecksum,   // Data.db against Digest.crc32 and its chunk CRCs
  kStageStore,      // StorePart: naming, compressing, sealing, packing (what the vault does not split)
  kStageBlobId,     // named by the vault, if it does
  kStageCompress,   //   "
  kStageSeal,       //   "
  kStagePackWrite,  //   "
  kStageCommit,     // last pack, index, manifest, record
};
std::vector<std::string> BackupStageNames();

struct StoreFilesOptions {
  int parallelism = 2;
  int zstd_level = 1;  // the default: see docs/config.md (backup.zstd_level)
  size_t part_size = 4u << 20;
  pipeline::CpuStages* cpu = nullptr;  // optional: counted by BackupStage
  // backup.max_cpu and backup.max_read_rate: both optional. Workers pace themselves between parts, and the
  // reader takes each part's bytes from the read budget before it reads them.
  pipeline::CpuBudget* cpu_budget = nullptr;
  pipeline::RateLimiter* read_rate = nullptr;
};

Result<StoreFilesResult> StoreTableFiles(const std::vector<cassandra::TableFiles>& tables,
                                         vault::Vault& vault, vault::BackupSession& session, FileCache* cache,
                                         Progress& progress, const StoreFilesOptions& options);

}  // namespace cv::ops
