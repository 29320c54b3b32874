// src/vault/catalog_test_util.h — what the catalog and node identity tests share: a store decorator that
// runs a hook before each Put (a backup racing a consolidation, a Put that fails as a kill would leave it),
// and a backup committed on a node's partition through the real session. Tests only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "storage/forwarding_store.h"
#include "vault/backup_session.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault::testutil {

// Calls `before_put(key)` before each Put; a non-OK status is returned instead of writing (nothing stored).
class HookStore final : public storage::ForwardingStore {
 public:
  explicit HookStore(std::unique_ptr<storage::ObjectStore> inner) : ForwardingStore(std::move(inner)) {}
  std::function<Status(std::string_view key)> before_put;

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    if (before_put) {
      auto hook = before_put;  // the hook may clear itself
      CV_RETURN_IF_ERROR(hook(key));
    }
    return ForwardingStore::Put(key, data);
  }
};

struct NodeBackup {
  std::string backup_id, tag, host_id, address = "10.0.0.1", data_center = "dc1";
  int64_t started = 0;
};

// As `cassvault backup` on the vault's partition: loads the index, stores `parts` as one file, commits a
// record naming the partition (node_id = v.partition()). *stored counts the parts stored anew.
inline Result<BackupRecord> CommitNodeBackup(Vault& v, const std::vector<std::vector<uint8_t>>& parts,
                                             const NodeBackup& b, int* stored = nullptr) {
  CV_RETURN_IF_ERROR(v.LoadIndex());
  BackupSession session(v, 1 << 16);
  auto codec = v.NewCodec();
  Manifest m;
  m.backup_id = b.backup_id;
  m.tag = b.tag;
  m.started = m.finished = b.started;
  m.node.host_id = b.host_id;
  TableEntry t{"ks", "t", "", "", {}};
  FileEntry f{"nb-1-big-Data.db", 0, 0, 0644, 0, {}};
  if (stored) *stored = 0;
  for (const auto& p : parts) {
    bool fresh = false;
    CV_ASSIGN_OR_RETURN(ObjectId id, session.StorePart(*codec, p, false, &fresh));
    f.blobs.push_back(id);
    f.size += p.size();
    if (stored) *stored += fresh;
  }
  t.files.push_back(f);
  m.tables.push_back(t);
  BackupRecord r;
  r.backup_id = b.backup_id;
  r.tag = b.tag;
  r.host_id = b.host_id;
  r.address = b.address;
  r.data_center = b.data_center;
  r.started = r.finished = b.started;
  r.files = 1;
  r.bytes = f.size;
  r.node_id = v.partition();
  return session.Commit(m, r);
}

}  // namespace cv::vault::testutil
