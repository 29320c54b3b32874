// src/ops/policy_run.h — one slot of one policy on this node: the backup tagged with the slot's tag
// (sched::SlotTag, the same on every node), the policy's selection, then what the policy asks after
// success (a fast verify of the new backup). A node that already committed the tag skips it. Each slot's
// run leaves two run records in the vault (vault/run_log.h): "started" at its first attempt, and its final
// state. The daemon (ops/daemon.h) and `backup --policy` use it; the run lock is theirs to take.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/policy.h"
#include "core/status.h"
#include "ops/config.h"
#include "vault/run_log.h"
#include "vault/vault.h"

namespace cv::ops {

// Who this node is, for run records: over CQL when the node answers, else the yaml's listen address.
struct NodeIdent {
  std::string host_id, address, data_center, node_id;
};
NodeIdent ReadNodeIdent(const Config& config);

struct AttemptResult {
  // "succeeded"; "skipped": this node had already committed the slot's tag (record holds that backup);
  // "failed": the error says why (retry while before the deadline); "abandoned": cancelled before the commit.
  std::string state;
  Status error;
  BackupRecord record;
  bool verified = false;  // after_success: verify ran and found the backup complete
  double seconds = 0;
  std::vector<std::string> warnings;  // BackupOptions::warn's, for the caller to show or log
};

// One attempt of the slot. Never commits a partial backup: a cancel stops it before the commit.
AttemptResult AttemptPolicySlot(const Config& config, vault::Vault& vault, const policy::Policy& policy,
                                int64_t slot, const NodeIdent& node, const std::atomic<bool>* cancel);

// The run records of one slot's run. Writing them is best effort for the backup: a failed write is
// returned for the caller to log, and never stops the backup itself.
class SlotRun {
 public:
  // A new run id; writes the "started" record (seq 0).
  static Result<SlotRun> Begin(vault::RunLog& log, const policy::Policy& policy, uint32_t version,
                               int64_t slot, const NodeIdent& node, int64_t now, Status* write_error);
  // A run that ends without starting a backup (missed slots after a downtime): one final record only.
  static Status WriteSkipped(vault::RunLog& log, const policy::Policy& policy, uint32_t version, int64_t slot,
                             const NodeIdent& node, int64_t now, const std::string& why);
  // The final record (seq 1): state, attempts, backup id, the error's message (<= 1 KiB).
  Status Finish(const AttemptResult& last, int attempts, int64_t now);
  const vault::RunRecord& record() const { return record_; }

 private:
  SlotRun(vault::RunLog& log, vault::RunRecord r) : log_(&log), record_(std::move(r)) {}
  vault::RunLog* log_;
  vault::RunRecord record_;
};

// The error text kept in a run record: the status message, cut to 1 KiB on a character boundary.
std::string RunErrorText(const Status& st);

}  // namespace cv::ops
