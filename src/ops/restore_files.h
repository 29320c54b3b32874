// src/ops/restore_files.h — writing one backed-up file to its destination, checked and atomic.
//
// The bytes are fetched blob by blob through `reader` (which batches neighbours in a pack; each verified
// against its keyed hash when it is opened), written to a temporary file in a staging dir on the same
// filesystem, synced, given the backed-up mode and the destination dir's owner, and renamed into place. A
// destination that already holds exactly the backed-up content (an interrupted restore, run again) is left as
// it is.
#pragma once

#include <string>

#include "cassandra/sstable_verifier.h"
#include "core/manifest.h"
#include "ops/progress.h"
#include "vault/span_reader.h"
#include "vault/vault.h"

namespace cv::ops {

struct FileTarget {
  std::string dest;     // final path
  std::string staging;  // temporary path, same filesystem as dest
};

enum class WriteOutcome { kWritten, kAlreadyPresent };

// `verifier` (optional) sees the plaintext in order; its Finish() must pass before the rename.
Result<WriteOutcome> RestoreFile(vault::Vault& vault, vault::SpanReader& reader, vault::BlobCodec& codec,
                                 const FileEntry& file, const FileTarget& target,
                                 cassandra::DataFileVerifier* verifier, Progress& progress);

// Does `path` already hold exactly the content `file` names? (size, then each blob's keyed hash)
bool HoldsContent(vault::Vault& vault, vault::BlobCodec& codec, const FileEntry& file,
                  const std::string& path);

}  // namespace cv::ops
