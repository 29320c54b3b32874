// src/ops/verify.h — is every backup restorable? Fast: every blob a backup references is in the
// index, its pack exists with the expected size and its pack's header lists it as the index does; objects
// the vault skipped because they did not check out (index objects, records, key slots, unindexed packs
// that were not adopted) are problems too. Deep: every referenced pack is read, checked
// against its name (SHA-256), and every blob decrypted and checked against its keyed hash.
// Problems are reported with the backups, tables and files they affect.
#pragma once

#include <string>
#include <vector>

#include "vault/vault.h"

namespace cv::ops {

struct VerifyProblem {
  std::string object;                 // pack key or blob id
  std::string problem;                // "missing", "corrupt: ...", ...
  std::vector<std::string> affected;  // "backup <id> table ks.t file nb-1-big-Data.db"
};

struct VerifyReport {
  std::vector<std::string> backups;  // checked
  uint64_t blobs = 0, packs = 0, bytes_read = 0;
  uint64_t duplicate_blobs = 0;  // stored in more than one pack: wasted space, not damage
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

// `backup`: an id or tag; empty = every backup.
Result<VerifyReport> RunVerify(vault::Vault& vault, const std::string& backup, bool deep);

}  // namespace cv::ops
