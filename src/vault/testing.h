// src/vault/testing.h — what unit tests of the vault and of the operations over it share (restic's
// repository/testing.go): a scratch directory per test, scrypt cheap enough for tests, and a backup
// committed by hand through the real session. Tests only; nothing in the product includes it.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "vault/backup_session.h"
#include "vault/pack.h"
#include "vault/vault.h"

namespace cv::vault::testutil {

// scrypt at N = 2^10: unlocks in milliseconds (the format allows it; `init` never writes it).
inline crypto::ScryptParams FastScrypt() { return {.log2_n = 10, .r = 8, .p = 1}; }

// <tmp>/<prefix>-<pid>-<name>, emptied when made and removed when destroyed.
class ScratchDir {
 public:
  ScratchDir(const std::string& prefix, std::string name)
      : path_(std::filesystem::temp_directory_path() /
              (prefix + "-" + std::to_string(::getpid()) + "-" + Flat(std::move(name)))) {
    std::filesystem::remove_all(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  // A parameterised test's name ("Test/v2") must not make a subdirectory.
  static std::string Flat(std::string name) {
    for (char& c : name) c = c == '/' ? '_' : c;
    return name;
  }
  std::filesystem::path path_;
};

// Deterministic bytes that do not compress.
inline std::vector<uint8_t> TestData(size_t n, uint8_t seed) {
  std::vector<uint8_t> d(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : d) b = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 16);
  return d;
}

struct TestBackup {
  std::string backup_id;  // e.g. layout::MakeBackupId(1764079200, "0000000a")
  size_t pack_target = kPackTargetSize;
  bool try_compress = true;
};

// Loads the index, stores `parts` as the one file ks.t/nb-1-big-Data.db and commits the backup, as
// `cassvault backup` would. *stored (if given) counts the parts stored anew rather than found.
inline Result<BackupRecord> CommitTestBackup(Vault& v, const std::vector<std::vector<uint8_t>>& parts,
                                             const TestBackup& options, int* stored = nullptr) {
  CV_RETURN_IF_ERROR(v.LoadIndex());
  BackupSession session(v, options.pack_target);
  auto codec = v.NewCodec();
  Manifest m;
  m.backup_id = options.backup_id;
  TableEntry t{"ks", "t", "", "", {}};
  FileEntry f{"nb-1-big-Data.db", 0, 0, 0644, 0, {}};
  if (stored) *stored = 0;
  for (const auto& p : parts) {
    bool fresh = false;
    CV_ASSIGN_OR_RETURN(ObjectId id, session.StorePart(*codec, p, options.try_compress, &fresh));
    f.blobs.push_back(id);
    f.size += p.size();
    if (stored) *stored += fresh;
  }
  t.files.push_back(f);
  m.tables.push_back(t);
  BackupRecord r;
  r.backup_id = m.backup_id;
  return session.Commit(m, r);
}

}  // namespace cv::vault::testutil
