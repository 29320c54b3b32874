// src/ops/restore_write.h — step 3 of a restore: make the destination directories and write every
// planned file (small components first, then Data.db checked against them), then sync.
#pragma once

#include "ops/config.h"
#include "ops/restore_dirs.h"
#include "ops/restore_plan.h"
#include "pipeline/cpu_stages.h"
#include "vault/vault.h"

namespace cv::ops {

// Where a restore's CPU time goes (pipeline::CpuStages; RestoreStageNames() in this order). RestoreFile
// opens the named sub-stages itself; "file_ops" is the rest of a file's work (codec, staging file, mode,
// owner, rename). The vault may split "blob_read" by opening "pack_read", "decrypt", "decompress" and
// "blob_id" scopes inside it.
enum RestoreStage : size_t {
  kRStageManifest,      // finding the backup, loading its record and manifest
  kRStageIndexLoad,     // the vault's blob index
  kRStageFileOps,       // per file, what no sub-stage below took
  kRStagePresentCheck,  // "present_check": is the destination already this content?
  kRStageBlobRead,      // "blob_read": SpanReader::ReadBlob (fetch, open, decompress, hash check)
  kRStagePackRead,      // "pack_read", named by the vault, if it does
  kRStageDecrypt,       // "decrypt",    "
  kRStageDecompress,    // "decompress", "
  kRStageBlobId,        // "blob_id": the plaintext's hash against its id, "
  kRStageChecksum,      // "checksum": Data.db against its Digest.crc32 and chunk CRCs
  kRStageWrite,         // "write": write(2) into the staged file
  kRStageSync,          // one syncfs per destination filesystem
};
std::vector<std::string> RestoreStageNames();

// Opens and makes the directories into `dirs` (see restore_dirs.h), then writes. Fills
// files_written / files_already_present / bytes_written of `report`. `cpu` (optional) is charged by
// RestoreStage.
Status WriteRestoreFiles(const Config& config, vault::Vault& vault, RestorePlan& plan, RestoreDirs& dirs,
                         bool show_progress, RestoreReport* report, pipeline::CpuStages* cpu = nullptr);

}  // namespace cv::ops
