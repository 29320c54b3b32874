// src/ops/restore_files.h — writing one backed-up file to its destination, checked and atomic.
//
// The bytes are fetched blob by blob through `reader` (which batches neighbours in a pack; each
// verified against its keyed hash when it is opened), written to a new file (O_EXCL) in this run's
// private staging dir on the same filesystem, given the backed-up permission bits (& 0777: never
// setuid, setgid or sticky) and, as root, the destination dir's owner (on the fd), and renamed into
// the destination dir through its fd. A destination that already holds exactly the backed-up
// content (an interrupted restore, run again) is left as it is. Nothing follows a symlink.
#pragma once

#include <string>

#include "cassandra/sstable_verifier.h"
#include "core/manifest.h"
#include "env/safe_dir.h"
#include "ops/progress.h"
#include "ops/restore_staging.h"
#include "vault/span_reader.h"
#include "vault/vault.h"

namespace cv::ops {

struct FileTarget {
  const env::SafeDir* dir = nullptr;  // destination dir
  std::string name;                   // file name in it
  RestoreStaging* staging = nullptr;  // same filesystem as dir
  std::string path() const { return dir->Join(name); }
};

// Permission bits a restored file gets: the backed-up ones without setuid, setgid and sticky.
inline constexpr uint32_t kRestoredModeMask = 0777;

enum class WriteOutcome { kWritten, kAlreadyPresent };

// `verifier` (optional) sees the plaintext in order; its Finish() must pass before the rename.
Result<WriteOutcome> RestoreFile(vault::Vault& vault, vault::SpanReader& reader, vault::BlobCodec& codec,
                                 const FileEntry& file, const FileTarget& target,
                                 cassandra::DataFileVerifier* verifier, Progress& progress);

// Does `name` in `dir` already hold exactly the content `file` names? (a regular file with one
// link, not a symlink; size, then each blob's keyed hash)
bool HoldsContent(vault::Vault& vault, vault::BlobCodec& codec, const FileEntry& file,
                  const env::SafeDir& dir, const std::string& name);

}  // namespace cv::ops
